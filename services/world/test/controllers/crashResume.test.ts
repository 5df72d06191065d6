/**
 * Design: the bind is four API writes, PV first (spec §2): (1) PV claimRef + bound-by-controller,
 * (2) PV status Bound, (3) PVC volumeName + bound-by-controller + bind-completed, (4) PVC status
 * Bound with capacity/accessModes. A controller can die between any two of them. Like Kubernetes'
 * binder_test.go rows "1-8/1-9/1-10 … after crash", each row here leaves the first k writes saved
 * — by making write k+1 fail through the world's API fault hook while the controller syncs the
 * claim — then crashes the controller (the world's crash action: a new PV controller with empty
 * memory on the same API server; informers list everything: resyncAll) with faults off. Every row must end in exactly the
 * objects an uninterrupted bind produces, and the new controller must write only what is missing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ApiError, FINALIZER_PVC_PROTECTION, FINALIZER_PV_PROTECTION,
  type PersistentVolume, type PersistentVolumeClaim,
} from '@pvsim/domain';
import { Random, type ObjectStore, type SimClock } from '@pvsim/runtime';
import { inTreePlugins, type VolumePlugin } from '@pvsim/controller-manager';
import { createWorld, type Chooser, type World } from '../../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);

/** pvsim's in-tree hostPath plugin (deletes under /tmp, recycles), so every policy has a plugin. */
const hostPathPlugin: VolumePlugin = inTreePlugins()[0]!;

const volumeInput: PersistentVolume = {
  apiVersion: 'v1', kind: 'PersistentVolume',
  metadata: { name: 'pv-1' },
  spec: {
    capacity: { storage: '5Gi' },
    accessModes: ['ReadWriteOnce', 'ReadOnlyMany'],
    persistentVolumeReclaimPolicy: 'Retain',
    storageClassName: '',
    volumeMode: 'Filesystem',
    hostPath: { path: '/tmp/pv-1' },
  },
};

/** Created while the controller is down; admission has already added the protection finalizer. */
const claimInput: PersistentVolumeClaim = {
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name: 'claim-1', namespace: 'default', finalizers: [FINALIZER_PVC_PROTECTION] },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '1Gi' } },
    storageClassName: '',
    volumeMode: 'Filesystem',
  },
};

// ------------------------------------------------------------------ expected objects

const claimRef = {
  kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'claim-1', uid: 'uid-2',
};

/** The PV before the bind: Available, protected, unclaimed. */
const volumeAvailable: PersistentVolume = {
  apiVersion: 'v1', kind: 'PersistentVolume',
  metadata: { name: 'pv-1', uid: 'uid-1', creationTimestamp: '2026-01-01T00:00:00Z', finalizers: [FINALIZER_PV_PROTECTION] },
  spec: { ...volumeInput.spec },
  // The clock does not move in these tests: every phase change is stamped at the start (strategy.go, GA 1.31).
  status: { phase: 'Available', lastPhaseTransitionTime: '2026-01-01T00:00:00Z' },
};

/** After write 1: claimRef and bound-by-controller saved, phase still Available. */
const volumeClaimRefSaved: PersistentVolume = {
  ...volumeAvailable,
  metadata: { ...volumeAvailable.metadata, annotations: { [ANN_BOUND_BY_CONTROLLER]: 'yes' } },
  spec: { ...volumeAvailable.spec, claimRef },
};

/** After write 2: the PV half is complete. */
const volumeBound: PersistentVolume = { ...volumeClaimRefSaved, status: { phase: 'Bound', lastPhaseTransitionTime: '2026-01-01T00:00:00Z' } };

const claimPending: PersistentVolumeClaim = {
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name: 'claim-1', namespace: 'default', uid: 'uid-2', creationTimestamp: '2026-01-01T00:00:00Z', finalizers: [FINALIZER_PVC_PROTECTION] },
  spec: { ...claimInput.spec },
};

/** After write 3: volumeName and both annotations saved, status not yet written. */
const claimVolumeNameSaved: PersistentVolumeClaim = {
  ...claimPending,
  metadata: { ...claimPending.metadata, annotations: { [ANN_BOUND_BY_CONTROLLER]: 'yes', [ANN_BIND_COMPLETED]: 'yes' } },
  spec: { ...claimPending.spec, volumeName: 'pv-1' },
};

/** After write 4: Bound, with the PV's capacity and access modes (not the request's). */
const claimBound: PersistentVolumeClaim = {
  ...claimVolumeNameSaved,
  status: { phase: 'Bound', accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], capacity: { storage: '5Gi' } },
};

// ------------------------------------------------------------------ the table

interface CrashRow {
  name: string;
  /** Writes of the bind saved before the crash (write savedWrites+1 fails). */
  savedWrites: 0 | 1 | 2 | 3 | 4;
  afterCrashVolume: PersistentVolume;
  afterCrashClaim: PersistentVolumeClaim;
  expectedVolume: PersistentVolume;
  expectedClaim: PersistentVolumeClaim;
}

const rows: CrashRow[] = [
  {
    name: 'crash before the bind: nothing saved, the new controller binds from scratch',
    savedWrites: 0,
    afterCrashVolume: volumeAvailable, afterCrashClaim: claimPending,
    expectedVolume: volumeBound, expectedClaim: claimBound,
  },
  {
    name: '1-8 complete bind after crash - PV claimRef saved',
    savedWrites: 1,
    afterCrashVolume: volumeClaimRefSaved, afterCrashClaim: claimPending,
    expectedVolume: volumeBound, expectedClaim: claimBound,
  },
  {
    name: '1-9 complete bind after crash - PV status saved',
    savedWrites: 2,
    afterCrashVolume: volumeBound, afterCrashClaim: claimPending,
    expectedVolume: volumeBound, expectedClaim: claimBound,
  },
  {
    name: '1-10 complete bind after crash - PVC volumeName saved',
    savedWrites: 3,
    afterCrashVolume: volumeBound, afterCrashClaim: claimVolumeNameSaved,
    expectedVolume: volumeBound, expectedClaim: claimBound,
  },
  {
    name: 'crash after the last write: PVC status saved, nothing left to do',
    savedWrites: 4,
    afterCrashVolume: volumeBound, afterCrashClaim: claimBound,
    expectedVolume: volumeBound, expectedClaim: claimBound,
  },
];

// ------------------------------------------------------------------ harness

/** resourceVersions are the API server's counters, not binding state (as in framework_test.go). */
function normalize<T extends PersistentVolume | PersistentVolumeClaim>(obj: T | undefined): T | undefined {
  if (!obj) return undefined;
  const o = structuredClone(obj);
  delete o.metadata.resourceVersion;
  const ref = (o as PersistentVolume).spec.claimRef;
  if (ref) delete ref.resourceVersion;
  return o;
}

interface Cluster {
  world: World;
  store: ObjectStore;
  clock: SimClock;
  /**
   * The PV controller process crashes and a new one starts with empty memory (the world's crash
   * action); from then on the order of work comes from `seed`.
   */
  restart(seed: number): void;
  /** Fails every PV/PVC write from the n-th one on (1-based) until disarmed. */
  failFromWrite(n: number | undefined): void;
}

function createCluster(seed = 1): Cluster {
  let uidSeq = 0;
  let failFrom: number | undefined;
  let writesSeen = 0;
  // Seeded scheduling whose generator a restart replaces.
  let schedule = new Random(seed);
  const chooser: Chooser = { kind: 'seeded', pickWork: (waiting) => schedule.int(waiting.length), choose: (enabled) => schedule.int(enabled.length) };
  const world = createWorld({
    startMs: EPOCH_MS, chooser, plugins: [hostPathPlugin],
    newUid: () => `uid-${++uidSeq}`,
    apiFault: (verb, resource, name) => {
      if (failFrom === undefined) return undefined;
      writesSeen++;
      return writesSeen >= failFrom ? new ApiError('InternalError', `injected: ${verb} ${resource} "${name}" (write ${writesSeen})`) : undefined;
    },
  });
  return {
    world, store: world.store, clock: world.clock,
    restart: (next) => { schedule = new Random(next); world.step({ type: 'crash', component: 'pv-controller' }); },
    failFromWrite: (n) => { failFrom = n; writesSeen = 0; },
  };
}

/** PV created and settled by a running controller; then the controller stops working and the claim arrives. */
function prepare(): { cluster: Cluster } {
  const cluster = createCluster(1);
  cluster.store.createVolume(structuredClone(volumeInput));
  cluster.world.settle();
  // Nothing is delivered until the restart: the claim's work waits.
  cluster.store.create('PersistentVolumeClaim', structuredClone(claimInput) as never);
  return { cluster };
}

function current(store: ObjectStore) {
  return { volume: normalize(store.getVolume('pv-1')), claim: normalize(store.getClaim('default', 'claim-1')) };
}

// ------------------------------------------------------------------ tests

test('setup: before the bind the PV is Available and the claim Pending', () => {
  const { cluster } = prepare();
  assert.equal(current(cluster.store), { volume: volumeAvailable, claim: claimPending });
  assert.is(cluster.store.actorState('PersistentVolume', 'pv-1'), 'Available');
  assert.is(cluster.store.actorState('PersistentVolumeClaim', 'default/claim-1'), 'Pending');
});

test('reference: an uninterrupted bind by a running controller ends in the expected objects', () => {
  const cluster = createCluster(1);
  cluster.store.createVolume(structuredClone(volumeInput));
  cluster.world.settle();
  cluster.store.create('PersistentVolumeClaim', structuredClone(claimInput) as never);
  const report = cluster.world.settle();
  assert.is(report.syncErrors, 0);
  assert.equal(current(cluster.store), { volume: volumeBound, claim: claimBound });
});

for (const row of rows) {
  test(row.name, () => {
    const { cluster } = prepare();
    const { store } = cluster;

    // The doomed controller syncs the claim; write savedWrites+1 and everything after it fail.
    cluster.failFromWrite(row.savedWrites + 1);
    let crash: unknown;
    try {
      cluster.world.manager.pv.syncClaim(store.getClaim('default', 'claim-1')!);
    } catch (e) {
      crash = e;
    }
    cluster.failFromWrite(undefined);
    if (row.savedWrites < 4) {
      assert.instance(crash, ApiError, 'the failed write surfaces as the sync error');
      assert.is((crash as ApiError).code, 'InternalError');
    } else {
      assert.is(crash, undefined);
    }
    assert.equal(current(store), { volume: row.afterCrashVolume, claim: row.afterCrashClaim }, 'state saved at the crash');

    // A new controller starts: fresh queues, informers list every object, faults off.
    const writesBefore = store.writes;
    cluster.restart(2);
    cluster.world.resyncAll();
    const report = cluster.world.settle();
    assert.is(report.syncErrors, 0);
    assert.equal(current(store), { volume: row.expectedVolume, claim: row.expectedClaim }, 'final state');
    assert.is(store.writes - writesBefore, 4 - row.savedWrites, 'the new controller writes only what is missing');
    assert.is(store.actorState('PersistentVolume', 'pv-1'), 'Bound');
    assert.is(store.actorState('PersistentVolumeClaim', 'default/claim-1'), 'Bound');

    // And it is a fixpoint: another resync writes nothing.
    const writesAfter = store.writes;
    cluster.world.resyncAll();
    cluster.world.settle({ untilQuiet: true });
    assert.is(store.writes, writesAfter, 'resync after the bind writes nothing');
  });
}

test.run();
