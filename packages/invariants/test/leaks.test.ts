import { test } from 'uvu';
import { backendLeaks, viewOf, type ViewObject } from '../src/index.ts';
import { backend, expectProblems, filesystem, pv } from './support.ts';

const NAS = 'nas.csi.pvsim.dev';

const rows: { name: string; objects: ViewObject[]; retained?: string[]; expected: RegExp[] }[] = [
  {
    name: 'every backend volume has its PV, every CSI filesystem its backend',
    objects: [pv('pv-a', { phase: 'Released', csi: { driver: NAS, handle: 'vol-1' } }), backend(NAS, 'vol-1'), filesystem(NAS, 'vol-1'), { kind: 'Filesystem', metadata: { name: 'node.node-a' } }],
    expected: [],
  },
  {
    name: 'a backend volume no PV refers to',
    objects: [pv('pv-a', { csi: { driver: NAS, handle: 'vol-1' } }), backend(NAS, 'vol-1'), backend(NAS, 'vol-2'), filesystem(NAS, 'vol-2')],
    expected: [/backend volume nas.csi.pvsim.dev.vol-2 is leaked: no PV has volumeHandle vol-2/],
  },
  {
    name: 'the same handle under another driver does not count',
    objects: [pv('pv-a', { csi: { driver: 'disk.csi.pvsim.dev', handle: 'vol-1' } }), backend(NAS, 'vol-1')],
    expected: [/backend volume nas.csi.pvsim.dev.vol-1 is leaked/],
  },
  { name: 'the backend volume of a PV deleted under Retain, named as retained', objects: [backend(NAS, 'vol-1')], retained: [`${NAS}.vol-1`], expected: [] },
  { name: 'files whose backend volume is gone', objects: [filesystem(NAS, 'vol-1')], expected: [/Filesystem csi.nas.csi.pvsim.dev.vol-1 outlived its backend volume/] },
];

for (const r of rows) test(`backendLeaks: ${r.name}`, () => expectProblems(backendLeaks(viewOf(r.objects), { retained: r.retained ?? [] }), r.expected, r.name));

test.run();
