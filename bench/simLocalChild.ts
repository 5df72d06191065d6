/**
 * One local `pvsim sim` loop in a Node process of its own, for natsSim's ceiling: what this
 * machine gives k CPU-bound processes at once, the same code and seeds as a worker runs. Warms up
 * with a whole job, prints `warm`, waits for a line on stdin, runs the timed job and prints its
 * seconds. `node --import tsx bench/simLocalChild.ts SCENARIO SEEDS OUTDIR`
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { runCli } from '../services/cli/src/cli.ts';

const [scenario, seeds, out] = process.argv.slice(2) as [string, string, string];
const sim = async (dir: string): Promise<void> => {
  const code = await runCli(['sim', scenario, '--runs', seeds, '--out', dir], { stdout: () => {}, stderr: () => {}, readStdin: () => '', env: {}, cwd: process.cwd(), isTTY: false });
  if (code !== 0) throw new Error(`sim exited ${code}`);
};
async function main(): Promise<void> {
  await sim(`${out}/warm`);
  console.log('warm');
  const lines = createInterface({ input: process.stdin });
  for await (const _ of lines) break;
  const t0 = performance.now();
  await sim(`${out}/timed`);
  console.log(`seconds ${(performance.now() - t0) / 1000}`);
}
main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
