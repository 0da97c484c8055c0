/** Help text that fits an 80-column terminal. */
export const WIDTH = 80;

export interface HelpEntry {
  words: string[];
  usage: string;
  summary: string;
}

/** Greedy word wrap; continuation lines get `indent` spaces. */
export function wrap(text: string, indent: number, first = 0, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  let room = width - first;
  for (const word of text.split(/\s+/).filter(Boolean).flatMap((w) => splitLong(w, width - indent))) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = width - indent;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l));
}

/** The command list: words, then the summary wrapped in a column. */
export function commandList(entries: HelpEntry[], title = 'Usage: aegis <command> [options]'): string {
  const name = Math.max(...entries.map((e) => e.words.join(' ').length)) + 2;
  const rows = entries.flatMap((e) => {
    const label = `  ${e.words.join(' ')}`.padEnd(name + 2);
    const [first = '', ...rest] = wrap(e.summary, name + 2, name + 2);
    return [label + first, ...rest];
  });
  return [title, '', 'Commands:', ...rows, '', 'Run "aegis <command> --help" for its options.'].join('\n');
}

export function commandHelp(e: HelpEntry): string {
  const [head = '', ...more] = wrap(e.usage.replace(/^aegis /, ''), 9, 13);
  return [`Usage: aegis ${head}`, ...more, '', ...wrap(e.summary, 0)].join('\n');
}

/** A token longer than a line (`<a|b|c|…>`) breaks after its `|` separators. */
function splitLong(word: string, max: number): string[] {
  if (word.length <= max) return [word];
  const parts: string[] = [];
  let cur = '';
  for (const piece of word.split(/(?<=\|)/)) {
    if (cur && cur.length + piece.length > max) {
      parts.push(cur);
      cur = piece;
    } else cur += piece;
  }
  if (cur) parts.push(cur);
  return parts;
}
