import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every `examples/**\/scenarios/*.yaml`, sorted: a new example scenario is covered by the tests that walk them without editing them. */
export function exampleScenarios(dir = join(repoRoot, 'examples')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return exampleScenarios(p);
    return e.name.endsWith('.yaml') && dirname(p).endsWith('/scenarios') ? [relative(repoRoot, p)] : [];
  }).sort();
}

let bundle: string | undefined;

/**
 * The argv after `node` that runs the real CLI as its own process: the esbuild bundle users run
 * (scripts/build.mjs), built once per test process from the current sources into a temporary
 * directory that goes when the process exits. A process started this way takes ≈ 0.4 s of CPU to
 * start where `--import tsx src/main.ts` took ≈ 1.7 s compiling and resolving TypeScript — and
 * natsEquivalence alone starts about a hundred.
 */
export function cliArgv(args: string[]): string[] {
  if (bundle === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'pvsim-cli-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    execFileSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    bundle = join(dir, 'pvsim.js');
  }
  return [bundle, ...args];
}

export interface Run { code: number; stdout: string; stderr: string }

/** Runs the real CLI in-process against a cluster directory, from the repository root. */
export async function pvsim(cluster: string, args: string[], stdin = '', env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--cluster', cluster, ...args], {
    stdout: (s) => { stdout += s; },
    stderr: (s) => { stderr += s; },
    readStdin: () => stdin,
    env,
    cwd: repoRoot,
    isTTY: false,
  });
  return { code, stdout, stderr };
}

export function tempCluster(): string {
  return join(mkdtempSync(join(tmpdir(), 'pvsim-test-')), 'cluster');
}

export function logBytes(cluster: string): string {
  const p = join(cluster, 'log.jsonl');
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

export async function getJson(cluster: string, kinds: string, extra: string[] = []): Promise<{ items: any[] }> {
  const r = await pvsim(cluster, ['get', kinds, '-o', 'json', ...extra]);
  if (r.code !== 0) throw new Error(`get failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
