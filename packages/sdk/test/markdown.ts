/** Fenced code blocks of a Markdown document, for the tests that run a README's examples. */
export interface CodeBlock {
  /** The fence's info string after the language (e.g. `no-run`). */
  info: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The blocks fenced with ```<language>, in order. */
export function markdownBlocks(markdown: string, language: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S+)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`the code block at line ${start + 1} is not closed`);
    if (open[1] === language) blocks.push({ info: open[2]!.trim(), code: body.join('\n'), line: start + 1 });
  }
  return blocks;
}
