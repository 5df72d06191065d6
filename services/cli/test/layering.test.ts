import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from './support.ts';

/** What a component package may import: the layers below it, never a sibling component. */
const components = ['@pvsim/domain', '@pvsim/runtime', '@pvsim/component'];
const componentPackages = ['@pvsim/controller-manager', '@pvsim/scheduler', '@pvsim/kubelet', '@pvsim/csi-sidecars', '@pvsim/csi-drivers'];

/**
 * Dependencies point one way (STYLE §1): domain -> machines -> runtime/adapters -> services.
 * The allowed edges are listed here; a new edge needs a decision, not a quiet import.
 */
const allowed: Record<string, string[]> = {
  '@pvsim/domain': [],
  '@pvsim/machines': ['@pvsim/domain'],
  '@pvsim/invariants': ['@pvsim/domain'],
  '@pvsim/runtime': ['@pvsim/domain', '@pvsim/machines'],
  '@pvsim/log-file': ['@pvsim/domain'],
  // The JetStream event log, subjects and the nats-server launcher (ADR 0007); an adapter like log-file.
  '@pvsim/nats': ['@pvsim/domain'],
  '@pvsim/manifests': ['@pvsim/domain'],
  // Reading a recorded history: read points, causes, object histories, diffs (pure over log records).
  '@pvsim/replay': ['@pvsim/domain'],
  // What every component is written against (Controller, WorkQueue, saved state, LatencyGate).
  '@pvsim/component': ['@pvsim/domain', '@pvsim/runtime'],
  // The components, one package per Kubernetes process: siblings, none imports another (ADR 0003).
  '@pvsim/controller-manager': components,
  '@pvsim/scheduler': components,
  '@pvsim/kubelet': components,
  '@pvsim/csi-sidecars': components,
  '@pvsim/csi-drivers': ['@pvsim/domain', '@pvsim/runtime'],
  // The one composition root (createWorld): the components and the CSI drivers, wired.
  '@pvsim/world': ['@pvsim/domain', '@pvsim/runtime', '@pvsim/component', ...componentPackages],
  '@pvsim/check': ['@pvsim/domain', '@pvsim/runtime', '@pvsim/invariants', '@pvsim/world'],
  // The Kubernetes REST API over a cluster it is handed (an ApiCluster port): HTTP only.
  '@pvsim/api-server': ['@pvsim/domain', '@pvsim/manifests'],
  '@pvsim/cli': ['@pvsim/domain', '@pvsim/machines', '@pvsim/runtime', '@pvsim/log-file', '@pvsim/nats', '@pvsim/manifests', '@pvsim/kubelet', '@pvsim/world', '@pvsim/replay', '@pvsim/check', '@pvsim/api-server'],
};

function packages(): { dir: string; name: string; deps: string[] }[] {
  const out = [];
  for (const group of ['packages', 'services']) {
    for (const d of readdirSync(join(repoRoot, group)).sort()) {
      const dir = join(repoRoot, group, d);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      out.push({ dir, name: pkg.name as string, deps: Object.keys(pkg.dependencies ?? {}).filter((n) => n.startsWith('@pvsim/')) });
    }
  }
  return out;
}

function sources(dir: string): string[] {
  const files: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) files.push(...sources(p));
    else if (p.endsWith('.ts')) files.push(p);
  }
  return files;
}

test('every package is known and declares only allowed internal dependencies', () => {
  for (const p of packages()) {
    assert.ok(allowed[p.name], `${p.name} is not in the layering table`);
    for (const d of p.deps) assert.ok(allowed[p.name]!.includes(d), `${p.name} may not depend on ${d}`);
  }
});

test('source files import only what their package declares, and never another package\'s src/', () => {
  for (const p of packages()) {
    for (const file of sources(join(p.dir, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from '(@pvsim\/[a-z-]+)([^']*)'/g)) {
        assert.ok(p.deps.includes(m[1]!), `${file} imports ${m[1]} which ${p.name} does not declare`);
        assert.is(m[2], '', `${file} reaches into ${m[1]}${m[2]}: import the package's public API`);
      }
      assert.not.match(text, /from '\.\.\/\.\.\/(packages|services)\//, `${file} imports another package by path`);
    }
  }
});

/** The files a source file imports by relative path ('./x.ts', '../y/z.ts'), `import type` included. */
function relativeImports(file: string): string[] {
  const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const specs = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*)\1/g)].map((m) => m[2]!);
  return specs.map((s) => resolve(dirname(file), s));
}

/** One import circle of the graph as a path that starts and ends at the same file, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (f: string): string[] | undefined => {
    const at = onPath.indexOf(f);
    if (at >= 0) return [...onPath.slice(at), f];
    if (done.has(f)) return undefined;
    onPath.push(f);
    for (const g of graph.get(f) ?? []) {
      const cycle = visit(g);
      if (cycle) return cycle;
    }
    onPath.pop();
    done.add(f);
    return undefined;
  };
  for (const f of [...graph.keys()].sort()) {
    const cycle = visit(f);
    if (cycle) return cycle;
  }
  return undefined;
}

test('findCycle finds a circle of imports and passes a layered graph', () => {
  assert.equal(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), ['a', 'b', 'c', 'a']);
  assert.equal(findCycle(new Map([['a', ['a']]])), ['a', 'a']);
  assert.is(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), undefined);
});

/**
 * Within a package, relative imports run one way too: a composition file imports the modules it
 * wires, and they never import it back (issue 6 item 10, where eight CLI files formed one circle).
 * Type-only imports count: a circle of types is still two files that cannot be read apart.
 */
test('no package\'s src/ has a circle of relative imports', () => {
  for (const p of packages()) {
    // Plain-JavaScript modules beside the sources (a worker thread's, and what it shares) count too.
    const mjs = readdirSync(join(p.dir, 'src')).filter((f) => f.endsWith('.mjs')).map((f) => join(p.dir, 'src', f));
    const files = [...sources(join(p.dir, 'src')), ...mjs];
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const targets = relativeImports(file);
      for (const t of targets) assert.ok(files.includes(t), `${relative(repoRoot, file)} imports ${relative(repoRoot, t)}, which is no source file of ${p.name}`);
      graph.set(file, targets);
    }
    const cycle = findCycle(graph);
    assert.is(cycle, undefined, `${p.name} imports in a circle: ${cycle?.map((f) => relative(repoRoot, f)).join(' -> ')}`);
  }
});

/**
 * Adapters that talk to a real server need wall-clock deadlines; they are named here, each with
 * its reason, and never reached by the deterministic core (ADR 0007).
 */
const WALL_CLOCK_ALLOWED: Record<string, string> = {
  'packages/nats/src/launcher.ts': 'starts nats-server and waits for it with a deadline (tests, pvsim up)',
  'packages/nats/src/transient.mjs': 'backs off between retries of a NATS call lost to a reconnect (the log\'s worker thread, the work queue)',
  'packages/nats/src/workQueue.ts': 'a gather of results has a wall-clock budget of silence (composition roots only: sim --nats, pvsim worker; ADR 0014)',
  'packages/nats/src/followLog.ts': 'stops following a stream after an idle wall-clock budget (check online --follow)',
  'packages/nats/src/natsWorker.mjs': 'the synchronous bridge\'s thread: a lockstep replica waits for the next grant with a wall-clock deadline (ADR 0025); an append that lost its race pauses while another writer\'s batch finishes',
};

test('nothing under packages/ reads the wall clock or ambient randomness', () => {
  for (const p of packages().filter((x) => x.dir.includes('/packages/'))) {
    const workers = readdirSync(join(p.dir, 'src')).filter((f) => f.endsWith('.mjs')).map((f) => join(p.dir, 'src', f));
    for (const file of [...sources(join(p.dir, 'src')), ...workers]) {
      if (WALL_CLOCK_ALLOWED[relative(repoRoot, file)] !== undefined) continue;
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
        // A simulated clock may define methods of these names (XState's Clock interface).
        .replace(/^\s*(setTimeout|clearTimeout)\([^)]*:.*$/gm, '');
      assert.not.match(code, /Date\.now\(|Math\.random\(|randomUUID\(|new Date\(\)|setTimeout\(|setInterval\(/, `${file}`);
    }
  }
});

test.run();
