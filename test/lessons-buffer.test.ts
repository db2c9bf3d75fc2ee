import { describe, expect, it } from 'vitest';
import { Rng } from '../src/envs/core/rng.ts';
import { LessonsBuffer, type Lesson } from '../src/rudder/lessons-buffer.ts';

const lesson = (ret: number, loss: number): Lesson => ({ inputs: new Float32Array(1), length: 1, ret, loss });

describe('LessonsBuffer', () => {
  it('fifo: a ring that overwrites the oldest, sampled uniformly', () => {
    const b = new LessonsBuffer('fifo', 3);
    for (let k = 0; k < 5; k++) expect(b.add(lesson(k, 0))).toBe(true);
    expect(b.all().map((l) => l.ret)).toEqual([3, 4, 2]);
    expect(b.distinctReturns).toBe(3);
    const rng = new Rng(1), counts = new Map<number, number>();
    for (const l of b.sample(30_000, rng)) counts.set(l.ret, (counts.get(l.ret) ?? 0) + 1);
    for (const r of [2, 3, 4]) expect(counts.get(r)! / 30_000).toBeCloseTo(1 / 3, 1);
  });

  it('prioritized: when full, a higher-loss episode replaces the lowest-loss one; a lower-loss one is refused', () => {
    const b = new LessonsBuffer('prioritized', 3);
    b.add(lesson(1, 0.5));
    b.add(lesson(2, 0.1));
    b.add(lesson(1, 0.9));
    expect(b.distinctReturns).toBe(2);
    expect(b.add(lesson(3, 0.05))).toBe(false);
    expect(b.add(lesson(3, 0.3))).toBe(true);
    expect(b.all().map((l) => l.loss)).toEqual([0.5, 0.3, 0.9]);
    expect(b.distinctReturns).toBe(2); // return 2 left with its episode
  });

  it('prioritized: sampled with probability softmax(loss / temperature)', () => {
    const b = new LessonsBuffer('prioritized', 4, 0.5);
    const losses = [0.1, 0.5, 1.0, 2.0];
    losses.forEach((l, i) => b.add(lesson(i, l)));
    const e = losses.map((l) => Math.exp(l / 0.5)), z = e.reduce((a, c) => a + c, 0);
    const w = b.weights();
    losses.forEach((_, i) => expect(w[i]).toBeCloseTo(e[i]! / z, 10));
    const rng = new Rng(2), counts = [0, 0, 0, 0], n = 40_000;
    for (const l of b.sample(n, rng)) counts[l.ret]!++;
    counts.forEach((c, i) => expect(Math.abs(c / n - w[i]!)).toBeLessThan(0.01));
  });

  it('bad settings and an empty buffer are clear errors', () => {
    expect(() => new LessonsBuffer('fifo', 0)).toThrow(/capacity must be a positive integer, got 0/);
    expect(() => new LessonsBuffer('prioritized', 4, 0)).toThrow(/temperature must be > 0/);
    expect(() => new LessonsBuffer('fifo', 2).sample(1, new Rng(1))).toThrow(/empty/);
  });
});
