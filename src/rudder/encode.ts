/**
 * The LSTM's input for one episode (rudder.md §1.2): per step, the state difference Δs_t = s_t − s_{t−1}
 * (Δs_0 = s_0; the "explaining away" fix, so the model credits the step where something changed rather
 * than predicting from the last state alone), then the action one-hot (one block per head for
 * MultiDiscrete actions).
 *
 * `obs` [T, obsDim] holds the state each action was taken in; `actions` [T, heads].
 */
export function encodeEpisode(
  obs: Float32Array, obsDim: number, actions: Int32Array, nvec: readonly number[], T: number,
  opts: { delta?: boolean; out?: Float32Array } = {},
): Float32Array {
  const A = nvec.reduce((a, b) => a + b, 0), W = obsDim + A, heads = nvec.length;
  if (obs.length < T * obsDim) throw new RangeError(`encodeEpisode: obs has ${obs.length} values, ${T} steps of ${obsDim} need ${T * obsDim}`);
  if (actions.length < T * heads) throw new RangeError(`encodeEpisode: actions has ${actions.length} values, ${T} steps of ${heads} heads need ${T * heads}`);
  const out = opts.out && opts.out.length >= T * W ? opts.out : new Float32Array(T * W);
  out.fill(0, 0, T * W);
  const delta = opts.delta ?? true;
  for (let t = 0; t < T; t++) {
    const o = t * W, so = t * obsDim;
    for (let j = 0; j < obsDim; j++) out[o + j] = delta && t > 0 ? obs[so + j]! - obs[so - obsDim + j]! : obs[so + j]!;
    let off = o + obsDim;
    for (let k = 0; k < heads; k++) {
      const a = actions[t * heads + k]!;
      if (!(a >= 0 && a < nvec[k]!)) throw new RangeError(`encodeEpisode: action ${a} at step ${t} (head ${k}) is outside 0..${nvec[k]! - 1}`);
      out[off + a] = 1;
      off += nvec[k]!;
    }
  }
  return out;
}
