import { describe, expect, it } from 'vitest';
import { wrapMonospace } from '../src/viewer/page/text-wrap.ts';

describe('wrapMonospace (the page breaks HUD and caption lines itself)', () => {
  it('breaks at spaces, keeps the separators inside a line, and never exceeds the width', () => {
    const hud = 'frame:\u00a01   ball:\u00a01   score:\u00a00   pinsStanding:\u00a010   phase:\u00a0aim';
    const lines = wrapMonospace(hud, 30);
    expect(lines).toEqual(['frame:\u00a01   ball:\u00a01   score:\u00a00', 'pinsStanding:\u00a010   phase:\u00a0aim']);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(30);
  });

  it('does not break at a no-break space, and cuts a word longer than a line', () => {
    expect(wrapMonospace('pinsStanding:\u00a010', 8)).toEqual(['pinsStan', 'ding:\u00a010']);
    expect(wrapMonospace('abcdefghijklmnopqrstuvwxyz xx', 10)).toEqual(['abcdefghij', 'klmnopqrst', 'uvwxyz xx']);
  });

  it('keeps newlines and empty text, and drops the spaces where a line breaks', () => {
    expect(wrapMonospace('', 10)).toEqual(['']);
    expect(wrapMonospace('a\nb c', 3)).toEqual(['a', 'b c']);
    expect(wrapMonospace('aa      bb', 4)).toEqual(['aa', 'bb']);
  });

  it('keeps every character but spaces, in order, at any width', () => {
    const text = 'score: 12   events: strike, spare, gutter — Bowling-v0 frame 10 of 10';
    for (const width of [5, 9, 17, 40, 200]) {
      const lines = wrapMonospace(text, width);
      expect(lines.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''));
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(width);
    }
  });
});
