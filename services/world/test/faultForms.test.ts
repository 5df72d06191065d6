/**
 * The fault forms an explorer needs beyond "the call failed" (issue 7): a CSI timeout whose call
 * never ran and one whose call ran but whose reply was lost (the provisioner retries CreateVolume
 * with the same name and gets the same volume: nothing leaks), a PV update failing on its own,
 * and an informer's watch stream that drops an intermediate event or repeats one — each
 * offered by `enabled()`, taken by `step()`, and survived by the cluster.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyDefaults, parseManifests, prepareForCreate } from '@pvsim/manifests';
import type { AnyObject, StoredKind } from '@pvsim/runtime';
import { backendLeaks, checkAll } from '@pvsim/invariants';
import { createWorld, describeAction, fifoChooser, type Action, type World } from '../src/index.ts';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../../examples');
const EPOCH_MS = Date.UTC(2026, 0, 1);

function objectsOf(...files: string[]): AnyObject[] {
  return files.flatMap((f) => parseManifests(readFileSync(join(EXAMPLES, f), 'utf8'), f).map((p) => applyDefaults(p.object) as unknown as AnyObject));
}

const DISK = objectsOf('lecture/dynamic-disk/01-storageclass.yaml', 'lecture/dynamic-disk/02-pvc.yaml');

function create(w: World, objects: readonly AnyObject[]): void {
  for (const o of objects) w.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), w.clock.iso()) as AnyObject);
}

function world(faults: NonNullable<Parameters<typeof createWorld>[0]>['explore'], informerLag = false): World {
  return createWorld({ seed: 5, startMs: EPOCH_MS, cluster: 'full', chooser: fifoChooser(), explore: faults, informerLag });
}

const claimPhase = (w: World) => (w.store.get('PersistentVolumeClaim', 'default/disk-pvc') as { status?: { phase?: string } } | undefined)?.status?.phase;
const disks = (w: World) => w.store.list('CSIVolume').filter((v) => (v['spec'] as { driver: string }).driver === 'disk.csi.pvsim.dev').length;

function offered(w: World, want: string): Action {
  const a = w.enabled().find((x) => describeAction(x) === want);
  assert.ok(a, `${want} is offered among: ${w.enabled().map(describeAction).join(' | ')}`);
  return a!;
}

test('csi-timeout comes in two forms: the call never ran, and the call ran but its reply was lost', () => {
  for (const replyLost of [false, true]) {
    const w = world({ faults: ['csi-timeout'] });
    w.step(offered(w, `fault csi-timeout on disk.csi.pvsim.dev${replyLost ? ' reply lost' : ''}`), true);
    create(w, DISK);
    w.drain();
    // The provisioner saw DEADLINE_EXCEEDED either way and will retry; only the second form left a disk behind.
    assert.is(claimPhase(w), 'Pending');
    assert.is(disks(w), replyLost ? 1 : 0, `replyLost ${replyLost}`);
    w.settle({ untilQuiet: true });
    // The retry (same name) finds the disk the lost reply left: one disk, bound, nothing leaked.
    assert.is(claimPhase(w), 'Bound');
    assert.is(disks(w), 1);
    assert.equal(backendLeaks(w.store as never), []);
    assert.equal(w.armed, []);
  }
});

test('api-error on one resource: the next update of a PV fails, other writes go through', () => {
  const w = world({ faults: ['api-error'] });
  w.step(offered(w, 'fault api-error on update persistentvolumes'), true);
  create(w, objectsOf('lecture/dynamic-disk/01-storageclass.yaml'));
  w.drain();
  assert.is(w.armed.length, 1, 'a class and its events: no PV update, still armed');
  create(w, objectsOf('lecture/dynamic-disk/02-pvc.yaml'));
  w.drain();
  assert.equal(w.armed, [], 'the first PV update took it');
  assert.ok(w.manager.syncErrors.some((e) => e.error.includes('injected fault: update persistentvolumes')), JSON.stringify(w.manager.syncErrors));
  w.settle({ untilQuiet: true });
  assert.is(claimPhase(w), 'Bound');
  assert.equal(checkAll(w.store, { phase: 'converged' }), []);
});

test('watch-drop loses an intermediate event; watch-dup repeats one; the informer still converges', () => {
  for (const kind of ['watch-drop', 'watch-dup'] as const) {
    const w = world({ faults: [kind] }, true);
    create(w, DISK);
    // Nothing delivered yet: the controller manager's informer has the class and the claim waiting.
    const lag = w.lag;
    let taken = 0;
    for (let i = 0; i < 200 && taken === 0; i++) {
      const f = w.enabled().find((a) => a.type === 'fault');
      if (f) { w.step(f, true); taken++; break; }
      w.stepChosen((a) => a.type === 'deliver' || a.type === 'watch');
    }
    assert.is(taken, 1, `${kind} was offered (lag was ${lag})`);
    w.settle({ untilQuiet: true });
    assert.is(claimPhase(w), 'Bound', kind);
    assert.equal(checkAll(w.store, { phase: 'converged' }), [], kind);
  }
});

test('watch-drop is offered only for an event a later one for the same object supersedes', () => {
  const w = world({ faults: ['watch-drop', 'watch-dup'] }, true);
  create(w, objectsOf('lecture/dynamic-disk/01-storageclass.yaml'));
  const kinds = w.enabled().filter((a) => a.type === 'fault').map(describeAction);
  // One event (the class's ADDED) per informer: it can be repeated, not dropped.
  assert.ok(kinds.length > 0 && kinds.every((k) => k.startsWith('fault watch-dup')), kinds.join(' | '));
});

test.run();
