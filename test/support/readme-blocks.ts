/**
 * The TypeScript examples of a README: each ```ts fence, with what the test does with it from its info
 * string: `ts` runs (and typechecks), `ts check` only typechecks (a long training run), `ts sketch` is an
 * outline with elided parts (neither).
 */
export interface ReadmeBlock {
  kind: 'run' | 'check' | 'sketch';
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const out: ReadmeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^```ts(?:\s+(\w+))?\s*$/.exec(lines[i]!);
    if (!m) continue;
    const tag = m[1] ?? 'run';
    if (tag !== 'run' && tag !== 'check' && tag !== 'sketch') throw new Error(`README line ${i + 1}: unknown example tag "${tag}" (run, check or sketch)`);
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1] !== '```') i++;
    out.push({ kind: tag, code: `${lines.slice(start, i + 1).join('\n')}\n`, line: start });
    i++;
  }
  return out;
}
