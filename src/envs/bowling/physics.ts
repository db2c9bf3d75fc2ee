/**
 * The lane physics of Bowling-v0: a 2D top view, the lane along x (the bowler at the left, the pins at the
 * right), y across it (0 at the top edge, downwards, as on screen). Units are "lane units" (one scene
 * cell each); time is in env steps, each split into {@link LANE}.substeps substeps.
 *
 * - The ball rolls at constant speed unless it hits something. One curve (hook) per roll gives it a
 *   constant sideways acceleration from then on, capped at `maxCurveVy`.
 * - A ball whose centre leaves the lane (y < 0 or y > width) drops into the gutter: it runs on to the pit
 *   and touches nothing.
 * - Pins and ball are discs. Contacts are impulses along the line of centres with restitution (an
 *   elastic-ish collision between unequal masses), the contact normal turned by a small random angle from
 *   the env's RNG ("pin-action jitter": the only randomness of the game). A standing pin that takes an
 *   impulse is down. Down pins slide with friction, knock other pins (knock-ons), bounce off the side
 *   kickbacks and drop into the pit behind the deck. A down pin reaches further than a standing one
 *   (`downPinRadius`): it stands for the pin toppling over its 15 in height, and is what gives a pocket
 *   hit its carry (with equal radii, strikes were rare even from the pocket).
 *
 * Sizes follow a real lane scaled to 9 units across (41.5 in): pins 12 in apart (2.6 units), rows 10.4 in
 * apart (2.25), a pin's belly 4.8 in across (radius 0.5), the ball 8.5 in (radius 0.9), a 15 lb ball
 * against 3.5 lb pins (mass ratio ≈ 4.3).
 *
 * Everything lives in typed arrays of a {@link LaneState}, so a step allocates nothing, and the expert
 * can copy a state and simulate candidate throws with the very same code.
 */

export const LANE = Object.freeze({
  /** The lane's width; its centre line is at width / 2. */
  width: 9,
  /** Where the bowler stands (x). */
  bowlerX: 1,
  /** The foul line (x): the ball is released just past it. */
  foulX: 2,
  releaseX: 3,
  /** The head pin's x; rows behind it are `rowDx` apart, pins in a row `2 · pinDy` apart. */
  headPinX: 28,
  rowDx: 2.25,
  pinDy: 1.3,
  /** Behind this x, pins and ball drop into the pit. */
  pitX: 37,
  /** The side kickbacks that bounce pins back (y); the gutters lie between lane and kickbacks. */
  kickbackTop: -1.5,
  kickbackBottom: 10.5,
  ballRadius: 0.9,
  pinRadius: 0.5,
  /** The reach of a down pin: a falling pin (15 in tall) sweeps more than its belly. */
  downPinRadius: 0.8,
  /** Ball mass in pin masses. */
  ballMass: 4.3,
  /** Ball speed along the lane at release (units per step). */
  ballSpeed: 1,
  /** Sideways acceleration of a curved ball (units per step²) and its cap. */
  curveAccel: 0.012,
  maxCurveVy: 0.4,
  /** Coefficients of restitution, ball–pin and pin–pin. */
  restitutionBall: 0.6,
  restitutionPin: 0.7,
  /** Speed kept per substep by a sliding pin, and the speed (units/step) under which it stops. */
  pinFriction: 0.955,
  restSpeed: 0.02,
  /** Fraction of its speed a pin keeps off a kickback. */
  kickbackBounce: 0.5,
  /** The largest turn (radians) of a contact normal by pin-action jitter. */
  jitter: 0.1,
  substeps: 4,
  /**
   * A roll lasts at most this many steps from the throw (the throw step included); then whatever still
   * slides counts where it is. A clean roll to the pit takes (pitX − releaseX) / ballSpeed = 34 steps.
   */
  rollLimit: 72,
});

export const PIN_COUNT = 10;

/**
 * Pin spots, pins 1–10 in the standard numbering (1 the head pin; 2, 3 the second row; 4–6; 7–10 the back
 * row), as [x, y]. Seen from the bowler (looking along +x) pin 2 is left of 1, i.e. at smaller y.
 */
export const PIN_SPOTS: readonly (readonly [number, number])[] = Object.freeze(
  [
    [0, 0],
    [1, -1], [1, 1],
    [2, -2], [2, 0], [2, 2],
    [3, -3], [3, -1], [3, 1], [3, 3],
  ].map(([row, side]) => Object.freeze([LANE.headPinX + row! * LANE.rowDx, LANE.width / 2 + side! * LANE.pinDy] as const)),
);

/** Pin states. */
export const PIN = Object.freeze({
  /** Not on the deck (cleared after an earlier ball). */
  ABSENT: 0,
  STANDING: 1,
  /** Knocked down, lying or sliding on the deck (deadwood that can still knock other pins). */
  DOWN: 2,
  /** Knocked into the pit or over the kickbacks. */
  PIT: 3,
});

/** Anything with a uniform draw (the env's Rng); null in `step` means no jitter. */
export interface Jitter {
  uniform(low: number, high: number): number;
}

/** The whole physical state of one roll. */
export class LaneState {
  /** Pin positions, velocities (units/step) and states ({@link PIN}). */
  readonly px = new Float64Array(PIN_COUNT);
  readonly py = new Float64Array(PIN_COUNT);
  readonly pvx = new Float64Array(PIN_COUNT);
  readonly pvy = new Float64Array(PIN_COUNT);
  readonly pin = new Uint8Array(PIN_COUNT);
  /** 1 while the pin slides, 0 at rest. */
  readonly moving = new Uint8Array(PIN_COUNT);
  ballX = 0;
  ballY = 0;
  ballVx = 0;
  ballVy = 0;
  /** Sideways acceleration once curved (units/step²), 0 before. */
  ballAy = 0;
  /** The ball is on its way (released and not yet in the pit). */
  ballLive = false;
  ballInGutter = false;
  /** The ball has touched a pin this roll. */
  ballHitPin = false;
  /** Pins still sliding. */
  movingCount = 0;

  /** A full rack, the ball not yet thrown. */
  rack(): void {
    for (let i = 0; i < PIN_COUNT; i++) {
      this.px[i] = PIN_SPOTS[i]![0];
      this.py[i] = PIN_SPOTS[i]![1];
      this.pin[i] = PIN.STANDING;
    }
    this.clearMotion();
  }

  /** Clears the deadwood: down pins leave the deck, standing pins stay on their spots. */
  clearDeck(): void {
    for (let i = 0; i < PIN_COUNT; i++) {
      if (this.pin[i] !== PIN.STANDING) this.pin[i] = PIN.ABSENT;
      else {
        this.px[i] = PIN_SPOTS[i]![0];
        this.py[i] = PIN_SPOTS[i]![1];
      }
    }
    this.clearMotion();
  }

  private clearMotion(): void {
    this.pvx.fill(0);
    this.pvy.fill(0);
    this.moving.fill(0);
    this.movingCount = 0;
    this.ballLive = false;
    this.ballInGutter = false;
    this.ballHitPin = false;
    this.ballVx = this.ballVy = this.ballAy = 0;
  }

  /** Releases the ball at (releaseX, y) rolling straight down the lane. */
  throwBall(y: number): void {
    this.ballX = LANE.releaseX;
    this.ballY = y;
    this.ballVx = LANE.ballSpeed;
    this.ballVy = 0;
    this.ballAy = 0;
    this.ballLive = true;
    this.ballInGutter = false;
    this.ballHitPin = false;
  }

  /** Whether a curve may start now: the ball rolls on the lane and has touched no pin yet. */
  canCurve(): boolean {
    return this.ballLive && !this.ballInGutter && !this.ballHitPin && this.ballAy === 0;
  }

  /** Starts the curve: dir −1 towards smaller y (screen up), +1 towards larger y. */
  curve(dir: -1 | 1): void {
    this.ballAy = dir * LANE.curveAccel;
  }

  /** Standing pins as a bitmask (bit i = pin i + 1). */
  standingMask(): number {
    let m = 0;
    for (let i = 0; i < PIN_COUNT; i++) if (this.pin[i] === PIN.STANDING) m |= 1 << i;
    return m;
  }

  countStanding(): number {
    let n = 0;
    for (let i = 0; i < PIN_COUNT; i++) if (this.pin[i] === PIN.STANDING) n++;
    return n;
  }

  /** Nothing moves any more: the ball is gone (or crawls) and no pin slides. */
  settled(): boolean {
    return this.movingCount === 0 && (!this.ballLive || this.ballVx * this.ballVx + this.ballVy * this.ballVy < 0.01);
  }

  copyFrom(o: LaneState): void {
    this.px.set(o.px);
    this.py.set(o.py);
    this.pvx.set(o.pvx);
    this.pvy.set(o.pvy);
    this.pin.set(o.pin);
    this.moving.set(o.moving);
    this.ballX = o.ballX;
    this.ballY = o.ballY;
    this.ballVx = o.ballVx;
    this.ballVy = o.ballVy;
    this.ballAy = o.ballAy;
    this.ballLive = o.ballLive;
    this.ballInGutter = o.ballInGutter;
    this.ballHitPin = o.ballHitPin;
    this.movingCount = o.movingCount;
  }
}

const RB = LANE.ballRadius, RP = LANE.pinRadius, RD = LANE.downPinRadius;
// Ball and pins only meet past this x, so the pin loops are skipped while the ball is far away.
const CONTACT_X = LANE.headPinX - RB - RP - 0.5;

/**
 * Advances `s` by one env step (`LANE.substeps` substeps). Returns true on the step the ball first touches
 * a pin. Draws from `jitter` once per contact (none when null).
 */
export function stepLane(s: LaneState, jitter: Jitter | null): boolean {
  const hitBefore = s.ballHitPin;
  const dt = 1 / LANE.substeps;
  for (let k = 0; k < LANE.substeps; k++) {
    if (s.ballLive) moveBall(s, dt);
    if (s.movingCount > 0) movePins(s, dt);
    if (s.ballLive && !s.ballInGutter && s.ballX > CONTACT_X) ballContacts(s, jitter);
    if (s.movingCount > 0) pinContacts(s, jitter);
  }
  return !hitBefore && s.ballHitPin;
}

function moveBall(s: LaneState, dt: number): void {
  if (s.ballAy !== 0 && !s.ballInGutter) {
    let vy = s.ballVy + s.ballAy * dt;
    if (vy > LANE.maxCurveVy) vy = LANE.maxCurveVy;
    else if (vy < -LANE.maxCurveVy) vy = -LANE.maxCurveVy;
    s.ballVy = vy;
  }
  s.ballX += s.ballVx * dt;
  s.ballY += s.ballVy * dt;
  if (!s.ballInGutter && (s.ballY < 0 || s.ballY > LANE.width)) {
    // Into the gutter: it runs straight on to the pit, touching nothing.
    s.ballInGutter = true;
    s.ballY = s.ballY < 0 ? -0.75 : LANE.width + 0.75;
    s.ballVy = 0;
    s.ballAy = 0;
    if (s.ballVx < LANE.ballSpeed * 0.5) s.ballVx = LANE.ballSpeed * 0.5;
  }
  if (s.ballX > LANE.pitX) s.ballLive = false;
}

function movePins(s: LaneState, dt: number): void {
  const rest2 = LANE.restSpeed * LANE.restSpeed, f = LANE.pinFriction;
  for (let i = 0; i < PIN_COUNT; i++) {
    if (s.moving[i] === 0) continue;
    let x = s.px[i]! + s.pvx[i]! * dt, y = s.py[i]! + s.pvy[i]! * dt;
    let vx = s.pvx[i]! * f, vy = s.pvy[i]! * f;
    if (y < LANE.kickbackTop + RP) {
      y = LANE.kickbackTop + RP;
      vy = -vy * LANE.kickbackBounce;
    } else if (y > LANE.kickbackBottom - RP) {
      y = LANE.kickbackBottom - RP;
      vy = -vy * LANE.kickbackBounce;
    }
    s.px[i] = x;
    s.py[i] = y;
    if (x > LANE.pitX) {
      s.pin[i] = PIN.PIT;
      vx = vy = 0;
    }
    if (vx * vx + vy * vy < rest2) {
      vx = vy = 0;
      s.moving[i] = 0;
      s.movingCount--;
    }
    s.pvx[i] = vx;
    s.pvy[i] = vy;
  }
}

function ballContacts(s: LaneState, jitter: Jitter | null): void {
  for (let i = 0; i < PIN_COUNT; i++) {
    const st = s.pin[i]!;
    if (st !== PIN.STANDING && st !== PIN.DOWN) continue;
    const dx = s.px[i]! - s.ballX, dy = s.py[i]! - s.ballY;
    const d2 = dx * dx + dy * dy, reach = RB + (st === PIN.STANDING ? RP : RD);
    if (d2 >= reach * reach || d2 === 0) continue;
    const d = Math.sqrt(d2);
    let nx = dx / d, ny = dy / d;
    // Closing speed along the normal (ball towards pin).
    const vn = (s.ballVx - s.pvx[i]!) * nx + (s.ballVy - s.pvy[i]!) * ny;
    if (vn <= 0) continue;
    if (jitter !== null) {
      turnNormal(nx, ny, jitter);
      nx = TURNED[0]!;
      ny = TURNED[1]!;
    }
    const vnj = Math.max(0, (s.ballVx - s.pvx[i]!) * nx + (s.ballVy - s.pvy[i]!) * ny);
    // Impulse j = (1 + e)·vn / (1/M + 1/m), with m = 1.
    const j = ((1 + LANE.restitutionBall) * vnj) / (1 / LANE.ballMass + 1);
    s.ballVx -= (j / LANE.ballMass) * nx;
    s.ballVy -= (j / LANE.ballMass) * ny;
    s.pvx[i] = s.pvx[i]! + j * nx;
    s.pvy[i] = s.pvy[i]! + j * ny;
    knock(s, i);
    s.ballHitPin = true;
  }
}

function pinContacts(s: LaneState, jitter: Jitter | null): void {
  for (let i = 0; i < PIN_COUNT; i++) {
    const si = s.pin[i]!;
    if (si !== PIN.STANDING && si !== PIN.DOWN) continue;
    for (let k = i + 1; k < PIN_COUNT; k++) {
      if (s.moving[i] === 0 && s.moving[k] === 0) continue;
      const sk = s.pin[k]!;
      if (sk !== PIN.STANDING && sk !== PIN.DOWN) continue;
      const dx = s.px[k]! - s.px[i]!, dy = s.py[k]! - s.py[i]!;
      const d2 = dx * dx + dy * dy, reach = (si === PIN.STANDING ? RP : RD) + (sk === PIN.STANDING ? RP : RD);
      if (d2 >= reach * reach || d2 === 0) continue;
      const d = Math.sqrt(d2);
      let nx = dx / d, ny = dy / d;
      const vn = (s.pvx[i]! - s.pvx[k]!) * nx + (s.pvy[i]! - s.pvy[k]!) * ny;
      if (vn <= 0) continue;
      if (jitter !== null) {
        turnNormal(nx, ny, jitter);
        nx = TURNED[0]!;
        ny = TURNED[1]!;
      }
      const vnj = Math.max(0, (s.pvx[i]! - s.pvx[k]!) * nx + (s.pvy[i]! - s.pvy[k]!) * ny);
      // Equal masses: j = (1 + e)·vn / 2.
      const j = ((1 + LANE.restitutionPin) * vnj) / 2;
      s.pvx[i] = s.pvx[i]! - j * nx;
      s.pvy[i] = s.pvy[i]! - j * ny;
      s.pvx[k] = s.pvx[k]! + j * nx;
      s.pvy[k] = s.pvy[k]! + j * ny;
      knock(s, i);
      knock(s, k);
    }
  }
}

/** `turnNormal`'s output (a module scratch, so that contacts allocate nothing). */
const TURNED = new Float64Array(2);

/** The unit normal (nx, ny) turned by a random angle in ±LANE.jitter (one draw), written to TURNED. */
function turnNormal(nx: number, ny: number, jitter: Jitter): void {
  const a = jitter.uniform(-LANE.jitter, LANE.jitter), c = Math.cos(a), sn = Math.sin(a);
  TURNED[0] = nx * c - ny * sn;
  TURNED[1] = nx * sn + ny * c;
}

/** Pin i took an impulse: it is down (if it stood) and slides. */
function knock(s: LaneState, i: number): void {
  if (s.pin[i] === PIN.STANDING) s.pin[i] = PIN.DOWN;
  if (s.moving[i] === 0) {
    s.moving[i] = 1;
    s.movingCount++;
  }
}

/**
 * Plays one throw on a copy of a state, as the env would: release at `y`, curve towards `curveDir` on the
 * `curveStep`-th step after the throw step (0 or a negative step: no curve), until the pins settle or the
 * roll limit. Returns the standing pins it knocks down. `scratch` receives the final state.
 */
export function simulateThrow(start: LaneState, scratch: LaneState, y: number, curveDir: -1 | 0 | 1, curveStep: number, jitter: Jitter | null): number {
  scratch.copyFrom(start);
  const before = scratch.countStanding();
  scratch.throwBall(y);
  for (let t = 0; t < LANE.rollLimit; t++) {
    if (t === curveStep && curveDir !== 0 && scratch.canCurve()) scratch.curve(curveDir);
    stepLane(scratch, jitter);
    if (scratch.settled()) break;
  }
  return before - scratch.countStanding();
}
