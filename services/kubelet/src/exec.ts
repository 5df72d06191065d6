/**
 * Design: what a process inside a container sees of the simulated filesystems, for
 * `pvsim exec POD [-c C] -- CMD`. A container's mount table is derived from the pod spec and
 * the store, the way the kubelet would have set it up: each volumeMount maps to a Filesystem
 * object and a directory in it (a CSI volume only while it is published at this pod's target path
 * — otherwise the mount simply is not there; the kubelet answers that from its own actual state,
 * and a caller without a kubelet at hand, `pvsim exec`, from the driver's record of its
 * mounts), configMap/secret/projected
 * volumes are read-only views generated from their objects, and everything else lives in the
 * container's writable layer, a Filesystem that the kubelet wipes when the container restarts.
 * A path resolves through the longest mountPath that prefixes it. The commands are the few a
 * lecture needs (touch, write, cat, ls, rm, findmnt); they answer with a shell's words and exit
 * codes. Refusals that kubectl itself would print (container not running, completed pod) are
 * thrown as ExecError carrying kubectl's text.
 */
import {
  FsError, SIM_API_VERSION, csiFilesystemName, csiSourceOf, csiVolumeObjectName, emptyFs, isDir, isFile, joinPath, listDir, normalizePath, readFile,
  remove, touch, writeFile, containerFilesystemName, containersOf, csiTargetPath, emptyDirFilesystemName, initContainersOf, isKubeletAlive,
  nodeFilesystemName, parseQuantity, quantityToBytes, subPathFilesystemName, usedBytes, type FsState, type Pod, type PodVolume, type ContainerSpec, type ContainerStatus, type CsiVolumeObject, type FilesystemObject,
} from '@pvsim/domain';
import type { AnyObject, Client } from '@pvsim/runtime';
import { boundVolumeOf } from '@pvsim/component';

/** kubectl refused the exec; `message` is what kubectl prints. */
export class ExecError extends Error {
  readonly code = 'ExecRefused';
  constructor(message: string) {
    super(message);
    this.name = 'ExecError';
  }
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** One entry of a container's mount table. */
export interface ContainerMount {
  /** Mount point inside the container. */
  target: string;
  /** Pod volume name ('' for the root filesystem). */
  volume: string;
  /** The container cannot write through it (volumeMount.readOnly, a read-only volume). */
  readOnly: boolean;
  /** The volume itself is read-only (pvc readOnly, published readonly, generated views). */
  volumeReadOnly: boolean;
  /** Filesystem object backing it (absent for generated views). */
  filesystem?: string;
  /** Directory in the backing filesystem (or view) that appears at `target`. */
  base: string;
  subPath?: string;
  /**
   * A subPath into a generated volume: the Filesystem where the kubelet froze its contents when
   * the container started (absent until then, when the live view is shown).
   */
  frozen?: string;
  /** Generated read-only contents (configMap, secret, projected, downwardAPI). */
  view?: FsState;
  /** A tmpfs's size in bytes (a memory-backed emptyDir): writes beyond it fail with ENOSPC. */
  sizeBytes?: number;
  /** findmnt's SOURCE and FSTYPE. */
  source: string;
  fstype: string;
}

// ------------------------------------------------------------------ generated views

function decodeBase64(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}

type KeyToPath = { key: string; path: string };
type DownwardItem = { path: string; fieldRef?: { fieldPath: string } };
interface ProjectedSource {
  configMap?: { name: string; items?: KeyToPath[] };
  secret?: { name: string; items?: KeyToPath[] };
  downwardAPI?: { items?: DownwardItem[] };
  serviceAccountToken?: { path?: string };
}

/** A map whose keys are user data (ConfigMap keys, file names): no prototype to collide with. */
function dataMap(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

function keyFiles(data: Record<string, string>, items: KeyToPath[] | undefined): Record<string, string> {
  const out = dataMap();
  if (items && items.length > 0) {
    for (const it of items) if (Object.prototype.hasOwnProperty.call(data, it.key)) out[it.path] = data[it.key]!;
  } else {
    for (const k of Object.keys(data).sort()) out[k] = data[k]!;
  }
  return out;
}

function configMapData(client: Client, ns: string, name: string): Record<string, string> | undefined {
  const cm = client.get('ConfigMap', `${ns}/${name}`) as { data?: Record<string, string>; binaryData?: Record<string, string> } | undefined;
  if (!cm) return undefined;
  const data = Object.assign(dataMap(), cm.data ?? {});
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) data[k] = decodeBase64(v);
  return data;
}

/** Secret `data` is base64 (decoded here); `stringData` is plain when the store kept it. */
function secretData(client: Client, ns: string, name: string): Record<string, string> | undefined {
  const secret = client.get('Secret', `${ns}/${name}`) as { data?: Record<string, string>; stringData?: Record<string, string> } | undefined;
  if (!secret) return undefined;
  const data = dataMap();
  for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = decodeBase64(v);
  for (const [k, v] of Object.entries(secret.stringData ?? {})) data[k] = v;
  return data;
}

function fieldValue(pod: Pod, fieldPath: string): string {
  const m = pod.metadata;
  const pairs = (r: Record<string, string> | undefined) => Object.keys(r ?? {}).sort().map((k) => `${k}="${r![k]}"`).join('\n');
  switch (fieldPath) {
    case 'metadata.name': return m.name;
    case 'metadata.namespace': return m.namespace ?? 'default';
    case 'metadata.uid': return m.uid ?? '';
    case 'metadata.labels': return pairs(m.labels);
    case 'metadata.annotations': return pairs(m.annotations);
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    default: return '';
  }
}

function downwardFiles(pod: Pod, items: DownwardItem[] | undefined): Record<string, string> {
  const out = dataMap();
  for (const it of items ?? []) if (it.fieldRef) out[it.path] = fieldValue(pod, it.fieldRef.fieldPath);
  return out;
}

/** The files a configMap/secret/projected/downwardAPI volume shows, or undefined for other sources. */
export function generatedVolumeFiles(client: Client, pod: Pod, volume: PodVolume): Record<string, string> | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  const cm = volume['configMap'] as { name: string; items?: KeyToPath[] } | undefined;
  if (cm) return keyFiles(configMapData(client, ns, cm.name) ?? {}, cm.items);
  const secret = volume['secret'] as { secretName: string; items?: KeyToPath[] } | undefined;
  if (secret) return keyFiles(secretData(client, ns, secret.secretName) ?? {}, secret.items);
  const downward = volume['downwardAPI'] as { items?: DownwardItem[] } | undefined;
  if (downward) return downwardFiles(pod, downward.items);
  const projected = volume['projected'] as { sources?: ProjectedSource[] } | undefined;
  if (projected) {
    const out = dataMap();
    for (const src of projected.sources ?? []) {
      if (src.configMap) Object.assign(out, keyFiles(configMapData(client, ns, src.configMap.name) ?? {}, src.configMap.items));
      if (src.secret) Object.assign(out, keyFiles(secretData(client, ns, src.secret.name) ?? {}, src.secret.items));
      if (src.downwardAPI) Object.assign(out, downwardFiles(pod, src.downwardAPI.items));
      // A token file with a stable, recognisable value (no real service accounts in pvsim).
      if (src.serviceAccountToken) out[src.serviceAccountToken.path ?? 'token'] = `pvsim-token.${pod.metadata.uid ?? pod.metadata.name}`;
    }
    return out;
  }
  return undefined;
}

/** A generated volume's files as a filesystem tree. */
export function viewOf(files: Record<string, string>): FsState {
  let fs = emptyFs();
  for (const path of Object.keys(files).sort()) fs = writeFile(fs, '/' + path, files[path]!);
  return fs;
}

// ------------------------------------------------------------------ the mount table

const bytesOf = (q: string | undefined): bigint | undefined => (q === undefined ? undefined : quantityToBytes(parseQuantity(q)));

/** The pod's memory limit as its cgroup gets it (ResourceConfigForPod): only when every container has one. */
function podMemoryLimit(pod: Pod): bigint | undefined {
  const limitOf = (c: ContainerSpec) => bytesOf((c as { resources?: { limits?: Record<string, string> } }).resources?.limits?.['memory']);
  const apps = containersOf(pod).map(limitOf);
  const inits = initContainersOf(pod).map(limitOf);
  if ([...apps, ...inits].some((l) => l === undefined)) return undefined;
  const sum = (apps as bigint[]).reduce((a, b) => a + b, 0n);
  return (inits as bigint[]).reduce((a, b) => (b > a ? b : a), sum);
}

/**
 * A memory-backed emptyDir's tmpfs size (pkg/volume/emptydir/empty_dir.go
 * calculateEmptyDirMemorySize, SizeMemoryBackedVolumes GA since 1.32): the node's allocatable
 * memory, lowered to the pod's memory limit and then to the volume's sizeLimit when those are
 * positive and smaller; undefined when nothing bounds it.
 */
export function emptyDirMemorySize(pod: Pod, sizeLimit: string | undefined, nodeAllocatable: string | undefined): number | undefined {
  let size = bytesOf(nodeAllocatable);
  for (const bound of [podMemoryLimit(pod), bytesOf(sizeLimit)]) {
    if (bound !== undefined && bound > 0n && (size === undefined || bound <= size)) size = bound;
  }
  return size === undefined ? undefined : Number(size);
}

type VolumeBacking = Omit<ContainerMount, 'target' | 'volume' | 'readOnly' | 'subPath'>;

/**
 * Whether a CSI volume is published at a target path on the pod's node, and how: read-only, and
 * whether it is a block device with a filesystem on it (attached) rather than a network share.
 */
export type PublishedLookup = (targetPath: string, driver: string, volumeId: string) => { readonly: boolean; block: boolean } | undefined;

/** The driver's own record of its mounts (CSIVolume), for callers that hold no kubelet. */
function backendLookup(client: Client, node: string): PublishedLookup {
  return (targetPath, driver, volumeId) => {
    const cv = client.get('CSIVolume', csiVolumeObjectName(driver, volumeId)) as unknown as CsiVolumeObject | undefined;
    const published = cv?.status?.published?.[targetPath];
    if (!published || published.node !== node) return undefined;
    return { readonly: published.readonly, block: cv?.status?.publishedNodes?.[node] !== undefined };
  };
}

function volumeBacking(client: Client, pod: Pod, volume: PodVolume, lookup: PublishedLookup): VolumeBacking | undefined {
  const uid = pod.metadata.uid ?? '';
  const node = pod.spec.nodeName ?? '';
  const view = generatedVolumeFiles(client, pod, volume);
  if (view !== undefined) {
    const tmpfs = volume['secret'] !== undefined || volume['projected'] !== undefined;
    return { base: '/', view: viewOf(view), volumeReadOnly: true, source: tmpfs ? 'tmpfs' : '/dev/sda1', fstype: tmpfs ? 'tmpfs' : 'ext4' };
  }
  if (volume['emptyDir'] !== undefined) {
    const emptyDir = volume['emptyDir'] as { medium?: string; sizeLimit?: string } | null;
    const memory = emptyDir?.medium === 'Memory';
    const backing: VolumeBacking = { filesystem: emptyDirFilesystemName(uid, volume.name), base: '/', volumeReadOnly: false, source: memory ? 'tmpfs' : '/dev/sda1', fstype: memory ? 'tmpfs' : 'ext4' };
    if (memory) {
      const allocatable = (client.get('Node', node) as { status?: { allocatable?: Record<string, string> } } | undefined)?.status?.allocatable?.['memory'];
      const size = emptyDirMemorySize(pod, emptyDir?.sizeLimit, allocatable);
      if (size !== undefined) backing.sizeBytes = size;
    }
    return backing;
  }
  const hostPath = volume['hostPath'] as { path: string } | undefined;
  if (hostPath) {
    const path = normalizePath(hostPath.path);
    return { filesystem: nodeFilesystemName(node), base: path, volumeReadOnly: false, source: `/dev/sda1[${path}]`, fstype: 'ext4' };
  }
  const bound = boundVolumeOf(client, pod, volume);
  if (!bound) return undefined;
  const claimReadOnly = volume.persistentVolumeClaim?.readOnly === true;
  const csi = csiSourceOf(bound.pv);
  if (csi) {
    const published = lookup(csiTargetPath(uid, bound.pv.metadata.name), csi.driver, csi.volumeHandle);
    // Not published at this pod's target path: the mount is not there.
    if (!published) return undefined;
    const block = published.block;
    return {
      filesystem: csiFilesystemName(csi.driver, csi.volumeHandle), base: '/',
      volumeReadOnly: published.readonly || claimReadOnly || csi.readOnly === true,
      source: block ? `/dev/${csi.volumeHandle}` : `${csi.driver}:/${csi.volumeHandle}`,
      fstype: block ? (csi.fsType || 'ext4') : 'nfs4',
    };
  }
  const local = (bound.pv.spec['hostPath'] ?? bound.pv.spec['local']) as { path: string } | undefined;
  if (local) {
    const path = normalizePath(local.path);
    return { filesystem: nodeFilesystemName(node), base: path, volumeReadOnly: claimReadOnly, source: `/dev/sda1[${path}]`, fstype: 'ext4' };
  }
  // Other in-tree sources (nfs, iscsi, …) have no simulated contents.
  return undefined;
}

/**
 * The mounts of one container, root first, then by mount point. `published`: where CSI volumes are
 * mounted on the node (the kubelet passes its actual state); by default the driver's record.
 */
export function containerMounts(client: Client, pod: Pod, container: ContainerSpec, published?: PublishedLookup): ContainerMount[] {
  const uid = pod.metadata.uid ?? '';
  const lookup = published ?? backendLookup(client, pod.spec.nodeName ?? '');
  const mounts: ContainerMount[] = [{
    target: '/', volume: '', readOnly: false, volumeReadOnly: false,
    filesystem: containerFilesystemName(uid, container.name), base: '/', source: 'overlay', fstype: 'overlay',
  }];
  for (const [index, vm] of (container.volumeMounts ?? []).entries()) {
    const volume = (pod.spec.volumes ?? []).find((v) => v.name === vm.name);
    if (!volume) continue;
    const backing = volumeBacking(client, pod, volume, lookup);
    if (!backing) continue;
    const mount: ContainerMount = { ...backing, target: normalizePath(vm.mountPath), volume: vm.name, readOnly: backing.volumeReadOnly || vm.readOnly === true };
    const subPathExpr = (vm as { subPathExpr?: string }).subPathExpr;
    const subPath = vm.subPath || (subPathExpr ? expandEnvReferences(subPathExpr, containerEnv(client, pod, container)) : '');
    if (subPath) {
      const sub = normalizePath(subPath);
      mount.subPath = sub.slice(1);
      mount.base = joinPath(backing.base, sub);
      mount.source = backing.source.endsWith(']') ? `${backing.source.slice(0, -1)}${sub}]` : `${backing.source}[${sub}]`;
      if (backing.view !== undefined) {
        // A bind mount of the file as it was when the container started (the atomic writer's
        // later updates swap the `..data` link, which a subPath does not follow).
        mount.frozen = subPathFilesystemName(uid, container.name, index);
        if (client.get('Filesystem', mount.frozen)) { mount.filesystem = mount.frozen; delete mount.view; }
      }
    }
    mounts.push(mount);
  }
  return mounts.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

// ------------------------------------------------------------------ the container's environment

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    configMapKeyRef?: { name: string; key: string };
    secretKeyRef?: { name: string; key: string };
  };
}

/**
 * `$(VAR)` references expanded as the kubelet does (third_party/forked/golang/expansion): a known
 * variable is replaced, an unknown one is left as written, `$$` is a `$`.
 */
export function expandEnvReferences(input: string, env: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch !== '$' || i + 1 >= input.length) { out += ch; continue; }
    const next = input[i + 1]!;
    if (next === '$') { out += '$'; i++; continue; }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close > 0) {
        const name = input.slice(i + 2, close);
        out += env.has(name) ? env.get(name)! : `$(${name})`;
        i = close;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

/** podFieldSelectorRuntimeValue / ExtractFieldPathAsString for the downward API's env fields. */
function podField(pod: Pod, path: string): string {
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return ((pod.metadata as Record<string, Record<string, string> | undefined>)[label[1]!] ?? {})[label[2]!] ?? '';
  const status = (pod.status ?? {}) as Record<string, unknown>;
  switch (path) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace ?? 'default';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return String(pod.spec['serviceAccountName'] ?? 'default');
    case 'status.podIP': return String(status['podIP'] ?? '');
    case 'status.hostIP': return String(status['hostIP'] ?? '');
    default: return '';
  }
}

/**
 * The container's environment as the kubelet builds it (kubelet_pods.go makeEnvironmentVariables):
 * `env` in order, each value able to refer to the ones before it, with the downward API's
 * fieldRef and ConfigMap/Secret keys resolved.
 */
export function containerEnv(client: Client, pod: Pod, container: ContainerSpec): Map<string, string> {
  const env = new Map<string, string>();
  const ns = pod.metadata.namespace ?? 'default';
  for (const v of ((container as { env?: EnvVar[] }).env ?? [])) {
    const from = v.valueFrom;
    let value: string | undefined;
    if (from?.fieldRef) value = podField(pod, from.fieldRef.fieldPath);
    else if (from?.configMapKeyRef) value = (client.get('ConfigMap', `${ns}/${from.configMapKeyRef.name}`)?.['data'] as Record<string, string> | undefined)?.[from.configMapKeyRef.key];
    else if (from?.secretKeyRef) {
      const data = (client.get('Secret', `${ns}/${from.secretKeyRef.name}`)?.['data'] as Record<string, string> | undefined)?.[from.secretKeyRef.key];
      value = data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8');
    } else value = expandEnvReferences(v.value ?? '', env);
    if (value !== undefined) env.set(v.name, value);
  }
  return env;
}

// ------------------------------------------------------------------ who may exec

function findContainer(pod: Pod, name: string): ContainerSpec | undefined {
  return [...containersOf(pod), ...initContainersOf(pod)].find((c) => c.name === name);
}

/** The container an exec runs in, or kubectl's refusal. */
export function execTarget(client: Client, pod: Pod, containerName?: string): ContainerSpec {
  const name = containerName || containersOf(pod)[0]?.name || '';
  const container = findContainer(pod, name);
  if (!container) throw new ExecError(`Error from server (BadRequest): container ${name} is not valid for pod ${pod.metadata.name}`);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw new ExecError(`error: cannot exec into a container in a completed pod; current phase is ${phase}`);
  const node = pod.spec.nodeName;
  if (!node) throw new ExecError(`Error from server (BadRequest): pod ${pod.metadata.name} does not have a host assigned`);
  const nodeObj = client.getNode(node);
  if (!isKubeletAlive(nodeObj)) throw new ExecError(`Error from server: error dialing backend: dial tcp ${node}:10250: i/o timeout`);
  const statuses = [
    ...((pod.status?.['containerStatuses'] as ContainerStatus[] | undefined) ?? []),
    ...((pod.status?.['initContainerStatuses'] as ContainerStatus[] | undefined) ?? []),
  ];
  if (statuses.find((s) => s.name === name)?.state?.running === undefined) {
    throw new ExecError(`error: unable to upgrade connection: container not found ("${name}")`);
  }
  return container;
}

// ------------------------------------------------------------------ commands

class Shell {
  readonly mounts: ContainerMount[];
  stdout = '';
  stderr = '';

  constructor(private readonly client: Client, pod: Pod, container: ContainerSpec) {
    this.mounts = containerMounts(client, pod, container);
  }

  resolve(path: string): { mount: ContainerMount; inner: string; path: string } {
    const p = normalizePath(path);
    let best = this.mounts[0]!;
    for (const m of this.mounts) {
      if ((p === m.target || m.target === '/' || p.startsWith(m.target + '/')) && m.target.length >= best.target.length) best = m;
    }
    const rest = best.target === '/' ? p : p.slice(best.target.length) || '/';
    return { mount: best, inner: joinPath(best.base, rest), path: p };
  }

  read(m: ContainerMount): FsState {
    if (m.view) return m.view;
    const fs = this.client.get('Filesystem', m.filesystem!) as unknown as FilesystemObject | undefined;
    return fs?.status ?? emptyFs();
  }

  write(m: ContainerMount, next: FsState): void {
    // A full tmpfs: the write fails and nothing changes (a memory-backed emptyDir's size).
    if (m.sizeBytes !== undefined && usedBytes(next) > m.sizeBytes) throw new FsError('ENOSPC', m.target);
    const name = m.filesystem!;
    const fs = this.client.get('Filesystem', name) as unknown as FilesystemObject | undefined;
    if (fs) this.client.update('Filesystem', { ...fs, status: next } as unknown as AnyObject);
    else this.client.create('Filesystem', { apiVersion: SIM_API_VERSION, kind: 'Filesystem', metadata: { name }, status: next } as unknown as AnyObject);
  }

  isMountPoint(p: string): boolean {
    return p !== '/' && this.mounts.some((m) => m.target === p);
  }

  fail(message: string, code = 1): number {
    this.stderr += message + '\n';
    return code;
  }
}

const FS_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory', EISDIR: 'Is a directory', ENOTDIR: 'Not a directory', EEXIST: 'File exists',
  EROFS: 'Read-only file system', EINVAL: 'Invalid argument', ENOTEMPTY: 'Directory not empty', ENOSPC: 'No space left on device',
};

function fsText(e: unknown): string {
  if (e instanceof FsError) return FS_TEXT[e.code] ?? e.message;
  throw e;
}

function cmdTouch(sh: Shell, args: string[]): number {
  if (args.length === 0) return sh.fail('touch: missing file operand');
  let code = 0;
  for (const arg of args) {
    const { mount, inner } = sh.resolve(arg);
    if (mount.readOnly) { code = sh.fail(`touch: cannot touch '${arg}': Read-only file system`); continue; }
    try { sh.write(mount, touch(sh.read(mount), inner)); } catch (e) { code = sh.fail(`touch: cannot touch '${arg}': ${fsText(e)}`); }
  }
  return code;
}

function cmdWrite(sh: Shell, args: string[]): number {
  const [arg, ...text] = args;
  if (arg === undefined) return sh.fail('write: missing file operand');
  const { mount, inner } = sh.resolve(arg);
  if (mount.readOnly) return sh.fail(`write: cannot create '${arg}': Read-only file system`);
  try { sh.write(mount, writeFile(sh.read(mount), inner, text.length > 0 ? text.join(' ') + '\n' : '')); } catch (e) { return sh.fail(`write: cannot create '${arg}': ${fsText(e)}`); }
  return 0;
}

function cmdCat(sh: Shell, args: string[]): number {
  if (args.length === 0) return sh.fail('cat: missing file operand');
  let code = 0;
  for (const arg of args) {
    const { mount, inner } = sh.resolve(arg);
    try { sh.stdout += readFile(sh.read(mount), inner); } catch (e) { code = sh.fail(`cat: ${arg}: ${fsText(e)}`); }
  }
  return code;
}

function cmdLs(sh: Shell, args: string[]): number {
  const paths = args.filter((a) => !a.startsWith('-'));
  const targets = paths.length > 0 ? paths : ['/'];
  let code = 0;
  for (const arg of targets) {
    const { mount, inner, path } = sh.resolve(arg);
    const fs = sh.read(mount);
    if (isFile(fs, inner)) { sh.stdout += `${arg}\n`; continue; }
    // Mount points below show as directories, even where the layer beneath has none.
    const prefix = path === '/' ? '/' : path + '/';
    const below = sh.mounts.filter((m) => m.target !== '/' && m.target.startsWith(prefix)).map((m) => m.target.slice(prefix.length).split('/')[0]!);
    const dir = isDir(fs, inner) || sh.isMountPoint(path);
    if (!dir && below.length === 0) { code = sh.fail(`ls: cannot access '${arg}': No such file or directory`, 2); continue; }
    const names = new Set<string>(below);
    if (isDir(fs, inner)) for (const n of listDir(fs, inner)) names.add(n.replace(/\/$/, ''));
    if (targets.length > 1) sh.stdout += `${arg}:\n`;
    for (const n of [...names].sort()) sh.stdout += `${n}\n`;
  }
  return code;
}

function cmdRm(sh: Shell, args: string[]): number {
  const flags = args.filter((a) => a.startsWith('-')).join('');
  const recursive = /[rR]/.test(flags);
  const force = flags.includes('f');
  const paths = args.filter((a) => !a.startsWith('-'));
  if (paths.length === 0) return sh.fail('rm: missing operand');
  let code = 0;
  for (const arg of paths) {
    const { mount, inner, path } = sh.resolve(arg);
    const busy = sh.isMountPoint(path) || sh.mounts.some((m) => m.target !== '/' && m.target.startsWith((path === '/' ? '' : path) + '/'));
    const fs = sh.read(mount);
    if (!isFile(fs, inner) && !isDir(fs, inner) && !busy) {
      if (!force) code = sh.fail(`rm: cannot remove '${arg}': No such file or directory`);
      continue;
    }
    if (isDir(fs, inner) && !recursive && !busy) { code = sh.fail(`rm: cannot remove '${arg}': Is a directory`); continue; }
    if (busy) { code = sh.fail(`rm: cannot remove '${arg}': Device or resource busy`); continue; }
    if (mount.readOnly) { code = sh.fail(`rm: cannot remove '${arg}': Read-only file system`); continue; }
    try { sh.write(mount, remove(fs, inner, recursive)); } catch (e) { code = sh.fail(`rm: cannot remove '${arg}': ${fsText(e)}`); }
  }
  return code;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join(' ').trimEnd() + '\n').join('');
}

function cmdFindmnt(sh: Shell, args: string[]): number {
  const options = (m: ContainerMount) => (m.readOnly ? 'ro,relatime' : 'rw,relatime');
  const header = ['TARGET', 'SOURCE', 'FSTYPE', 'OPTIONS'];
  const paths = args.filter((a) => !a.startsWith('-'));
  if (paths.length > 0) {
    // findmnt PATH lists PATH only when it is a mount point.
    const p = normalizePath(paths[0]!);
    const m = sh.mounts.find((x) => x.target === p);
    if (!m) return 1;
    sh.stdout += table([header, [m.target, m.source, m.fstype, options(m)]]);
    return 0;
  }
  const [root, ...rest] = sh.mounts;
  const rows = [header, [root!.target, root!.source, root!.fstype, options(root!)]];
  rest.forEach((m, i) => rows.push([`${i === rest.length - 1 ? '└─' : '├─'}${m.target}`, m.source, m.fstype, options(m)]));
  sh.stdout += table(rows);
  return 0;
}

const COMMANDS: Record<string, (sh: Shell, args: string[]) => number> = {
  touch: cmdTouch, write: cmdWrite, cat: cmdCat, ls: cmdLs, rm: cmdRm, findmnt: cmdFindmnt,
};

/**
 * Runs `argv` in a container of `pod`. Shell-level failures are an exit code and stderr;
 * refusals kubectl would print before anything runs are thrown as ExecError.
 */
export function execInContainer(client: Client, pod: Pod, containerName: string | undefined, argv: string[]): ExecResult {
  if (argv.length === 0) throw new ExecError('error: you must specify at least one command for the container');
  const container = execTarget(client, pod, containerName);
  const [cmd, ...args] = argv;
  // Own properties only: `exec POD -- constructor` is a missing executable, not Object's constructor.
  const run = Object.hasOwn(COMMANDS, cmd!) ? COMMANDS[cmd!] : undefined;
  if (!run) {
    return {
      stdout: '',
      stderr: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown\n`,
      exitCode: 126,
    };
  }
  const sh = new Shell(client, pod, container);
  const exitCode = run(sh, args);
  return { stdout: sh.stdout, stderr: sh.stderr, exitCode };
}
