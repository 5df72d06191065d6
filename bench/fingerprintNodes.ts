/**
 * Design: what hashing one node of a stored object costs, against the least a structural hash can
 * cost (issue 6 item 11's goal, the fingerprint ≤ 10 % of a step, in its parts). The objects are
 * the 1,200 PVs and claims of a settled PV-only 600-pair world (≈ 38 k nodes: objects, arrays and
 * their members). Four figures, CPU time, medians of the rounds:
 *   - first sight: every object set on a Fingerprinter that knows the uids but no object and no
 *     string (a run's new objects: canonical keys, long strings substituted, entries made);
 *   - again: the same objects removed and set again on that warm Fingerprinter (entries made
 *     again, strings and names remembered);
 *   - hashOf: the structural hash alone, warm (no entries);
 *   - least: a one-lane structural hash with member names remembered in a Map and strings hashed
 *     by character — no canonical form (uids, times, ignored members), no second lane, no entries:
 *     the floor a canonical hash could approach, not a correct fingerprint.
 *   node --import tsx bench/fingerprintNodes.ts [ROUNDS] [--pairs=600]
 * In instructions: `--only=first|again|hashOf|least` runs that figure's loop ROUNDS times and
 * prints nothing timed; bundled with esbuild (as bench/fingerprintWorkload.ts) and run under
 * cachegrind with ROUNDS 2 and 6, the difference ÷ (4 × 10 × nodes) is instructions a node.
 */
import type { AnyObject, StoredKind } from '../packages/runtime/src/index.ts';
import { Fingerprinter } from '../packages/domain/src/Fingerprinter.ts';
import { createWorld } from '../services/world/src/index.ts';
import { SEED, settleFixture } from './fixtures.ts';
import { cpuMs, median, optionArg, positionalArgs } from './measure.ts';

const rounds = Number(positionalArgs()[0] ?? 9);
const only = optionArg('only');
const world = createWorld({ seed: SEED, startMs: Date.UTC(2026, 0, 1) });
const { volumes, claims } = settleFixture(Number(optionArg('pairs') ?? 600));
for (const v of volumes) world.store.create('PersistentVolume', v as unknown as AnyObject);
world.settle({ budget: { stepsMax: 2_000_000 } });
for (const c of claims) world.store.create('PersistentVolumeClaim', c as unknown as AnyObject);
world.settle({ budget: { stepsMax: 2_000_000 } });
const objs: [StoredKind, string, AnyObject][] = [];
for (const kind of ['PersistentVolume', 'PersistentVolumeClaim'] as const) {
  for (const o of world.store.list(kind)) objs.push([kind, o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name, o]);
}
const registry = world.store.hashed().toJSON();
const size = (v: unknown): number => (v === null || typeof v !== 'object' ? 1 : 1 + Object.values(v as object).reduce((a: number, x) => a + size(x), 0));
const nodes = objs.reduce((a, [, , o]) => a + size(o), 0);

const names = new Map<string, number>();
function hashText(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
function least(v: unknown): number {
  if (typeof v === 'string') return hashText(v);
  if (typeof v === 'number') return Math.imul(v | 0, 0x9e3779b1);
  if (v === null || typeof v !== 'object') return v ? 1 : 2;
  if (Array.isArray(v)) { let h = 7; for (const x of v) h = Math.imul(h ^ least(x), 0x85ebca6b) ^ (h >>> 13); return h; }
  let sum = 0;
  for (const k in v) {
    let n = names.get(k);
    if (n === undefined) names.set(k, (n = hashText(k)));
    let m = Math.imul(n ^ least((v as Record<string, unknown>)[k]), 0xcc9e2d51);
    m ^= m >>> 15;
    sum = (sum + m) | 0;
  }
  return sum;
}

const REPS = 10;
const perNode = (ms: number) => (ms * 1e6) / (REPS * nodes);
const figures: Record<string, number[]> = { 'first sight': [], again: [], hashOf: [], least: [] };
const warm = Fingerprinter.fromJSON({ ...registry, objects: [] });
for (const [k, key, o] of objs) warm.set(k, key, o);
/** What the timed loops computed, kept where the optimiser cannot prove it unused. */
export let sink = 0;
for (let r = 0; only === undefined && r <= rounds; r++) {
  let t = cpuMs();
  for (let i = 0; i < REPS; i++) { const f = Fingerprinter.fromJSON({ ...registry, objects: [] }); for (const [k, key, o] of objs) f.set(k, key, o); sink ^= f.value().length; }
  const first = cpuMs() - t;
  t = cpuMs();
  for (let i = 0; i < REPS; i++) { for (const [k, key] of objs) warm.set(k, key, undefined); for (const [k, key, o] of objs) warm.set(k, key, o); }
  const again = cpuMs() - t;
  t = cpuMs();
  for (let i = 0; i < REPS; i++) for (const [k, key, o] of objs) sink ^= warm.hashOf(k, o as unknown as Record<string, unknown>, key)[0];
  const hashOf = cpuMs() - t;
  t = cpuMs();
  for (let i = 0; i < REPS; i++) for (const [, , o] of objs) sink ^= least(o);
  const leastMs = cpuMs() - t;
  if (r === 0) continue; // warm-up
  figures['first sight']!.push(perNode(first));
  figures['again']!.push(perNode(again));
  figures['hashOf']!.push(perNode(hashOf));
  figures['least']!.push(perNode(leastMs));
}
if (only !== undefined) {
  for (let r = 0; r < rounds; r++) {
    if (only === 'first') for (let i = 0; i < REPS; i++) { const f = Fingerprinter.fromJSON({ ...registry, objects: [] }); for (const [k, key, o] of objs) f.set(k, key, o); sink ^= f.value().length; }
    else if (only === 'again') for (let i = 0; i < REPS; i++) { for (const [k, key] of objs) warm.set(k, key, undefined); for (const [k, key, o] of objs) warm.set(k, key, o); }
    else if (only === 'hashOf') for (let i = 0; i < REPS; i++) for (const [k, key, o] of objs) sink ^= warm.hashOf(k, o as unknown as Record<string, unknown>, key)[0];
    else if (only === 'least') for (let i = 0; i < REPS; i++) for (const [, , o] of objs) sink ^= least(o);
    else throw new Error(`--only=${only}: first, again, hashOf or least`);
  }
  process.stderr.write(`NODES ${nodes}\n`);
  process.exit(0);
}
console.log(`fingerprint per node: ${objs.length} objects, ${nodes} nodes, ${rounds} rounds (medians, ns of CPU a node)`);
for (const [name, xs] of Object.entries(figures)) console.log(`  ${name.padEnd(12)} ${median(xs).toFixed(0).padStart(5)} ns   (${(median(xs) / median(figures['least']!)).toFixed(1)}x least)`);
