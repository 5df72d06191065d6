/**
 * Design: a read verb on a large cluster should cost what it reads, not what the cluster holds
 * (issue 14 item 3). `snapshot.json` is the fold a writing command starts from, and loading it
 * creates every actor; `objects.jsonl`, written beside it at the same log position, is the same
 * objects laid out for reading one at a time:
 *
 *   line 1      header: format, the log point (pos, sum, byteOffset, time), and per kind where its
 *               index is, with the index's sha256
 *   then        per kind: its index — [key, offset, length, sha256] per object, keys in list
 *               order — and its objects, one JSON line each
 *
 * `get pv NAME` reads the header, the PV index and one object line, then folds only the log's
 * records after the snapshot's position over what it read (`factOf`, the fold's own reading of a
 * record); `get pv` reads the PV section, so its cost follows what it prints. Like every snapshot
 * it is a cache: it is used only when the log still has the snapshot's record where it was
 * (`FileEventLog.readAfter`) and every byte read checks against its sha256; otherwise the verb
 * folds the log as before. Deleting it changes no answer.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { LogRecord } from '@pvsim/domain';
import { sha256Hex, type FileEventLog } from '@pvsim/log-file';
import { SimClock, factOf, type AnyObject, type ObjectStore, type StoredKind } from '@pvsim/runtime';
import { writeFileBestEffort } from './snapshotFile.ts';

export const OBJECTS_FILE = 'objects.jsonl';
const FORMAT = 'pvsim-objects/1';
const HEADER_BYTES_MAX = 1024 * 1024;

/** Where the objects file stands in the log (the snapshot's point). */
export interface LogPoint { pos: number; sum: string; byteOffset: number; time: string }

interface Header extends LogPoint {
  format: typeof FORMAT;
  /** Per kind: its index's [offset, length, sha256], offsets from the end of the header line. */
  kinds: Record<string, [number, number, string]>;
}

type IndexEntry = [key: string, offset: number, length: number, sum: string];

/**
 * Writes the objects of a store at `point` (best effort, like every snapshot): `objects` is its
 * `dump().objects` there (the snapshot's own, which shares the store's immutable objects).
 */
export function writeObjectsFile(path: string, point: LogPoint, objects: ReturnType<ObjectStore['dump']>['objects'], log: FileEventLog): boolean {
  const parts: string[] = [];
  let offset = 0;
  const kinds: Header['kinds'] = {};
  const byKind = new Map<StoredKind, [string, AnyObject][]>();
  for (const [kind, key, obj] of objects) {
    let list = byKind.get(kind);
    if (!list) byKind.set(kind, (list = []));
    list.push([key, obj]);
  }
  for (const [kind, entries] of byKind) {
    // List order: sorted keys, except events (recording order), as ObjectStore.list gives them.
    if (kind !== 'Event') entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const lines = entries.map(([, obj]) => `${JSON.stringify(obj)}\n`);
    const index: IndexEntry[] = [];
    // The index goes first; object offsets are known once its length is, so lay out the objects
    // relative to the section and shift them after.
    let rel = 0;
    const relative = entries.map(([key], i) => {
      const line = lines[i]!;
      const length = Buffer.byteLength(line) - 1;
      const entry: IndexEntry = [key, rel, length, sha256Hex(line.slice(0, -1))];
      rel += length + 1;
      return entry;
    });
    // The index's own length depends on the offsets it holds (their digits): lay it out again
    // until its length stops moving (it only grows, by a few digits, so a few rounds do).
    let indexText = '';
    let shift = 0;
    for (let round = 0; round < 64; round++) {
      const shifted = relative.map(([k, o, l, s]): IndexEntry => [k, offset + shift + o, l, s]);
      indexText = `${JSON.stringify(shifted)}\n`;
      const next = Buffer.byteLength(indexText);
      if (next === shift) { index.push(...shifted); break; }
      shift = Math.max(shift, next);
    }
    if (index.length !== relative.length) return false;
    kinds[kind] = [offset, shift - 1, sha256Hex(indexText.slice(0, -1))];
    parts.push(indexText, ...lines);
    offset += shift + rel;
  }
  const header: Header = { format: FORMAT, ...point, kinds };
  return writeFileBestEffort(path, Buffer.from(`${JSON.stringify(header)}\n${parts.join('')}`), log);
}

/** The objects file no longer matches what it says (damaged or edited): fold the log instead. */
export class ObjectsFileMismatch extends Error {
  constructor(path: string, what: string) { super(`${path}: ${what}`); this.name = 'ObjectsFileMismatch'; }
}

/**
 * A read-only view of the cluster at the log's end: the objects file at its point, with the
 * log's later records folded over it, one kind at a time and only when asked.
 */
export class ObjectsView {
  /** The simulated time the verb reads at (what a session's `now` would be). */
  readonly now: string;
  private readonly indexes = new Map<string, Map<string, IndexEntry> | IndexEntry[]>();
  /** The facts after the file's point, per kind: key -> object (undefined: deleted), in order. */
  private readonly later = new Map<StoredKind, Map<string, AnyObject | undefined>>();

  private constructor(private readonly path: string, private readonly header: Header, private readonly bodyStart: number, tail: LogRecord[], startMs: number) {
    for (const r of tail) {
      const fact = factOf(r);
      if (!fact) continue;
      let m = this.later.get(fact.kind);
      if (!m) this.later.set(fact.kind, (m = new Map()));
      // A key deleted and created again moves to the end, as in the store's Map.
      if (fact.kind === 'Event') m.delete(fact.key);
      m.set(fact.key, fact.object);
    }
    const clock = new SimClock(startMs);
    clock.set(Date.parse(tail.length > 0 ? tail[tail.length - 1]!.time : header.time));
    this.now = clock.iso();
  }

  /** The view at `path`, or undefined when there is none or it does not match the log. */
  static open(path: string, log: FileEventLog, startMs: number): ObjectsView | undefined {
    let fd: number;
    try { fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW); } catch { return undefined; }
    let header: Header;
    let bodyStart: number;
    try {
      const head = readAt(fd, 0, Math.min(HEADER_BYTES_MAX, fstatSync(fd).size));
      const newline = head.indexOf(0x0a);
      if (newline < 0) return undefined;
      header = JSON.parse(head.toString('utf8', 0, newline)) as Header;
      bodyStart = newline + 1;
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
    if (header.format !== FORMAT) return undefined;
    const tail = log.readAfter(header.byteOffset, header.pos, header.sum);
    if (!tail) return undefined;
    return new ObjectsView(path, header, bodyStart, tail, startMs);
  }

  private read(offset: number, length: number, sum: string, what: string): string {
    const fd = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const text = readAt(fd, this.bodyStart + offset, length).toString('utf8');
      if (sha256Hex(text) !== sum) throw new ObjectsFileMismatch(this.path, `${what} does not match its checksum`);
      return text;
    } finally {
      closeSync(fd);
    }
  }

  private index(kind: StoredKind): IndexEntry[] {
    let idx = this.indexes.get(kind) as IndexEntry[] | undefined;
    if (idx) return idx;
    const at = this.header.kinds[kind];
    idx = at ? JSON.parse(this.read(at[0], at[1], at[2], `the ${kind} index`)) as IndexEntry[] : [];
    this.indexes.set(kind, idx);
    return idx;
  }

  private object(kind: StoredKind, e: IndexEntry): AnyObject {
    return JSON.parse(this.read(e[1], e[2], e[3], `${kind} ${e[0]}`)) as AnyObject;
  }

  get(kind: StoredKind, key: string): AnyObject | undefined {
    const later = this.later.get(kind);
    if (later?.has(key)) return later.get(key);
    let byKey = this.indexes.get(`${kind}\u0000keys`) as Map<string, IndexEntry> | undefined;
    if (!byKey) this.indexes.set(`${kind}\u0000keys`, (byKey = new Map(this.index(kind).map((e) => [e[0], e]))));
    const e = byKey.get(key);
    return e ? this.object(kind, e) : undefined;
  }

  list(kind: StoredKind): AnyObject[] {
    const idx = this.index(kind);
    const out = new Map<string, AnyObject | undefined>();
    if (idx.length > 0) {
      // One read for the kind's objects (they are contiguous), each checked on its own.
      const first = idx[0]!;
      const last = idx[idx.length - 1]!;
      const fd = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
      let bytes: Buffer;
      try { bytes = readAt(fd, this.bodyStart + first[1], last[1] + last[2] - first[1]); } finally { closeSync(fd); }
      for (const e of idx) {
        const text = bytes.toString('utf8', e[1] - first[1], e[1] - first[1] + e[2]);
        if (sha256Hex(text) !== e[3]) throw new ObjectsFileMismatch(this.path, `${kind} ${e[0]} does not match its checksum`);
        out.set(e[0], JSON.parse(text) as AnyObject);
      }
    }
    const later = this.later.get(kind);
    if (later) {
      for (const [key, obj] of later) {
        if (kind === 'Event') out.delete(key);
        if (obj) out.set(key, obj); else out.delete(key);
      }
    }
    const objects = [...out] as [string, AnyObject][];
    if (kind !== 'Event') objects.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return objects.map(([, o]) => o);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const into = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, into, read, length - read, position + read);
    if (n === 0) throw new Error(`unexpected end of file at byte ${position + read}`);
    read += n;
  }
  return into;
}
