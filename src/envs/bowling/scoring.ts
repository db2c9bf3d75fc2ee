/**
 * Ten-pin bowling scores, by the standard rules (USBC rule 3):
 *
 * - A game has 10 frames. In frames 1–9 the bowler rolls until all 10 pins are down or two balls are
 *   rolled; the pins a frame knocks down never exceed 10.
 * - A **strike** (all 10 pins with the frame's first ball) scores 10 plus the pins of the next two balls.
 *   A **spare** (all 10 with two balls) scores 10 plus the pins of the next ball. Otherwise a frame
 *   scores its pins.
 * - The 10th frame has up to three balls: a strike or a spare there earns the bonus balls in the same
 *   frame (two after a strike, one after a spare), rolled on a fresh rack whenever the previous ball
 *   cleared the deck. The 10th frame scores just its pins (its bonus balls carry no bonus of their own).
 *
 * So a perfect game (12 strikes) is 300, a gutter game 0, "9 then spare" in every frame with a 9 bonus
 * ball 190.
 *
 * Two implementations that tests check against each other: {@link scoreGame}, the textbook frame-by-frame
 * count over a roll list, and {@link BowlingScorer}, the incremental one the env uses, which credits
 * every ball when it is rolled (pins × its multiplier: 1 + the open strike/spare bonuses that reach it).
 * The latter is the per-roll "score delta" reward, as the Atari score display (and ALE's reward) counts.
 */

export const FRAMES = 10;
export const PINS = 10;
/** The most balls a game can take: 9 frames × 2 + 3 in the 10th. */
export const MAX_ROLLS = 21;

/** The textbook score of a roll list. */
export interface GameScore {
  /** Cumulative score after each frame (as a score sheet shows it); null once a frame's bonus balls are not yet rolled. */
  frames: (number | null)[];
  /** The score credited so far: the last non-null cumulative frame score (0 before any). */
  total: number;
  /** True when the rolls make a whole game (the 10th frame, bonus balls included, is done). */
  complete: boolean;
}

/**
 * Scores a (possibly unfinished) game from the pins of each ball in order. Throws a RangeError naming the
 * ball when a roll is not an integer in 0..10, when a frame would knock down more pins than stand, or when
 * balls follow the end of the game.
 */
export function scoreGame(rolls: readonly number[]): GameScore {
  // First validate and cut the rolls into frames.
  const frameStart: number[] = [];
  let i = 0;
  for (let f = 0; f < FRAMES && i < rolls.length; f++) {
    frameStart.push(i);
    const a = pinsAt(rolls, i);
    if (f < FRAMES - 1) {
      if (a === PINS) {
        i += 1;
        continue;
      }
      if (i + 1 < rolls.length) {
        const b = pinsAt(rolls, i + 1);
        if (a + b > PINS) throw new RangeError(`scoreGame: frame ${f + 1} knocks down ${a} + ${b} = ${a + b} pins (balls ${i + 1} and ${i + 2}); at most 10 stand`);
      }
      i += 2;
    } else {
      // The 10th frame: ball 2 rolls at a fresh rack after a strike, ball 3 after a strike or spare.
      const n = Math.min(3, rolls.length - i);
      const b = n > 1 ? pinsAt(rolls, i + 1) : 0;
      if (n > 1 && a < PINS && a + b > PINS) throw new RangeError(`scoreGame: frame 10 knocks down ${a} + ${b} = ${a + b} pins (balls ${i + 1} and ${i + 2}); at most 10 stand`);
      const third = a === PINS || a + b === PINS;
      if (n > 2) {
        if (!third) throw new RangeError(`scoreGame: ball ${i + 3} follows an open 10th frame (${a}, ${b}); the game is over after ${i + 2} balls`);
        const c = pinsAt(rolls, i + 2);
        // After X then a non-strike, ball 3 rolls at what ball 2 left.
        if (a === PINS && b < PINS && b + c > PINS) throw new RangeError(`scoreGame: frame 10 knocks down ${b} + ${c} = ${b + c} pins with its bonus balls (balls ${i + 2} and ${i + 3}); at most 10 stand`);
      }
      i += n;
      if (i < rolls.length) throw new RangeError(`scoreGame: ${rolls.length - i} ball(s) after the end of the game (a game here has ${i} balls)`);
    }
  }
  if (i < rolls.length) throw new RangeError(`scoreGame: ${rolls.length - i} ball(s) after the end of the game`);

  // Then score each frame whose bonus balls are known.
  const frames: (number | null)[] = [];
  let total = 0, known = true;
  for (let f = 0; f < frameStart.length; f++) {
    const s = frameStart[f]!;
    const a = rolls[s]!;
    let need: number; // balls counted by this frame, from its first
    if (f === FRAMES - 1) need = a === PINS || a + (rolls[s + 1] ?? 0) === PINS ? 3 : 2;
    else need = a === PINS ? 3 : a + (rolls[s + 1] ?? 0) === PINS && s + 1 < rolls.length ? 3 : 2;
    if (known && s + need <= rolls.length) {
      for (let k = 0; k < need; k++) total += rolls[s + k]!;
      frames.push(total);
    } else {
      known = false;
      frames.push(null);
    }
  }
  const complete = frameStart.length === FRAMES && frames[FRAMES - 1] !== null;
  return { frames, total, complete };
}

function pinsAt(rolls: readonly number[], i: number): number {
  const v = rolls[i];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > PINS) throw new RangeError(`scoreGame: ball ${i + 1} must knock down an integer 0..10 pins, got ${String(v)}`);
  return v;
}

/** Flags {@link BowlingScorer.roll} returns. */
export const ROLL = Object.freeze({
  /** All pins down with the first ball at a fresh rack. */
  STRIKE: 1,
  /** All pins down with the second ball at a rack. */
  SPARE: 2,
  /** The ball ended its frame. */
  FRAME_END: 4,
  /** The ball ended the game. */
  GAME_OVER: 8,
  /** The next ball rolls at a fresh rack of 10 (a new frame, or a 10th-frame bonus ball after a clear deck). */
  NEW_RACK: 16,
});

/**
 * The incremental score of one game, allocation-free: `roll(pins)` per ball. Between balls it says which
 * frame and ball come next, how many pins stand, and the bonuses still owed to earlier strikes and spares
 * (what an agent needs to see for the game to be Markov).
 */
export class BowlingScorer {
  /** The frame of the next ball, 0..9 (10 after the game). */
  frame = 0;
  /** The ball within the frame of the next ball, 0..2. */
  ball = 0;
  /** Pins standing for the next ball. */
  standing = PINS;
  /** The running score: every ball so far times its multiplier. Equals scoreGame's total once the game is over. */
  score = 0;
  /** Pins × multiplier of the last ball (the per-roll reward). */
  lastDelta = 0;
  /** Extra multiplier (0..2) the next ball earns for earlier strikes/spares. */
  bonusNext = 0;
  /** Extra multiplier (0..1) the ball after the next one earns. */
  bonusAfter = 0;
  /** Balls rolled so far; their pins are `rolls[0..count)`. */
  count = 0;
  readonly rolls = new Int8Array(MAX_ROLLS);
  /** Cumulative score per frame, as a score sheet shows it; −1 until the frame and its bonus balls are rolled. */
  readonly frameTotals = new Int16Array(FRAMES).fill(-1);
  /** 0 for the first ball at the current rack, 1 for the second. */
  private rackBall = 0;
  /** The pins of the current frame's first ball. */
  private firstPins = 0;

  get over(): boolean {
    return this.frame >= FRAMES;
  }

  reset(): void {
    this.frame = 0;
    this.ball = 0;
    this.standing = PINS;
    this.score = 0;
    this.lastDelta = 0;
    this.bonusNext = 0;
    this.bonusAfter = 0;
    this.count = 0;
    this.rackBall = 0;
    this.firstPins = 0;
    this.rolls.fill(0);
    this.frameTotals.fill(-1);
  }

  /** Records a ball that knocked down `pins` (0..standing); returns {@link ROLL} flags. */
  roll(pins: number): number {
    if (this.over) throw new RangeError('BowlingScorer: the game is over; reset() before rolling again');
    if (!Number.isInteger(pins) || pins < 0 || pins > this.standing) {
      throw new RangeError(`BowlingScorer: frame ${this.frame + 1} ball ${this.ball + 1} must knock down an integer 0..${this.standing} pins, got ${String(pins)}`);
    }
    this.rolls[this.count++] = pins;
    // Credit this ball with the bonuses earlier strikes and spares hold on it, then shift the queue.
    this.lastDelta = pins * (1 + this.bonusNext);
    this.score += this.lastDelta;
    this.bonusNext = this.bonusAfter;
    this.bonusAfter = 0;

    const tenth = this.frame === FRAMES - 1;
    const cleared = pins === this.standing;
    if (this.ball === 0) this.firstPins = pins;
    let flags = cleared ? (this.rackBall === 0 ? ROLL.STRIKE : ROLL.SPARE) : 0;
    let frameEnds: boolean;
    if (!tenth) {
      // Frames 1–9 open bonuses: a strike on the next two balls, a spare on the next one.
      if (flags & ROLL.STRIKE) {
        this.bonusNext += 1;
        this.bonusAfter += 1;
      } else if (flags & ROLL.SPARE) this.bonusNext += 1;
      frameEnds = cleared || this.ball === 1;
    } else {
      // The 10th frame opens no bonuses; it earns a third ball by a strike or spare within its first two.
      frameEnds = this.ball === 2 || (this.ball === 1 && this.firstPins < PINS && !cleared);
    }
    this.standing -= pins;
    this.rackBall = cleared ? 0 : this.rackBall + 1;
    if (frameEnds) {
      flags |= ROLL.FRAME_END;
      this.ball = 0;
      this.frame++;
      this.standing = PINS;
      this.rackBall = 0;
      flags |= this.frame >= FRAMES ? ROLL.GAME_OVER : ROLL.NEW_RACK;
    } else {
      this.ball++;
      if (cleared) {
        this.standing = PINS;
        flags |= ROLL.NEW_RACK;
      }
    }
    this.updateSheet();
    return flags;
  }

  /** Recomputes the cumulative frame totals of the frames whose balls (bonus balls included) are all rolled. */
  private updateSheet(): void {
    const r = this.rolls, n = this.count;
    let total = 0, s = 0;
    for (let f = 0; f < FRAMES && s < n; f++) {
      const a = r[s]!;
      if (a < PINS && s + 1 >= n) return; // the frame's second ball is still to come
      const need = a === PINS || a + r[s + 1]! === PINS ? 3 : 2;
      if (s + need > n) return;
      for (let k = 0; k < need; k++) total += r[s + k]!;
      this.frameTotals[f] = total;
      s += a === PINS ? 1 : 2;
    }
  }
}

/**
 * A score sheet line: each frame's marks (`X` strike, `/` spare, `-` a 0) then its cumulative score once
 * known, e.g. `X 20 | 7/ 39 | 9- 48 | …`; frames not yet started show as `_`.
 */
export function scoreSheet(rolls: ArrayLike<number>, count: number): string {
  const list = Array.from({ length: count }, (_, i) => rolls[i]!);
  const { frames } = scoreGame(list);
  const marks: string[] = [];
  let i = 0;
  for (let f = 0; f < FRAMES; f++) {
    if (i >= count) {
      marks.push('_');
      continue;
    }
    let m = '', standing = PINS, rackBall = 0, ball = 0;
    const firstBall = list[i]!;
    for (;;) {
      const p = list[i++]!;
      const cleared = p === standing;
      m += cleared ? (rackBall === 0 ? 'X' : '/') : p === 0 ? '-' : String(p);
      standing = cleared ? PINS : standing - p;
      rackBall = cleared ? 0 : rackBall + 1;
      ball++;
      const ends = f < FRAMES - 1 ? cleared || ball === 2 : ball === 3 || (ball === 2 && firstBall < PINS && !cleared);
      if (ends || i >= count) break;
    }
    const t = frames[f];
    marks.push(t === null || t === undefined ? m : `${m} ${t}`);
  }
  return marks.join(' | ');
}
