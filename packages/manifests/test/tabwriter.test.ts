import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TabWriter, formatTabbed } from '../src/index.ts';

// Expected outputs follow Go's text/tabwriter semantics (see its package documentation examples).
const rows: Array<{ name: string; input: string; minwidth: number; padding: number; expected: string }> = [
  { name: 'columns are as wide as their widest cell plus padding', input: 'a\tb\tc\nccc\td\te\n', minwidth: 0, padding: 1, expected: 'a   b c\nccc d e\n' },
  { name: 'the text after the last tab is not padded', input: 'x\tlong text\ny\tz\n', minwidth: 0, padding: 2, expected: 'x  long text\ny  z\n' },
  { name: 'minimum width', input: 'a\tb\n', minwidth: 6, padding: 3, expected: 'a     b\n' },
  { name: 'a line without tabs ends the column block', input: 'a\tb\nheading\nlonger\tc\n', minwidth: 0, padding: 1, expected: 'a b\nheading\nlonger c\n' },
  { name: 'blocks are per column: a shorter line ends only the inner column', input: 'a\tb\tc\naaaa\td\nx\ty\tz\n', minwidth: 0, padding: 1, expected: 'a    b c\naaaa d\nx    y z\n' },
  { name: 'empty cells are padded too', input: 'a\t\tc\nbb\tx\ty\n', minwidth: 0, padding: 1, expected: 'a    c\nbb x y\n' },
  { name: 'a trailing empty cell leaves trailing spaces', input: 'Message:\t\nName:\tnas\n', minwidth: 0, padding: 2, expected: 'Message:  \nName:     nas\n' },
  { name: 'widths count characters, not bytes', input: 'é\tb\nab\tc\n', minwidth: 0, padding: 1, expected: 'é  b\nab c\n' },
  { name: 'no trailing newline', input: 'a\tb', minwidth: 0, padding: 1, expected: 'a b' },
  { name: 'empty input', input: '', minwidth: 0, padding: 1, expected: '' },
];
for (const row of rows) {
  test(`formatTabbed: ${row.name}`, () => {
    assert.is(formatTabbed(row.input, { minwidth: row.minwidth, padding: row.padding }), row.expected);
  });
}

test('TabWriter: a flush starts new column widths, as kubectl describe does before Events', () => {
  const w = new TabWriter({ minwidth: 0, padding: 2 });
  w.write('Name:\tnas\nSome long label:\tx\n').flush().write('A\tB\n');
  assert.is(w.toString(), `Name:${' '.repeat(13)}nas\nSome long label:  x\nA  B\n`);
});

test.run();
