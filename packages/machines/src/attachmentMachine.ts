import { createPhaseMachine } from './objectMachine.ts';

/** The slice of a storage.k8s.io/v1 VolumeAttachment the machine reads. */
export interface VolumeAttachmentLike {
  metadata: { name: string; deletionTimestamp?: string };
  status?: { attached?: boolean; phase?: string };
}

/**
 * A VolumeAttachment has no phase field; its state is read off the object: being deleted is
 * Detaching (the attacher runs ControllerUnpublish before the finalizer goes), else attached or
 * not yet (spec §10.1, §10.3).
 */
export function attachmentPhase(va: VolumeAttachmentLike): string {
  if (va.metadata.deletionTimestamp) return 'Detaching';
  return va.status?.attached ? 'Attached' : 'Attaching';
}

export const attachmentMachine = createPhaseMachine<VolumeAttachmentLike>({
  id: 'VolumeAttachment',
  phases: ['Attaching', 'Attached', 'Detaching'],
  initialPhase: 'Attaching',
  phaseOf: attachmentPhase,
  edges: {
    Attaching: ['Attached', 'Detaching'],
    // Attached -> Attaching: detached behind Kubernetes' back, the attacher publishes again.
    Attached: ['Attaching', 'Detaching'],
    Detaching: [],
  },
});
