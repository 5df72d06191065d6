/**
 * Design: settled binds per second, distributed vs embedded (issue 8 item 10, ADR 0019). Against
 * a nats-server started by the one launcher, in the same run, on N static PV/PVC pairs:
 *
 * - **Embedded** (the baseline): `pvsim apply -f pairs.yaml` on a file cluster, in this process —
 *   the command creates the objects and settles, every controller in-process.
 * - **Distributed, free-running**: on a cluster in NATS served by a `pvsim serve --only
 *   pv-controller` process (the built CLI, started and ready before the clock starts):
 *   `pvsim apply -f pairs.yaml --wait=false` in this process, then until the process has appended
 *   its transaction. The clock covers both, as the embedded command's covers creating and binding.
 *
 * Claims Bound at the end, divided by the wall time. A warm-up of each (not counted), then
 * rounds that alternate which case goes first, each on a fresh cluster; rates are medians, the
 * ratio the median of the rounds' own ratios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startNatsServer } from '../packages/nats/src/index.ts';
import { boundClaims, pairsManifest, pvsimInProcess as pvsim } from './cliPairs.ts';
import { emit, median, table } from './measure.ts';

const quick = process.argv.includes('--quick');
const PAIRS = quick ? 50 : 200;
const ROUNDS = quick ? 3 : 6;
const CLI = resolve('services/cli/dist/pvsim.js');
const BUDGET_MS = 300_000;

/** A `pvsim serve --only pv-controller` process; `appended(n)` resolves once it has appended n transactions. */
function serve(nats: string[]): { child: ChildProcess; ready: Promise<void>; appended(n: number): Promise<void> } {
  const child = spawn(process.execPath, [CLI, ...nats, 'serve', '--only', 'pv-controller'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const waiters: { re: RegExp; n: number; resolve: () => void }[] = [];
  const count = (re: RegExp) => (out.match(new RegExp(re.source, 'gm')) ?? []).length;
  const check = () => { for (const w of waiters.splice(0)) { if (count(w.re) >= w.n) w.resolve(); else waiters.push(w); } };
  child.stdout!.on('data', (c) => { out += c; check(); });
  const wait = (re: RegExp, n: number) => new Promise<void>((resolve, reject) => {
    waiters.push({ re, n, resolve });
    check();
    const budget = setTimeout(() => reject(new Error(`serve did not print ${re} ${n}x within ${BUDGET_MS} ms: ${out}`)), BUDGET_MS);
    budget.unref();
    child.once('exit', () => reject(new Error(`serve exited: ${out}`)));
  });
  return { child, ready: wait(/^pvsim serve: /, 1), appended: (n) => wait(/^pv-controller: appended/, n) };
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run pnpm install (it builds the CLI)`);
  const server = await startNatsServer();
  const tmp = mkdtempSync(join(tmpdir(), 'pvsim-bench-serve-'));
  const file = join(tmp, 'pairs.yaml');
  writeFileSync(file, pairsManifest(PAIRS));
  const load = loadavg()[0]!.toFixed(1);
  const embedded: number[] = [];
  const distributed: number[] = [];
  const bound = { embedded: [] as number[], distributed: [] as number[] };
  try {
    const runEmbedded = async (name: string): Promise<{ bound: number; rate: number }> => {
      const cluster = ['--cluster', join(tmp, name)];
      await pvsim([...cluster, 'init']);
      const t0 = performance.now();
      await pvsim([...cluster, 'apply', '-f', file]);
      const seconds = (performance.now() - t0) / 1000;
      const n = await boundClaims(cluster);
      return { bound: n, rate: n / seconds };
    };
    const runDistributed = async (name: string): Promise<{ bound: number; rate: number }> => {
      const nats = ['--nats', server.url, '--cluster', name];
      await pvsim([...nats, 'init']);
      const p = serve(nats);
      await p.ready;
      const t0 = performance.now();
      await pvsim([...nats, 'apply', '-f', file, '--wait=false']);
      await p.appended(1);
      const seconds = (performance.now() - t0) / 1000;
      const n = await boundClaims(nats);
      p.child.kill('SIGTERM');
      return { bound: n, rate: n / seconds };
    };
    // A warm-up of each (not counted: the first run of either warms the JIT for both), then
    // rounds whose two cases alternate which goes first.
    await runEmbedded('embedded-warm');
    await runDistributed('served-warm');
    for (let round = 0; round < ROUNDS; round++) {
      const cases = [
        async () => { const r = await runEmbedded(`embedded-${round}`); bound.embedded.push(r.bound); embedded.push(r.rate); },
        async () => { const r = await runDistributed(`served-${round}`); bound.distributed.push(r.bound); distributed.push(r.rate); },
      ];
      for (let k = 0; k < cases.length; k++) await cases[(round + k) % cases.length]!();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await server.stop();
  }
  // The median of the rounds' own ratios (a round's two cases run back to back), as natsLog's.
  const ratio = median(distributed.map((d, round) => d / embedded[round]!));
  console.log(`settled binds per second, ${PAIRS} static PV/PVC pairs, ${ROUNDS} rounds, medians, the ratio a median of the rounds' ratios (load average ${load} at the start)`);
  console.log(table(['case', 'claims bound (per round)', 'binds/s', 'ratio'], [
    ['embedded: apply (settles in-process)', bound.embedded.join(' '), median(embedded).toFixed(1), '1.00'],
    ['distributed: apply --wait=false + serve --only pv-controller', bound.distributed.join(' '), median(distributed).toFixed(1), ratio.toFixed(2)],
  ]));
  emit('natsServe', { pairs: PAIRS, embedded, distributed, bound, ratio, load: Number(load) });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
