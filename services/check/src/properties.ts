/**
 * Design: what `pvsim check` judges, by name. Safety holds on every explored state; liveness is
 * judged once faults stopped and the cluster was given a bounded settle. The checks come from the
 * invariants library (written from Kubernetes' rules, not by calling the code they judge) plus two
 * of the checker's own: a settle that stops making progress, and a pod that never runs. Every
 * check returns problems as lines; a state's first problem becomes the violation.
 */
import {
  attachSafety, backendLeaks, backendVolumesOf, bindOrderSafety, bindingConverged, bindingSafety, claimReasons, exclusiveUseSafety, podsOf, phaseOf,
  type ClusterView,
} from '@pvsim/invariants';
import { ANN_NODE_DOWN } from '@pvsim/domain';
import type { World } from '@pvsim/world';

export type PropertyKind = 'safety' | 'liveness';

export interface Property {
  name: string;
  kind: PropertyKind;
  check: (w: World) => string[];
  /**
   * The check reads nothing but the store's objects (through the store's reads, which its access
   * tracker sees) and the world's fixed configuration: it may be judged from a parent state's
   * judgement (incrementalSafety.ts). Unset: run on every state.
   */
  storeOnly?: true;
}

const view = (w: World): ClusterView => w.store as unknown as ClusterView;

function downNodesOf(w: World): Set<string> {
  return new Set(w.store.list('Node').filter((n) => (n.metadata['annotations'] as Record<string, string> | undefined)?.[ANN_NODE_DOWN] === 'true').map((n) => n.metadata.name));
}

/**
 * Nodes whose volumes may be detached while still mounted (attach/detach controller,
 * reconciler.go): gone, down, NotReady (the forced detach after maxWaitForUnmountDuration) or
 * tainted out-of-service. Read from the objects, not from the controller's own helpers.
 */
function forceDetachable(w: World): (node: string) => boolean {
  const ok = new Set<string>();
  const known = new Set<string>();
  for (const n of w.store.list('Node')) {
    known.add(n.metadata.name);
    const annotations = (n.metadata['annotations'] as Record<string, string> | undefined) ?? {};
    const status = (n['status'] ?? {}) as { conditions?: { type: string; status: string }[] };
    const ready = (status.conditions ?? []).find((c) => c.type === 'Ready')?.status === 'True';
    const taints = ((n['spec'] as { taints?: { key: string }[] } | undefined)?.taints ?? []);
    if (annotations[ANN_NODE_DOWN] === 'true' || !ready || taints.some((t) => t.key === 'node.kubernetes.io/out-of-service')) ok.add(n.metadata.name);
  }
  return (node) => ok.has(node) || !known.has(node);
}

/** A CSI driver's volumes are attached (ControllerPublish) before nodes use them: its capability, unless its CSIDriver says attachRequired: false. */
function attachRequired(w: World, driver: string): boolean {
  const d = w.parts.drivers.get(driver);
  if (!d?.controllerGetCapabilities().includes('PUBLISH_UNPUBLISH_VOLUME')) return false;
  return (w.store.get('CSIDriver', driver)?.['spec'] as { attachRequired?: boolean } | undefined)?.attachRequired !== false;
}

/**
 * The CSI lifecycle on each backend volume (CSI spec, "Volume Lifecycle"), which the kubelet and
 * the attach/detach controller unwind in reverse: NodeUnpublish, then NodeUnstage, then
 * ControllerUnpublish. So on every state: a node publishes a volume only while it is staged there
 * (no NodeUnstage before every NodePublish of that volume on that node is undone), and a node
 * stages or publishes an attachable volume only while it is ControllerPublished to that node (no
 * ControllerUnpublish — a detach — while the volume is staged or mounted there). A node that is
 * down is exempt from the first (it cannot unwind until it returns); a node the controller may
 * force-detach from (down, NotReady past the wait, out-of-service) from the second.
 */
export function csiLifecycle(w: World): string[] {
  const out: string[] = [];
  const down = downNodesOf(w);
  const mayForce = forceDetachable(w);
  for (const v of backendVolumesOf(view(w))) {
    const driver = w.parts.drivers.get(v.spec.driver);
    if (!driver) continue;
    const status = (v.status ?? {}) as { publishedNodes?: Record<string, unknown>; staged?: Record<string, string>; published?: Record<string, { node: string }> };
    const stages = driver.nodeGetCapabilities().includes('STAGE_UNSTAGE_VOLUME');
    const staged = new Set(Object.keys(status.staged ?? {}));
    const attached = attachRequired(w, v.spec.driver) ? new Set(Object.keys(status.publishedNodes ?? {})) : undefined;
    for (const [path, p] of Object.entries(status.published ?? {})) {
      if (down.has(p.node)) continue;
      if (stages && !staged.has(p.node)) out.push(`volume ${v.spec.volumeId} is published at ${path} on ${p.node} but not staged there (NodeUnstage before NodeUnpublish)`);
    }
    if (!attached) continue;
    const used = new Set([...staged, ...Object.values(status.published ?? {}).map((p) => p.node)]);
    for (const node of [...used].sort()) {
      if (!attached.has(node) && !mayForce(node)) out.push(`volume ${v.spec.volumeId} is ${staged.has(node) ? 'staged' : 'published'} on ${node} but not ControllerPublished there (detached before unmount)`);
    }
  }
  return out;
}

/**
 * No DeleteVolume of a volume in use: while a VolumeAttachment says a PV's volume is attached, or
 * a pod that is not being deleted runs with it, the backend volume behind that PV exists.
 * (Only for the simulated drivers, whose backend the world can see.)
 */
export function deleteWhileInUse(w: World): string[] {
  const out: string[] = [];
  const simulated = new Set([...w.parts.drivers.keys()].filter((n) => !w.parts.userDrivers?.has(n)));
  const backends = new Set(backendVolumesOf(view(w)).map((b) => `${b.spec.driver} ${b.spec.volumeId}`));
  const missing = (pvName: string): string | undefined => {
    const pv = w.store.get('PersistentVolume', pvName);
    const csi = (pv?.['spec'] as { csi?: { driver: string; volumeHandle: string } } | undefined)?.csi;
    if (!csi || !simulated.has(csi.driver) || backends.has(`${csi.driver} ${csi.volumeHandle}`)) return undefined;
    return csi.volumeHandle;
  };
  for (const va of w.store.list('VolumeAttachment')) {
    const spec = va['spec'] as { nodeName: string; source: { persistentVolumeName?: string } };
    if ((va['status'] as { attached?: boolean } | undefined)?.attached !== true || !spec.source.persistentVolumeName) continue;
    const gone = missing(spec.source.persistentVolumeName);
    if (gone) out.push(`volume ${gone} of PV ${spec.source.persistentVolumeName} was deleted while attached to ${spec.nodeName} (VolumeAttachment ${va.metadata.name})`);
  }
  for (const p of podsOf(view(w))) {
    if (phaseOf(p as { status?: { phase?: string } }) !== 'Running' || (p.metadata as { deletionTimestamp?: string }).deletionTimestamp !== undefined) continue;
    const ns = p.metadata.namespace ?? 'default';
    for (const vol of (p.spec as { volumes?: { persistentVolumeClaim?: { claimName: string } }[] }).volumes ?? []) {
      const claim = vol.persistentVolumeClaim && w.store.get('PersistentVolumeClaim', `${ns}/${vol.persistentVolumeClaim.claimName}`) as { spec?: { volumeName?: string } } | undefined;
      const gone = claim?.spec?.volumeName ? missing(claim.spec.volumeName) : undefined;
      if (gone) out.push(`volume ${gone} was deleted while pod ${ns}/${p.metadata.name} runs with it`);
    }
  }
  return out;
}

/**
 * Storage-object-in-use protection (spec: a claim a running pod uses is not removed, nor the PV
 * of such a claim): every pod that runs and is not being deleted finds its claims, and their PVs.
 */
export function inUseProtection(w: World): string[] {
  const out: string[] = [];
  for (const p of podsOf(view(w))) {
    if (phaseOf(p as { status?: { phase?: string } }) !== 'Running' || (p.metadata as { deletionTimestamp?: string }).deletionTimestamp !== undefined) continue;
    const ns = p.metadata.namespace ?? 'default';
    for (const vol of (p.spec as { volumes?: { persistentVolumeClaim?: { claimName: string } }[] }).volumes ?? []) {
      const name = vol.persistentVolumeClaim?.claimName;
      if (!name) continue;
      const claim = w.store.get('PersistentVolumeClaim', `${ns}/${name}`) as { spec?: { volumeName?: string } } | undefined;
      if (!claim) { out.push(`pod ${ns}/${p.metadata.name} runs but its claim ${ns}/${name} is gone`); continue; }
      const pv = claim.spec?.volumeName;
      if (pv && !w.store.get('PersistentVolume', pv)) out.push(`pod ${ns}/${p.metadata.name} runs but the PV ${pv} of its claim ${ns}/${name} is gone`);
    }
  }
  return out;
}

/** A user driver's volumes (ListVolumes, every page), when it can list them. */
function listedVolumes(d: NonNullable<World['parts']['userDrivers']> extends Map<string, infer D> ? D : never): { volumeId: string; publishedNodeIds: string[] }[] | undefined {
  if (!d.controllerGetCapabilities().includes('LIST_VOLUMES')) return undefined;
  const out: { volumeId: string; publishedNodeIds: string[] }[] = [];
  let token = '';
  for (let page = 0; page < 1000; page++) {
    const r = d.listVolumes({ startingToken: token });
    for (const e of r.entries) out.push({ volumeId: e.volume.volumeId, publishedNodeIds: e.publishedNodeIds });
    if (!r.nextToken || r.nextToken === token) break;
    token = r.nextToken;
  }
  return out;
}

/** PVs of a CSI driver, by volumeHandle. */
function pvsByHandle(w: World, driver: string): Map<string, { name: string; accessModes: string[] }> {
  const out = new Map<string, { name: string; accessModes: string[] }>();
  for (const pv of w.store.list('PersistentVolume')) {
    const spec = pv['spec'] as { csi?: { driver: string; volumeHandle: string }; accessModes?: string[] };
    if (spec.csi?.driver === driver) out.set(spec.csi.volumeHandle, { name: pv.metadata.name, accessModes: spec.accessModes ?? [] });
  }
  return out;
}

/**
 * A user's driver keeps the CSI contract across the control plane: a volume a single-node access
 * mode allows on one node is ControllerPublished to at most one node (from ListVolumes'
 * published_node_ids, when the driver reports them).
 */
export function userDriverPublishSafety(w: World): string[] {
  const out: string[] = [];
  for (const [name, d] of w.parts.userDrivers ?? []) {
    if (!d.controllerGetCapabilities().includes('LIST_VOLUMES_PUBLISHED_NODES')) continue;
    const pvs = pvsByHandle(w, name);
    for (const v of listedVolumes(d) ?? []) {
      const pv = pvs.get(v.volumeId);
      const multi = pv?.accessModes.some((m) => m === 'ReadWriteMany' || m === 'ReadOnlyMany');
      if (v.publishedNodeIds.length > 1 && !multi) out.push(`driver ${name}: volume ${v.volumeId}${pv ? ` (PV ${pv.name}, ${pv.accessModes.join(',')})` : ''} is ControllerPublished to ${v.publishedNodeIds.length} nodes: ${[...v.publishedNodeIds].sort().join(', ')}`);
    }
  }
  return out;
}

/** Once settled, every volume a user's driver lists is some PV's (none leaked: a non-idempotent retry shows here). */
export function userDriverLeaks(w: World): string[] {
  const out: string[] = [];
  for (const [name, d] of w.parts.userDrivers ?? []) {
    const pvs = pvsByHandle(w, name);
    for (const v of listedVolumes(d) ?? []) if (!pvs.has(v.volumeId)) out.push(`driver ${name}: volume ${v.volumeId} is leaked: no PV has that volumeHandle`);
  }
  return out;
}

export const SAFETY: readonly Property[] = [
  { name: 'binding', kind: 'safety', check: (w) => bindingSafety(view(w)), storeOnly: true },
  { name: 'bind-order', kind: 'safety', check: (w) => bindOrderSafety(view(w)), storeOnly: true },
  { name: 'attach-exclusive', kind: 'safety', check: (w) => attachSafety(view(w)), storeOnly: true },
  { name: 'exclusive-use', kind: 'safety', check: (w) => exclusiveUseSafety(view(w)), storeOnly: true },
  // Besides objects, the simulated drivers' capabilities (fixed when the world is built).
  { name: 'csi-lifecycle', kind: 'safety', check: csiLifecycle, storeOnly: true },
  { name: 'in-use-protection', kind: 'safety', check: inUseProtection, storeOnly: true },
  { name: 'delete-in-use', kind: 'safety', check: deleteWhileInUse, storeOnly: true },
  // A user's driver module answers ListVolumes from its own memory: run every time.
  { name: 'driver-publish-exclusive', kind: 'safety', check: userDriverPublishSafety },
];

/**
 * Every pod that is not being deleted runs. A pod Pending after the settle waits for something
 * that will not come (a volume node affinity conflict, a Multi-Attach, a claim never bound).
 */
export function podsRunning(w: World, pendingAllowed: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const p of podsOf(view(w))) {
    if ((p.metadata as { deletionTimestamp?: string }).deletionTimestamp !== undefined) continue;
    if (pendingAllowed.has(`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`)) continue;
    const phase = phaseOf(p as { status?: { phase?: string } });
    if (phase !== 'Running' && phase !== 'Succeeded') out.push(`pod ${p.metadata.namespace ?? 'default'}/${p.metadata.name} is ${phase} after the cluster settled`);
  }
  return out;
}

/**
 * Every deletion completes: no claim, PV or pod is left Terminating (a pod on a node that is down
 * may wait for it: its kubelet cannot confirm), and no PV of the Delete policy is left Released —
 * the volume behind it must be deleted too (Failed, with its reason, is an outcome).
 */
export function deletionsComplete(w: World): string[] {
  const out: string[] = [];
  const down = downNodesOf(w);
  for (const kind of ['PersistentVolumeClaim', 'PersistentVolume', 'Pod'] as const) {
    for (const o of w.store.list(kind)) {
      if (o.metadata['deletionTimestamp'] === undefined) continue;
      if (kind === 'Pod' && down.has(String((o['spec'] as { nodeName?: string } | undefined)?.nodeName ?? ''))) continue;
      out.push(`${kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name} is still Terminating after the cluster settled`);
    }
  }
  for (const pv of w.store.list('PersistentVolume')) {
    const phase = (pv['status'] as { phase?: string } | undefined)?.phase;
    // Failed is an outcome with a reason (no plugin can delete it, the deleter gave up); Released is not.
    if ((pv['spec'] as { persistentVolumeReclaimPolicy?: string }).persistentVolumeReclaimPolicy === 'Delete' && phase === 'Released') {
      out.push(`PV ${pv.metadata.name} (reclaimPolicy Delete) is ${phase} after the cluster settled, not deleted`);
    }
  }
  return out;
}

export const LIVENESS: readonly Property[] = [
  { name: 'deletion-completes', kind: 'liveness', check: deletionsComplete },
  { name: 'binding-converged', kind: 'liveness', check: (w) => bindingConverged(view(w)) },
  { name: 'claim-reasons', kind: 'liveness', check: (w) => claimReasons(view(w)) },
  { name: 'backend-leak', kind: 'liveness', check: (w) => backendLeaks(view(w)) },
  { name: 'driver-leak', kind: 'liveness', check: userDriverLeaks },
  { name: 'pod-running', kind: 'liveness', check: (w) => podsRunning(w) },
];

/** A user's extra check on a final state (a scenario's `expect` steps, a `--invariant` module). */
export interface FinalCheck {
  name: string;
  check: (w: World) => string[];
}

export interface Violation {
  invariant: string;
  kind: PropertyKind;
  message: string;
  /** Found after the liveness phase (the path ends with it), not on a state the path reached. */
  afterSettle?: boolean;
}

export function firstViolation(w: World, properties: readonly { name: string; kind: PropertyKind; check: (w: World) => string[] }[]): Violation | undefined {
  for (const p of properties) {
    const problems = p.check(w);
    if (problems.length > 0) return { invariant: p.name, kind: p.kind, message: problems[0]! };
  }
  return undefined;
}

/**
 * A user's invariant module (`--invariant ./mine.mjs`): its default export (or its `invariant`
 * export, or each of its `invariants`) is `{ name, kind?: 'safety' | 'liveness', check(cluster) }`
 * where `cluster.list(kind)` lists the stored objects of a kind in their wire shape and `check`
 * returns one line per problem (none: it holds). Safety is the default kind.
 */
export interface UserInvariant {
  name: string;
  kind?: PropertyKind;
  check: (cluster: { list(kind: string): readonly unknown[] }) => string[];
}

/** The properties a loaded module declares; throws a one-line error for a malformed one. */
export function userProperties(source: string, mod: Record<string, unknown>): Property[] {
  const declared = (mod['invariants'] as unknown[] | undefined) ?? [mod['default'] ?? mod['invariant']];
  return declared.map((d, i) => {
    const inv = d as Partial<UserInvariant> | undefined;
    if (!inv || typeof inv.name !== 'string' || typeof inv.check !== 'function') {
      throw new Error(`${source}: invariant ${i + 1}: export { name: string, kind?: 'safety' | 'liveness', check(cluster) => string[] }`);
    }
    if (inv.kind !== undefined && inv.kind !== 'safety' && inv.kind !== 'liveness') throw new Error(`${source}: invariant ${inv.name}: kind must be safety or liveness`);
    const check = inv.check;
    return {
      name: inv.name, kind: inv.kind ?? 'safety',
      check: (w: World) => {
        const out = check({ list: (kind: string) => w.store.list(kind as never) });
        if (!Array.isArray(out)) throw new Error(`${source}: invariant ${inv.name}: check must return an array of strings`);
        return out.map(String);
      },
    };
  });
}
