/**
 * Design: what several components read off a Pod's spec and status — its containers, whether it
 * is terminated, which claim a volume of it uses — as Kubernetes keeps these in
 * K/pkg/api/v1/pod and K/pkg/volume/util, shared by the kubelet, the attach/detach controller and
 * exec rather than owned by one of them.
 */
import type { Pod, PodVolume } from './types.ts';

export interface VolumeMountSpec { name: string; mountPath: string; readOnly?: boolean; subPath?: string }
export interface ContainerSpec { name: string; image?: string; volumeMounts?: VolumeMountSpec[] }

export function containersOf(pod: Pod): ContainerSpec[] {
  return (pod.spec['containers'] as ContainerSpec[] | undefined) ?? [];
}

export function initContainersOf(pod: Pod): ContainerSpec[] {
  return (pod.spec['initContainers'] as ContainerSpec[] | undefined) ?? [];
}

/** The claim a pod volume uses: `persistentVolumeClaim`, or a generic ephemeral volume's. */
export function claimNameOf(pod: Pod, volume: PodVolume): string | undefined {
  if (volume.persistentVolumeClaim) return volume.persistentVolumeClaim.claimName;
  if (volume.ephemeral !== undefined) return `${pod.metadata.name}-${volume.name}`;
  return undefined;
}

interface ContainerState { running?: unknown; waiting?: unknown; terminated?: unknown }
export interface ContainerStatus {
  name: string;
  state?: ContainerState;
  lastState?: ContainerState;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  image?: string;
  imageID?: string;
  containerID?: string;
}

/** K/pkg/volume/util `IsPodTerminated`: a terminal phase, or deleted with nothing running. */
export function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  if (!pod.metadata.deletionTimestamp) return false;
  const statuses = [
    ...((pod.status?.['initContainerStatuses'] as ContainerStatus[] | undefined) ?? []),
    ...((pod.status?.['containerStatuses'] as ContainerStatus[] | undefined) ?? []),
  ];
  return statuses.every((s) => s.state?.running === undefined);
}
