/**
 * Design: settled binds per second, lockstep vs embedded (issue 8 items 4 and 10, ADR 0025).
 * Against a nats-server started by the one launcher, in the same run, on N static PV/PVC pairs:
 *
 * - **Embedded** (the baseline): `pvsim apply -f pairs.yaml` on a file cluster, in this process —
 *   the command creates the objects and settles, every controller in-process.
 * - **Lockstep**: the same command with `--nats … --lockstep`, in this process (the sequencer),
 *   every delivery granted over NATS request/reply to a process started with `--lockstep` (one
 *   `serve --only all`, one `csi-driver` per driver, one `kubelet` per node, from source, ready
 *   before the clock starts), which performs it on its replica and replies with its records.
 *   Its log is the embedded one; the bench checks the claims bound are the same.
 *
 * Claims Bound at the end, divided by the wall time of the apply. Rounds alternate the two, each
 * on a fresh cluster; medians. Expect about 0.1: one round trip (and one replica step in
 * another process) per delivery.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { JetStreamEventLog, startNatsServer } from '../packages/nats/src/index.ts';
import { boundClaims, pairsManifest, pvsimInProcess as pvsim } from './cliPairs.ts';
import { emit, median, table } from './measure.ts';

const quick = process.argv.includes('--quick');
const PAIRS = quick ? 20 : 100;
const ROUNDS = quick ? 2 : 3;
const BUDGET_MS = 300_000;
const CLUSTER = 'bench-lockstep';

/** A lockstep process from source; resolves once it serves its subjects. */
function start(nats: string[], args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', ...nats, '--lockstep', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const budget = setTimeout(() => reject(new Error(`${args.join(' ')} did not start within ${BUDGET_MS} ms: ${out}`)), BUDGET_MS);
    budget.unref();
    child.stdout!.on('data', (c) => {
      out += c;
      if (/lockstep: performing/.test(out)) { clearTimeout(budget); resolve(child); }
    });
    child.once('exit', () => reject(new Error(`${args.join(' ')} exited: ${out}`)));
  });
}

async function main(): Promise<void> {
  const server = await startNatsServer();
  const tmp = mkdtempSync(join(tmpdir(), 'pvsim-bench-lockstep-'));
  const file = join(tmp, 'pairs.yaml');
  writeFileSync(file, pairsManifest(PAIRS));
  const nats = ['--nats', server.url, '--cluster', CLUSTER];
  const children: ChildProcess[] = [];
  const load = loadavg()[0]!.toFixed(1);
  const embedded: number[] = [];
  const lockstep: number[] = [];
  const bound = { embedded: [] as number[], lockstep: [] as number[] };
  try {
    // The processes a default cluster needs: every controller, each driver's sidecars, each node's kubelet.
    const probe = ['--cluster', join(tmp, 'probe')];
    await pvsim([...probe, 'init']);
    const nodes = (JSON.parse((await pvsim([...probe, 'get', 'nodes', '-o', 'json'])).stdout).items as { metadata: { name: string } }[]).map((n) => n.metadata.name);
    for (const args of [['serve', '--only', 'all'], ['csi-driver', 'nas'], ['csi-driver', 'disk'], ...nodes.map((n) => ['kubelet', '--node', n])]) {
      children.push(await start(nats, args));
    }
    for (let round = 0; round < ROUNDS; round++) {
      {
        const cluster = ['--cluster', join(tmp, `embedded-${round}`)];
        await pvsim([...cluster, 'init']);
        const t0 = performance.now();
        await pvsim([...cluster, 'apply', '-f', file]);
        const seconds = (performance.now() - t0) / 1000;
        bound.embedded.push(await boundClaims(cluster));
        embedded.push(bound.embedded.at(-1)! / seconds);
      }
      {
        new JetStreamEventLog({ connect: { servers: server.url }, cluster: CLUSTER }).rewrite([]);
        await pvsim([...nats, '--lockstep', 'init']);
        const t0 = performance.now();
        await pvsim([...nats, '--lockstep', 'apply', '-f', file]);
        const seconds = (performance.now() - t0) / 1000;
        bound.lockstep.push(await boundClaims(nats));
        lockstep.push(bound.lockstep.at(-1)! / seconds);
      }
    }
  } finally {
    for (const c of children) c.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
    await server.stop();
  }
  if (bound.lockstep.join() !== bound.embedded.join()) throw new Error(`lockstep bound ${bound.lockstep.join(' ')} claims, embedded ${bound.embedded.join(' ')}`);
  const ratio = median(lockstep) / median(embedded);
  console.log(`settled binds per second, ${PAIRS} static PV/PVC pairs, ${ROUNDS} rounds, medians (load average ${load} at the start)`);
  console.log(table(['case', 'claims bound (per round)', 'binds/s', 'ratio'], [
    ['embedded: apply (settles in-process)', bound.embedded.join(' '), median(embedded).toFixed(1), '1.00'],
    ['lockstep: apply --nats --lockstep, every delivery granted to a process', bound.lockstep.join(' '), median(lockstep).toFixed(1), ratio.toFixed(2)],
  ]));
  emit('natsLockstep', { pairs: PAIRS, embedded, lockstep, bound, ratio, load: Number(load) });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
