/**
 * Design: the kubelet's pure decisions (kubeletDecisions.ts) as tables, one row per situation the
 * reconciler meets — including the half-finished ones a crash leaves (staged but not published,
 * published by a pod that is gone, staged with nothing left that wants it). Each row names its
 * inputs (`actual`, `input`, `wanted`, ...) and the expected answer; no store, no driver.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emptyFs, isDir, isFile, mkdirp, touch, uniqueVolumeName, type Pod, type PodVolume } from '@pvsim/domain';
// The package's own module (src/index.ts does not re-export the kubelet's decisions).
import {
  emptyActualState, hostPathSetUp, markEmptyDir, markPublished, markStaged, markUnpublished, markUnstaged,
  missingSource, orphanedEmptyDirs, orphanedTargets, parseActualState, planCsiMount, podTargetsToUnpublish, podWork,
  volumesInUse, volumesToUnstage, wantedKey,
  type CsiMountInput, type CsiMountPlan, type KubeletActualState, type PublishedVolume, type StagedVolume,
} from '../src/index.ts';

const DISK = 'disk.csi.pvsim.dev';
const NAS = 'nas.csi.pvsim.dev';
const STAGE = '/var/lib/kubelet/plugins/kubernetes.io/csi/disk.csi.pvsim.dev/abc/globalmount';
const target = (uid: string, pv: string) => `/var/lib/kubelet/pods/${uid}/volumes/kubernetes.io~csi/${pv}/mount`;

const staged = (volumeId: string, driver = DISK): StagedVolume => ({ driver, volumeId, stagingTargetPath: STAGE });
const published = (uid: string, volumeId: string, driver = DISK, readonly = false): PublishedVolume => ({ driver, volumeId, targetPath: target(uid, `pv-${volumeId}`), readonly });
const state = (s: Partial<KubeletActualState>): KubeletActualState => ({ ...emptyActualState(), ...s });

// ------------------------------------------------------------------ mount

test('planCsiMount: which calls a pod volume still needs', () => {
  const disk: CsiMountInput = { driver: DISK, volumeId: 'v1', targetPath: target('u1', 'pv-v1'), stagingTargetPath: STAGE, attachable: true, attached: true };
  const nas: CsiMountInput = { driver: NAS, volumeId: 'n1', targetPath: target('u1', 'pv-n1'), attachable: false, attached: false };
  const rows: { name: string; input: CsiMountInput; actual: KubeletActualState; expected: CsiMountPlan }[] = [
    { name: 'disk, nothing done, attached', input: disk, actual: state({}), expected: { kind: 'mount', steps: ['stage', 'publish'] } },
    { name: 'disk, not attached yet', input: { ...disk, attached: false }, actual: state({}), expected: { kind: 'waitForAttach' } },
    { name: 'disk, staged (crash after NodeStageVolume)', input: disk, actual: state({ staged: [staged('v1')] }), expected: { kind: 'mount', steps: ['publish'] } },
    { name: 'disk, staged elsewhere on the node', input: disk, actual: state({ staged: [{ ...staged('v1'), stagingTargetPath: '/old' }] }), expected: { kind: 'mount', steps: ['stage', 'publish'] } },
    { name: 'disk, another volume staged', input: disk, actual: state({ staged: [staged('v2')] }), expected: { kind: 'mount', steps: ['stage', 'publish'] } },
    { name: 'disk, published here', input: disk, actual: state({ staged: [staged('v1')], published: [published('u1', 'v1')] }), expected: { kind: 'mounted' } },
    // A forced detach leaves the mount in place: it stays mounted; nothing waits for the attach.
    { name: 'disk, published, VA gone', input: { ...disk, attached: false }, actual: state({ staged: [staged('v1')], published: [published('u1', 'v1')] }), expected: { kind: 'mounted' } },
    { name: 'disk, another pod published it', input: disk, actual: state({ staged: [staged('v1')], published: [published('u2', 'v1')] }), expected: { kind: 'mount', steps: ['publish'] } },
    { name: 'target path holds another volume', input: disk, actual: state({ published: [{ ...published('u1', 'v1'), volumeId: 'other' }] }), expected: { kind: 'mount', steps: ['stage', 'publish'] } },
    { name: 'nas, nothing done', input: nas, actual: state({}), expected: { kind: 'mount', steps: ['publish'] } },
    { name: 'nas, published', input: nas, actual: state({ published: [published('u1', 'n1', NAS)] }), expected: { kind: 'mounted' } },
  ];
  for (const row of rows) assert.equal(planCsiMount(row.input, row.actual), row.expected, row.name);
});

test('hostPathSetUp: type checks and what is created on the node', () => {
  const disk = touch(mkdirp(emptyFs(), '/data/dir'), '/data/file');
  const rows: { name: string; path: string; type: string; problem?: string; creates?: 'dir' | 'file' }[] = [
    { name: 'no type, missing: created', path: '/new', type: '', creates: 'dir' },
    { name: 'no type, a file', path: '/data/file', type: '' },
    { name: 'DirectoryOrCreate, missing', path: '/data/new', type: 'DirectoryOrCreate', creates: 'dir' },
    { name: 'DirectoryOrCreate, a file', path: '/data/file', type: 'DirectoryOrCreate', problem: 'hostPath type check failed: /data/file is not a directory' },
    { name: 'Directory, there', path: '/data/dir', type: 'Directory' },
    { name: 'Directory, missing', path: '/nope', type: 'Directory', problem: 'hostPath type check failed: /nope is not a directory' },
    { name: 'FileOrCreate, missing', path: '/data/f2', type: 'FileOrCreate', creates: 'file' },
    { name: 'FileOrCreate, parent missing', path: '/nope/f', type: 'FileOrCreate', problem: 'open /nope/f: no such file or directory' },
    { name: 'FileOrCreate, a directory', path: '/data/dir', type: 'FileOrCreate', problem: 'hostPath type check failed: /data/dir is not a file' },
    { name: 'File, there', path: '/data/file', type: 'File' },
    { name: 'File, missing', path: '/data/x', type: 'File', problem: 'hostPath type check failed: /data/x is not a file' },
    { name: 'Socket', path: '/s', type: 'Socket', problem: 'hostPath type check failed: /s is not a socket file' },
    { name: 'unknown type', path: '/s', type: 'Fifo', problem: 'invalid HostPathType Fifo' },
  ];
  for (const row of rows) {
    const out = hostPathSetUp(disk, row.path, row.type);
    assert.is(out.problem, row.problem, row.name);
    const next = out.problem === undefined ? out.next : undefined;
    if (row.creates === 'dir') assert.ok(next && isDir(next, row.path), row.name);
    else if (row.creates === 'file') assert.ok(next && isFile(next, row.path), row.name);
    else if (row.type !== 'DirectoryOrCreate') assert.is(next, undefined, row.name);
  }
});

test('missingSource: configMap, secret and projected sources', () => {
  const have: Record<string, string[]> = { 'ConfigMap/cm': ['a'], 'Secret/s': ['k'] };
  const keysOf = (kind: 'ConfigMap' | 'Secret', name: string) => {
    const keys = have[`${kind}/${name}`];
    return keys ? new Set(keys) : undefined;
  };
  const rows: { name: string; volume: PodVolume; expected: string | undefined }[] = [
    { name: 'configMap there', volume: { name: 'v', configMap: { name: 'cm' } }, expected: undefined },
    { name: 'configMap missing', volume: { name: 'v', configMap: { name: 'x' } }, expected: 'configmap "x" not found' },
    { name: 'configMap missing, optional', volume: { name: 'v', configMap: { name: 'x', optional: true } }, expected: undefined },
    { name: 'configMap key missing', volume: { name: 'v', configMap: { name: 'cm', items: [{ key: 'b', path: 'b' }] } }, expected: 'configmap references non-existent config key: b' },
    { name: 'secret missing', volume: { name: 'v', secret: { secretName: 'y' } }, expected: 'secret "y" not found' },
    { name: 'secret key missing', volume: { name: 'v', secret: { secretName: 's', items: [{ key: 'z', path: 'z' }] } }, expected: 'references non-existent secret key: z' },
    { name: 'projected, second source missing', volume: { name: 'v', projected: { sources: [{ configMap: { name: 'cm' } }, { secret: { name: 'y' } }] } }, expected: 'secret "y" not found' },
    { name: 'emptyDir: no source to miss', volume: { name: 'v', emptyDir: {} }, expected: undefined },
  ];
  for (const row of rows) assert.is(missingSource(row.volume, keysOf), row.expected, row.name);
});

test('podWork: what a sync of a key does', () => {
  const pod = (nodeName: string, deleting = false) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) }, spec: { nodeName },
  }) as unknown as Pod;
  const rows: { name: string; key: string; pod: Pod | undefined; expected: string }[] = [
    { name: 'the resync key', key: '*', pod: undefined, expected: 'housekeeping' },
    { name: 'pod gone', key: 'default/p', pod: undefined, expected: 'housekeeping' },
    { name: 'pod on another node', key: 'default/p', pod: pod('n2'), expected: 'forget' },
    { name: 'pod here', key: 'default/p', pod: pod('n1'), expected: 'run' },
    { name: 'pod here, deleted', key: 'default/p', pod: pod('n1', true), expected: 'terminate' },
  ];
  for (const row of rows) assert.is(podWork(row.key, row.pod, 'n1').kind, row.expected, row.name);
});

// ------------------------------------------------------------------ unwind

test('podTargetsToUnpublish: the pod\'s own targets, by volume then path', () => {
  const actual = state({ published: [published('u1', 'v2'), published('u2', 'v1'), published('u1', 'v1'), published('u1', 'n1', NAS)] });
  assert.equal(podTargetsToUnpublish(actual, 'u1').map((p) => p.volumeId), ['v1', 'v2', 'n1']);
  assert.equal(podTargetsToUnpublish(actual, 'u3'), []);
  // A uid that prefixes another's is not confused with it.
  assert.equal(podTargetsToUnpublish(state({ published: [published('u10', 'v1')] }), 'u1'), []);
});

test('orphanedTargets: targets of pods no longer on the node, in publish order within a volume', () => {
  let actual = emptyActualState();
  for (const p of [published('u2', 'v1'), published('u1', 'v1'), published('u3', 'v0')]) actual = markPublished(actual, p);
  const rows: { name: string; here: string[]; expected: string[] }[] = [
    { name: 'all pods here', here: ['u1', 'u2', 'u3'], expected: [] },
    { name: 'all gone', here: [], expected: ['u3', 'u2', 'u1'] },
    { name: 'one gone', here: ['u1', 'u3'], expected: ['u2'] },
  ];
  const uidOf = (p: PublishedVolume) => /pods\/([^/]+)\//.exec(p.targetPath)![1];
  for (const row of rows) assert.equal(orphanedTargets(actual, new Set(row.here)).map(uidOf), row.expected, row.name);
});

test('volumesToUnstage: staged, unpublished here, and wanted by no live pod', () => {
  const rows: { name: string; actual: KubeletActualState; wanted: string[]; expected: string[] }[] = [
    { name: 'nothing staged', actual: state({}), wanted: [], expected: [] },
    { name: 'staged, unwanted (crash after the last NodeUnpublishVolume)', actual: state({ staged: [staged('v1')] }), wanted: [], expected: ['v1'] },
    { name: 'staged, still published', actual: state({ staged: [staged('v1')], published: [published('u1', 'v1')] }), wanted: [], expected: [] },
    { name: 'staged, a live pod wants it', actual: state({ staged: [staged('v1')] }), wanted: [wantedKey(DISK, 'v1')], expected: [] },
    { name: 'two staged, one published', actual: state({ staged: [staged('v1'), staged('v2')], published: [published('u1', 'v2')] }), wanted: [], expected: ['v1'] },
  ];
  for (const row of rows) assert.equal(volumesToUnstage(row.actual, new Set(row.wanted)).map((s) => s.volumeId), row.expected, row.name);
});

test('volumesInUse: desired ∪ attachable volumes still staged or published here, sorted', () => {
  const attachable = (d: string) => d === DISK;
  const rows: { name: string; desired: string[]; actual: KubeletActualState; expected: string[] }[] = [
    { name: 'nothing', desired: [], actual: state({}), expected: [] },
    { name: 'wanted, not mounted yet', desired: [uniqueVolumeName(DISK, 'v2')], actual: state({}), expected: [uniqueVolumeName(DISK, 'v2')] },
    { name: 'unwanted but still staged (unwinding)', desired: [], actual: state({ staged: [staged('v1')] }), expected: [uniqueVolumeName(DISK, 'v1')] },
    { name: 'a share is never in use', desired: [], actual: state({ published: [published('u1', 'n1', NAS)] }), expected: [] },
    { name: 'both, once each', desired: [uniqueVolumeName(DISK, 'v1')], actual: state({ staged: [staged('v1')], published: [published('u1', 'v1')] }), expected: [uniqueVolumeName(DISK, 'v1')] },
  ];
  for (const row of rows) assert.equal(volumesInUse(row.desired, row.actual, attachable, uniqueVolumeName), row.expected, row.name);
});

test('orphanedEmptyDirs: emptyDirs of pods that exist nowhere', () => {
  const actual = markEmptyDir(markEmptyDir(emptyActualState(), 'u2', 'cache'), 'u1', 'scratch');
  assert.equal(orphanedEmptyDirs(actual, new Set(['u1'])), [{ podUid: 'u2', volume: 'cache' }]);
  assert.equal(orphanedEmptyDirs(actual, new Set(['u1', 'u2'])), []);
});

// ------------------------------------------------------------------ evolve

test('mark*: the state after a call returned, in canonical order, as JSON', () => {
  let s = emptyActualState();
  s = markStaged(s, staged('v2'));
  s = markStaged(s, staged('v1'));
  s = markPublished(s, published('u2', 'v2'));
  s = markPublished(s, published('u1', 'v1'));
  s = markPublished(s, published('u1', 'v2'));
  // A repeated publish keeps its place.
  s = markPublished(s, published('u2', 'v2'));
  assert.equal(s.staged.map((x) => x.volumeId), ['v1', 'v2']);
  assert.equal(s.published.map((x) => `${x.volumeId}@${/pods\/([^/]+)/.exec(x.targetPath)![1]}`), ['v1@u1', 'v2@u2', 'v2@u1']);
  assert.equal(parseActualState('k', JSON.parse(JSON.stringify(s))), s);
  s = markUnpublished(s, target('u2', 'pv-v2'));
  s = markUnstaged(s, DISK, 'v1');
  assert.equal(s.staged.map((x) => x.volumeId), ['v2']);
  assert.equal(s.published.map((x) => x.targetPath), [target('u1', 'pv-v1'), target('u1', 'pv-v2')]);
  // The input is never changed (the wiring keeps the result).
  const before = JSON.stringify(s);
  markStaged(s, staged('v9'));
  markEmptyDir(s, 'u1', 'x');
  assert.is(JSON.stringify(s), before);
});

test.run();
