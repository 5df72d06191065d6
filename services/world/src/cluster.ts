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
import { Kubelet } from '@pvsim/kubelet';
import { PodScheduler } from '@pvsim/scheduler';
import type { Controller, WorkQueue } from '@pvsim/component';
import { CsiDriverRegistrar } from './csiDriverRegistrar.ts';
import { SimCsiDriver, diskProfile, nasProfile, type CsiProfile, type CsiStore, type SimCsiDriverInit } from '@pvsim/csi-drivers';

export interface ClusterParts {
  drivers: Map<string, SimCsiDriver>;
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
    for (const n of this.client.list('Node')) this.join(n.metadata.name);
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

/** The drivers a cluster has unless a test says otherwise. */
export const DEFAULT_DRIVER_PROFILES: readonly CsiProfile[] = [nasProfile, diskProfile];

export function clusterComponents(
  clientFor: (component: string) => Client, driverStore: CsiStore, clock: SimClock, streams: RandomStreams, profiles: readonly CsiProfile[] = DEFAULT_DRIVER_PROFILES,
  injected?: (driver: string) => NonNullable<SimCsiDriverInit['injected']>,
): { parts: ClusterParts; extraControllers: (queue: WorkQueue) => Controller[] } {
  const drivers = new Map<string, SimCsiDriver>();
  for (const profile of profiles) {
    drivers.set(profile.name, new SimCsiDriver({
      // A driver's backend is its own storage, always current: it is not read through an informer.
      profile, client: driverStore, random: streams.for(`latency/${profile.name}`), faultRandom: streams.for(`faults/${profile.name}`), clock,
      ...(injected ? { injected: injected(profile.name) } : {}),
    }));
  }
  const ports = drivers as unknown as Map<string, CsiDriverPort>;
  const kubelets = new Map<string, Kubelet>();
  const factories = new Map<string, () => Controller>();
  let pool: KubeletPool | undefined;
  const extraControllers = (queue: WorkQueue): Controller[] => {
    const newKubelet = (node: string) => {
      const make = () => new Kubelet(clientFor(`kubelet/${node}`), queue, node, ports, { clock });
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
      ...[...drivers.values()].map((d) => add(() => new ExternalProvisioner(clientFor(`external-provisioner/${d.profile.name}`), queue, d, { random: streams.for(`provisioner-identity/${d.profile.name}`) }))),
      add(() => new AttachDetachController(client, ports, { clock })),
      add(() => new ExpandController(client)),
      add(() => new SnapshotController(clientFor('snapshot-controller'), clock)),
      add(() => new CsiDriverRegistrar(client, drivers)),
    ];
    for (const [name, d] of drivers) {
      if (d.controllerGetCapabilities().includes('PUBLISH_UNPUBLISH_VOLUME')) list.push(add(() => new ExternalAttacher(clientFor(`attacher/${name}`), queue, name, d, { clock })));
    }
    for (const [name, d] of drivers) {
      if (d.controllerGetCapabilities().includes('EXPAND_VOLUME')) list.push(add(() => new ExternalResizer(clientFor(`external-resizer/${name}`), queue, name, d, { clock })));
      if (d.controllerGetCapabilities().includes('CREATE_DELETE_SNAPSHOT')) list.push(add(() => new CsiSnapshotter(clientFor(`csi-snapshotter/${name}`), queue, name, d, { clock })));
    }
    list.push(pool);
    return list;
  };
  return {
    parts: { drivers, kubelets, factories, attach: (m) => pool?.attach(m) },
    extraControllers,
  };
}
