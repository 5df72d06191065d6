/**
 * Design: `exec -i` (stdin) for pvsim's exec commands, shared by `pvsim exec -i` and the API
 * server's pods/exec with stdin=true, so both behave the same. pvsim's container commands read
 * no stdin themselves, so stdin means one of two things, as a user would expect:
 * - a shell (`sh`, `bash`, `/bin/sh`, `/bin/bash`): each line of stdin is one command line,
 *   split as a shell splits words (quotes, backslashes), run as its own exec; `exit [N]` ends;
 *   a prompt (`# `) before each when there is a terminal (-t);
 * - `write PATH` with no text: the file's content is stdin.
 * Each command is one exec (one recorded input); the last exit code is the session's.
 */
export interface ExecOutcome { stdout: string; stderr: string; exitCode: number }

const SHELLS = new Set(['sh', 'bash', '/bin/sh', '/bin/bash', 'ash', '/bin/ash']);

export function isShell(argv: readonly string[]): boolean {
  return argv.length === 1 && SHELLS.has(argv[0]!);
}

/** POSIX shell word splitting of one line (no expansions): quotes and backslashes; `#` starts a comment. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") { if (ch === "'") quote = undefined; else word += ch; continue; }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') { quote = ch; inWord = true; continue; }
    if (ch === '\\' && i + 1 < line.length) { word += line[++i]; inWord = true; continue; }
    if (/\s/.test(ch)) { if (inWord) { words.push(word); word = ''; inWord = false; } continue; }
    if (ch === '#' && !inWord) break;
    word += ch;
    inWord = true;
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * An exec with stdin, fed as stdin arrives (all at once from the CLI, frame by frame over a
 * WebSocket): a shell runs each complete line at once; other commands run at the end of stdin.
 * `out` receives output as it comes.
 */
export class StdinExec {
  private buffer = '';
  private ended = false;
  private code = 0;

  constructor(private readonly argv: readonly string[], private readonly exec: (argv: string[]) => ExecOutcome,
    private readonly out: (stream: 'stdout' | 'stderr', text: string) => void, private readonly o: { prompt: boolean }) {
    if (isShell(argv) && o.prompt) out('stdout', '# ');
  }

  /** Whether the session is over (`exit`); then the rest of stdin is ignored. */
  get done(): boolean { return this.ended; }

  feed(text: string): void {
    if (this.ended) return;
    this.buffer += text;
    if (!isShell(this.argv)) return;
    for (let at = this.buffer.indexOf('\n'); at >= 0 && !this.ended; at = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 1);
      this.line(line);
      if (!this.ended && this.o.prompt) this.out('stdout', '# ');
    }
  }

  /** End of stdin: runs what is left; returns the exit code of the session. */
  end(): number {
    if (this.ended) return this.code;
    if (isShell(this.argv)) {
      if (this.buffer !== '') this.line(this.buffer);
      if (!this.ended && this.o.prompt) this.out('stdout', 'exit\n');
      this.ended = true;
      return this.code;
    }
    this.ended = true;
    const argv = this.argv[0] === 'write' && this.argv.length === 2
      ? ['write', this.argv[1]!, ...(this.buffer === '' ? [] : [this.buffer.replace(/\n$/, '')])]
      : [...this.argv];
    this.code = this.run(argv);
    return this.code;
  }

  private line(line: string): void {
    const words = splitCommandLine(line);
    if (words.length === 0) return;
    if (words[0] === 'exit') {
      this.ended = true;
      if (words[1] !== undefined && /^\d+$/.test(words[1])) this.code = Number(words[1]);
      return;
    }
    this.code = this.run(words);
  }

  private run(argv: string[]): number {
    const r = this.exec(argv);
    if (r.stdout) this.out('stdout', r.stdout);
    if (r.stderr) this.out('stderr', r.stderr);
    return r.exitCode;
  }
}
