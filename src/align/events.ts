/**
 * Align-RUDDER step (I), the sequence side (rudder.md §3 (I)): per-step cluster labels become an
 * event sequence. An event is "entering a cluster", so a run of equal labels is one event.
 * Event ids are 0..K−1 (the reference spells them as the amino-acid letters `GALMFWKQESPVICYHRNDT`,
 * so id 0 is 'G' and id 19 is 'T'); in an alignment row a gap is `GAP` (−1).
 */

/** The gap in an alignment row. */
export const GAP = -1;

/** An episode's event sequence and, per event, the step where its run of labels ends. */
export interface EventSequence {
  /** [n] event ids, no two neighbours equal. */
  events: Int32Array;
  /** [n] runEnds[i] = index (into the labels) of the last step of run i; runEnds[n − 1] = labels.length − 1. */
  runEnds: Int32Array;
}

/**
 * Run-length compression: keep a label only when it differs from the previous step's.
 * The reference reads labels of s_0..s_{T−1} and, at `done`, appends the cluster of the final next
 * state s_T only if it differs from the last one. That is exactly `compressRuns` over the T + 1 labels
 * of s_0..s_T, which `withFinalState` builds; the redistribution (align-redistribution.ts) takes those
 * T + 1 labels too, so its T rewards line up with the T transitions.
 */
export function compressRuns(labels: Int32Array): EventSequence {
  const n = labels.length;
  if (n === 0) throw new RangeError('compressRuns: labels is empty (an episode needs at least one state)');
  let runs = 0;
  for (let t = 0; t < n; t++) {
    const l = labels[t]!;
    if (l < 0) throw new RangeError(`compressRuns: labels[${t}] = ${l} is negative (event ids are 0..K−1)`);
    if (t === 0 || l !== labels[t - 1]) runs++;
  }
  const events = new Int32Array(runs), runEnds = new Int32Array(runs);
  let r = -1;
  for (let t = 0; t < n; t++) {
    if (t === 0 || labels[t] !== labels[t - 1]) events[++r] = labels[t]!;
    runEnds[r] = t;
  }
  return { events, runEnds };
}

/** The T + 1 labels of s_0..s_T from the T step labels of s_0..s_{T−1} and the final next state's label. */
export function withFinalState(stepLabels: Int32Array, finalLabel: number): Int32Array {
  if (!(Number.isInteger(finalLabel) && finalLabel >= 0)) throw new RangeError(`withFinalState: finalLabel must be an event id ≥ 0, got ${finalLabel}`);
  const out = new Int32Array(stepLabels.length + 1);
  out.set(stepLabels);
  out[stepLabels.length] = finalLabel;
  return out;
}

/**
 * Throws unless `seq` is a non-empty sequence of event ids in 0..size−1 (or, with `allowGaps`, −1).
 * `what` names the argument in the message, e.g. `multipleAlignment: seqs[2]`.
 */
export function checkEvents(seq: Int32Array, size: number, what: string, allowGaps = false): void {
  if (seq.length > 0 && eventsInRange(seq, size, allowGaps)) return;
  if (seq.length === 0) throw new RangeError(`${what} is empty (an event sequence needs at least one event)`);
  const lo = allowGaps ? GAP : 0;
  for (let i = 0; i < seq.length; i++) {
    const e = seq[i]!;
    if (e < lo || e >= size) {
      throw new RangeError(`${what}: event ${e} at position ${i} is outside 0..${size - 1}${allowGaps ? ' (or −1 for a gap)' : ''} (K = ${size} events)`);
    }
  }
}

/** Whether every entry of `seq` is an event id in 0..size−1 (or, with `allowGaps`, −1): `checkEvents`'s test without building a message. */
export function eventsInRange(seq: Int32Array, size: number, allowGaps = false): boolean {
  const lo = allowGaps ? GAP : 0;
  for (let i = 0; i < seq.length; i++) {
    const e = seq[i]!;
    if (e < lo || e >= size) return false;
  }
  return true;
}
