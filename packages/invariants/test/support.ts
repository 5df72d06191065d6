/**
 * Small hand-written objects for the table tests: each builder gives the wire shape with only
 * the fields an invariant reads, and `expectProblems` runs one table row.
 */
import * as assert from 'uvu/assert';
import {
  SIM_API_VERSION, csiFilesystemName, csiVolumeObjectName, writeFile, emptyFs,
  type AccessMode, type KubeEvent, type PersistentVolume, type PersistentVolumeClaim, type Pod,
} from '@pvsim/domain';
import type { BackendVolumeView, FilesystemView, VolumeAttachmentView } from '../src/index.ts';

export const NS = 'default';

export interface PvOptions {
  phase?: string;
  claim?: string;
  claimUid?: string;
  modes?: AccessMode[];
  reclaim?: 'Retain' | 'Delete' | 'Recycle';
  csi?: { driver: string; handle: string };
  annotations?: Record<string, string>;
}

export function pv(name: string, o: PvOptions = {}): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name, uid: `pv-uid-${name}`, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: o.modes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: o.reclaim ?? 'Retain',
      ...(o.claim ? { claimRef: { kind: 'PersistentVolumeClaim', namespace: NS, name: o.claim, ...(o.claimUid !== undefined ? { uid: o.claimUid } : {}) } } : {}),
      ...(o.csi ? { csi: { driver: o.csi.driver, volumeHandle: o.csi.handle } } : { hostPath: { path: `/tmp/${name}` } }),
    },
    ...(o.phase ? { status: { phase: o.phase } } : {}),
  };
}

export function pvc(name: string, o: { phase?: string; volumeName?: string; uid?: string; modes?: AccessMode[] } = {}): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: NS, uid: o.uid ?? `uid-${name}` },
    spec: { accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
    ...(o.phase ? { status: { phase: o.phase } } : {}),
  };
}

/** A pod using `claims`, on `node`; `running` gives it a running container. */
export function pod(name: string, node: string, claims: string[], running = true): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: NS, uid: `uid-${name}` },
    spec: { nodeName: node, volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) },
    status: { phase: running ? 'Running' : 'Pending', containerStatuses: [{ name: 'app', state: running ? { running: {} } : { waiting: {} } }] },
  };
}

export function attachment(pvName: string, node: string, attached = true): VolumeAttachmentView {
  return { kind: 'VolumeAttachment', metadata: { name: `va-${pvName}-${node}` }, spec: { nodeName: node, source: { persistentVolumeName: pvName } }, status: { attached } };
}

export function backend(driver: string, handle: string, o: { accessMode?: string; publishedNodes?: string[] } = {}): BackendVolumeView & { apiVersion: string } {
  return {
    apiVersion: SIM_API_VERSION, kind: 'CSIVolume',
    metadata: { name: csiVolumeObjectName(driver, handle) },
    spec: { driver, volumeId: handle, accessMode: o.accessMode ?? 'SINGLE_NODE_WRITER' },
    status: { publishedNodes: Object.fromEntries((o.publishedNodes ?? []).map((n) => [n, { readonly: false, publishContext: {} }])) },
  };
}

export function filesystem(driver: string, handle: string, files: Record<string, string> = {}): FilesystemView {
  let fs = emptyFs();
  for (const [path, contents] of Object.entries(files)) fs = writeFile(fs, path, contents);
  return { kind: 'Filesystem', metadata: { name: csiFilesystemName(driver, handle) }, status: fs };
}

export function claimEvent(claim: PersistentVolumeClaim, reason: string, uid = claim.metadata.uid): KubeEvent {
  return {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name: `${claim.metadata.name}.1`, namespace: NS },
    involvedObject: { kind: 'PersistentVolumeClaim', name: claim.metadata.name, namespace: NS, ...(uid !== undefined ? { uid } : {}) },
    type: 'Normal', reason, message: reason, count: 1, firstTimestamp: '', lastTimestamp: '', source: { component: 'persistentvolume-controller' },
  };
}

/** One table row: no problems expected, or one problem matching each pattern (in any order). */
export function expectProblems(problems: string[], expected: RegExp[], row: string): void {
  if (expected.length === 0) { assert.equal(problems, [], `${row}: expected none`); return; }
  assert.is(problems.length, expected.length, `${row}: ${JSON.stringify(problems)}`);
  for (const re of expected) assert.ok(problems.some((p) => re.test(p)), `${row}: no problem matches ${re}: ${JSON.stringify(problems)}`);
}
