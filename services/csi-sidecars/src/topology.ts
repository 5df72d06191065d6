/**
 * Design: external-provisioner's topology.go as pure functions: allowedTopologies flattened into
 * terms, a node's term from its labels and the driver's topology keys, the order of terms, the
 * claim-name hash that spreads StatefulSet claims over zones, and the PV node affinity of a
 * created volume. The wiring (externalProvisioner.ts) asks the driver for the keys and the API
 * for the nodes; everything it computes from them is here.
 */
import type { NodeSelectorTerm, Topology } from '@pvsim/domain';

/** A topology term: segments sorted by key (topology.go topologyTerm). */
export type Term = [key: string, value: string][];

interface TopologySelectorTerm { matchLabelExpressions?: { key: string; values?: string[] }[] }

export function compareTerms(a: Term, b: Term): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const [ka, va] = a[i]!;
    const [kb, vb] = b[i]!;
    if (ka !== kb) return ka < kb ? -1 : 1;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return 0;
}

const sortTerm = (t: Term): Term => t.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));

/** Every segment of `t` is in `other` (both sorted). */
export function isSubset(t: Term, other: Term): boolean {
  return t.every(([k, v]) => other.some(([k2, v2]) => k2 === k && v2 === v));
}

/** allowedTopologies → requisite terms, distributing each OR of values over the AND of keys (flatten). */
export function flattenAllowedTopologies(allowed: readonly unknown[] | undefined): Term[] {
  const out: Term[] = [];
  for (const raw of allowed ?? []) {
    let terms: Term[] = [];
    for (const expr of (raw as TopologySelectorTerm).matchLabelExpressions ?? []) {
      const next: Term[] = [];
      for (const v of expr.values ?? []) {
        if (terms.length === 0) next.push([[expr.key, v]]);
        else for (const t of terms) next.push([...t, [expr.key, v]]);
      }
      terms = next;
    }
    out.push(...terms);
  }
  return out.map(sortTerm);
}

export function termOf(labels: Record<string, string>, keys: readonly string[]): Term | undefined {
  const term: Term = [];
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(labels, k)) return undefined;
    term.push([k, labels[k]!]);
  }
  return sortTerm(term);
}

export const toTopology = (t: Term): Topology => Object.fromEntries(t);
export const goList = (xs: readonly string[]) => `[${xs.join(' ')}]`;
export const goMap = (m: Record<string, string>) => `map[${Object.keys(m).sort().map((k) => `${k}:${m[k]}`).join(' ')}]`;
export const goTerm = (t: Term) => `[${t.map(([k, v]) => `{${k} ${v}}`).join(' ')}]`;

/** hash/fnv New32 (FNV-1, not 1a) of the UTF-8 bytes. */
function fnv1_32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ byte) >>> 0;
  }
  return h;
}

/** getPVCNameHashAndIndexOffset: StatefulSet-style names spread round-robin over the terms. */
export function claimNameHashAndIndex(name: string): { hash: number; index: number } {
  let hashString = name;
  let index = 0;
  const dash = name.lastIndexOf('-');
  if (dash !== -1) {
    const id = name.slice(dash + 1);
    if (/^[0-9]+$/.test(id) && Number(id) <= 0xffffffff) {
      index = Number(id);
      hashString = name.slice(0, dash);
      const dash2 = hashString.lastIndexOf('-');
      if (dash2 !== -1) hashString = hashString.slice(dash2 + 1);
    }
  }
  return { hash: fnv1_32(hashString), index };
}

/** GenerateVolumeNodeAffinity: one term per topology the volume is accessible from. */
export function generateVolumeNodeAffinity(accessibleTopology: readonly Topology[]): { nodeSelectorTerms: NodeSelectorTerm[] } | undefined {
  const terms: NodeSelectorTerm[] = [];
  for (const segments of accessibleTopology) {
    const keys = Object.keys(segments).sort();
    if (keys.length === 0) continue;
    terms.push({ matchExpressions: keys.map((key) => ({ key, operator: 'In' as const, values: [segments[key]!] })) });
  }
  return terms.length > 0 ? { nodeSelectorTerms: terms } : undefined;
}
