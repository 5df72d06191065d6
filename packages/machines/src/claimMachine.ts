import type { PersistentVolumeClaim } from '@pvsim/domain';
import { createPhaseMachine } from './objectMachine.ts';

/** PVC phases (spec §4). Lost is terminal for the controller except through a re-bind. */
export const claimMachine = createPhaseMachine<PersistentVolumeClaim>({
  id: 'PersistentVolumeClaim',
  phases: ['Pending', 'Bound', 'Lost'],
  initialPhase: 'Pending',
  edges: {
    Pending: ['Bound', 'Lost'],
    Bound: ['Pending', 'Lost'],
    Lost: ['Bound'],
  },
});
