/**
 * The LSTM's input for one episode (rudder.md §1.2): per step, the state difference Δs_t = s_t − s_{t−1}
 * (Δs_0 = s_0; the "explaining away" fix, so the model credits the step where something changed rather
 * than predicting from the last state alone), then the action one-hot (one block per head for
 * MultiDiscrete actions), then, optionally, a time encoding.
 *
 * `obs` [T, obsDim] holds the state each action was taken in; `actions` [T, heads]. With `lastWithoutAction`
 * the last step is a state without an action (its action block stays zero): the terminal observation, which
 * shows what the episode's last action did.
 */
export function encodeEpisode(
  obs: Float32Array, obsDim: number, actions: Int32Array, nvec: readonly number[], T: number,
  opts: { delta?: boolean; out?: Float32Array; lastWithoutAction?: boolean; time?: TimeEncoding | null } = {},
): Float32Array {
  const enc = new StepEncoder(obsDim, nvec, { delta: opts.delta ?? true, time: opts.time ?? null });
  const W = enc.width, heads = nvec.length;
  if (obs.length < T * obsDim) throw new RangeError(`encodeEpisode: obs has ${obs.length} values, ${T} steps of ${obsDim} need ${T * obsDim}`);
  const acted = opts.lastWithoutAction ? T - 1 : T; // steps with an action
  if (actions.length < acted * heads) throw new RangeError(`encodeEpisode: actions has ${actions.length} values, ${acted} steps of ${heads} heads need ${acted * heads}`);
  const out = opts.out && opts.out.length >= T * W ? opts.out : new Float32Array(T * W);
  for (let t = 0; t < T; t++) enc.write(obs, t * obsDim, t > 0 ? obs : null, (t - 1) * obsDim, t < acted ? actions : null, t * heads, t, out, t * W);
  return out;
}

/**
 * Writes one step's input row: Δs (or s), the action one-hot blocks, the time encoding. Used step by step
 * by RUDDER's PPO adapter, which encodes each step once as it arrives (linear in the episode's length).
 */
export class StepEncoder {
  readonly width: number;
  private readonly actionDim: number;
  readonly delta: boolean;
  readonly time: TimeEncoding | null;

  constructor(readonly obsDim: number, readonly nvec: readonly number[], opts: { delta: boolean; time: TimeEncoding | null }) {
    this.actionDim = nvec.reduce((a, b) => a + b, 0);
    this.delta = opts.delta;
    this.time = opts.time;
    this.width = obsDim + this.actionDim + (opts.time?.dim ?? 0);
  }

  /**
   * Row for step t into `out[at … at + width)`: the state at `obs[so …]`, the previous one at `prev[po …]`
   * (null at t = 0), the actions at `actions[ao …]` (null: no action, the terminal observation).
   */
  write(obs: Float32Array, so: number, prev: Float32Array | null, po: number, actions: Int32Array | null, ao: number, t: number, out: Float32Array, at: number): void {
    const D = this.obsDim;
    if (this.delta && prev) for (let j = 0; j < D; j++) out[at + j] = obs[so + j]! - prev[po + j]!;
    else for (let j = 0; j < D; j++) out[at + j] = obs[so + j]!;
    let off = at + D;
    out.fill(0, off, off + this.actionDim);
    if (actions) {
      for (let k = 0; k < this.nvec.length; k++) {
        const a = actions[ao + k]!, n = this.nvec[k]!;
        if (!(a >= 0 && a < n)) throw new RangeError(`encodeEpisode: action ${a} at step ${t} (head ${k}) is outside 0..${n - 1}`);
        out[off + a] = 1;
        off += n;
      }
    }
    if (this.time) this.time.write(t, out, at + D + this.actionDim);
  }
}

/**
 * The Atari code's triangular time encoding (rudder.md §1.5: max 10000, span 500, 41 nodes): node k peaks
 * at t = k·span/2 and falls linearly to 0 at its neighbours' peaks, so the nodes sum to 1 and two of them
 * say where in the episode a step is. Not differenced: it tells the LSTM the time, which the Δ inputs hide.
 */
export class TimeEncoding {
  readonly dim: number;
  private readonly half: number;

  constructor(readonly max: number, readonly span: number) {
    if (!(span > 0 && max >= span / 2) || !Number.isFinite(max)) throw new RangeError(`TimeEncoding: needs span > 0 and max ≥ span / 2, got max ${max}, span ${span}`);
    this.half = span / 2;
    this.dim = Math.ceil(max / this.half) + 1;
  }

  write(t: number, out: Float32Array, at: number): void {
    out.fill(0, at, at + this.dim);
    const u = Math.min(t, this.max) / this.half, k = Math.floor(u), w = u - k;
    out[at + Math.min(k, this.dim - 1)] = 1 - w;
    if (w > 0 && k + 1 < this.dim) out[at + k + 1] = w;
  }
}
