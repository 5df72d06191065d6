import { test } from 'uvu';
import { ANN_BOUND_BY_CONTROLLER } from '@pvsim/domain';
import { bindingConverged, bindingSafety, viewOf, type ViewObject } from '../src/index.ts';
import { expectProblems, pv, pvc } from './support.ts';

interface Row { name: string; objects: ViewObject[]; safety: RegExp[]; converged: RegExp[] }

const bound = [pv('pv-a', { phase: 'Bound', claim: 'c', claimUid: 'uid-c' }), pvc('c', { phase: 'Bound', volumeName: 'pv-a' })];

/**
 * The bind's writes in Kubernetes' order (PV claimRef, PV phase, claim volumeName, claim phase)
 * and every crash state in between (binder_test.go 1-8 … 1-10): all safe, none converged.
 */
const rows: Row[] = [
  { name: 'a bound pair', objects: bound, safety: [], converged: [] },
  { name: 'nothing bound yet', objects: [pv('pv-a', { phase: 'Available' }), pvc('c', { phase: 'Pending' })], safety: [], converged: [] },
  {
    name: 'crash after the PV claimRef write (1-8)',
    objects: [pv('pv-a', { phase: 'Available', claim: 'c', claimUid: 'uid-c' }), pvc('c', { phase: 'Pending' })],
    safety: [], converged: [],
  },
  {
    name: 'crash after the PV phase write',
    objects: [pv('pv-a', { phase: 'Bound', claim: 'c', claimUid: 'uid-c' }), pvc('c', { phase: 'Pending' })],
    safety: [], converged: [/PV pv-a is Bound to default\/c, which is Pending/],
  },
  {
    name: 'crash after the claim volumeName write (1-10)',
    objects: [pv('pv-a', { phase: 'Bound', claim: 'c', claimUid: 'uid-c' }), pvc('c', { phase: 'Pending', volumeName: 'pv-a' })],
    safety: [], converged: [/PV pv-a is Bound to default\/c, which is Pending/, /PVC default\/c and PV pv-a are linked but Pending\/Bound/],
  },
  {
    name: 'a Bound claim without volumeName',
    objects: [pvc('c', { phase: 'Bound' })],
    safety: [/PVC default\/c is Bound without volumeName/], converged: [/PVC default\/c is Bound to missing PV undefined/],
  },
  {
    name: 'a Bound claim whose PV points at an older claim of the same name',
    objects: [pv('pv-a', { phase: 'Bound', claim: 'c', claimUid: 'uid-old' }), pvc('c', { phase: 'Bound', volumeName: 'pv-a' })],
    safety: [/PVC default\/c is Bound to pv-a, whose claimRef is .*uid-old/],
    converged: [/PVC default\/c is Bound to pv-a \(Bound, claimRef/, /PV pv-a is Bound though its claim c \(uid-old\) is gone/],
  },
  {
    name: 'two Bound claims name one PV',
    objects: [...bound, pvc('d', { phase: 'Bound', volumeName: 'pv-a' })],
    safety: [/PV pv-a has 2 Bound claims: default\/c, default\/d/, /PVC default\/d is Bound to pv-a, whose claimRef/],
    converged: [/PVC default\/d is Bound to pv-a \(Bound/],
  },
  {
    name: 'a Bound claim whose PV is gone is safe but not converged (it should be Lost)',
    objects: [pvc('c', { phase: 'Bound', volumeName: 'pv-a' })],
    safety: [], converged: [/PVC default\/c is Bound to missing PV pv-a/],
  },
  {
    name: 'a binding race left two PVs holding one claim',
    objects: [...bound, pv('pv-b', { phase: 'Available', claim: 'c', claimUid: 'uid-c', annotations: { [ANN_BOUND_BY_CONTROLLER]: 'yes' } })],
    safety: [], converged: [/PVC default\/c is held by 2 PVs: pv-a, pv-b/],
  },
  {
    name: 'PVs pre-bound by the user to one claim uid may wait side by side',
    objects: [...bound, pv('pv-b', { phase: 'Available', claim: 'c', claimUid: 'uid-c' })],
    safety: [], converged: [],
  },
  {
    name: 'a Bound PV without claimRef',
    objects: [pv('pv-a', { phase: 'Bound' })],
    safety: [], converged: [/PV pv-a is Bound without claimRef/],
  },
  {
    name: 'a PV whose claim was deleted is Released',
    objects: [pv('pv-a', { phase: 'Released', claim: 'c', claimUid: 'uid-c' })],
    safety: [], converged: [],
  },
  {
    name: 'a PV whose claim was deleted is still Bound',
    objects: [pv('pv-a', { phase: 'Bound', claim: 'c', claimUid: 'uid-c' })],
    safety: [], converged: [/PV pv-a is Bound though its claim c \(uid-c\) is gone/],
  },
];

for (const r of rows) {
  test(`bindingSafety: ${r.name}`, () => expectProblems(bindingSafety(viewOf(r.objects)), r.safety, r.name));
  test(`bindingConverged: ${r.name}`, () => expectProblems(bindingConverged(viewOf(r.objects)), r.converged, r.name));
}

test.run();
