/**
 * Design: a port of Go's text/tabwriter (elastic tabstops), because kubectl's tables and
 * `describe` output are laid out by it and "looks like kubectl" means "same spaces". A cell is text
 * terminated by a tab; the text after the last tab of a line is not a cell and is never padded.
 * A column's width is decided per block of consecutive lines that have a cell in that column, so a
 * line without tabs ("Source:") starts new blocks for every column. Only the options kubectl uses
 * are supported: left alignment, a padding character, no flags.
 *   kubectl get:      minwidth 6, padding 3 (cli-runtime printers.GetNewTabWriter)
 *   kubectl describe: minwidth 0, padding 2 (describe.tabbedString)
 */

export interface TabWriterOptions {
  minwidth: number;
  padding: number;
  padchar?: string;
}

interface Cell {
  text: string;
  width: number;
}

export class TabWriter {
  private out = '';
  private pending = '';

  constructor(private readonly options: TabWriterOptions) {}

  write(text: string): this {
    this.pending += text;
    return this;
  }

  /** Lays out everything written since the last flush; column widths do not carry over. */
  flush(): this {
    this.out += formatTabbed(this.pending, this.options);
    this.pending = '';
    return this;
  }

  toString(): string {
    this.flush();
    return this.out;
  }
}

/** Formats a whole text at once (one Flush at the end). */
export function formatTabbed(text: string, options: TabWriterOptions): string {
  if (text === '') return '';
  const lines: Cell[][] = text.split('\n').map((line) =>
    line.split('\t').map((t) => ({ text: t, width: [...t].length })));
  // A text ending in "\n" leaves an empty last line, which Go keeps as a line with no cells.
  const last = lines[lines.length - 1]!;
  if (last.length === 1 && last[0]!.text === '') lines[lines.length - 1] = [];
  const pad = options.padchar ?? ' ';
  const widths: number[] = [];
  let out = '';

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i]!;
      line.forEach((c, j) => {
        out += c.text;
        if (j < widths.length) out += pad.repeat(Math.max(0, widths[j]! - c.width));
      });
      if (i + 1 < lines.length) out += '\n';
    }
  };

  const format = (line0: number, line1: number): number => {
    const column = widths.length;
    let start = line0;
    for (let current = line0; current < line1; current++) {
      if (column >= lines[current]!.length - 1) continue;
      // a column block begins here
      writeLines(start, current);
      start = current;
      let width = options.minwidth;
      for (; current < line1; current++) {
        const line = lines[current]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column]!.width + options.padding);
      }
      widths.push(width);
      format(start, current);
      widths.pop();
      start = current;
      current--; // the outer loop's increment must not skip the line that ended the block
    }
    writeLines(start, line1);
    return line1;
  };

  format(0, lines.length);
  return out;
}
