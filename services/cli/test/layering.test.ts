import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './support.ts';

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
  '@pvsim/manifests': ['@pvsim/domain'],
  '@pvsim/controllers': ['@pvsim/domain', '@pvsim/machines', '@pvsim/runtime'],
  '@pvsim/csi': ['@pvsim/domain', '@pvsim/runtime'],
  '@pvsim/cli': ['@pvsim/domain', '@pvsim/machines', '@pvsim/runtime', '@pvsim/log-file', '@pvsim/manifests', '@pvsim/controllers', '@pvsim/csi'],
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

test('nothing under packages/ reads the wall clock or ambient randomness', () => {
  for (const p of packages().filter((x) => x.dir.includes('/packages/'))) {
    for (const file of sources(join(p.dir, 'src'))) {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
        // A simulated clock may define methods of these names (XState's Clock interface).
        .replace(/^\s*(setTimeout|clearTimeout)\([^)]*:.*$/gm, '');
      assert.not.match(code, /Date\.now\(|Math\.random\(|randomUUID\(|new Date\(\)|setTimeout\(|setInterval\(/, `${file}`);
    }
  }
});

test.run();
