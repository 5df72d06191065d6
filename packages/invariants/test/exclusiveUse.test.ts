import { test } from 'uvu';
import { attachSafety, exclusiveUseSafety, podExclusiveUse, viewOf, type ViewObject } from '../src/index.ts';
import { attachment, backend, expectProblems, pod, pv, pvc } from './support.ts';

const DISK = 'disk.csi.pvsim.dev';

const attachRows: { name: string; objects: ViewObject[]; expected: RegExp[] }[] = [
  { name: 'an RWO volume attached to one node', objects: [pv('pv-a'), attachment('pv-a', 'node-a'), attachment('pv-a', 'node-b', false)], expected: [] },
  { name: 'an RWX volume attached to two nodes', objects: [pv('pv-a', { modes: ['ReadWriteMany'] }), attachment('pv-a', 'node-a'), attachment('pv-a', 'node-b')], expected: [] },
  {
    name: 'an RWO volume attached to two nodes',
    objects: [pv('pv-a'), attachment('pv-a', 'node-b'), attachment('pv-a', 'node-a')],
    expected: [/volume pv-a \(ReadWriteOnce\) has VolumeAttachments attached=true on node-a and node-b/],
  },
  {
    name: 'a deleted PV still attached to two nodes',
    objects: [attachment('pv-a', 'node-a'), attachment('pv-a', 'node-b')],
    expected: [/volume pv-a \(PV gone\) has VolumeAttachments/],
  },
  { name: 'a multi-node backend volume published to two nodes', objects: [backend(DISK, 'vol-1', { accessMode: 'MULTI_NODE_MULTI_WRITER', publishedNodes: ['node-a', 'node-b'] })], expected: [] },
  {
    name: 'a single-node backend volume published to two nodes',
    objects: [backend(DISK, 'vol-1', { publishedNodes: ['node-b', 'node-a'] })],
    expected: [/backend volume disk.csi.pvsim.dev.vol-1 \(SINGLE_NODE_WRITER\) is published to node-a and node-b/],
  },
];

for (const r of attachRows) test(`attachSafety: ${r.name}`, () => expectProblems(attachSafety(viewOf(r.objects)), r.expected, r.name));

const rwo = pvc('rwo', { phase: 'Bound' });
const rwop = pvc('rwop', { phase: 'Bound', modes: ['ReadWriteOncePod'] });
const rwx = pvc('rwx', { phase: 'Bound', modes: ['ReadWriteMany'] });

/** Each row: the cluster, and the pod that starts in it (it is part of the cluster too). */
const useRows: { name: string; objects: ViewObject[]; starting: ReturnType<typeof pod>; perPod: RegExp[]; cluster: RegExp[] }[] = [
  { name: 'two pods share an RWO claim on one node', objects: [rwo, pod('p1', 'node-a', ['rwo'])], starting: pod('p2', 'node-a', ['rwo']), perPod: [], cluster: [] },
  {
    name: 'two pods use an RWO claim on two nodes',
    objects: [rwo, pod('p1', 'node-a', ['rwo'])], starting: pod('p2', 'node-b', ['rwo']),
    perPod: [/ReadWriteOnce claim rwo is in use by running pod p1 on node-a/],
    cluster: [/ReadWriteOnce claim default\/rwo is in use by running pods p1 on node-a, p2 on node-b/],
  },
  {
    name: 'the other pod on another node is not running (any more)',
    objects: [rwo, pod('p1', 'node-a', ['rwo'], false)], starting: pod('p2', 'node-b', ['rwo']), perPod: [], cluster: [],
  },
  { name: 'two pods use an RWX claim on two nodes', objects: [rwx, pod('p1', 'node-a', ['rwx'])], starting: pod('p2', 'node-b', ['rwx']), perPod: [], cluster: [] },
  {
    name: 'two pods use an RWOP claim on one node',
    objects: [rwop, pod('p1', 'node-a', ['rwop'])], starting: pod('p2', 'node-a', ['rwop']),
    perPod: [/ReadWriteOncePod claim rwop is in use by running pod p1 on node-a/],
    cluster: [/ReadWriteOncePod claim default\/rwop is in use by running pods p1 on node-a, p2 on node-a/],
  },
  { name: 'one pod alone with an RWOP claim', objects: [rwop], starting: pod('p1', 'node-a', ['rwop']), perPod: [], cluster: [] },
];

for (const r of useRows) {
  const view = viewOf([...r.objects, r.starting]);
  test(`podExclusiveUse: ${r.name}`, () => expectProblems(podExclusiveUse(view, r.starting), r.perPod, r.name));
  test(`exclusiveUseSafety: ${r.name}`, () => expectProblems(exclusiveUseSafety(view), r.cluster, r.name));
}

test.run();
