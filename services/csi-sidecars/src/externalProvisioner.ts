/**
 * Design: the CSI external-provisioner sidecar (kubernetes-csi/external-provisioner
 * pkg/controller/controller.go and topology.go, on sig-storage-lib-external-provisioner
 * controller.go; shared/spec §9.2, §9.3) as one `Controller` per driver. One work queue,
 * `provisioner/<driver>`, carries `claim:<ns>/<name>` (provision) and `volume:<name>` (delete).
 *
 * The decisions follow the Go code: `shouldProvision` / `provisionClaimOperation` / `Provision`
 * / `checkError` for claims, `isProvisionerForVolume` / `handleProtectionFinalizer` /
 * `shouldDelete` / `deleteVolumeOperation` for volumes. They are pure functions of the objects
 * and the key's record (externalProvisionerDecisions.ts; topology.go's in topology.ts); this
 * class is the wiring that reads the cluster, calls the driver, writes, and keeps the records. What the Go code does with goroutines and
 * a rate-limited workqueue is done here with per-key operation records and `queue.addAfter`:
 *
 * - A CSI call whose driver reports a latency (`latencyMs`, an optional method of the concrete
 *   driver) is recorded as *calling* and completed when the delayed work item comes back; the
 *   driver is called then, with the request built at the start.
 * - A failure is recorded as *backoff* and retried after retryBaseMs·2^(n-1) (capped at
 *   retryMaxMs) — client-go's ItemExponentialFailureRateLimiter with external-provisioner's
 *   --retry-interval-start/--retry-interval-max defaults — or after retryMaxMs for an infeasible
 *   (INVALID_ARGUMENT) request, the library's slow set.
 * - While a key is calling or backing off, informer notifications and resyncs do not queue it,
 *   so the only delivery of that key is the delayed one: that is how a sync knows the timer
 *   fired without a clock, and why a retry happens exactly at its backoff time.
 *
 * The records live in memory only, like the Go maps (claimsInProgress, the workqueue's failure
 * counts): after a CLI restart a claim or volume is simply synced again, which is safe because
 * CreateVolume is idempotent by name and DeleteVolume by id. A copy of the world is not a restart:
 * `saveState` gives the records (and the identity) as JSON and `loadState` gives them back.
 */
import {
  ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, CsiError, FINALIZER_PV_EXTERNAL_DELETION, claimReference, claimRequest, csiAccessMode, csiLatencyMs,
  SNAPSHOT_GROUP, formatQuantity, getClaimClass, parseQuantity, quantityToBytes,
  type VolumeSnapshot, type VolumeSnapshotContent, type AccessMode, type CreateVolumeRequest, type CsiDriverPort, type CsiLatencyRef, type CsiVolume, type Node,
  type PersistentVolume, type PersistentVolumeClaim, type Quantity, type StorageClass, type VolumeCapability,
} from '@pvsim/domain';
import type { Client, Random, WatchEvent } from '@pvsim/runtime';
import { StateVersion, TrackedMap, isRetriableError, jsonCopy, record, sortedRecord, splitKey, stateObject, type Controller, type WorkQueue } from '@pvsim/component';
import {
  PHASES, checkProvisioningError, claimOperationStart, claimSyncStart, claimWatchAction, createdCapacity, deleteVolumeStart,
  finalizersToWrite, isProvisionerForVolume, isWaiting, mayReschedule, needsProvisioning, provisionFailure, retryOrGiveUp,
  shouldDelete, shouldProvision, volumeHasWork, volumeSyncStart, volumeWatchAction,
  type ClaimOp, type Failure, type PendingCreate, type Phase, type RetryPolicy, type VolumeOp,
} from './externalProvisionerDecisions.ts';
import {
  claimNameHashAndIndex, compareTerms, flattenAllowedTopologies, generateVolumeNodeAffinity, goList, goMap, goTerm, isSubset, termOf, toTopology,
  type Term,
} from './topology.ts';

/** Key of the PV volume attribute naming the provisioner instance (external-provisioner provisionerIDKey). */
export const ANN_PROVISIONER_IDENTITY = 'storage.kubernetes.io/csiProvisionerIdentity';
/** StorageClass parameters with this prefix are for the provisioner, not the driver. */
const CSI_PARAMETER_PREFIX = 'csi.storage.k8s.io/';
const PARAM_FSTYPE = `${CSI_PARAMETER_PREFIX}fstype`;
const DEFAULT_FSTYPE = 'ext4';
/**
 * The csi-provisioner sidecar builds its ProvisionController with FailedProvisionThreshold(0) and
 * FailedDeleteThreshold(0) (external-provisioner cmd/csi-provisioner/csi-provisioner.go): it never
 * gives up and retries with the workqueue's backoff up to retryIntervalMax. The library's own
 * default of 15 applies only when a test asks for a threshold.
 */
export const PROVISIONER_FAILED_PROVISION_THRESHOLD = 0;
export const PROVISIONER_FAILED_DELETE_THRESHOLD = 0;
export const PROVISIONER_RETRY_BASE_MS = 1_000;
export const PROVISIONER_RETRY_MAX_MS = 300_000;
/** LIB CreateProvisionedPVRetryCount: attempts to save a provisioned PV object. */
const CREATE_PV_TRIES = 5;
/** external-provisioner deleteVolumeRetryCount: cleanup attempts of a volume that came back too small. */
const CLEANUP_TRIES = 5;

/** The well-known reserved parameters (removePrefixedParameters); any other is an error. */
const KNOWN_PREFIXED_PARAMETERS: ReadonlySet<string> = new Set(
  ['fstype', 'secret-name', 'secret-namespace'].concat(
    ['provisioner', 'controller-publish', 'node-stage', 'node-publish', 'controller-expand', 'node-expand', 'controller-modify']
      .flatMap((p) => [`${p}-secret-name`, `${p}-secret-namespace`]),
  ).map((k) => CSI_PARAMETER_PREFIX + k),
);

export interface ExternalProvisionerOptions {
  /** Draws the provisioner identity (`<n>-<driver>`); nothing else is random. */
  random?: Random;
  /** Retries of a failing claim before giving up (LIB FailedProvisionThreshold); 0 = never give up. */
  failedProvisionThreshold?: number;
  /** Same for deletions (LIB FailedDeleteThreshold); 0 = never give up. */
  failedDeleteThreshold?: number;
  /** First retry delay (--retry-interval-start). */
  retryBaseMs?: number;
  /** Longest retry delay (--retry-interval-max), also the delay of an infeasible request. */
  retryMaxMs?: number;
}

/** What an ExternalProvisioner remembers (saveState): its identity and its per-key records, keys sorted. */
export interface ExternalProvisionerState {
  identity: string;
  claimOps: Record<string, { uid: string; phase: Phase; failures: number; inBackground?: PersistentVolumeClaim; pending?: PendingCreate }>;
  volumeOps: Record<string, { uid: string; phase: Phase; failures: number; pendingVolumeId?: string }>;
}

const clone = <T>(o: T): T => structuredClone(o);
const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

const objectKeyOfClaim = (c: PersistentVolumeClaim) => `${c.metadata.namespace ?? 'default'}/${c.metadata.name}`;

// ------------------------------------------------------------------------------- controller

export class ExternalProvisioner implements Controller {
  /**
   * Tests: compare the node topology terms kept between provisionings with a fresh read of every
   * node on each use; a difference is listed in `staleNodeTerms` and fails the provisioning.
   */
  static verifyNodeTerms = false;
  static readonly staleNodeTerms: string[] = [];
  readonly name: string;
  /** `loadState` copies what it is given into its own sets and maps (Controller.loadStateCopies). */
  readonly loadStateCopies = true;
  readonly queues: Readonly<Record<string, (key: string) => void>>;
  /** The provisioner identity recorded in every PV it creates (drawn at start, so saved with the state). */
  get identity(): string { return this.identityValue; }
  private identityValue: string;
  private readonly driverName: string;
  private readonly queueName: string;
  private readonly provisionRetry: RetryPolicy;
  private readonly deleteRetry: RetryPolicy;
  /**
   * Moved by every change of the records below (the world's fingerprint reads it): the maps count
   * their own writes; the records themselves are changed in place by the syncs and `onWatch`, so
   * every sync and every rearm counts as a change.
   */
  readonly stateVersion = new StateVersion();
  /** By claim object key `<ns>/<name>`. */
  private readonly claimOps = new TrackedMap<string, ClaimOp>(this.stateVersion);
  /** By PV name. */
  private readonly volumeOps = new TrackedMap<string, VolumeOp>(this.stateVersion);
  /** Every node's topology term, kept between provisionings (a cache of what the nodes say, not state). */
  private readonly nodeTerms = new NodeTerms();

  constructor(
    private readonly client: Client,
    private readonly queue: WorkQueue,
    private readonly driver: CsiDriverPort,
    options: ExternalProvisionerOptions = {},
  ) {
    this.driverName = driver.getPluginInfo().name;
    this.name = `external-provisioner/${this.driverName}`;
    this.queueName = `provisioner/${this.driverName}`;
    this.identityValue = `${options.random ? options.random.int(10_000) : 0}-${this.driverName}`;
    const baseMs = options.retryBaseMs ?? PROVISIONER_RETRY_BASE_MS;
    const maxMs = options.retryMaxMs ?? PROVISIONER_RETRY_MAX_MS;
    this.provisionRetry = { baseMs, maxMs, threshold: options.failedProvisionThreshold ?? PROVISIONER_FAILED_PROVISION_THRESHOLD };
    this.deleteRetry = { baseMs, maxMs, threshold: options.failedDeleteThreshold ?? PROVISIONER_FAILED_DELETE_THRESHOLD };
    this.queues = {
      [this.queueName]: (key) => {
        this.stateVersion.touch();
        if (key.startsWith('claim:')) this.syncClaim(key.slice('claim:'.length));
        else if (key.startsWith('volume:')) this.syncVolume(key.slice('volume:'.length));
        else throw new Error(`${this.queueName}: unknown work item "${key}"`);
      },
    };
  }

  // ----------------------------------------------------------------------------- wiring

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    this.nodeTerms.watchEventsSeen++;
    if (ev.kind === 'PersistentVolumeClaim') {
      const op = this.claimOps.get(ev.key);
      const action = claimWatchAction(op, ev.new as unknown as PersistentVolumeClaim | undefined, this.driverName);
      if (action === 'forget') this.claimOps.delete(ev.key);
      if (action === 'rearm') { op!.phase = 'idle'; this.stateVersion.touch(); }
      if (action === 'queue' || action === 'rearm') queue.add(this.queueName, `claim:${ev.key}`);
    } else if (ev.kind === 'Node') {
      this.nodeTerms.nodeChanged(ev.key);
    } else if (ev.kind === 'PersistentVolume') {
      const op = this.volumeOps.get(ev.key);
      const action = volumeWatchAction(op, ev.new as unknown as PersistentVolume | undefined, this.driverName);
      if (action === 'forget') this.volumeOps.delete(ev.key);
      if (action === 'rearm') { op!.phase = 'idle'; this.stateVersion.touch(); }
      if (action === 'queue' || action === 'rearm') queue.add(this.queueName, `volume:${ev.key}`);
    }
  }

  resync(queue: WorkQueue): void {
    for (const claim of this.client.listClaims()) {
      const key = objectKeyOfClaim(claim);
      const op = this.claimOps.get(key);
      if (op && op.phase !== 'idle') continue;
      if (this.needsProvisioning(claim)) queue.add(this.queueName, `claim:${key}`);
    }
    for (const volume of this.client.listVolumes()) {
      const op = this.volumeOps.get(volume.metadata.name);
      if (op && op.phase !== 'idle') continue;
      if (isProvisionerForVolume(volume, this.driverName) && volumeHasWork(volume)) queue.add(this.queueName, `volume:${volume.metadata.name}`);
    }
  }

  /** A CSI call in flight or a retry waiting. */
  unsettled(): boolean {
    for (const op of this.claimOps.values()) if (isWaiting(op)) return true;
    for (const op of this.volumeOps.values()) if (isWaiting(op)) return true;
    return false;
  }

  /**
   * The identity and the claim and volume records (phase, failure count, the claim copy kept for
   * a CreateVolume in the background, the request built before a CreateVolume with latency, the
   * volume id of a DeleteVolume with latency). Their delayed work items are the queue's.
   */
  saveState(): ExternalProvisionerState {
    return {
      identity: this.identityValue,
      claimOps: sortedRecord(this.claimOps, (op) => ({
        uid: op.uid, phase: op.phase, failures: op.failures,
        ...(op.inBackground ? { inBackground: jsonCopy(op.inBackground) } : {}),
        ...(op.pending ? { pending: jsonCopy(op.pending) } : {}),
      })),
      volumeOps: sortedRecord(this.volumeOps, (op) => ({
        uid: op.uid, phase: op.phase, failures: op.failures,
        ...(op.pendingVolumeId !== undefined ? { pendingVolumeId: op.pendingVolumeId } : {}),
      })),
    };
  }

  /** `saveState()` without copying the kept claims and requests or sorting the records (hashed at once, not kept). */
  stateForHash(): unknown {
    const claimOps: Record<string, unknown> = {};
    for (const [key, op] of this.claimOps) {
      claimOps[key] = { uid: op.uid, phase: op.phase, failures: op.failures, ...(op.inBackground ? { inBackground: op.inBackground } : {}), ...(op.pending ? { pending: op.pending } : {}) };
    }
    const volumeOps: Record<string, unknown> = {};
    for (const [key, op] of this.volumeOps) {
      volumeOps[key] = { uid: op.uid, phase: op.phase, failures: op.failures, ...(op.pendingVolumeId !== undefined ? { pendingVolumeId: op.pendingVolumeId } : {}) };
    }
    return { identity: this.identityValue, claimOps, volumeOps };
  }

  loadState(state: unknown): void {
    const s = stateObject(this.name, state);
    if (typeof s['identity'] !== 'string') throw new TypeError(`${this.name}: saved state has no identity`);
    const op = (key: string, v: unknown) => {
      const o = stateObject(this.name, v);
      if (typeof o['uid'] !== 'string' || !PHASES.includes(o['phase'] as string) || typeof o['failures'] !== 'number') {
        throw new TypeError(`${this.name}: saved record "${key}" is malformed`);
      }
      return o;
    };
    this.identityValue = s['identity'];
    this.stateVersion.touch();
    this.claimOps.clear();
    for (const [key, v] of Object.entries(record(this.name, s['claimOps']))) {
      const o = op(key, v);
      const rec: ClaimOp = { uid: o['uid'] as string, phase: o['phase'] as Phase, failures: o['failures'] as number };
      if (o['inBackground'] !== undefined) rec.inBackground = jsonCopy(o['inBackground'] as PersistentVolumeClaim);
      if (o['pending'] !== undefined) rec.pending = jsonCopy(o['pending'] as PendingCreate);
      this.claimOps.set(key, rec);
    }
    this.volumeOps.clear();
    for (const [key, v] of Object.entries(record(this.name, s['volumeOps']))) {
      const o = op(key, v);
      const rec: VolumeOp = { uid: o['uid'] as string, phase: o['phase'] as Phase, failures: o['failures'] as number };
      if (o['pendingVolumeId'] !== undefined) rec.pendingVolumeId = String(o['pendingVolumeId']);
      this.volumeOps.set(key, rec);
    }
  }

  /**
   * The events' source component, as sig-storage-lib-external-provisioner's
   * NewProvisionController names its recorder: `<provisionerName>_<id>`, where the library's id is
   * `<hostname>_<uuid>` of the sidecar's process. pvsim has no sidecar pod, so its drawn identity
   * (`<n>-<driver>`, saved with the state) stands for that id: `hostpath.csi.k8s.io_42-hostpath.csi.k8s.io`.
   */
  get eventSource(): string { return `${this.driverName}_${this.identityValue}`; }

  private event(obj: { kind: string; apiVersion: string; metadata: { name: string; namespace?: string; uid?: string } }, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.client.event(obj, type, reason, message, this.eventSource);
  }

  private latency(rpc: 'CreateVolume' | 'DeleteVolume', ref: CsiLatencyRef): number {
    return csiLatencyMs(this.driver, rpc, ref);
  }

  // ----------------------------------------------------------------------------- claims

  /** What a resync re-queues (needsProvisioning over the claim's PV and class). */
  private needsProvisioning(claim: PersistentVolumeClaim): boolean {
    return needsProvisioning(claim, this.driverName, this.client.getVolume(`pvc-${claim.metadata.uid ?? ''}`) !== undefined, this.client.getClass(getClaimClass(claim)));
  }

  private syncClaim(key: string): void {
    let op = this.claimOps.get(key);
    if (op?.phase === 'calling') {
      // OBSERVATION: the latency of a CreateVolume has passed; the call completes now.
      const pending = op.pending!;
      op.pending = undefined;
      op.phase = 'idle';
      this.callCreateVolume(key, op, pending);
      return;
    }
    if (op?.phase === 'backoff') op.phase = 'idle'; // the retry is due
    const [ns, name] = splitKey(key);
    const start = claimSyncStart(op, this.client.getClaim(ns, name));
    if (start.kind === 'forget') {
      this.claimOps.delete(key);
      return;
    }
    if (start.kind === 'gaveUp') return;
    const claim = start.claim;
    if (start.freshOp) {
      op = { uid: claim.metadata.uid ?? '', phase: 'idle', failures: 0 };
      this.claimOps.set(key, op);
    }
    const should = shouldProvision(claim, this.driverName, this.client.getClass(getClaimClass(claim)), op!.inBackground !== undefined);
    if (typeof should === 'object') {
      this.provisionFailed(key, op!, claim, { state: 'noChange', message: should.error, event: false });
      return;
    }
    if (!should) {
      this.finishClaim(key, op!);
      return;
    }
    this.provisionClaimOperation(key, op!, claim);
  }

  /** The claim needs nothing more from us (provisioned, or not ours). */
  private finishClaim(key: string, op: ClaimOp): void {
    if (this.claimOps.get(key) !== op) return;
    this.claimOps.delete(key);
    // A claim that was re-created under the same name while the old one finished in the
    // background has waited for this moment.
    const [ns, name] = splitKey(key);
    const current = this.client.getClaim(ns, name);
    if (current && current.metadata.uid !== op.uid && this.needsProvisioning(current)) this.queue.add(this.queueName, `claim:${key}`);
  }

  /** LIB provisionClaimOperation up to the CreateVolume call. */
  private provisionClaimOperation(key: string, op: ClaimOp, claim: PersistentVolumeClaim): void {
    const pvName = `pvc-${claim.metadata.uid ?? ''}`;
    const start = claimOperationStart(claim, this.driverName, this.client.getVolume(pvName) !== undefined,
      this.client.getClass(getClaimClass(claim)), (node) => this.client.getNode(node));
    if (start.kind === 'done') {
      this.finishClaim(key, op);
      return;
    }
    if (start.kind === 'fail') {
      this.provisionFailed(key, op, claim, start.failure);
      return;
    }
    const { cls, selectedNode } = start;
    this.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claim.metadata.namespace ?? ''}/${claim.metadata.name}"`);
    const prepared = this.prepareProvision(claim, cls, selectedNode, pvName);
    if ('ignored' in prepared) {
      this.event(claim, 'Normal', 'Provisioning', 'Assuming an external populator will provision the volume');
      this.finishClaim(key, op);
      return;
    }
    if ('failure' in prepared) {
      this.provisionFailed(key, op, claim, { ...prepared.failure, message: this.wrap(cls, prepared.failure.message) });
      return;
    }
    const delay = this.latency('CreateVolume', { parameters: prepared.request.parameters ?? {} });
    if (delay > 0) {
      // OBSERVATION: CreateVolume is in flight until the delay passes; a second sync waits for it.
      op.phase = 'calling';
      op.pending = prepared;
      this.queue.addAfter(this.queueName, `claim:${key}`, delay);
      return;
    }
    this.callCreateVolume(key, op, prepared);
  }

  private wrap(cls: StorageClass, message: string): string {
    return `failed to provision volume with StorageClass "${cls.metadata.name}": ${message}`;
  }

  /** external-provisioner prepareProvision: the CreateVolumeRequest, or why there is none. */
  private prepareProvision(claim: PersistentVolumeClaim, cls: StorageClass, selectedNode: Node | undefined, pvName: string): PendingCreate | { failure: Failure } | { ignored: true } {
    const finished = (message: string) => ({ failure: { state: 'finished' as const, message, event: true } });
    const source = claim.spec.dataSource ?? claim.spec.dataSourceRef;
    let volumeContentSource: CreateVolumeRequest['volumeContentSource'];
    if (source) {
      const caps = this.driver.controllerGetCapabilities();
      const isSnapshot = source.kind === 'VolumeSnapshot' && source.apiGroup === SNAPSHOT_GROUP;
      const isClaim = source.kind === 'PersistentVolumeClaim' && (source.apiGroup ?? '') === '';
      // checkDriverCapabilities.
      if (isSnapshot && !caps.includes('CREATE_DELETE_SNAPSHOT')) return finished('CSI driver does not support snapshot restore: controller CREATE_DELETE_SNAPSHOT capability is not reported');
      if (isClaim && !caps.includes('CLONE_VOLUME')) return finished('CSI driver does not support clone operations: controller CLONE_VOLUME capability is not reported');
      // Any other kind is a volume populator's job (IgnoredError): stop without retrying.
      if (!isSnapshot && !isClaim) return { ignored: true };
      const got = isSnapshot ? this.snapshotSource(claim, source.name) : this.claimSource(claim, cls, source.name);
      if ('error' in got) {
        return { failure: { state: 'noChange', message: `error getting handle for DataSource Type ${source.kind} by Name ${source.name}: ${got.error}`, event: true } };
      }
      volumeContentSource = got.source;
    }
    if (claim.spec.selector !== undefined && claim.spec.selector !== null) return finished('claim Selector is not supported');

    const parameters = cls.parameters ?? {};
    let fsType = '';
    let fsTypesFound = 0;
    for (const [k, v] of Object.entries(parameters)) {
      if (k.toLowerCase() === 'fstype' || k === PARAM_FSTYPE) { fsType = v; fsTypesFound++; }
    }
    if (fsTypesFound > 1) return finished(`fstype specified in parameters with both "fstype" and "${PARAM_FSTYPE}" keys`);
    if (fsType === '') fsType = DEFAULT_FSTYPE;

    const requiredBytes = quantityToBytes(claimRequest(claim));
    const block = claim.spec.volumeMode === 'Block';
    const singleNodeMultiWriter = this.driver.controllerGetCapabilities().includes('SINGLE_NODE_MULTI_WRITER');
    const volumeCapabilities: VolumeCapability[] = [];
    for (const mode of claim.spec.accessModes ?? []) {
      let accessMode;
      try {
        accessMode = csiAccessMode([mode], singleNodeMultiWriter);
      } catch (e) {
        return finished(errorMessage(e));
      }
      if (block) volumeCapabilities.push({ accessMode, block: {} });
      else {
        const mount: VolumeCapability['mount'] = { fsType };
        if ((cls.mountOptions ?? []).length > 0) mount.mountFlags = [...cls.mountOptions!];
        volumeCapabilities.push({ accessMode, mount });
      }
    }

    const supportsTopology = this.driver.getPluginCapabilities().includes('VOLUME_ACCESSIBILITY_CONSTRAINTS');
    let accessibilityRequirements: CreateVolumeRequest['accessibilityRequirements'];
    if (supportsTopology) {
      try {
        accessibilityRequirements = this.accessibilityRequirements(claim, cls, selectedNode);
      } catch (e) {
        return { failure: { state: 'noChange', message: `error generating accessibility requirements: ${errorMessage(e)}`, event: true } };
      }
    }

    const driverParameters: Record<string, string> = {};
    for (const [k, v] of Object.entries(parameters)) {
      if (!k.startsWith(CSI_PARAMETER_PREFIX)) driverParameters[k] = v;
      else if (!KNOWN_PREFIXED_PARAMETERS.has(k)) {
        return finished(`failed to strip CSI Parameters of prefixed keys: found unknown parameter key "${k}" with reserved namespace ${CSI_PARAMETER_PREFIX}`);
      }
    }

    const request: CreateVolumeRequest = {
      name: pvName,
      capacityRange: { requiredBytes: requiredBytes.toString() },
      volumeCapabilities,
      parameters: driverParameters,
    };
    if (accessibilityRequirements) request.accessibilityRequirements = accessibilityRequirements;
    if (volumeContentSource) request.volumeContentSource = volumeContentSource;
    return {
      claim: clone(claim), cls: clone(cls), request, fsType,
      mayReschedule: supportsTopology && selectedNode !== undefined,
      supportsTopology,
    };
  }

  /** getSnapshotSource: a ready snapshot of this driver in the claim's namespace, no larger than the request. */
  private snapshotSource(claim: PersistentVolumeClaim, name: string): { source: NonNullable<CreateVolumeRequest['volumeContentSource']> } | { error: string } {
    const ns = claim.metadata.namespace ?? 'default';
    const vs = this.client.get('VolumeSnapshot', `${ns}/${name}`) as unknown as VolumeSnapshot | undefined;
    if (!vs) return { error: `error getting snapshot ${name} from api server: volumesnapshots.snapshot.storage.k8s.io "${name}" not found` };
    if (vs.metadata.deletionTimestamp) return { error: `snapshot ${name} is currently being deleted` };
    if (vs.status?.readyToUse !== true) return { error: `snapshot ${name} is not Ready` };
    const contentName = vs.status.boundVolumeSnapshotContentName;
    if (!contentName) return { error: `snapshot ${name} not bound` };
    const content = this.client.get('VolumeSnapshotContent', contentName) as unknown as VolumeSnapshotContent | undefined;
    if (!content) return { error: `error retrieving snapshot content ${contentName}: volumesnapshotcontents.snapshot.storage.k8s.io "${contentName}" not found` };
    if (content.spec.driver !== this.driverName) return { error: `snapshot content ${contentName} is of driver ${content.spec.driver}, not ${this.driverName}` };
    const handle = content.status?.snapshotHandle;
    if (!handle) return { error: `snapshot handle of ${contentName} is not available` };
    const restoreBytes = BigInt(content.status?.restoreSize ?? 0);
    const requested = quantityToBytes(claimRequest(claim));
    if (restoreBytes > requested) return { error: `requested volume size ${requested} is less than the size ${restoreBytes} for the source snapshot ${name}` };
    return { source: { snapshot: { snapshotId: handle } } };
  }

  /** getPVCSource: a Bound claim of the same class, namespace and volume mode, no larger than the request. */
  private claimSource(claim: PersistentVolumeClaim, cls: StorageClass, name: string): { source: NonNullable<CreateVolumeRequest['volumeContentSource']> } | { error: string } {
    const ns = claim.metadata.namespace ?? 'default';
    const src = this.client.getClaim(ns, name);
    if (!src) return { error: `error getting PVC ${name} (namespace "${ns}") from api server: persistentvolumeclaims "${name}" not found` };
    if (src.status?.phase !== 'Bound' || !src.spec.volumeName) return { error: `the PVC ${name} not bound` };
    if ((src.spec.storageClassName ?? '') !== cls.metadata.name) {
      return { error: `the source PVC and destination PVCs must be in the same storage class for cloning.  Source is in ${src.spec.storageClassName ?? ''}, but new PVC is in ${cls.metadata.name}` };
    }
    if ((src.spec.volumeMode ?? 'Filesystem') !== (claim.spec.volumeMode ?? 'Filesystem')) {
      return { error: `the source PVC and destination PVCs must have the same volume mode for cloning.  Source is ${src.spec.volumeMode ?? 'Filesystem'}, but new PVC is ${claim.spec.volumeMode ?? 'Filesystem'}` };
    }
    const pv = this.client.getVolume(src.spec.volumeName);
    const csi = pv?.spec['csi'] as { driver?: string; volumeHandle?: string } | undefined;
    if (!pv || csi?.driver !== this.driverName || !csi.volumeHandle) return { error: `the PVC ${name} is not a volume of ${this.driverName}` };
    const requested = claimRequest(claim);
    const capacity = src.status?.capacity?.['storage'];
    if (capacity !== undefined && quantityToBytes(requested) < quantityToBytes(parseQuantity(capacity))) {
      return { error: `error, new PVC request must be greater than or equal in size to the specified PVC data source, requested ${formatQuantity(requested)} but source is ${capacity}` };
    }
    return { source: { volume: { volumeId: csi.volumeHandle } } };
  }

  /** The driver's topology keys on a node: what kubelet registers in CSINode from NodeGetInfo. */
  private topologyKeys(nodeName: string): string[] {
    try {
      return Object.keys(this.driver.nodeGetInfo({ node: nodeName }).accessibleTopology ?? {}).sort();
    } catch {
      return [];
    }
  }

  /**
   * GenerateAccessibilityRequirements with external-provisioner's defaults (strict topology off,
   * immediate topology on): requisite = allowedTopologies, else every node's topology; preferred
   * = requisite starting at the selected node's term, or rotated by the claim name's hash.
   */
  private accessibilityRequirements(claim: PersistentVolumeClaim, cls: StorageClass, selectedNode: Node | undefined): CreateVolumeRequest['accessibilityRequirements'] {
    let keys: string[] = [];
    let selectedTerm: Term | undefined;
    if (selectedNode) {
      keys = this.topologyKeys(selectedNode.metadata.name);
      if (keys.length === 0) throw new Error(`no topology key found for node ${selectedNode.metadata.name}`);
      const labels = selectedNode.metadata.labels ?? {};
      selectedTerm = termOf(labels, keys);
      if (!selectedTerm) throw new Error(`topology labels from selected node ${goMap(labels)} does not match topology keys from CSINode ${goList(keys)}`);
    }
    let requisite = flattenAllowedTopologies(cls.allowedTopologies);
    if (requisite.length === 0 && (cls.allowedTopologies ?? []).length === 0) {
      if (!selectedNode) {
        // Immediate binding: the keys of the first node the driver reports topology on
        // (Kubernetes shuffles the CSINodes; pvsim takes them in name order).
        for (const name of this.client.keys('Node')) {
          keys = this.topologyKeys(name);
          if (keys.length > 0) break;
        }
        if (keys.length === 0) return undefined;
      }
      requisite = this.nodeTerms.distinct(this.client, keys);
      if (ExternalProvisioner.verifyNodeTerms) {
        const fresh = new NodeTerms().distinct(this.client, keys);
        if (JSON.stringify(fresh) !== JSON.stringify(requisite)) {
          ExternalProvisioner.staleNodeTerms.push(`${this.name}: kept ${JSON.stringify(requisite)}, cache ${JSON.stringify(fresh)}`);
          throw new Error(`${this.name}: stale node topology terms`);
        }
      }
      if (requisite.length === 0) throw new Error(`topologyKeys ${goList(keys)} were not found on any nodes`);
    } else {
      requisite.sort(compareTerms);
      requisite = requisite.filter((t, i) => i === 0 || compareTerms(t, requisite[i - 1]!) !== 0);
    }
    if (requisite.length === 0) return undefined;

    let preferred: Term[];
    if (!selectedTerm) {
      const { hash, index } = claimNameHashAndIndex(claim.metadata.name);
      const i = ((hash + index) >>> 0) % requisite.length;
      preferred = [...requisite.slice(i), ...requisite.slice(0, i)];
    } else {
      const i = requisite.findIndex((t) => isSubset(t, selectedTerm!));
      if (i < 0) throw new Error(`topology ${goTerm(selectedTerm)} from selected node "${selectedNode!.metadata.name}" is not in requisite: [${requisite.map(goTerm).join(' ')}]`);
      preferred = [...requisite.slice(i), ...requisite.slice(0, i)];
    }
    return { requisite: requisite.map(toTopology), preferred: preferred.map(toTopology) };
  }

  /** The CreateVolume call and what follows it (Provision after the call, then the PV store). */
  private callCreateVolume(key: string, op: ClaimOp, p: PendingCreate): void {
    const { claim, cls, request } = p;
    let volume: CsiVolume;
    try {
      volume = this.driver.createVolume(clone(request)).volume;
    } catch (e) {
      if (!isRetriableError(e)) throw e;
      const slow = e instanceof CsiError && e.code === 'INVALID_ARGUMENT';
      this.provisionFailed(key, op, claim, { state: checkProvisioningError(e, p.mayReschedule), message: this.wrap(cls, e.message), event: true, slow });
      return;
    }
    const requiredBytes = BigInt(request.capacityRange?.requiredBytes ?? '0');
    const capacity = createdCapacity(requiredBytes, volume.capacityBytes);
    if ('tooSmall' in capacity) {
      let message = `created volume capacity ${capacity.tooSmall} less than requested capacity ${requiredBytes}`;
      const cleanupError = this.cleanupVolume(volume.volumeId);
      if (cleanupError !== undefined) message += `. Cleanup of volume ${request.name} failed, volume is orphaned: ${cleanupError}`;
      // In the background: the same name is created again, hoping the volume went this time.
      this.provisionFailed(key, op, claim, { state: 'inBackground', message: this.wrap(cls, message), event: true });
      return;
    }

    const pv = this.buildVolume(p, volume, capacity.capacityBytes);
    let saved = false;
    let lastError: unknown;
    for (let i = 0; i < CREATE_PV_TRIES && !saved; i++) {
      try {
        this.client.createVolume(pv);
        saved = true;
      } catch (e) {
        if ((e as { code?: string }).code === 'AlreadyExists') saved = true;
        else lastError = e;
      }
    }
    if (!saved) {
      const claimName = `${claim.metadata.namespace ?? ''}/${claim.metadata.name}`;
      this.event(claim, 'Warning', 'ProvisioningFailed', `Error creating provisioned PV object for claim ${claimName}: ${errorMessage(lastError)}. Deleting the volume.`);
      const cleanupError = this.cleanupVolume(volume.volumeId);
      if (cleanupError !== undefined) {
        this.event(claim, 'Warning', 'ProvisioningCleanupFailed', `Error cleaning provisioned volume for claim ${claimName}: ${cleanupError}. Please delete manually.`);
      }
      this.provisionFailed(key, op, claim, { state: 'finished', message: errorMessage(lastError), event: false });
      return;
    }
    this.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata.name}`);
    this.finishClaim(key, op);
  }

  /** DeleteVolume with retries (cleanupVolume); the last error, or undefined when deleted. */
  private cleanupVolume(volumeId: string): string | undefined {
    let last: string | undefined;
    for (let i = 0; i < CLEANUP_TRIES; i++) {
      try {
        this.driver.deleteVolume({ volumeId });
        return undefined;
      } catch (e) {
        last = errorMessage(e);
      }
    }
    return last;
  }

  /** The PV for a created volume (Provision's PV, then provisionClaimOperation's additions). */
  private buildVolume(p: PendingCreate, volume: CsiVolume, capacityBytes: bigint): PersistentVolume {
    const { claim, cls, fsType } = p;
    const policy = cls.reclaimPolicy ?? 'Delete';
    const capacity: Quantity = { num: capacityBytes, den: 1n, format: 'BinarySI' };
    const csi: Record<string, unknown> = { driver: this.driverName, volumeHandle: volume.volumeId };
    if (claim.spec.volumeMode !== 'Block') csi['fsType'] = fsType;
    csi['volumeAttributes'] = { [ANN_PROVISIONER_IDENTITY]: this.identity, ...(volume.volumeContext ?? {}) };
    const spec: PersistentVolume['spec'] = {
      capacity: { storage: formatQuantity(capacity) },
      csi,
      accessModes: [...(claim.spec.accessModes ?? [])] as AccessMode[],
      claimRef: claimReference(claim),
      persistentVolumeReclaimPolicy: policy,
      storageClassName: getClaimClass(claim),
    };
    if ((cls.mountOptions ?? []).length > 0) spec.mountOptions = [...cls.mountOptions!];
    if (claim.spec.volumeMode !== undefined) spec.volumeMode = claim.spec.volumeMode;
    const affinity = p.supportsTopology ? generateVolumeNodeAffinity(volume.accessibleTopology ?? []) : undefined;
    if (affinity) spec.nodeAffinity = { required: affinity };
    return {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name: p.request.name,
        annotations: { [ANN_DYNAMICALLY_PROVISIONED]: this.driverName },
        ...(policy === 'Delete' ? { finalizers: [FINALIZER_PV_EXTERNAL_DELETION] } : {}),
      },
      spec,
    };
  }

  /**
   * A failed attempt: the event, the reschedule, and the retry with backoff (the workqueue's
   * AddRateLimited while NumRequeues < failedProvisionThreshold).
   */
  private provisionFailed(key: string, op: ClaimOp, claim: PersistentVolumeClaim, f: Failure): void {
    if (f.event) this.event(claim, 'Warning', 'ProvisioningFailed', f.message);
    let state = f.state;
    if (state === 'reschedule') {
      if (mayReschedule(state, claim) && this.rescheduleProvisioning(claim)) {
        // OBSERVATION: the scheduler picks a node again; a new selected-node brings the claim back.
        this.finishClaim(key, op);
        return;
      }
      state = 'finished';
    }
    const next = provisionFailure(op, claim, state, f.slow ?? false, this.provisionRetry);
    op.failures = next.failures;
    op.inBackground = next.inBackground;
    if (next.giveUp) {
      op.phase = 'gaveUp';
      this.event(claim, 'Warning', 'ProvisioningFailed',
        `giving up on provisioning after ${op.failures} failed attempts (failedProvisionThreshold ${this.provisionRetry.threshold}); the claim is retried only when it changes`);
      return;
    }
    op.phase = 'backoff';
    this.queue.addAfter(this.queueName, `claim:${key}`, next.retryAfterMs, 'retry');
  }

  /** rescheduleProvisioning: drop selected-node so the scheduler chooses again. */
  private rescheduleProvisioning(claim: PersistentVolumeClaim): boolean {
    const current = this.client.getClaim(claim.metadata.namespace ?? '', claim.metadata.name);
    if (!current || current.metadata.uid !== claim.metadata.uid) return false;
    if (current.metadata.annotations?.[ANN_SELECTED_NODE] === undefined) return true;
    const next = clone(current);
    const annotations = { ...next.metadata.annotations };
    delete annotations[ANN_SELECTED_NODE];
    next.metadata.annotations = annotations;
    try {
      this.client.updateClaim(next);
      return true;
    } catch {
      return false;
    }
  }

  // ----------------------------------------------------------------------------- volumes

  private syncVolume(name: string): void {
    let op = this.volumeOps.get(name);
    if (op?.phase === 'calling') {
      // OBSERVATION: the latency of a DeleteVolume has passed; the call completes now.
      const volumeId = op.pendingVolumeId!;
      op.pendingVolumeId = undefined;
      op.phase = 'idle';
      this.callDeleteVolume(name, op, volumeId);
      return;
    }
    if (op?.phase === 'backoff') op.phase = 'idle';
    let volume = this.client.getVolume(name);
    const start = volumeSyncStart(op, volume);
    if (start.kind === 'forget') {
      this.volumeOps.delete(name);
      return;
    }
    if (start.kind === 'gaveUp') return;
    if (start.freshOp) {
      op = { uid: volume!.metadata.uid ?? '', phase: 'idle', failures: 0 };
      this.volumeOps.set(name, op);
    }
    if (!isProvisionerForVolume(volume!, this.driverName)) {
      this.volumeOps.delete(name);
      return;
    }
    const finalizers = finalizersToWrite(volume!);
    if (finalizers !== undefined) {
      const next = clone(volume!);
      next.metadata.finalizers = finalizers;
      if (finalizers.length === 0) delete next.metadata.finalizers;
      try {
        volume = this.client.updateVolume(next);
      } catch (e) {
        this.deleteFailed(name, op!, volume!, `failed to modify finalizers to [${finalizers.join(' ')}] on volume ${name} err: ${errorMessage(e)}`, false);
        return;
      }
    }
    if (!shouldDelete(volume!)) {
      this.volumeOps.delete(name);
      return;
    }
    this.deleteVolumeOperation(name, op!, volume!);
  }

  /** external-provisioner Delete up to the DeleteVolume call. */
  private deleteVolumeOperation(name: string, op: VolumeOp, volume: PersistentVolume): void {
    const attachable = this.driver.controllerGetCapabilities().includes('PUBLISH_UNPUBLISH_VOLUME');
    const attachments = attachable ? this.client.list('VolumeAttachment').map((va) => (va['spec'] ?? {}) as { source?: { persistentVolumeName?: string }; nodeName?: string }) : [];
    const start = deleteVolumeStart(volume, attachable, attachments);
    if ('failure' in start) {
      this.deleteFailed(name, op, volume, start.failure, true);
      return;
    }
    const volumeId = start.volumeId;
    const delay = this.latency('DeleteVolume', { volumeId });
    if (delay > 0) {
      op.phase = 'calling';
      op.pendingVolumeId = volumeId;
      this.queue.addAfter(this.queueName, `volume:${name}`, delay);
      return;
    }
    this.callDeleteVolume(name, op, volumeId);
  }

  /** DeleteVolume, then the PV object: delete it, then drop our finalizer (LIB deleteVolumeOperation). */
  private callDeleteVolume(name: string, op: VolumeOp, volumeId: string): void {
    try {
      this.driver.deleteVolume({ volumeId });
    } catch (e) {
      if (!isRetriableError(e)) throw e;
      const current = this.client.getVolume(name);
      if (current) this.deleteFailed(name, op, current, e.message, true);
      else this.volumeOps.delete(name);
      return;
    }
    let current = this.client.getVolume(name);
    if (!current) {
      this.volumeOps.delete(name);
      return;
    }
    try {
      if (!current.metadata.deletionTimestamp) this.client.deleteVolume(name);
      current = this.client.getVolume(name);
      if (current && (current.metadata.finalizers ?? []).includes(FINALIZER_PV_EXTERNAL_DELETION)) {
        const next = clone(current);
        next.metadata.finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== FINALIZER_PV_EXTERNAL_DELETION);
        if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
        this.client.updateVolume(next);
      }
    } catch (e) {
      if ((e as { code?: string }).code !== 'NotFound') {
        // The backend volume is gone; the next attempt deletes the (unknown, so OK) id again.
        const again = this.client.getVolume(name);
        if (again) {
          this.deleteFailed(name, op, again, errorMessage(e), false);
          return;
        }
      }
    }
    this.volumeOps.delete(name);
  }

  private deleteFailed(name: string, op: VolumeOp, volume: PersistentVolume, message: string, event: boolean): void {
    if (event) this.event(volume, 'Warning', 'VolumeFailedDelete', message);
    op.failures++;
    const next = retryOrGiveUp(op.failures, false, this.deleteRetry);
    if (next.giveUp) {
      op.phase = 'gaveUp';
      this.event(volume, 'Warning', 'VolumeFailedDelete',
        `giving up on deleting the volume after ${op.failures} failed attempts (failedDeleteThreshold ${this.deleteRetry.threshold}); the volume is retried only when it changes`);
      return;
    }
    op.phase = 'backoff';
    this.queue.addAfter(this.queueName, `volume:${name}`, next.retryAfterMs, 'retry');
  }
}

/**
 * The distinct topology terms of the nodes under some keys, in compareTerms order — what
 * `termOf` over every node, sorted and deduplicated, gives — kept between calls: a node's term is
 * computed again only when a watch event changed the node, and the sorted terms only when a term
 * appeared or went. Listing every node's term and sorting them on each provisioning made
 * provisioning N volumes on N nodes cost O(N² log N); visiting every node on each one, O(N²).
 * The cache's `changes` counter tells a change made without a watch event (a relist, a load, an
 * adoption): every term is then read again, as with a cache that keeps no counter.
 */
class NodeTerms {
  /** Moved by the provisioner for every watch event it sees (each counts one cache change). */
  watchEventsSeen = 0;
  private keysId: string | undefined;
  private readonly byNode = new Map<string, { node: Node; id: string | undefined }>();
  /** term id -> the term and how many nodes have it. */
  private readonly terms = new Map<string, { term: Term; nodes: number }>();
  private sorted: Term[] | undefined;
  /** Nodes a watch event changed since the last call. */
  private readonly changed = new Set<string>();
  private mark: { cache: object; offset: number } | undefined;

  nodeChanged(name: string): void {
    this.changed.add(name);
  }

  private count(id: string | undefined, term: Term | undefined, by: 1 | -1): void {
    if (id === undefined) return;
    const t = this.terms.get(id);
    if (by === 1) {
      if (t) t.nodes++;
      else { this.terms.set(id, { term: term!, nodes: 1 }); this.sorted = undefined; }
    } else if (t && --t.nodes === 0) {
      this.terms.delete(id);
      this.sorted = undefined;
    }
  }

  /** The node's term read again (or dropped, when the node is gone). */
  private refresh(name: string, node: Node | undefined, keys: readonly string[]): void {
    const seen = this.byNode.get(name);
    if (seen && seen.node === node) return;
    this.count(seen?.id, undefined, -1);
    if (!node) { this.byNode.delete(name); return; }
    const term = termOf(node.metadata.labels ?? {}, keys);
    const id = term && term.length > 0 ? JSON.stringify(term) : undefined;
    this.count(id, term, 1);
    this.byNode.set(name, { node, id });
  }

  /** Whether only the nodes named by watch events can have changed since the last call. */
  private upToDate(client: Client): boolean {
    const cache = (client as { cache?: { changes?: unknown } }).cache;
    if (!cache || typeof cache.changes !== 'number') return false;
    const offset = cache.changes - this.watchEventsSeen;
    const same = this.mark?.cache === cache && this.mark.offset === offset;
    this.mark = { cache, offset };
    return same;
  }

  /** The distinct non-empty terms of the client's nodes under `keys`, sorted (fresh arrays: callers may keep them). */
  distinct(client: Client, keys: readonly string[]): Term[] {
    const keysId = JSON.stringify(keys);
    // Read on every call, as the answer depends on every node (a tracked step's footprint says so).
    const names = client.keys('Node');
    const upToDate = this.upToDate(client);
    if (upToDate && keysId === this.keysId) {
      for (const name of this.changed) this.refresh(name, client.getNode(name), keys);
    }
    this.changed.clear();
    if (!upToDate || keysId !== this.keysId || this.byNode.size !== names.length) {
      this.keysId = keysId;
      this.byNode.clear();
      this.terms.clear();
      this.sorted = undefined;
      for (const name of names) this.refresh(name, client.getNode(name), keys);
    }
    this.sorted ??= [...this.terms.values()].map((t) => t.term).sort(compareTerms);
    return this.sorted.map((t) => t.map(([k, v]) => [k, v] as [string, string]));
  }
}
