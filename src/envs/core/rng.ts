/**
 * A small seedable PRNG of our own: xoshiro128** (Blackman & Vigna), state 4×uint32.
 *
 * Pure 32-bit integer arithmetic (Math.imul, >>>), so the same seed gives the same stream on every
 * machine and every JS engine. Seeds are integers in [0, 2^53); they are expanded into the state with
 * splitmix32 so that nearby seeds (0, 1, 2…) give unrelated streams, and distinct seeds give distinct states.
 */
export class Rng {
  // The four state words are kept as int32 (what `^`, `<<` and Math.imul produce); getState exports them as uint32.
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** The seed this generator was made from, or -1 if its state was set directly (Gymnasium's convention). */
  seed = -1;
  // Box–Muller makes normals in pairs; the spare is kept for the next call.
  private spareNormal = 0;
  private hasSpare = false;

  constructor(seed?: number) {
    this.reseed(seed ?? entropySeed());
  }

  /** Recreate the state from `seed` (an integer in [0, 2^53)). */
  reseed(seed: number): void {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`seed must be an integer in [0, 2^53), got ${String(seed)}`);
    }
    // The low 32 bits drive the splitmix32 stream; the high bits (seeds ≥ 2^32) are mixed into every word
    // afterwards, so every seed in [0, 2^53) gets its own state and seeds below 2^32 are unaffected.
    const high = Math.floor(seed / 0x100000000);
    let x = seed >>> 0;
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next() | 0;
    this.s1 = next() | 0;
    this.s2 = next() | 0;
    this.s3 = next() | 0;
    if (high !== 0) {
      x = high;
      this.s0 ^= next();
      this.s1 ^= next();
      this.s2 ^= next();
      this.s3 ^= next();
    }
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.seed = seed;
    this.hasSpare = false;
  }

  /** Next uint32. */
  nextUint32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = rotl(n3, 11);
    return r;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Unbiased integer in [0, n) for 1 ≤ n ≤ 2^32 (rejection sampling). */
  integer(n: number): number {
    if (n <= 1) return 0;
    if (n > 0x100000000) return Math.floor(this.random() * n);
    const limit = 0x100000000 - (0x100000000 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Standard normal N(0, 1) (Box–Muller). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareNormal;
    }
    let u = this.random();
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    this.hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with rate 1. */
  exponential(): number {
    return -Math.log(1 - this.random());
  }

  /** A fresh seed in [0, 2^32) drawn from this stream (for seeding sub-generators). */
  childSeed(): number {
    return this.nextUint32();
  }

  /** The full state, for checkpoints and determinism checks. */
  getState(): RngState {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], seed: this.seed, spare: this.hasSpare ? this.spareNormal : null };
  }

  setState(state: RngState): void {
    const s = state.s;
    if (!Array.isArray(s) || s.length !== 4 || !s.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
      throw new TypeError(`RNG state must hold four uint32 words in "s", got ${JSON.stringify(s)}`);
    }
    if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) throw new TypeError('RNG state must not be all zero');
    this.s0 = s[0]! | 0;
    this.s1 = s[1]! | 0;
    this.s2 = s[2]! | 0;
    this.s3 = s[3]! | 0;
    this.seed = state.seed ?? -1;
    this.hasSpare = typeof state.spare === 'number';
    this.spareNormal = state.spare ?? 0;
  }

  /** True when both generators will produce the same stream. */
  sameStateAs(other: Rng): boolean {
    return (
      this.s0 === other.s0 && this.s1 === other.s1 && this.s2 === other.s2 && this.s3 === other.s3 &&
      this.hasSpare === other.hasSpare && (!this.hasSpare || this.spareNormal === other.spareNormal)
    );
  }
}

/** Serialisable state of an {@link Rng}. */
export interface RngState {
  s: number[];
  seed: number;
  spare: number | null;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A seed from OS entropy, for `reset()` with no seed and no generator yet (as Gymnasium does). */
export function entropySeed(): number {
  const buf = new Uint32Array(2);
  globalThis.crypto.getRandomValues(buf);
  return (buf[0]! & 0x1fffff) * 0x100000000 + buf[1]!;
}
