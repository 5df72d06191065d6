/**
 * Design: in-tree volume plugins as the PV controller sees them (pkg/volume plugins): something
 * that can provision, delete or recycle a volume given its spec. The runtime registers pvsim's
 * simulated in-tree plugins; the case harness registers Kubernetes' mock plugin. External (CSI)
 * provisioners are not plugins here — the controller only annotates claims for them.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim } from '@pvsim/domain';

export interface ProvisionOptions {
  pvName: string;
  claim: PersistentVolumeClaim;
  parameters: Record<string, string>;
  reclaimPolicy: string;
  mountOptions: string[];
}

export interface VolumePlugin {
  readonly name: string;
  canSupport(volume: PersistentVolume): boolean;
  readonly supportsMountOption: boolean;
  /** Throws when a provisioner cannot be created; the returned function throws on failure. */
  newProvisioner?(options: ProvisionOptions): (selectedNode: Node | undefined, allowedTopologies: unknown[] | undefined) => PersistentVolume;
  newDeleter?(volume: PersistentVolume): () => void;
  recycle?(volume: PersistentVolume): void;
}

export class PluginNotFoundError extends Error {
  constructor(message: string) { super(message); this.name = 'PluginNotFoundError'; }
}

export class VolumePluginManager {
  constructor(private readonly plugins: readonly VolumePlugin[]) {}

  findProvisionablePluginByName(name: string): VolumePlugin {
    const p = this.provisionablePluginNamed(name);
    if (!p) throw new PluginNotFoundError(`no provisionable volume plugin matched name: ${name}`);
    return p;
  }

  /** The same lookup without the error: every claim of an external (CSI) provisioner misses, and an Error's stack is dear. */
  provisionablePluginNamed(name: string): VolumePlugin | undefined {
    return this.plugins.find((x) => x.name === name && x.newProvisioner);
  }

  findDeletablePluginByName(name: string): VolumePlugin {
    const p = this.plugins.find((x) => x.name === name && x.newDeleter);
    if (!p) throw new PluginNotFoundError(`no deletable volume plugin matched name: ${name}`);
    return p;
  }

  findDeletablePluginBySpec(volume: PersistentVolume): VolumePlugin {
    return this.findBySpec(volume, (p) => p.newDeleter !== undefined, 'deletable');
  }

  findRecyclablePluginBySpec(volume: PersistentVolume): VolumePlugin {
    return this.findBySpec(volume, (p) => p.recycle !== undefined, 'recyclable');
  }

  /** FindPluginBySpec, then the capability: "no volume plugin matched" comes first, as in Kubernetes. */
  private findBySpec(volume: PersistentVolume, capable: (p: VolumePlugin) => boolean, what: string): VolumePlugin {
    const matches = this.plugins.filter((x) => x.canSupport(volume));
    if (matches.length === 0) throw new PluginNotFoundError('no volume plugin matched');
    const p = matches.find(capable);
    if (!p) throw new PluginNotFoundError(`no ${what} volume plugin matched`);
    return p;
  }
}
