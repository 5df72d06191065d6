/**
 * Design: `pvsim run SCENARIO.yaml` runs a story step by step through the real CLI — each step is
 * the pvsim command a user would type, run in-process against one cluster — and checks
 * expectations between steps. A failed expectation stops the run with a readable diff and a
 * non-zero exit; the cluster directory is kept so the user can look (`pvsim --cluster DIR get …`),
 * and a temporary one is removed after a run that passed.
 * The format is documented in docs/reference/scenarios.md.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parseDocument, LineCounter } from 'yaml';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';
import { evalJsonPath } from './inputs.ts';

export type Step = Record<string, unknown> & { name?: string };

export interface Scenario {
  name?: string;
  seed?: number;
  steps: Step[];
}

export type RunCli = (argv: string[], io: CliIO) => Promise<number>;

interface Captured { code: number; stdout: string; stderr: string }

export class ScenarioError extends Error {
  readonly code = 'ScenarioInvalid';
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}

function asList(v: unknown): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** The pvsim argv a step stands for (without --cluster/--seed), or undefined for checks. */
export function stepArgv(step: Step, base: string): string[] | undefined {
  const path = (p: string) => resolve(base, p);
  const ns = step['namespace'] !== undefined ? ['-n', String(step['namespace'])] : [];
  if (step['apply'] !== undefined) return ['apply', ...asList(step['apply']).flatMap((f) => ['-f', path(f)]), ...ns, ...(step['wait'] === false ? ['--wait=false'] : [])];
  if (step['import'] !== undefined) return ['import', ...asList(step['import']).flatMap((f) => ['-f', path(f)])];
  if (step['delete'] !== undefined) {
    const d = String(step['delete']);
    if (d.includes('/')) { const [kind, name] = d.split('/') as [string, string]; return ['delete', kind, name, ...ns]; }
    return ['delete', '-f', path(d), ...ns];
  }
  if (step['exec'] !== undefined) {
    const e = step['exec'] as { pod: string; index?: number; container?: string; command: string[] };
    const pod = e.index !== undefined ? `${e.pod}#${e.index}` : e.pod;
    return ['exec', pod, ...(e.container ? ['-c', e.container] : []), ...ns, '--', ...e.command.map(String)];
  }
  if (step['restart'] !== undefined) {
    const r = step['restart'] as { pod: string; container?: string };
    return ['restart', r.pod, ...(r.container ? ['-c', r.container] : []), ...ns];
  }
  if (step['node'] !== undefined) {
    const n = step['node'] as { down?: string; up?: string };
    return n.down !== undefined ? ['node', 'down', n.down] : ['node', 'up', String(n.up)];
  }
  if (step['advance'] !== undefined) return ['advance', String(step['advance'])];
  if (step['wait'] !== undefined && typeof step['wait'] === 'object') {
    const w = step['wait'] as { target: string; for: string; timeout?: string };
    return ['wait', w.target, `--for=${w.for}`, ...(w.timeout ? [`--timeout=${w.timeout}`] : []), ...ns];
  }
  if (step['run'] !== undefined) return asList(step['run']);
  return undefined;
}

function describeStep(i: number, step: Step): string {
  const what = step.name ?? Object.entries(step).filter(([k]) => k !== 'name' && k !== 'namespace').map(([k, v]) => `${k} ${typeof v === 'string' && !v.includes('\n') ? v : JSON.stringify(v)}`).join(' ');
  return `step ${i + 1}: ${what}`;
}

/** Reads and parses a scenario file (shared by `pvsim run` and `pvsim check`); a bad file is a one-line error. */
export function readScenario(io: Pick<CliIO, 'cwd'>, file: string): { path: string; scenario: Scenario } {
  const path = resolve(io.cwd, file);
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch { throw new UsageError(`error: the path "${file}" does not exist`); }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ScenarioError(`${file}:${e.linePos?.[0]?.line ?? 1}: error parsing scenario: ${e.message.split('\n')[0]}`);
  }
  const scenario = doc.toJS() as Scenario;
  if (!scenario || !Array.isArray(scenario.steps)) throw new ScenarioError(`${file}:1: scenario: steps: Required value: a scenario needs a list of steps`);
  return { path, scenario };
}

export async function runScenario(io: CliIO, g: GlobalOptions, file: string, runCli: RunCli, opts: { clusterGiven: boolean }): Promise<number> {
  const { path, scenario } = readScenario(io, file);
  const cluster = opts.clusterGiven ? g.clusterDir : join(mkdtempSync(join(tmpdir(), 'pvsim-run-')), 'cluster');
  const seed = String(scenario.seed ?? g.seed);
  const base = dirname(path);
  io.stdout(`scenario ${scenario.name ?? file} (seed ${seed}, cluster ${cluster})\n`);
  const run = async (argv: string[]): Promise<Captured> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--cluster', cluster, '--seed', seed, ...argv], {
      ...io, isTTY: false, stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; },
    });
    return { code, stdout, stderr };
  };
  let last: Captured | undefined;
  for (const [i, step] of scenario.steps.entries()) {
    const label = describeStep(i, step);
    const argv = stepArgv(step, base);
    if (argv) {
      last = await run(argv);
      const expectFail = step['expectError'] !== undefined;
      if (last.code !== 0 && !expectFail) return fail(io, label, `pvsim ${argv.join(' ')} exited ${last.code}`, last, cluster);
      if (expectFail) {
        const want = String(step['expectError']);
        if (last.code === 0) return fail(io, label, `expected an error containing "${want}", but the command succeeded`, last, cluster);
        if (!(last.stderr + last.stdout).includes(want)) return fail(io, label, `expected an error containing:\n    ${want}\n  got:\n    ${(last.stderr || last.stdout).trim()}`, last, cluster);
      }
      if (step['stdout'] !== undefined && last.stdout !== String(step['stdout'])) {
        return fail(io, label, diff('stdout', String(step['stdout']), last.stdout), last, cluster);
      }
      if (step['stdoutContains'] !== undefined && !last.stdout.includes(String(step['stdoutContains']))) {
        return fail(io, label, `stdout does not contain ${JSON.stringify(step['stdoutContains'])}:\n${indent(last.stdout)}`, last, cluster);
      }
      io.stdout(`  ok  ${label}\n`);
      continue;
    }
    if (step['expect'] !== undefined) {
      const problems = await checkExpect(step['expect'] as Record<string, unknown>, run, step['namespace'] as string | undefined);
      if (problems.length > 0) return fail(io, label, problems.join('\n'), undefined, cluster);
      io.stdout(`  ok  ${label}\n`);
      continue;
    }
    throw new ScenarioError(`${file}: ${label}: unknown step (use apply, import, delete, exec, restart, node, advance, wait, run or expect)`);
  }
  io.stdout(`passed: ${scenario.steps.length} steps\n`);
  // A temporary cluster is kept only when something failed, for a look.
  if (!opts.clusterGiven) rmSync(dirname(cluster), { recursive: true, force: true });
  return 0;
}

function indent(s: string): string {
  return s.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
}

function diff(what: string, want: string, got: string): string {
  return `${what} differs:\n  want:\n${indent(want)}\n  got:\n${indent(got)}`;
}

function fail(io: CliIO, label: string, detail: string, last: Captured | undefined, cluster: string): number {
  io.stderr(`FAIL ${label}\n  ${detail}\n`);
  if (last?.stderr) io.stderr(`  stderr:\n${indent(last.stderr)}\n`);
  io.stderr(`  cluster kept for a look: pvsim --cluster ${cluster} get all\n`);
  return 1;
}

/** expect: { object: pvc/x, jsonpath: '{.status.phase}', equals: Bound } | { object, absent: true } | { get: 'pv,pvc', contains } */
async function checkExpect(e: Record<string, unknown>, run: (argv: string[]) => Promise<Captured>, namespace: string | undefined): Promise<string[]> {
  const ns = namespace !== undefined ? ['-n', namespace] : [];
  if (e['object'] !== undefined) {
    const target = String(e['object']);
    const [kind, name] = target.split('/') as [string, string];
    const r = await run(['get', kind, name, '-o', 'json', ...ns]);
    if (e['absent'] === true) return r.code === 0 ? [`${target} exists, expected it gone`] : [];
    if (r.code !== 0) return [`${target}: ${r.stderr.trim()}`];
    const obj = JSON.parse(r.stdout);
    const problems: string[] = [];
    const checks = (e['fields'] as Record<string, unknown> | undefined) ?? (e['jsonpath'] !== undefined ? { [String(e['jsonpath'])]: e['equals'] } : {});
    for (const [jp, want] of Object.entries(checks)) {
      const got = evalJsonPath(obj, jp.startsWith('{') ? jp : `{${jp}}`);
      // null: the field is absent (or null), as kubectl's jsonpath prints nothing for either.
      if (want === null && (got === undefined || got === null)) continue;
      if (JSON.stringify(got) !== JSON.stringify(want) && String(got) !== String(want)) problems.push(`${target} ${jp}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
    return problems;
  }
  if (e['get'] !== undefined) {
    const r = await run(['get', ...String(e['get']).split(' '), ...ns]);
    const out = r.stdout + r.stderr;
    const problems: string[] = [];
    for (const c of asList(e['contains'])) if (!out.includes(c)) problems.push(`pvsim get ${e['get']} does not show ${JSON.stringify(c)}:\n${indent(out)}`);
    if (e['table'] !== undefined && out !== String(e['table'])) problems.push(diff(`pvsim get ${e['get']}`, String(e['table']), out));
    return problems;
  }
  throw new ScenarioError(`expect needs "object" or "get": ${JSON.stringify(e)}`);
}
