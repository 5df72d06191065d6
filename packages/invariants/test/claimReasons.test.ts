import { test } from 'uvu';
import { claimReasons, viewOf, type ViewObject } from '../src/index.ts';
import { claimEvent, expectProblems, pv, pvc } from './support.ts';

const pending = pvc('c', { phase: 'Pending' });

const rows: { name: string; objects: ViewObject[]; expected: RegExp[] }[] = [
  { name: 'a Bound claim needs no reason', objects: [pvc('c', { phase: 'Bound', volumeName: 'pv-a' })], expected: [] },
  { name: 'a Pending claim with FailedBinding', objects: [pending, claimEvent(pending, 'FailedBinding')], expected: [] },
  { name: 'a Pending claim with an event that names no uid', objects: [pending, claimEvent(pending, 'ExternalProvisioning', undefined)], expected: [] },
  { name: 'a Pending claim without any event', objects: [pending], expected: [/PVC default\/c is Pending with no recorded reason/] },
  { name: 'a claim with no phase yet reads as Pending', objects: [pvc('c')], expected: [/PVC default\/c is Pending with no recorded reason/] },
  { name: 'only an event of an earlier claim of the same name', objects: [pending, claimEvent(pending, 'FailedBinding', 'uid-old')], expected: [/PVC default\/c is Pending/] },
  { name: 'a Lost claim with ClaimLost', objects: [pvc('c', { phase: 'Lost' }), claimEvent(pending, 'ClaimLost')], expected: [] },
  { name: 'a Lost claim without an event', objects: [pvc('c', { phase: 'Lost' })], expected: [/PVC default\/c is Lost with no recorded reason/] },
  { name: 'Pending for a named PV that does not exist: silent in Kubernetes too (spec §4)', objects: [pvc('c', { phase: 'Pending', volumeName: 'pv-x' })], expected: [] },
  { name: 'Pending for a named PV that exists, without a reason', objects: [pv('pv-x'), pvc('c', { phase: 'Pending', volumeName: 'pv-x' })], expected: [/PVC default\/c is Pending/] },
];

for (const r of rows) test(`claimReasons: ${r.name}`, () => expectProblems(claimReasons(viewOf(r.objects)), r.expected, r.name));

test.run();
