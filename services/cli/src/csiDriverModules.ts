/**
 * Design: `--csi-driver NAME=./driver.mjs` — a user's CSI driver module loaded in place of the
 * simulated driver NAME (docs/reference/csi-driver-module.md). Loaded synchronously (Node's
 * require of an ES module), so a session re-running a counterexample (`log verify`) builds the
 * same world from the recorded absolute paths without an async step.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { WorldOptions } from '@pvsim/world';

/** What a module's default export is: the factory the world calls for each world it builds. */
type CsiDriverFactory = NonNullable<WorldOptions['userDrivers']>[string];

/** Parses `NAME=PATH` flags into absolute paths by driver name; throws a one-line error. */
export function parseCsiDriverFlags(cwd: string, flags: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const i = f.indexOf('=');
    if (i <= 0 || i === f.length - 1) throw new Error(`--csi-driver ${f}: use NAME=./driver.mjs (e.g. disk.csi.pvsim.dev=./my-driver.mjs)`);
    const name = f.slice(0, i);
    const path = resolve(cwd, f.slice(i + 1));
    if (!existsSync(path)) throw new Error(`--csi-driver ${f}: ${path}: no such file`);
    if (out[name]) throw new Error(`--csi-driver ${name}: given twice`);
    out[name] = path;
  }
  return out;
}

/** The factory each module exports (`default`, or `createDriver`); throws a one-line error naming the file. */
export function loadCsiDriverModules(paths: Readonly<Record<string, string>> = {}): Record<string, CsiDriverFactory> {
  const out: Record<string, CsiDriverFactory> = {};
  for (const [name, path] of Object.entries(paths)) {
    let mod: Record<string, unknown>;
    try { mod = createRequire(path)(path) as Record<string, unknown>; } catch (e) {
      throw new Error(`--csi-driver ${name}: ${path}: cannot load: ${(e as Error).message.split('\n')[0]}`);
    }
    const factory = mod['default'] ?? mod['createDriver'];
    if (typeof factory !== 'function') throw new Error(`--csi-driver ${name}: ${path}: export default function createDriver({ name }) returning the driver`);
    out[name] = factory as CsiDriverFactory;
  }
  return out;
}
