/**
 * Design: the exact reads of one computation, kept so that it can be shown later to read the same
 * again without running it (a kubelet's housekeeping pass proven to do nothing, ADR 0020). A
 * reader — the API server (ObjectStore) or an informer cache — told of a ReadSet (`reads`) tells
 * it every object it hands out by key or by index, with the answer it gave. Stored objects are
 * immutable and replaced on every change (ADR 0009), so `holds` re-asks each question of the
 * readers of the moment (possibly another world's, continuing this one's API server) and compares
 * answers by identity: the same objects under the same keys and in the same index buckets, in
 * the same order, mean the computation would read exactly what it read. A read that cannot be
 * re-asked cheaply (a whole list, a kind's keys, the binder's matcher, the events) makes the set
 * unusable (`replayable` false), never silently incomplete.
 */
import type { IndexName } from './indexers.ts';
import type { AnyObject, ReadObserver, ReadSource, StoredKind } from './ObjectStore.ts';

export type { ReadSource } from './ObjectStore.ts';

/** What `holds` re-asks: the readers of the world that wants to rely on the reads. */
export interface ReadSources {
  store: { get(kind: StoredKind, key: string): AnyObject | undefined; byIndex(name: IndexName, value: string): AnyObject[] };
  cache: { get(kind: StoredKind, key: string): AnyObject | undefined; byIndex(name: IndexName, value: string): AnyObject[] };
}

export class ReadSet implements ReadObserver {
  /** `source kind key` -> the object handed out (undefined: none); the first answer of each question. */
  private readonly gets = new Map<string, { source: ReadSource; kind: StoredKind; key: string; obj: AnyObject | undefined }>();
  private readonly indexed = new Map<string, { source: ReadSource; name: IndexName; value: string; objs: AnyObject[] }>();
  /** False once something was read that `holds` cannot re-ask. */
  replayable = true;

  get(source: ReadSource, kind: StoredKind, key: string, obj: AnyObject | undefined): void {
    const id = `${source} ${kind} ${key}`;
    if (!this.gets.has(id)) this.gets.set(id, { source, kind, key, obj });
  }

  byIndex(source: ReadSource, name: IndexName, value: string, objs: AnyObject[]): void {
    const id = `${source} ${name} ${value}`;
    if (!this.indexed.has(id)) this.indexed.set(id, { source, name, value, objs });
  }

  /** A read `holds` cannot re-ask (a list, a kind's keys, the matcher, the events). */
  unreplayable(): void {
    this.replayable = false;
  }

  /** Reads and index reads recorded (tests). */
  get size(): number {
    return this.gets.size + this.indexed.size;
  }

  /** Whether every question asked again of `sources` gets the very answer it got. */
  holds(sources: ReadSources): boolean {
    if (!this.replayable) return false;
    for (const g of this.gets.values()) {
      if (sources[g.source].get(g.kind, g.key) !== g.obj) return false;
    }
    for (const ix of this.indexed.values()) {
      const now = sources[ix.source].byIndex(ix.name, ix.value);
      if (now.length !== ix.objs.length) return false;
      for (let i = 0; i < now.length; i++) if (now[i] !== ix.objs[i]) return false;
    }
    return true;
  }
}
