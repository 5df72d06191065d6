/**
 * Runs one pvsim command in-process in its own Node process, for a benchmark that wants the
 * command's own time and peak memory: prints one JSON line — exit code, milliseconds inside
 * runCli (start-up and module loading excluded) and the CPU time it used, the process's peak
 * RSS, the output's tail.
 * `node --import tsx bench/cliChild.ts CWD ARGS…`
 */
import { performance } from 'node:perf_hooks';
import { runCli } from '../services/cli/src/cli.ts';

async function main(): Promise<void> {
  const [cwd, ...args] = process.argv.slice(2);
  let stdout = '';
  let stderr = '';
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const code = await runCli(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, readStdin: () => '', env: {}, cwd: cwd!, isTTY: false });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // CPU time too: on a shared machine the wall time says as much about the neighbours as about
  // pvsim. `cpuMs`: user + system time of the process (every thread: GC, the compiler) while the
  // command ran; `processCpuMs`: the same over the process's whole life, start-up and module loading included.
  const usage = process.resourceUsage();
  console.log(JSON.stringify({
    code, ms, cpuMs: (cpu.user + cpu.system) / 1000, processCpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, rssMiB: Math.round(usage.maxRSS / 1024),
    stdout: stdout.slice(-2000), stderr: stderr.slice(-2000),
  }));
}
void main();
