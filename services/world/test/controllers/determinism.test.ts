/**
 * Design: one seed decides a whole run (STYLE §7). Everything random in a run — the scheduler's
 * choice of the next work item, object uids, which controller writes fail — is drawn from the
 * world's streams derived from that seed (`createWorld({ seed })`), time is the simulated clock,
 * and every record the store (facts, events) and the world (deliveries, resyncs) produce is
 * captured in order. So the same
 * seed and inputs must give the same records, byte for byte; a different seed may deliver work
 * in another order, but must end in a cluster with the same binding invariants (and, where only
 * one binding is possible, the same binding).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  ApiError, FINALIZER_PVC_PROTECTION, FINALIZER_PV_PROTECTION,
  type AccessMode, type NewLogRecord, type PersistentVolume, type PersistentVolumeClaim,
} from '@pvsim/domain';
import type { ObjectStore } from '@pvsim/runtime';
import { inTreePlugins, type VolumePlugin } from '@pvsim/controller-manager';
import { createWorld, type World } from '../../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);

const hostPath: VolumePlugin = inTreePlugins()[0]!;

type Input =
  | { op: 'createVolume'; name: string; size: string; modes: AccessMode[]; reclaim: 'Retain' | 'Delete' | 'Recycle' }
  | { op: 'createClaim'; name: string; size: string; modes: AccessMode[]; volumeName?: string }
  | { op: 'deleteVolume'; name: string }
  | { op: 'deleteClaim'; name: string }
  | { op: 'faults'; num: number; den: number }
  | { op: 'settle' };

interface Run {
  /** JSON of every record, one per line: what must be byte-identical. */
  text: string;
  records: NewLogRecord[];
  store: ObjectStore;
}

/** Runs the inputs with everything random derived from `seed` (the world's streams). */
function run(seed: number, inputs: readonly Input[]): Run {
  const records: NewLogRecord[] = [];
  const record = (r: NewLogRecord) => { records.push(structuredClone(r)); };
  let faults = { num: 0, den: 1 };
  let controllersRunning = false;
  const world: World = createWorld({
    seed, startMs: EPOCH_MS, record, plugins: [hostPath],
    apiFault: (verb, resource, name) => (controllersRunning && world.streams.for('test/api-faults').chance(faults.num, faults.den)
      ? new ApiError('InternalError', `injected fault: ${verb} ${resource} "${name}"`) : undefined),
  });
  const { store, clock } = world;
  const settle = (untilQuiet: boolean) => {
    controllersRunning = true;
    try { world.settle({ untilQuiet }); } finally { controllersRunning = false; }
  };
  for (const input of inputs) {
    clock.advance(1_000);
    record({ time: clock.iso(), stream: 'cluster', type: 'InputApplied', data: input });
    try {
      apply(store, input, settle, (f) => { faults = f; });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }
  faults = { num: 0, den: 1 };
  settle(true);
  return { text: records.map((r) => JSON.stringify(r)).join('\n'), records, store };
}

function apply(store: ObjectStore, input: Input, settle: (untilQuiet: boolean) => void, setFaults: (f: { num: number; den: number }) => void): void {
  switch (input.op) {
    case 'createVolume': {
      const pv: PersistentVolume = {
        apiVersion: 'v1', kind: 'PersistentVolume',
        metadata: { name: input.name, finalizers: [FINALIZER_PV_PROTECTION] },
        spec: {
          capacity: { storage: input.size }, accessModes: input.modes, persistentVolumeReclaimPolicy: input.reclaim,
          storageClassName: '', hostPath: { path: `/tmp/${input.name}` },
        },
      };
      store.createVolume(pv);
      return;
    }
    case 'createClaim': {
      const pvc: PersistentVolumeClaim = {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim',
        metadata: { name: input.name, namespace: 'default', finalizers: [FINALIZER_PVC_PROTECTION] },
        spec: {
          accessModes: input.modes, resources: { requests: { storage: input.size } }, storageClassName: '',
          ...(input.volumeName ? { volumeName: input.volumeName } : {}),
        },
      };
      store.create('PersistentVolumeClaim', pvc as never);
      return;
    }
    case 'deleteVolume': store.delete('PersistentVolume', input.name); return;
    case 'deleteClaim': store.delete('PersistentVolumeClaim', `default/${input.name}`); return;
    case 'faults': setFaults({ num: input.num, den: input.den }); return;
    case 'settle': settle(false); return;
  }
}

// ------------------------------------------------------------------ binding invariants

const phase = (o: { status?: { phase?: string } }) => o.status?.phase || 'Pending';

/** The binding as seen from outside: claim -> PV for Bound claims, every object's phase. */
function bindings(store: ObjectStore) {
  return {
    claims: store.listClaims().map((c) => `${c.metadata.name}:${phase(c)}${phase(c) === 'Bound' ? `->${c.spec.volumeName}` : ''}`),
    volumes: store.listVolumes().map((v) => `${v.metadata.name}:${phase(v)}${v.spec.claimRef ? `<-${v.spec.claimRef.name}` : ''}`),
  };
}

/** Bound claims and Bound PVs point at each other (name, namespace, uid); no PV serves two claims. */
function invariantProblems(store: ObjectStore): string[] {
  const problems: string[] = [];
  const volumes = new Map(store.listVolumes().map((v) => [v.metadata.name, v]));
  const claims = store.listClaims();
  const served = new Set<string>();
  for (const c of claims) {
    if (phase(c) !== 'Bound') continue;
    const pv = volumes.get(c.spec.volumeName ?? '');
    const ref = pv?.spec.claimRef;
    if (!pv || phase(pv) !== 'Bound' || ref?.name !== c.metadata.name || ref.namespace !== c.metadata.namespace || ref.uid !== c.metadata.uid) {
      problems.push(`claim ${c.metadata.name} Bound to ${c.spec.volumeName} which does not point back`);
    }
    if (served.has(c.spec.volumeName!)) problems.push(`PV ${c.spec.volumeName} serves two claims`);
    served.add(c.spec.volumeName!);
  }
  for (const v of volumes.values()) {
    if (phase(v) !== 'Bound') continue;
    const claim = claims.find((c) => c.metadata.uid === v.spec.claimRef?.uid);
    if (claim && (phase(claim) !== 'Bound' || claim.spec.volumeName !== v.metadata.name)) problems.push(`PV ${v.metadata.name} Bound to ${claim.metadata.name} which does not point back`);
  }
  return problems;
}

const deliveries = (r: Run) => r.records.filter((x) => x.type === 'WorkDelivered').map((x) => JSON.stringify(x.data));

// ------------------------------------------------------------------ scenarios

const RWO: AccessMode[] = ['ReadWriteOnce'];

/**
 * Every claim has exactly one PV it can end up with, whatever the order of work: the PVs are
 * Available before the claims arrive (otherwise a claim synced while the smallest fitting PV is
 * still Pending legitimately takes a larger one), and each claim's smallest fit is its own.
 */
const uniqueOutcome: Input[] = [
  { op: 'createVolume', name: 'pv-small', size: '1Gi', modes: RWO, reclaim: 'Retain' },
  { op: 'createVolume', name: 'pv-medium', size: '5Gi', modes: RWO, reclaim: 'Delete' },
  { op: 'createVolume', name: 'pv-large', size: '10Gi', modes: RWO, reclaim: 'Recycle' },
  { op: 'settle' },
  { op: 'createClaim', name: 'claim-large', size: '10Gi', modes: RWO },
  { op: 'createClaim', name: 'claim-small', size: '1Gi', modes: RWO },
  { op: 'createClaim', name: 'claim-medium', size: '5Gi', modes: RWO },
  { op: 'createClaim', name: 'claim-named', size: '1Gi', modes: RWO, volumeName: 'pv-reserved' },
  { op: 'createVolume', name: 'pv-reserved', size: '2Gi', modes: RWO, reclaim: 'Retain' },
  { op: 'settle' },
  { op: 'deleteClaim', name: 'claim-small' },
  { op: 'deleteClaim', name: 'claim-large' },
  { op: 'settle' },
];

/** Two claims, one PV: which claim wins depends on the order of work. */
const contested: Input[] = [
  { op: 'createClaim', name: 'claim-a', size: '1Gi', modes: RWO },
  { op: 'createClaim', name: 'claim-b', size: '1Gi', modes: RWO },
  { op: 'createVolume', name: 'pv-only', size: '1Gi', modes: RWO, reclaim: 'Retain' },
  { op: 'settle' },
];

// ------------------------------------------------------------------ tests

test('same seed and inputs: byte-identical records', () => {
  for (const seed of [1, 7, 2026]) {
    const a = run(seed, uniqueOutcome);
    const b = run(seed, uniqueOutcome);
    assert.ok(a.records.length > 50, `only ${a.records.length} records`);
    assert.ok(a.records.some((r) => r.type === 'WorkDelivered') && a.records.some((r) => r.type === 'ResyncStarted'));
    assert.is(a.text, b.text);
  }
});

test('same seed and inputs with injected write faults: byte-identical records', () => {
  const inputs: Input[] = [{ op: 'faults', num: 1, den: 3 }, ...uniqueOutcome];
  const a = run(11, inputs);
  const b = run(11, inputs);
  assert.ok(a.records.length > 50);
  assert.is(a.text, b.text);
});

test('property: for any inputs and seed, two runs produce the same records', () => {
  const modes = fc.constantFrom<AccessMode[]>(RWO, ['ReadWriteOnce', 'ReadOnlyMany'], ['ReadWriteMany']);
  const input: fc.Arbitrary<Input> = fc.oneof(
    fc.record({ op: fc.constant('createVolume' as const), name: fc.constantFrom('pv-0', 'pv-1', 'pv-2'), size: fc.constantFrom('1Gi', '2Gi'), modes, reclaim: fc.constantFrom('Retain' as const, 'Delete' as const, 'Recycle' as const) }),
    fc.record({ op: fc.constant('createClaim' as const), name: fc.constantFrom('c-0', 'c-1', 'c-2'), size: fc.constantFrom('1Gi', '2Gi'), modes }),
    fc.record({ op: fc.constant('deleteVolume' as const), name: fc.constantFrom('pv-0', 'pv-1', 'pv-2') }),
    fc.record({ op: fc.constant('deleteClaim' as const), name: fc.constantFrom('c-0', 'c-1', 'c-2') }),
    fc.record({ op: fc.constant('faults' as const), num: fc.integer({ min: 0, max: 2 }), den: fc.constant(5) }),
    fc.constant({ op: 'settle' as const }),
  );
  fc.assert(fc.property(fc.integer(), fc.array(input, { maxLength: 15 }), (seed, inputs) => {
    const a = run(seed, inputs);
    const b = run(seed, inputs);
    if (a.text !== b.text) throw new Error(`records differ for seed ${seed}`);
  }), { numRuns: 50 });
});

test('different seeds: other schedules, the same bindings when only one binding is possible', () => {
  const runs = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => run(seed, uniqueOutcome));
  const schedules = new Set(runs.map((r) => deliveries(r).join('|')));
  assert.ok(schedules.size > 1, 'the seed does not change the order of work');
  const expected = {
    claims: ['claim-medium:Bound->pv-medium', 'claim-named:Bound->pv-reserved'],
    volumes: ['pv-large:Available', 'pv-medium:Bound<-claim-medium', 'pv-reserved:Bound<-claim-named', 'pv-small:Released<-claim-small'],
  };
  for (const r of runs) {
    assert.equal(invariantProblems(r.store), []);
    assert.equal(bindings(r.store), expected);
  }
});

test('different seeds: a contested PV goes to either claim, always with the same invariants', () => {
  const winners = new Set<string>();
  for (let seed = 1; seed <= 30; seed++) {
    const { store } = run(seed, contested);
    assert.equal(invariantProblems(store), []);
    const bound = store.listClaims().filter((c) => phase(c) === 'Bound');
    const pending = store.listClaims().filter((c) => phase(c) === 'Pending');
    assert.is(bound.length, 1, `seed ${seed}: ${JSON.stringify(bindings(store))}`);
    assert.is(pending.length, 1);
    assert.is(store.getVolume('pv-only')!.spec.claimRef!.uid, bound[0]!.metadata.uid);
    winners.add(bound[0]!.metadata.name);
  }
  assert.equal([...winners].sort(), ['claim-a', 'claim-b'], 'over 30 seeds both claims win sometimes');
});

test.run();
