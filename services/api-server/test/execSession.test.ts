import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StdinExec, splitCommandLine, type ExecOutcome } from '../src/index.ts';

test('command lines split as a shell splits words (table)', () => {
  const rows: [string, string[]][] = [
    ['ls /data', ['ls', '/data']],
    ['  write /data/x   two  words ', ['write', '/data/x', 'two', 'words']],
    ['write /data/x "two  words"', ['write', '/data/x', 'two  words']],
    ["write /data/x 'a \"b\"'", ['write', '/data/x', 'a "b"']],
    ['write /data/a\\ b x', ['write', '/data/a b', 'x']],
    ['cat /data/x # a comment', ['cat', '/data/x']],
    ['echo a#b', ['echo', 'a#b']],
    ['""', ['']],
    ['', []],
  ];
  for (const [line, words] of rows) assert.equal(splitCommandLine(line), words, line);
});

test('a shell runs each line as it arrives; exit ends it; a prompt only with a terminal', () => {
  const ran: string[][] = [];
  const exec = (argv: string[]): ExecOutcome => { ran.push(argv); return { stdout: `${argv.join(' ')}\n`, stderr: '', exitCode: argv[0] === 'false' ? 1 : 0 }; };
  let out = '';
  const s = new StdinExec(['sh'], exec, (_s, t) => { out += t; }, { prompt: true });
  s.feed('ls /da');
  assert.equal(ran, []);
  s.feed('ta\nfalse\n');
  assert.equal(ran, [['ls', '/data'], ['false']]);
  s.feed('exit 4\nls\n');
  assert.ok(s.done);
  assert.is(s.end(), 4);
  assert.equal(ran.length, 2, 'nothing after exit');
  assert.is(out, '# ls /data\n# false\n# ');
  const write = new StdinExec(['write', '/data/m'], exec, () => {}, { prompt: false });
  write.feed('hello\n');
  assert.is(write.end(), 0);
  assert.equal(ran[2], ['write', '/data/m', 'hello']);
});

test.run();
