/**
 * Design: the CSIDriver object (storage.k8s.io/v1) a simulated driver's installation creates,
 * derived from its profile as a real driver's deployment manifests declare it: attachRequired
 * when the controller publishes volumes to nodes (ControllerPublishVolume), Persistent volumes
 * only, no pod info on mount; fsGroupPolicy `File` for a shared file system (nas) and the API
 * default `ReadWriteOnceWithFSType` otherwise.
 */
import type { CsiProfile } from './SimCsiDriver.ts';

export interface CsiDriverObject {
  apiVersion: 'storage.k8s.io/v1';
  kind: 'CSIDriver';
  metadata: { name: string };
  spec: {
    attachRequired: boolean;
    podInfoOnMount: boolean;
    storageCapacity: boolean;
    fsGroupPolicy: 'ReadWriteOnceWithFSType' | 'File' | 'None';
    requiresRepublish: boolean;
    volumeLifecycleModes: ('Persistent' | 'Ephemeral')[];
    seLinuxMount: boolean;
  };
}

export function csiDriverObject(profile: CsiProfile): CsiDriverObject {
  const attachRequired = profile.controllerCapabilities.includes('PUBLISH_UNPUBLISH_VOLUME');
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: profile.name },
    spec: {
      attachRequired, podInfoOnMount: false, storageCapacity: false,
      fsGroupPolicy: profile.accessTypes.includes('block') || attachRequired ? 'ReadWriteOnceWithFSType' : 'File',
      requiresRepublish: false, volumeLifecycleModes: ['Persistent'], seLinuxMount: false,
    },
  };
}
