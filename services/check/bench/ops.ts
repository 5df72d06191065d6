import { readFileSync } from 'node:fs';
import { applyDefaults, parseManifests, prepareForCreate } from '@pvsim/manifests';
import { createWorld, fifoChooser } from '@pvsim/world';
const EX = new URL('../../../examples/', import.meta.url).pathname;
const objs = (f: string) => parseManifests(readFileSync(EX + f, 'utf8'), f).map((p) => applyDefaults(p.object) as any);
const w = createWorld({ seed: 1, startMs: Date.UTC(2026,0,1), cluster: 'full', chooser: fifoChooser() });
for (const o of ['access-modes/01-nodes.yaml','lecture/dynamic-disk/01-storageclass.yaml','lecture/dynamic-disk/02-pvc.yaml','lecture/dynamic-disk/03-pod.yaml'].flatMap(objs)) { w.store.create(o.kind, prepareForCreate(structuredClone(o), w.clock.iso())); w.drain(3); }
const time = (label: string, n: number, f: () => void) => { const t = performance.now(); for (let i = 0; i < n; i++) f(); console.log(label, ((performance.now() - t) / n).toFixed(3), 'ms'); };
const snap = w.snapshot();
time('snapshot', 200, () => w.snapshot());
time('new world', 200, () => createWorld({ seed: 1, startMs: Date.UTC(2026,0,1), cluster: 'full', chooser: fifoChooser() }));
time('new+restore', 200, () => createWorld({ seed: 1, startMs: Date.UTC(2026,0,1), cluster: 'full', chooser: fifoChooser() }).restore(snap));
time('fork', 200, () => w.fork());
time('fingerprint fresh', 200, () => w.fork().fingerprint());
time('enabled', 2000, () => w.enabled());
const inputs = ['access-modes/01-nodes.yaml','lecture/dynamic-disk/01-storageclass.yaml','lecture/dynamic-disk/02-pvc.yaml','lecture/dynamic-disk/03-pod.yaml'].flatMap(objs);
let steps = 0;
time('replay whole run', 50, () => {
  const x = createWorld({ seed: 1, startMs: Date.UTC(2026,0,1), cluster: 'full', chooser: fifoChooser() });
  steps = 0;
  for (const o of inputs) { x.store.create(o.kind, prepareForCreate(structuredClone(o), x.clock.iso())); steps += x.drain(); }
  x.fingerprint();
});
console.log('steps', steps);
time('store.load only', 100, () => { const x = createWorld({ seed: 1, startMs: Date.UTC(2026,0,1), cluster: 'full', chooser: fifoChooser() }); x.store.load(structuredClone(snap.store)); });
