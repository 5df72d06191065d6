/**
 * Design: the composition root of a simulated cluster — which controllers run, with which
 * drivers — in one place, so the CLI session, scenarios and tests build the same cluster.
 * Controllers: the PV controller and the protection controllers (kube-controller-manager), the
 * node lifecycle, the scheduler, Deployment and StatefulSet controllers, one external-provisioner
 * per CSI driver, the attach/detach controller, one external-attacher per attachable driver, and
 * one kubelet per node — a kubelet joins when its Node appears.
 */
import type { CsiDriverPort } from '@pvsim/domain';
import type { ObjectStore, Random, SimClock, WatchEvent } from '@pvsim/runtime';
import {
  AttachDetachController, DeploymentController, ExternalAttacher, ExternalProvisioner, Kubelet,
  NodeLifecycleController, PodScheduler, StatefulSetController, inTreePlugins,
  type Controller, type ControllerManager, type ControllerManagerOptions, type WorkQueue,
} from '@pvsim/controllers';
import { SimCsiDriver, diskProfile, nasProfile } from '@pvsim/csi';

export interface ClusterParts {
  drivers: Map<string, SimCsiDriver>;
  kubelets: Map<string, Kubelet>;
  /** Give the pool the manager once it exists (kubelets join through it). */
  attach(manager: ControllerManager): void;
}

/** A controller with no queue of its own that starts a kubelet for each node that appears. */
class KubeletPool implements Controller {
  readonly name = 'kubelet-pool';
  readonly queues = {};
  private manager: ControllerManager | undefined;
  private pending: string[] = [];

  constructor(private readonly store: ObjectStore, private readonly start: (node: string) => Kubelet, private readonly kubelets: Map<string, Kubelet>) {}

  attach(manager: ControllerManager): void {
    this.manager = manager;
    for (const n of this.store.list('Node')) this.join(n.metadata.name);
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

export function clusterControllers(store: ObjectStore, clock: SimClock, random: Random): { parts: ClusterParts; options: Pick<ControllerManagerOptions, 'plugins' | 'extraControllers'> } {
  const drivers = new Map<string, SimCsiDriver>();
  for (const profile of [nasProfile, diskProfile]) drivers.set(profile.name, new SimCsiDriver({ profile, store, random }));
  const ports = drivers as unknown as Map<string, CsiDriverPort>;
  const kubelets = new Map<string, Kubelet>();
  let pool: KubeletPool | undefined;
  const extraControllers = (queue: WorkQueue): Controller[] => {
    pool = new KubeletPool(store, (node) => new Kubelet(store, queue, node, ports, { clock }), kubelets);
    const list: Controller[] = [
      new NodeLifecycleController(store, queue, clock),
      new PodScheduler(store, queue, { clock }),
      new DeploymentController(store, queue),
      new StatefulSetController(store, queue),
      ...[...drivers.values()].map((d) => new ExternalProvisioner(store, queue, d, { random })),
      new AttachDetachController(store, ports, { clock }),
    ];
    for (const [name, d] of drivers) {
      if (d.controllerGetCapabilities().includes('PUBLISH_UNPUBLISH_VOLUME')) list.push(new ExternalAttacher(store, queue, name, d, { clock }));
    }
    list.push(pool);
    return list;
  };
  return {
    parts: { drivers, kubelets, attach: (m) => pool?.attach(m) },
    options: { plugins: inTreePlugins(), extraControllers },
  };
}
