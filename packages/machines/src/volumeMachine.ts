import type { PersistentVolume } from '@pvsim/domain';
import { createPhaseMachine } from './objectMachine.ts';

/** Released -> Available needs the claim link gone (admin edit, recycle) or only a reservation left. */
const releasedLinkCleared = (pv: PersistentVolume) => !pv.spec.claimRef || (pv.spec.claimRef.uid ?? '') === '';

/** PV phases and the edges the PV controller and admins can take (spec §3). */
export const volumeMachine = createPhaseMachine<PersistentVolume>({
  id: 'PersistentVolume',
  phases: ['Pending', 'Available', 'Bound', 'Released', 'Failed'],
  initialPhase: 'Pending',
  edges: {
    Pending: ['Available', 'Bound', 'Released', 'Failed'],
    Available: ['Bound', 'Released', 'Failed'],
    Bound: ['Available', 'Released', 'Failed'],
    Released: ['Available', 'Bound', 'Failed'],
    Failed: ['Available', 'Bound'],
  },
  edgeGuards: {
    'Released->Available': releasedLinkCleared,
    'Failed->Available': releasedLinkCleared,
  },
});
