#!/usr/bin/env node
/**
 * Design: the composition root of the pvsim binary: binds the CLI to this process (argv, stdio,
 * environment). Nothing below reads the wall clock or ambient randomness.
 */
import { readFileSync } from 'node:fs';
import { runCli } from './cli.ts';
import { processWall } from './wall.ts';

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => { process.stdout.write(s); },
  stderr: (s) => { process.stderr.write(s); },
  readStdin: () => readFileSync(0, 'utf8'),
  env: process.env,
  cwd: process.cwd(),
  isTTY: !!process.stderr.isTTY,
  stdinIsTTY: !!process.stdin.isTTY,
  wall: processWall,
});
process.exitCode = code;
