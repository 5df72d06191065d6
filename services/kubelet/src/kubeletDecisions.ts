/**
 * Design: the kubelet's volume decisions as pure functions, apart from the wiring that makes the
 * CSI calls and the API writes (kubelet.ts), as K/pkg/kubelet/volumemanager splits its reconciler
 * (what to do, from the desired and the actual state of the world) from the operation executor
 * (doing it). Each function takes plain data — a pod, what the node's pods want, the kubelet's
 * actual state — and answers with the next step(s); the `mark*` functions are the evolve half:
 * the actual state after a CSI call returned. Nothing here reads the store or calls a driver, so
 * every branch is a row of a table test (services/kubelet/test/kubeletDecisions.test.ts).
 *
 * The actual state is what the kubelet itself did on its node and saw succeed, like the real
 * kubelet's actual-state-of-world cache: volumes staged (NodeStageVolume returned) at their
 * staging path, volumes published (NodePublishVolume returned) at a pod's target path, and the
 * emptyDir volumes it set up. It is JSON, in one canonical order: staged and emptyDirs sorted,
 * published grouped by volume (the volume's backend object name, `<driver>.<volumeId>`) and, within
 * a volume, in the order the publishes happened — the order the kubelet walks them when it unwinds,
 * which the driver's own record of the mounts also has, so a kubelet that rebuilt its state from
 * the node after a restart walks them exactly as the one that never stopped.
 */
import {
  csiVolumeObjectName, isDir, isFile, mkdirp, normalizePath, touch,
  type FsState, type Pod, type PodVolume,
} from '@pvsim/domain';

// ------------------------------------------------------------------ the actual state

/** NodeStageVolume returned OK: the volume is staged on this node at `stagingTargetPath`. */
export interface StagedVolume { driver: string; volumeId: string; stagingTargetPath: string }
/** NodePublishVolume returned OK: the volume is mounted at a pod's `targetPath`. */
export interface PublishedVolume { driver: string; volumeId: string; targetPath: string; readonly: boolean }
/** An emptyDir volume the kubelet created (its Filesystem `emptydir.<podUid>.<volume>`). */
export interface EmptyDirVolume { podUid: string; volume: string }

export interface KubeletActualState {
  staged: StagedVolume[];
  published: PublishedVolume[];
  emptyDirs: EmptyDirVolume[];
}

export function emptyActualState(): KubeletActualState {
  return { staged: [], published: [], emptyDirs: [] };
}

/** A volume's identity on the node: its backend object's name, which is also the order the kubelet walks volumes in. */
export function volumeKey(driver: string, volumeId: string): string {
  return csiVolumeObjectName(driver, volumeId);
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Sorted as their Filesystem names (`emptydir.<podUid>.<volume>`) sort. */
const emptyDirKey = (e: EmptyDirVolume) => `${e.podUid}.${e.volume}`;

/** Puts a state into its canonical order (stable: publishes keep their order within a volume). */
export function canonicalActualState(s: KubeletActualState): KubeletActualState {
  return {
    staged: [...s.staged].sort((a, b) => byString(volumeKey(a.driver, a.volumeId), volumeKey(b.driver, b.volumeId))),
    published: [...s.published].sort((a, b) => byString(volumeKey(a.driver, a.volumeId), volumeKey(b.driver, b.volumeId))),
    emptyDirs: [...s.emptyDirs].sort((a, b) => byString(emptyDirKey(a), emptyDirKey(b))),
  };
}

export function stagedAt(s: KubeletActualState, driver: string, volumeId: string): string | undefined {
  return s.staged.find((v) => v.driver === driver && v.volumeId === volumeId)?.stagingTargetPath;
}

export function publishedAt(s: KubeletActualState, targetPath: string): PublishedVolume | undefined {
  return s.published.find((p) => p.targetPath === targetPath);
}

export function markStaged(s: KubeletActualState, v: StagedVolume): KubeletActualState {
  const rest = s.staged.filter((x) => !(x.driver === v.driver && x.volumeId === v.volumeId));
  return canonicalActualState({ ...s, staged: [...rest, { ...v }] });
}

export function markUnstaged(s: KubeletActualState, driver: string, volumeId: string): KubeletActualState {
  return { ...s, staged: s.staged.filter((x) => !(x.driver === driver && x.volumeId === volumeId)) };
}

/** A repeated publish of a target that is already there keeps its place (the driver's record does too). */
export function markPublished(s: KubeletActualState, p: PublishedVolume): KubeletActualState {
  if (s.published.some((x) => x.targetPath === p.targetPath)) {
    return { ...s, published: s.published.map((x) => (x.targetPath === p.targetPath ? { ...p } : x)) };
  }
  return canonicalActualState({ ...s, published: [...s.published, { ...p }] });
}

export function markUnpublished(s: KubeletActualState, targetPath: string): KubeletActualState {
  return { ...s, published: s.published.filter((x) => x.targetPath !== targetPath) };
}

export function hasEmptyDir(s: KubeletActualState, podUid: string, volume: string): boolean {
  return s.emptyDirs.some((e) => e.podUid === podUid && e.volume === volume);
}

export function markEmptyDir(s: KubeletActualState, podUid: string, volume: string): KubeletActualState {
  if (hasEmptyDir(s, podUid, volume)) return s;
  return canonicalActualState({ ...s, emptyDirs: [...s.emptyDirs, { podUid, volume }] });
}

export function forgetEmptyDir(s: KubeletActualState, podUid: string, volume: string): KubeletActualState {
  return { ...s, emptyDirs: s.emptyDirs.filter((e) => !(e.podUid === podUid && e.volume === volume)) };
}

/** A saved actual state, checked field by field; `owner` names the kubelet in the error. */
export function parseActualState(owner: string, value: unknown): KubeletActualState {
  const bad = (what: string): never => { throw new TypeError(`${owner}: saved actual state has a malformed ${what}`); };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('object');
  const v = value as Record<string, unknown>;
  const list = (field: string, keys: readonly string[], types: readonly string[]): Record<string, unknown>[] => {
    const items = v[field] ?? [];
    if (!Array.isArray(items)) bad(field);
    for (const it of items as unknown[]) {
      if (typeof it !== 'object' || it === null) bad(field);
      keys.forEach((k, i) => { if (typeof (it as Record<string, unknown>)[k] !== types[i]) bad(`${field} entry (${k})`); });
    }
    return items as Record<string, unknown>[];
  };
  const staged = list('staged', ['driver', 'volumeId', 'stagingTargetPath'], ['string', 'string', 'string']);
  const published = list('published', ['driver', 'volumeId', 'targetPath', 'readonly'], ['string', 'string', 'string', 'boolean']);
  const emptyDirs = list('emptyDirs', ['podUid', 'volume'], ['string', 'string']);
  return canonicalActualState({
    staged: staged.map((x) => ({ driver: x['driver'] as string, volumeId: x['volumeId'] as string, stagingTargetPath: x['stagingTargetPath'] as string })),
    published: published.map((x) => ({ driver: x['driver'] as string, volumeId: x['volumeId'] as string, targetPath: x['targetPath'] as string, readonly: x['readonly'] as boolean })),
    emptyDirs: emptyDirs.map((x) => ({ podUid: x['podUid'] as string, volume: x['volume'] as string })),
  });
}

// ------------------------------------------------------------------ pods

/** What a sync of one key does. */
export type PodWork =
  /** The periodic `*` key, or a pod that is gone: unwind whatever pods no longer here left behind. */
  | { kind: 'housekeeping' }
  /** The pod moved off this node's view (not ours): forget it. */
  | { kind: 'forget' }
  | { kind: 'terminate' }
  | { kind: 'run' };

export function podWork(key: string, pod: Pod | undefined, nodeName: string): PodWork {
  if (key === '*') return { kind: 'housekeeping' };
  if (!pod) return { kind: 'housekeeping' };
  if (pod.spec.nodeName !== nodeName) return { kind: 'forget' };
  return pod.metadata.deletionTimestamp ? { kind: 'terminate' } : { kind: 'run' };
}

/** A pod that no longer wants its volumes mounted: being deleted, or finished. */
export function podReleasesVolumes(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

// ------------------------------------------------------------------ mount

/** What a CSI volume of a pod needs, as the wiring found it. */
export interface CsiMountInput {
  driver: string;
  volumeId: string;
  targetPath: string;
  /** The driver has STAGE_UNSTAGE_VOLUME: the staging path it is staged at. */
  stagingTargetPath?: string;
  /** The driver is attachable (VolumeAttachments); `attached`: its VA says attached and is not being deleted. */
  attachable: boolean;
  attached: boolean;
}

export type CsiMountPlan =
  /** OBSERVATION: published at this pod's target path already. */
  | { kind: 'mounted' }
  /** WaitForAttach: the VolumeAttachment is not attached yet. */
  | { kind: 'waitForAttach' }
  /** The calls still to make, in order: NodeStageVolume (when not staged here yet), then NodePublishVolume. */
  | { kind: 'mount'; steps: ('stage' | 'publish')[] };

/** K/pkg/kubelet/volumemanager/reconciler `mountAttachVolumes` for one volume of one pod. */
export function planCsiMount(input: CsiMountInput, actual: KubeletActualState): CsiMountPlan {
  const published = publishedAt(actual, input.targetPath);
  if (published && published.driver === input.driver && published.volumeId === input.volumeId) return { kind: 'mounted' };
  if (input.attachable && !input.attached) return { kind: 'waitForAttach' };
  const stage = input.stagingTargetPath !== undefined && stagedAt(actual, input.driver, input.volumeId) !== input.stagingTargetPath;
  return { kind: 'mount', steps: stage ? ['stage', 'publish'] : ['publish'] };
}

/** What a hostPath volume's set-up does to the node's disk: the problem, or the disk after it. */
export type HostPathSetUp = { problem: string } | { problem?: undefined; next?: FsState };

/** hostPath type checks (K/pkg/volume/hostpath `checkType`); creates what the type asks to create. */
export function hostPathSetUp(fs: FsState, rawPath: string, type: string): HostPathSetUp {
  const path = normalizePath(rawPath);
  const check = (what: string) => ({ problem: `hostPath type check failed: ${rawPath} is not a ${what}` });
  switch (type) {
    case '':
      // No check; the container runtime creates a missing directory for the bind mount.
      return !isDir(fs, path) && !isFile(fs, path) ? { next: mkdirp(fs, path) } : {};
    case 'DirectoryOrCreate':
      return isFile(fs, path) ? check('directory') : { next: mkdirp(fs, path) };
    case 'Directory':
      return isDir(fs, path) ? {} : check('directory');
    case 'FileOrCreate': {
      if (isDir(fs, path)) return check('file');
      if (isFile(fs, path)) return {};
      try { return { next: touch(fs, path) }; } catch { return { problem: `open ${rawPath}: no such file or directory` }; }
    }
    case 'File':
      return isFile(fs, path) ? {} : check('file');
    case 'Socket': return check('socket file');
    case 'CharDevice': return check('character device');
    case 'BlockDevice': return check('block device');
    default: return { problem: `invalid HostPathType ${type}` };
  }
}

/** Whether a ConfigMap or Secret has a key, or undefined when it does not exist. */
export type KeysOf = (kind: 'ConfigMap' | 'Secret', name: string) => { has(key: string): boolean } | undefined;

/** configMap / secret / projected sources must exist (and name keys they have) unless optional. */
export function missingSource(volume: PodVolume, keysOf: KeysOf): string | undefined {
  const configMap = (ref: { name: string; optional?: boolean; items?: { key: string }[] }): string | undefined => {
    const keys = keysOf('ConfigMap', ref.name);
    if (!keys) return ref.optional ? undefined : `configmap "${ref.name}" not found`;
    const key = (ref.items ?? []).find((it) => !keys.has(it.key));
    return key && !ref.optional ? `configmap references non-existent config key: ${key.key}` : undefined;
  };
  const secret = (name: string, ref: { optional?: boolean; items?: { key: string }[] }): string | undefined => {
    const keys = keysOf('Secret', name);
    if (!keys) return ref.optional ? undefined : `secret "${name}" not found`;
    const key = (ref.items ?? []).find((it) => !keys.has(it.key));
    return key && !ref.optional ? `references non-existent secret key: ${key.key}` : undefined;
  };
  const cm = volume['configMap'] as { name: string; optional?: boolean } | undefined;
  if (cm) return configMap(cm);
  const sec = volume['secret'] as { secretName: string; optional?: boolean } | undefined;
  if (sec) return secret(sec.secretName, sec);
  const projected = volume['projected'] as { sources?: { configMap?: { name: string; optional?: boolean }; secret?: { name: string; optional?: boolean } }[] } | undefined;
  for (const src of projected?.sources ?? []) {
    const problem = (src.configMap && configMap(src.configMap)) || (src.secret && secret(src.secret.name, src.secret));
    if (problem) return problem;
  }
  return undefined;
}

// ------------------------------------------------------------------ unwind

/** The targets of a terminating pod still published here: by volume, then by target path. */
export function podTargetsToUnpublish(actual: KubeletActualState, podUid: string): PublishedVolume[] {
  const prefix = `/var/lib/kubelet/pods/${podUid}/`;
  return actual.published
    .filter((p) => p.targetPath.startsWith(prefix))
    .sort((a, b) => byString(volumeKey(a.driver, a.volumeId), volumeKey(b.driver, b.volumeId)) || byString(a.targetPath, b.targetPath));
}

/** The pod uid a target path belongs to. */
export function podUidOfTarget(targetPath: string): string | undefined {
  return /^\/var\/lib\/kubelet\/pods\/([^/]+)\//.exec(targetPath)?.[1];
}

/** Targets of pods that are no longer on the node (deleted without the kubelet): by volume, in publish order. */
export function orphanedTargets(actual: KubeletActualState, podUidsHere: ReadonlySet<string>): PublishedVolume[] {
  return actual.published.filter((p) => {
    const uid = podUidOfTarget(p.targetPath);
    return uid !== undefined && !podUidsHere.has(uid);
  });
}

/** A volume in a `wanted` set: driver and handle, unambiguously (a driver name may contain dots). */
export function wantedKey(driver: string, volumeId: string): string {
  return `${driver}\u0000${volumeId}`;
}

/**
 * Volumes staged here that nothing publishes here and no live pod on the node wants (reconciler
 * `unmountDetachDevices`), by volume. `wanted` holds `wantedKey`s.
 */
export function volumesToUnstage(actual: KubeletActualState, wanted: ReadonlySet<string>): StagedVolume[] {
  return actual.staged.filter((s) => {
    if (actual.published.some((p) => p.driver === s.driver && p.volumeId === s.volumeId)) return false;
    return !wanted.has(wantedKey(s.driver, s.volumeId));
  });
}

/**
 * `node.status.volumesInUse`: the unique names the node's live pods want (`desired`), and every
 * attachable volume still staged or published here (the kubelet's desired ∪ actual state), sorted.
 */
export function volumesInUse(
  desired: Iterable<string>,
  actual: KubeletActualState,
  attachable: (driver: string) => boolean,
  uniqueName: (driver: string, volumeId: string) => string,
): string[] {
  return [...volumesInUseNames(desired, actual, attachable, uniqueName)].sort();
}

/** volumesInUse's names, unsorted. */
export function volumesInUseNames(
  desired: Iterable<string>,
  actual: KubeletActualState,
  attachable: (driver: string) => boolean,
  uniqueName: (driver: string, volumeId: string) => string,
): Set<string> {
  const names = new Set(desired);
  for (const v of actual.staged) if (attachable(v.driver)) names.add(uniqueName(v.driver, v.volumeId));
  for (const v of actual.published) if (attachable(v.driver)) names.add(uniqueName(v.driver, v.volumeId));
  return names;
}

/** emptyDirs of pods that exist nowhere any more (deleted without the kubelet), by Filesystem name. */
export function orphanedEmptyDirs(actual: KubeletActualState, podUidsAnywhere: ReadonlySet<string>): EmptyDirVolume[] {
  return actual.emptyDirs.filter((e) => !podUidsAnywhere.has(e.podUid));
}
