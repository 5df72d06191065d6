/**
 * Design: the machine is shared and noisy, so no single timing is reported on its own. Each case
 * runs a few times, interleaved with its baseline (A B A B …, so a burst of load from a neighbour
 * hurts both sides alike), and the report is the median, the spread (min–max) and the ratio of
 * medians against the baseline measured in the same process a moment before or after.
 */
import { performance } from 'node:perf_hooks';

/** CPU time this process has used (user + system, every thread), in ms: on a shared machine the wall clock says as much about the neighbours. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A bench's words on its command line that are not flags (`pv 600`). */
export const positionalArgs = (): string[] => process.argv.slice(2).filter((a) => !a.startsWith('--'));

/** The value of `--NAME=VALUE` on a bench's command line, if given. */
export const optionArg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summary(s: readonly number[]): { median: number; min: number; max: number } {
  return { median: median(s), min: Math.min(...s), max: Math.max(...s) };
}

/** Wall time of `fn` in milliseconds, with a GC first (when exposed) so garbage from setup is not billed. */
export function time(fn: () => void): number {
  gc();
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Formats a duration with a sensible unit. */
export function fmtMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

export function fmtUs(us: number): string {
  if (us >= 1000) return `${(us / 1000).toFixed(2)} ms`;
  if (us >= 10) return `${us.toFixed(1)} µs`;
  return `${us.toFixed(2)} µs`;
}

export function fmtN(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

/** Median with its spread, e.g. "412 ms (398–450)". */
export function fmtSpread(s: readonly number[]): string {
  const { median: m, min, max } = summary(s);
  return s.length === 1 ? fmtMs(m) : `${fmtMs(m)} (${fmtMs(min)}–${fmtMs(max)})`;
}

/** A plain-text table: right-aligned numbers, a rule under the header. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const t = streamedTable(header, rows.map((r) => r.map((c) => c.length)));
  return [t.head, ...rows.map(t.row)].join('\n');
}

/**
 * A table printed a row at a time (each row as soon as it is measured, so a run stopped half-way
 * still reports): the columns are as wide as the header or the widest cell `widthsOf` expects.
 */
export function streamedTable(header: readonly string[], widthsOf: readonly (readonly number[])[]): { head: string; row: (cells: readonly string[]) => string } {
  const widths = header.map((h, i) => Math.max(h.length, ...widthsOf.map((r) => r[i] ?? 0)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return { head: [line(header), widths.map((w) => '-'.repeat(w)).join('  ')].join('\n'), row: line };
}

/** Machine-readable results, one line, for scripts/bench.mjs to collect. */
export function emit(name: string, data: unknown): void {
  process.stdout.write(`BENCH_JSON ${JSON.stringify({ name, data })}\n`);
}
