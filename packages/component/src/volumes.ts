/**
 * Design: what the attach/detach controller, the kubelet and exec compute alike about a pod's
 * volumes and their attachments, where domain cannot hold it: a VolumeAttachment's name is a
 * sha256 digest (domain stays free of node:crypto), and a pod volume's PV is read through the
 * component's Client.
 */
import * as nodeCrypto from 'node:crypto';
import { claimNameOf, type PersistentVolume, type PersistentVolumeClaim, type Pod, type PodVolume } from '@pvsim/domain';
import type { Client } from '@pvsim/runtime';

/** Node's one-shot digest (no Hash object per call) where it has one. */
const oneShotHash: ((algorithm: string, data: string, encoding: 'hex') => string) | undefined =
  typeof (nodeCrypto as { hash?: unknown }).hash === 'function' ? (nodeCrypto as unknown as { hash: (a: string, d: string, e: 'hex') => string }).hash : undefined;
/**
 * Digests asked for again: the attach/detach controller names every attachment of a node on each
 * of its syncs and the kubelet every staging path on each mount — the same few texts, over and
 * over (a digest per call was ≈ 2 % of a full-cluster run). Bounded (a cluster with thousands of
 * nodes has tens of thousands of attachment names); a pure function's memo.
 */
let digests = new Map<string, string>();
const DIGESTS_MAX = 65_536;

export function sha256Hex(text: string): string {
  let hex = digests.get(text);
  if (hex === undefined) {
    hex = oneShotHash !== undefined ? oneShotHash('sha256', text, 'hex') : nodeCrypto.createHash('sha256').update(text).digest('hex');
    if (digests.size >= DIGESTS_MAX) digests = new Map();
    digests.set(text, hex);
  }
  return hex;
}

/** K/pkg/volume/csi/csi_attacher.go `getAttachmentName`. */
export function volumeAttachmentName(volumeHandle: string, driver: string, nodeName: string): string {
  return `csi-${sha256Hex(volumeHandle + driver + nodeName)}`;
}

/** The PV behind a pod volume, once its claim is Bound (kubelet and AD both wait for that). */
export function boundVolumeOf(client: Client, pod: Pod, volume: PodVolume): { claim: PersistentVolumeClaim; pv: PersistentVolume } | undefined {
  const claimName = claimNameOf(pod, volume);
  if (claimName === undefined) return undefined;
  const claim = client.getClaim(pod.metadata.namespace ?? 'default', claimName);
  if (!claim || claim.status?.phase !== 'Bound' || !claim.spec.volumeName) return undefined;
  const pv = client.getVolume(claim.spec.volumeName);
  return pv ? { claim, pv } : undefined;
}
