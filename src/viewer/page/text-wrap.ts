/**
 * Line breaking for the scene's HUD and caption, done by the page instead of PixiJS: their font is
 * monospace, so a line's width is its length in characters, and wrapping needs no text measuring. PixiJS's
 * own `wordWrap` measures every word at every draw (the HUD changes each frame: Bowling's `step`), which
 * was a third of the page's script time per drawn frame.
 */

/**
 * `text` broken into lines of at most `maxChars` characters: at its newlines, then at spaces (a run of
 * spaces where a line breaks is dropped); a word longer than a line is cut. No-break spaces do not break.
 */
export function wrapMonospace(text: string, maxChars: number): string[] {
  const width = Math.max(1, Math.floor(maxChars));
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    // Words with the spaces before them, so the separators inside a line are kept as written.
    for (const [, gap, word] of paragraph.matchAll(/( *)([^ ]+| +$)/g)) {
      let w = word!;
      if (line && line.length + gap!.length + w.length <= width) {
        line += gap + w;
        continue;
      }
      if (line) lines.push(line);
      line = line ? '' : gap!.slice(0, width);
      while (line.length + w.length > width) {
        const cut = width - line.length;
        lines.push(line + w.slice(0, cut));
        line = '';
        w = w.slice(cut);
      }
      line += w;
    }
    lines.push(line.trimEnd());
  }
  return lines;
}
