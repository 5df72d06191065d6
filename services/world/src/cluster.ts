/**
 * Design: which components a full simulated cluster runs, with which drivers — the wiring the
 * world (world.ts) uses for the CLI, the scenarios and the whole-cluster tests. Controllers: the PV
 * controller and the protection controllers (kube-controller-manager, built by the manager), the
 * node lifecycle, the scheduler, Deployment and StatefulSet controllers, one external-provisioner
 * per CSI driver, the attach/detach controller, one external-attacher per attachable driver, and
 * one kubelet per node — a kubelet joins when its Node appears. For expansion: the expand
 * controller (kube-controller-manager) and one external-resizer per driver with EXPAND_VOLUME. For
 * snapshots: the snapshot-controller (a process of its own) and one csi-snapshotter per driver
 * with CREATE_DELETE_SNAPSHOT.
 * Each component is built by a factory, so a crash can restart it with empty memory.
 */
import type { CsiDriverPort } from '@pvsim/domain';
import type { Client, RandomStreams, SimClock, WatchEvent } from '@pvsim/runtime';
import {
  AttachDetachController, DeploymentController, EphemeralVolumeController, ExpandController, SnapshotController, NodeLifecycleController, ReplicaSetController, StatefulSetController, type ControllerManager,
} from '@pvsim/controller-manager';
import { CsiSnapshotter, ExternalAttacher, ExternalProvisioner, ExternalResizer } from '@pvsim/csi-sidecars';
import { Kubelet, type HousekeepingProofs } from '@pvsim/kubelet';
import { PodScheduler } from '@pvsim/scheduler';
import type { Controller, WorkQueue } from '@pvsim/component';
import { CsiDriverRegistrar } from './csiDriverRegistrar.ts';
import { ModuleCsiDriver, SimCsiDriver, diskProfile, nasProfile, type CsiDriverFactory, type CsiProfile, type CsiStore, type SimCsiDriverInit } from '@pvsim/csi-drivers';
/** A user's driver module as the world hosts it; a driver process (pvsim csi-driver NAME=./m.mjs) hosts one the same way. */
export { ModuleCsiDriver };

export interface ClusterParts {
  drivers: Map<string, SimCsiDriver>;
  /** Users' driver modules (`--csi-driver`), by the name of the simulated driver each replaces for the components. */
  userDrivers?: Map<string, ModuleCsiDriver>;
  kubelets: Map<string, Kubelet>;
  /** Component name -> a factory of that component with empty memory (crash and restart). */
  factories: Map<string, () => Controller>;
  /** Give the pool the manager once it exists (kubelets join through it). */
  attach(manager: ControllerManager): void;
}

/** A controller with no queue of its own that starts a kubelet for each node that appears. */
class KubeletPool implements Controller {
  readonly name = 'kubelet-pool';
  readonly queues = {};
  private manager: ControllerManager | undefined;
  private pending: string[] = [];

  constructor(private readonly client: Client, private readonly start: (node: string) => Kubelet, private readonly kubelets: Map<string, Kubelet>) {}

  attach(manager: ControllerManager): void {
    this.manager = manager;
    // The Nodes' keys (their names, sorted and kept by the cache), not a list of the objects: a
    // world restored in place attaches again at every restore.
    for (const name of this.client.keys('Node')) this.join(name);
    for (const n of this.pending.splice(0)) this.join(n);
  }

  onWatch(ev: WatchEvent): void {
    if (ev.kind === 'Node' && ev.new && !this.kubelets.has(ev.key)) {
      if (this.manager) this.join(ev.key); else this.pending.push(ev.key);
    }
  }

  private join(node: string): void {
    if (this.kubelets.has(node) || !this.manager) return;
    const k = this.start(node);
    this.kubelets.set(node, k);
    this.manager.addController(k);
  }
}

/** The CSI RPCs that change something (method name -> RPC name): the ones whose reply a timeout can lose after they ran. */
export const MUTATING_RPCS: Readonly<Record<string, string>> = {
  createVolume: 'CreateVolume', deleteVolume: 'DeleteVolume', controllerPublishVolume: 'ControllerPublishVolume',
  controllerUnpublishVolume: 'ControllerUnpublishVolume', nodeStageVolume: 'NodeStageVolume', nodeUnstageVolume: 'NodeUnstageVolume',
  nodePublishVolume: 'NodePublishVolume', nodeUnpublishVolume: 'NodeUnpublishVolume', controllerExpandVolume: 'ControllerExpandVolume',
  nodeExpandVolume: 'NodeExpandVolume', createSnapshot: 'CreateSnapshot', deleteSnapshot: 'DeleteSnapshot',
};

/**
 * The driver as its callers hold it: every mutating RPC runs, and then `lost(rpc)` may throw its
 * error instead of the reply (a timeout after the backend did the work).
 */
export function withLostReplies<D extends CsiDriverPort>(driver: D, lost: (rpc: string) => Error | undefined): D {
  return new Proxy(driver, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const rpc = typeof prop === 'string' ? MUTATING_RPCS[prop] : undefined;
      if (!rpc) return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        const reply = (value as (...a: unknown[]) => unknown).apply(target, args);
        const err = lost(rpc);
        if (err) throw err;
        return reply;
      };
    },
  });
}

/** The driver with `called()` run before each of its methods. */
function announcingCalls<D extends object>(driver: D, called: () => void): D {
  return new Proxy(driver, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => { called(); return (value as (...a: unknown[]) => unknown).apply(target, args); };
    },
  });
}

/** The drivers a cluster has unless a test says otherwise. */
export const DEFAULT_DRIVER_PROFILES: readonly CsiProfile[] = [nasProfile, diskProfile];

export function clusterComponents(
  clientFor: (component: string) => Client, driverStore: CsiStore, clock: SimClock, streams: RandomStreams, profiles: readonly CsiProfile[] = DEFAULT_DRIVER_PROFILES,
  injected?: (driver: string) => NonNullable<SimCsiDriverInit['injected']>,
  replyLost?: (driver: string, rpc: string) => Error | undefined,
  userDriverFactories: Readonly<Record<string, CsiDriverFactory>> = {},
  /** Told of every call into a user's driver module (whose memory is the module's, not the store's). */
  userDriverCalled?: (driver: string) => void,
  /** The world's proofs of kubelet housekeeping passes that did nothing (kubelet.ts). */
  housekeepingProofs?: HousekeepingProofs,
  /** A driver whose controller RPCs another process answers (driverRpc.ts): its port, given the in-process one. */
  remote?: (driver: string, port: CsiDriverPort) => CsiDriverPort,
): { parts: ClusterParts; extraControllers: (queue: WorkQueue) => Controller[] } {
  const drivers = new Map<string, SimCsiDriver>();
  for (const profile of profiles) {
    drivers.set(profile.name, new SimCsiDriver({
      // A driver's backend is its own storage, always current: it is not read through an informer.
      profile, client: driverStore, random: streams.for(`latency/${profile.name}`), faultRandom: streams.for(`faults/${profile.name}`), clock,
      ...(injected ? { injected: injected(profile.name) } : {}),
    }));
  }
  // A user's module stands in for the simulated driver of its name (whose CSIDriver object stays).
  const userDrivers = new Map<string, ModuleCsiDriver>();
  for (const [name, factory] of Object.entries(userDriverFactories).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sim = drivers.get(name);
    if (!sim) throw new Error(`--csi-driver ${name}: the cluster has no driver of that name (it has ${[...drivers.keys()].join(', ')})`);
    const d = new ModuleCsiDriver(name, factory({ name }), injected ? injected(name) as never : undefined);
    const attaches = (caps: readonly string[]) => caps.includes('PUBLISH_UNPUBLISH_VOLUME');
    if (attaches(d.controllerGetCapabilities()) !== attaches(sim.controllerGetCapabilities())) {
      throw new Error(`--csi-driver ${name}: ControllerGetCapabilities ${attaches(sim.controllerGetCapabilities()) ? 'must' : 'must not'} include PUBLISH_UNPUBLISH_VOLUME (the driver's CSIDriver object says attachRequired: ${attaches(sim.controllerGetCapabilities())})`);
    }
    userDrivers.set(name, d);
  }
  // What the components hold: each driver behind the world's lost-reply seam.
  const ports = new Map<string, CsiDriverPort>([...drivers].map(([name, sim]) => {
    const user = userDrivers.get(name);
    const local: CsiDriverPort = user && userDriverCalled ? announcingCalls(user, () => userDriverCalled(name)) : user ?? sim;
    const d = remote ? remote(name, local) : local;
    return [name, replyLost ? withLostReplies(d, (rpc) => replyLost(name, rpc)) : d];
  }));
  const kubelets = new Map<string, Kubelet>();
  const factories = new Map<string, () => Controller>();
  let pool: KubeletPool | undefined;
  const extraControllers = (queue: WorkQueue): Controller[] => {
    const newKubelet = (node: string) => {
      const make = () => new Kubelet(clientFor(`kubelet/${node}`), queue, node, ports, { clock, ...(housekeepingProofs ? { housekeepingProofs } : {}) });
      factories.set(`kubelet/${node}`, () => { const k = make(); kubelets.set(node, k); return k; });
      return make();
    };
    const client = clientFor('kube-controller-manager');
    pool = new KubeletPool(client, newKubelet, kubelets);
    const add = (c: () => Controller): Controller => { const first = c(); factories.set(first.name, c); return first; };
    const list: Controller[] = [
      add(() => new NodeLifecycleController(client, queue, clock)),
      add(() => new PodScheduler(clientFor('scheduler'), queue, { clock })),
      add(() => new DeploymentController(client, queue, clock)),
      add(() => new ReplicaSetController(client, queue)),
      add(() => new StatefulSetController(client, queue)),
      add(() => new EphemeralVolumeController(client)),
      ...[...drivers.values()].map((d) => add(() => new ExternalProvisioner(clientFor(`external-provisioner/${d.profile.name}`), queue, ports.get(d.profile.name)!, { random: streams.for(`provisioner-identity/${d.profile.name}`) }))),
      add(() => new AttachDetachController(client, ports, { clock })),
      add(() => new ExpandController(client)),
      add(() => new SnapshotController(clientFor('snapshot-controller'), clock)),
      add(() => new CsiDriverRegistrar(client, drivers)),
    ];
    for (const [name, d] of drivers) {
      if (d.controllerGetCapabilities().includes('PUBLISH_UNPUBLISH_VOLUME')) list.push(add(() => new ExternalAttacher(clientFor(`attacher/${name}`), queue, name, ports.get(name)!, { clock })));
    }
    for (const [name, d] of drivers) {
      if (d.controllerGetCapabilities().includes('EXPAND_VOLUME')) list.push(add(() => new ExternalResizer(clientFor(`external-resizer/${name}`), queue, name, ports.get(name)!, { clock })));
      if (d.controllerGetCapabilities().includes('CREATE_DELETE_SNAPSHOT')) list.push(add(() => new CsiSnapshotter(clientFor(`csi-snapshotter/${name}`), queue, name, ports.get(name)!, { clock })));
    }
    // A user driver's memory (its backend) is saved, restored and fingerprinted as a component's.
    for (const [name, d] of userDrivers) list.push({ name: `csi-driver/${name}`, queues: {}, saveState: () => d.saveState(), loadState: (s: unknown) => d.loadState(s) });
    list.push(pool);
    return list;
  };
  return {
    parts: { drivers, userDrivers, kubelets, factories, attach: (m) => pool?.attach(m) },
    extraControllers,
  };
}
