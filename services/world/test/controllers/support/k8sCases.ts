/**
 * Design: runs the cases translated from Kubernetes' own unit tests (shared/spec §16) against
 * pvsim's matcher and controllers. Sync cases go through the same ObjectStore (actors) and
 * controllers the CLI uses; only the harness-specific parts mirror Kubernetes' test framework:
 * the mock in-tree plugin, injected API errors, hooks that run before an async operation, and
 * "single" (one sync, then its operations) versus "multi" (run until quiet) modes.
 * Differences from the fake API server, decided here once:
 *   - identity fields the store assigns (uid, creationTimestamp) are compared only when the
 *     expected object has them; resourceVersions are never compared; nor is a PV's
 *     status.lastPhaseTransitionTime unless the expected object has one (Kubernetes' cases are
 *     written without it, and its clock is the wall clock);
 *   - an expected object that is being deleted and has no finalizers left is expected to be gone,
 *     because a real API server removes it (the Go fake keeps it).
 */
import { readFileSync } from 'node:fs';
import {
  ApiError, VolumeIndex, checkAccessModes, checkVolumeModeMismatches, checkVolumeSatisfyClaim, claimSelectorMatches,
  findMatchingVolume, isDelayBindingMode,
  type Node, type PersistentVolume, type PersistentVolumeClaim, type StorageClass,
} from '@pvsim/domain';
import type { ObjectStore, StoredKind } from '@pvsim/runtime';
import { syncClaimProtection, syncVolumeProtection, type VolumePlugin } from '@pvsim/controller-manager';
import { createWorld, fifoChooser } from '../../../src/index.ts';

export interface K8sCase {
  source: string;
  kind: 'match' | 'sync';
  volumes: PersistentVolume[];
  claims: PersistentVolumeClaim[];
  classes: StorageClass[];
  pods?: unknown[];
  input?: { function: string; delayBinding?: boolean; node?: Node; excludedVolumes?: string[] };
  controller?: 'pv-controller' | 'pvc-protection' | 'pv-protection';
  action?: { type: string; claim?: string; volume?: string; pod?: string };
  mode?: 'single' | 'multi';
  plugin?: { name: string; provisionCalls?: { expectedParameters?: Record<string, string>; result: string; error?: string }[]; deleteCalls?: string[]; recycleCalls?: string[] };
  apiErrors?: { verb: string; resource: string; error: string }[];
  inject?: Record<string, unknown> & { when: string };
  featureGates?: Record<string, boolean>;
  requiresCacheModel?: boolean;
  compare?: { ignore?: string[] };
  expect: {
    match?: string | null; matchUid?: string | null; satisfied?: boolean; mismatch?: boolean; delayBinding?: boolean; error?: boolean;
    volumes?: PersistentVolume[]; claims?: PersistentVolumeClaim[]; events?: string[]; syncError?: boolean;
  };
  notes?: string;
}

export function loadCases(path: string): K8sCase[] {
  return JSON.parse(readFileSync(path, 'utf8')) as K8sCase[];
}

// ------------------------------------------------------------------ match cases

export function runMatchCase(c: K8sCase): { ok: boolean; detail: string } {
  const fn = c.input!.function;
  const claim = c.claims[0]!;
  const volume = c.volumes[0]!;
  const vacEnabled = c.featureGates?.['VolumeAttributesClass'] ?? true;
  switch (fn) {
    case 'findBestMatchForClaim': {
      const index = new VolumeIndex();
      for (const v of c.volumes) index.set(v);
      const got = index.findBestMatchForClaim(claim, c.input!.delayBinding ?? false, vacEnabled);
      return compareMatch(c, got);
    }
    case 'FindMatchingVolume': {
      let got: PersistentVolume | undefined;
      try {
        got = findMatchingVolume(claim, c.volumes, {
          node: c.input!.node, excludedVolumes: new Set(c.input!.excludedVolumes ?? []),
          delayBinding: c.input!.delayBinding ?? true, vacEnabled,
          selectorMatches: (labels) => claimSelectorMatches(claim.spec.selector, labels),
        });
      } catch (e) {
        return { ok: c.expect.error === true, detail: `threw ${(e as Error).message}` };
      }
      return compareMatch(c, got);
    }
    case 'checkVolumeSatisfyClaim': {
      const ok = checkVolumeSatisfyClaim(volume, claim) === undefined;
      return { ok: ok === c.expect.satisfied, detail: `satisfied=${ok}` };
    }
    case 'CheckVolumeModeMismatches': {
      const m = checkVolumeModeMismatches(claim, volume);
      return { ok: m === c.expect.mismatch, detail: `mismatch=${m}` };
    }
    case 'CheckAccessModes': {
      const s = checkAccessModes(claim, volume);
      return { ok: s === c.expect.satisfied, detail: `satisfied=${s}` };
    }
    case 'IsDelayBindingMode': {
      try {
        const d = isDelayBindingMode(claim, (n) => c.classes.find((k) => k.metadata.name === n));
        return { ok: d === c.expect.delayBinding && !c.expect.error, detail: `delayBinding=${d}` };
      } catch (e) {
        return { ok: c.expect.error === true, detail: `error ${(e as Error).message}` };
      }
    }
    default:
      return { ok: false, detail: `unsupported function ${fn}` };
  }
}

function compareMatch(c: K8sCase, got: PersistentVolume | undefined): { ok: boolean; detail: string } {
  const want = c.expect.match ?? null;
  const name = got?.metadata.name ?? null;
  let ok = name === want;
  if (ok && got && c.expect.matchUid) ok = got.metadata.uid === c.expect.matchUid;
  return { ok, detail: `got ${name}, want ${want}` };
}

// ------------------------------------------------------------------ the mock plugin

function mockPlugin(spec: NonNullable<K8sCase['plugin']>): VolumePlugin {
  let provisionCounter = 0;
  let deleteCounter = 0;
  let recycleCounter = 0;
  const provisionCalls = spec.provisionCalls ?? [];
  const deleteCalls = spec.deleteCalls ?? [];
  const recycleCalls = spec.recycleCalls ?? [];
  return {
    name: spec.name,
    supportsMountOption: false,
    canSupport: () => true,
    newProvisioner(options) {
      if (provisionCalls.length === 0) throw new Error('Mock plugin error: no provisionCalls configured');
      return () => {
        const call = provisionCalls[provisionCounter];
        if (!call) throw new Error(`Mock plugin error: unexpected provisioner call ${provisionCounter}`);
        if (JSON.stringify(sortKeys(call.expectedParameters ?? {})) !== JSON.stringify(sortKeys(options.parameters))) {
          throw new Error('Mock plugin error: invalid provisioner call');
        }
        provisionCounter++;
        if (call.result !== 'success') throw new Error(call.error ?? 'Mock provisioner error');
        const claim = options.claim;
        const pv: PersistentVolume = {
          apiVersion: 'v1', kind: 'PersistentVolume',
          metadata: { name: options.pvName },
          spec: {
            capacity: { storage: claim.spec.resources?.requests?.storage ?? '0' },
            accessModes: claim.spec.accessModes ?? [],
            persistentVolumeReclaimPolicy: options.reclaimPolicy,
            gcePersistentDisk: {},
          },
          status: { phase: 'Available' },
        };
        if (claim.spec.volumeMode !== undefined) pv.spec.volumeMode = claim.spec.volumeMode;
        return pv;
      };
    },
    newDeleter() {
      if (deleteCalls.length === 0) throw new Error('Mock plugin error: no deleteCalls configured');
      return () => {
        const call = deleteCalls[deleteCounter];
        if (call === undefined) throw new Error(`Mock plugin error: unexpected deleter call ${deleteCounter}`);
        deleteCounter++;
        if (call !== 'ok') throw new Error(call);
      };
    },
    recycle() {
      if (recycleCalls.length === 0) throw new Error('Mock plugin error: no recycleCalls configured');
      const call = recycleCalls[recycleCounter];
      if (call === undefined) throw new Error(`Mock plugin error: unexpected recycle call ${recycleCounter}`);
      recycleCounter++;
      if (call !== 'ok') throw new Error(call);
    },
  };
}

function sortKeys(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}

// ------------------------------------------------------------------ sync cases

export interface SyncResult {
  ok: boolean;
  problems: string[];
}

export function runSyncCase(c: K8sCase): SyncResult {
  let uidSeq = 0;
  const apiErrors = [...(c.apiErrors ?? [])];
  // A client-go work queue with one worker (FIFO), the case's plugin and gates, one controller.
  const world = createWorld({
    chooser: fifoChooser(),
    newUid: () => `generated-uid-${++uidSeq}`,
    apiFault: (verb, resource) => {
      const i = apiErrors.findIndex((e) => e.verb === verb && e.resource === resource);
      if (i < 0) return undefined;
      const [e] = apiErrors.splice(i, 1);
      return new ApiError(e!.error === 'AlreadyExists' ? 'AlreadyExists' : 'InternalError', e!.error);
    },
    plugins: c.plugin ? [mockPlugin(c.plugin)] : [],
    featureGates: c.featureGates ?? {},
    controllers: [c.controller ?? 'pv-controller'],
  });
  const { store, scheduler, manager, client } = world;
  const events: string[] = [];
  const recordEvent = store.event.bind(store);
  store.event = (obj, type, reason, message) => { events.push(`${type} ${reason} ${message}`); recordEvent(obj, type, reason, message); };
  for (const v of c.volumes) store.restore('PersistentVolume', v as never);
  for (const cl of c.claims) store.restore('PersistentVolumeClaim', cl as never);
  for (const k of c.classes) store.restore('StorageClass', k as never);
  for (const p of c.pods ?? []) store.restore('Pod', p as never);
  // The informers list what the case put into the API server.
  world.relist();

  let injected = false;
  const inject = () => {
    if (injected || !c.inject) return;
    injected = true;
    applyInjection(store, c.inject);
    world.relist();
  };

  let syncError = false;
  const act = () => {
    const a = c.action!;
    try {
      if (c.controller === 'pv-controller') {
        if (a.type === 'syncClaim') {
          const [ns, name] = a.claim!.split('/') as [string, string];
          const claim = client.getClaim(ns, name);
          if (claim) manager.pv.syncClaim(claim);
        } else if (a.type === 'syncVolume') {
          const v = client.getVolume(a.volume!);
          if (v) manager.pv.syncVolume(v);
        }
      } else if (c.controller === 'pvc-protection') {
        const keys = a.type === 'pvcAddedOrUpdated' ? [a.claim!] : podClaims(store, a.pod!);
        for (const k of keys) { const [ns, n] = k.split('/') as [string, string]; syncClaimProtection(client, ns, n); }
      } else if (c.controller === 'pv-protection') {
        syncVolumeProtection(client, a.volume!);
      }
    } catch (e) {
      if (!(e instanceof Error) || e.name === 'IllegalTransitionError' || e instanceof TypeError) throw e;
      syncError = true;
    }
  };

  act();
  if (c.mode === 'multi') {
    // Operations and every change the first sync caused, then resyncs until quiet.
    for (let guard = 0; guard < 10_000; guard++) {
      if (scheduler.size > 0) inject();
      if (world.drain(1) === 0) break;
    }
    world.resyncAll();
    world.settle({ untilQuiet: true });
  } else {
    // One sync; its asynchronous operations run to completion; nothing else is processed.
    for (let item = scheduler.next(); item; item = scheduler.next()) {
      if (item.queue !== 'operations') continue;
      inject();
      manager.deliver(item);
    }
  }

  const problems: string[] = [];
  if ((c.expect.syncError ?? false) !== syncError) problems.push(`syncError: got ${syncError}, want ${c.expect.syncError}`);
  const ignore = c.compare?.ignore ?? [];
  compareObjects('volume', store.listVolumes(), c.expect.volumes ?? [], ignore, problems);
  compareObjects('claim', store.listClaims(), c.expect.claims ?? [], ignore, problems);
  const wantEvents = c.expect.events ?? [];
  for (let i = 0; i < wantEvents.length; i++) {
    if (!events[i] || !events[i]!.startsWith(wantEvents[i]!)) problems.push(`event ${i}: got ${JSON.stringify(events[i])}, want prefix ${JSON.stringify(wantEvents[i])}`);
  }
  return { ok: problems.length === 0, problems };
}

function podClaims(store: ObjectStore, podKey: string): string[] {
  const [ns, name] = podKey.split('/') as [string, string];
  const pod = store.listPods(ns).find((p) => p.metadata.name === name);
  return (pod?.spec.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [`${ns}/${v.persistentVolumeClaim.claimName}`] : []));
}

function applyInjection(store: ObjectStore, inj: Record<string, unknown>): void {
  const kindOf = (o: { kind: string }) => o.kind as StoredKind;
  if (inj['createVolume']) store.restore(kindOf(inj['createVolume'] as { kind: string }), inj['createVolume'] as never);
  if (inj['createClaim']) store.restore('PersistentVolumeClaim', inj['createClaim'] as never);
  if (typeof inj['deleteVolume'] === 'string') store.restore('PersistentVolume', undefined, inj['deleteVolume']);
  if (typeof inj['deleteClaim'] === 'string') store.restore('PersistentVolumeClaim', undefined, inj['deleteClaim']);
  if (typeof inj['markVolumeAvailable'] === 'string') {
    const v = store.getVolume(inj['markVolumeAvailable']);
    if (v) {
      const next = structuredClone(v);
      delete next.spec.claimRef;
      delete next.metadata.annotations;
      next.status = { ...(next.status ?? {}), phase: 'Available' };
      store.restore('PersistentVolume', next as never);
    }
  }
  if (inj['setVolumePhase'] && typeof inj['setVolumePhase'] === 'object') {
    for (const [name, phase] of Object.entries(inj['setVolumePhase'] as Record<string, string>)) {
      const v = store.getVolume(name);
      if (v) store.restore('PersistentVolume', { ...structuredClone(v), status: { ...(v.status ?? {}), phase } } as never);
    }
  }
  for (const n of (inj['nodes'] as Node[] | undefined) ?? []) store.restore('Node', { ...n, apiVersion: 'v1', kind: 'Node' } as never);
}

function normalize(obj: Record<string, unknown>, expected: Record<string, unknown> | undefined, ignore: string[]): unknown {
  const o = structuredClone(obj) as { metadata: Record<string, unknown>; spec?: { claimRef?: Record<string, unknown> } };
  const e = (expected ?? {}) as { metadata?: Record<string, unknown> };
  delete o.metadata['resourceVersion'];
  if (o.spec?.claimRef) delete o.spec.claimRef['resourceVersion'];
  for (const f of ['uid', 'creationTimestamp', 'deletionGracePeriodSeconds']) if (e.metadata?.[f] === undefined) delete o.metadata[f];
  const status = (o as { status?: Record<string, unknown> }).status;
  if (status && (e as { status?: Record<string, unknown> }).status?.['lastPhaseTransitionTime'] === undefined) delete status['lastPhaseTransitionTime'];
  if (o.metadata['annotations'] && Object.keys(o.metadata['annotations'] as object).length === 0) delete o.metadata['annotations'];
  for (const path of ignore) {
    const parts = path.split('.');
    let cur: Record<string, unknown> | undefined = o as unknown as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) cur = cur?.[p] as Record<string, unknown> | undefined;
    if (cur) delete cur[parts[parts.length - 1]!];
  }
  return canonical(o);
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

function compareObjects(what: string, got: { metadata: { name: string } }[], want: { metadata: { name: string; deletionTimestamp?: string; finalizers?: string[] } }[], ignore: string[], problems: string[]): void {
  const wantLive = want.filter((w) => !(w.metadata.deletionTimestamp && (w.metadata.finalizers ?? []).length === 0));
  const gotByName = new Map(got.map((g) => [g.metadata.name, g]));
  for (const w of wantLive) {
    const g = gotByName.get(w.metadata.name);
    if (!g) { problems.push(`${what} ${w.metadata.name}: missing`); continue; }
    const a = JSON.stringify(normalize(g as never, w as never, ignore));
    const b = JSON.stringify(normalize(w as never, w as never, ignore));
    if (a !== b) problems.push(`${what} ${w.metadata.name}:\n   got  ${a}\n   want ${b}`);
    gotByName.delete(w.metadata.name);
  }
  for (const name of gotByName.keys()) problems.push(`${what} ${name}: unexpected`);
}
