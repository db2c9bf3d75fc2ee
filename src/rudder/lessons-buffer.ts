import type { Rng } from '../envs/core/rng.ts';

/** One stored episode: its encoded LSTM inputs [length, inputDim], return, and last training loss. */
export interface Lesson {
  inputs: Float32Array;
  length: number;
  ret: number;
  loss: number;
}

/**
 * RUDDER's lessons buffer (rudder.md §1.6), in the two forms the references use:
 * - `fifo` (the watch-repair demo): a ring of `capacity` episodes (2048), sampled uniformly;
 * - `prioritized` (the Atari code): `capacity` episodes (64); when full, a new episode replaces the
 *   lowest-loss one if its loss is higher; sampled with probability softmax(loss / temperature).
 */
export class LessonsBuffer {
  private readonly items: Lesson[] = [];
  private next = 0; // fifo: the slot to overwrite
  private readonly returns = new Map<number, number>(); // return → how many stored episodes have it

  constructor(readonly kind: 'fifo' | 'prioritized', readonly capacity: number, readonly temperature = 1) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`LessonsBuffer: capacity must be a positive integer, got ${capacity}`);
    if (!(temperature > 0)) throw new RangeError(`LessonsBuffer: temperature must be > 0, got ${temperature}`);
  }

  get size(): number {
    return this.items.length;
  }

  /** How many different returns the buffer holds (the demo waits for ≥ 2: one return teaches only the bias). */
  get distinctReturns(): number {
    return this.returns.size;
  }

  /** Offer an episode; returns whether it was stored. */
  add(lesson: Lesson): boolean {
    if (this.items.length < this.capacity) {
      this.items.push(lesson);
      this.count(lesson.ret, 1);
      return true;
    }
    let at: number;
    if (this.kind === 'fifo') {
      at = this.next;
      this.next = (this.next + 1) % this.capacity;
    } else {
      at = 0;
      for (let i = 1; i < this.items.length; i++) if (this.items[i]!.loss < this.items[at]!.loss) at = i;
      if (!(lesson.loss > this.items[at]!.loss)) return false;
    }
    this.count(this.items[at]!.ret, -1);
    this.items[at] = lesson;
    this.count(lesson.ret, 1);
    return true;
  }

  /** Draw `n` episodes (with replacement). */
  sample(n: number, rng: Rng): Lesson[] {
    if (this.items.length === 0) throw new Error('LessonsBuffer.sample: the buffer is empty');
    const out: Lesson[] = [];
    if (this.kind === 'fifo') {
      for (let k = 0; k < n; k++) out.push(this.items[rng.integer(this.items.length)]!);
      return out;
    }
    const w = this.weights();
    for (let k = 0; k < n; k++) {
      let u = rng.random(), i = 0;
      while (i < w.length - 1 && u >= w[i]!) u -= w[i++]!;
      out.push(this.items[i]!);
    }
    return out;
  }

  /** The sampling probabilities, in storage order. */
  weights(): Float64Array {
    const n = this.items.length, w = new Float64Array(n);
    if (this.kind === 'fifo') return w.fill(1 / n);
    let max = -Infinity;
    for (const it of this.items) max = Math.max(max, it.loss / this.temperature);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += w[i] = Math.exp(this.items[i]!.loss / this.temperature - max);
    for (let i = 0; i < n; i++) w[i]! /= sum;
    return w;
  }

  /** fifo: the slot the next episode overwrites once full (a checkpoint saves it). */
  get nextSlot(): number {
    return this.next;
  }

  /** Replace the contents with `lessons` (storage order) and the fifo slot `next`: a checkpoint's restore. */
  restore(lessons: readonly Lesson[], next: number): void {
    if (lessons.length > this.capacity) throw new RangeError(`LessonsBuffer.restore: ${lessons.length} episodes do not fit a capacity of ${this.capacity}`);
    if (!(Number.isInteger(next) && next >= 0 && next < this.capacity)) throw new RangeError(`LessonsBuffer.restore: slot ${next} is outside 0..${this.capacity - 1}`);
    this.items.length = 0;
    this.returns.clear();
    for (const l of lessons) {
      this.items.push(l);
      this.count(l.ret, 1);
    }
    this.next = next;
  }

  /** The stored episodes, in storage order (read-only view). */
  all(): readonly Lesson[] {
    return this.items;
  }

  private count(ret: number, d: number): void {
    const n = (this.returns.get(ret) ?? 0) + d;
    if (n > 0) this.returns.set(ret, n);
    else this.returns.delete(ret);
  }
}
