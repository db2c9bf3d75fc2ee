import { Rng } from '../envs/core/rng.ts';
import { affinityPropagation } from './affinity-propagation.ts';
import { NO_EVENT, checkFeatureEpisodes, type EncoderJson, type FeatureEpisode, type ObsSlice, type TransitionEvents } from './transition-events.ts';

export interface ClusterEventsOptions {
  /**
   * `change` (default): cluster the feature changes Δ = x_{t+1} − x_t; a transition whose features change
   * is the event of the nearest exemplar change. `state`: cluster the feature vectors themselves; entering
   * another cluster is the event of that cluster, and the first observation's cluster is the start event.
   */
  on?: 'change' | 'state';
  /** Seed of the subsample and of affinity propagation's tie-breaking noise. */
  seed?: number;
  /** At most this many distinct points are clustered (a seeded subsample beyond); default 400. */
  maxPoints?: number;
  /** Affinity propagation's preference; default the median similarity (scikit-learn's default). */
  preference?: number;
  /**
   * Affinity propagation's damping; default 0.9: at scikit-learn's 0.5, the messages of groups of near-equal
   * points oscillate (60 points around 3 centres never converged, every point an exemplar).
   */
  damping?: number;
}

/**
 * Events as learned clusters, for envs that declare no event features (rudder.md §3 (I): affinity
 * propagation; the paper suggests successor features for large state spaces, here the raw features or
 * their changes): affinity propagation on the negative squared distances of the distinct points of the
 * fitting episodes, and each new step labelled by its nearest exemplar (ties: the lower label).
 */
export class ClusterEvents implements TransitionEvents {
  readonly name: string;
  readonly numEvents: number;
  readonly hasStartEvent: boolean;
  private readonly diff: Float32Array;

  private constructor(readonly slice: ObsSlice, readonly on: 'change' | 'state', /** [K · dim] */ readonly exemplars: Float32Array, readonly converged: boolean) {
    this.numEvents = exemplars.length / slice.length;
    this.hasStartEvent = on === 'state';
    this.diff = new Float32Array(slice.length);
    this.name = `clusters of feature ${on === 'change' ? 'changes' : 'vectors'} (${this.numEvents})`;
  }

  /** Fits on episodes whose rows are the features (`dim` = slice.length); `slice` is where they sit in a full observation. */
  static fit(episodes: readonly FeatureEpisode[], slice: ObsSlice, opts: ClusterEventsOptions = {}): ClusterEvents {
    const dim = checkFeatureEpisodes(episodes, 'ClusterEvents.fit');
    if (dim !== slice.length) throw new RangeError(`ClusterEvents.fit: the episodes have ${dim} features per step, the slice ${slice.length}`);
    const on = opts.on ?? 'change', maxPoints = opts.maxPoints ?? 400;
    if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new RangeError(`ClusterEvents.fit: maxPoints must be an integer ≥ 2, got ${maxPoints}`);
    // Distinct points in order of first occurrence.
    const seen = new Set<string>(), points: Float32Array[] = [];
    const add = (v: Float32Array): void => {
      const k = v.join(',');
      if (!seen.has(k)) (seen.add(k), points.push(Float32Array.from(v)));
    };
    const d = new Float32Array(dim);
    for (const e of episodes) {
      const T = e.actions.length;
      if (on === 'state') for (let t = 0; t <= T; t++) add(e.rows.subarray(t * dim, t * dim + dim));
      else {
        for (let t = 0; t < T; t++) {
          let any = false;
          for (let i = 0; i < dim; i++) any = (d[i] = e.rows[(t + 1) * dim + i]! - e.rows[t * dim + i]!) !== 0 || any;
          if (any) add(d);
        }
      }
    }
    if (points.length === 0) throw new RangeError('ClusterEvents.fit: the features never change in the fitting episodes, so there are no events');
    const rng = new Rng(opts.seed ?? 0);
    if (points.length > maxPoints) {
      for (let i = 0; i < maxPoints; i++) {
        const j = i + rng.integer(points.length - i);
        [points[i], points[j]] = [points[j]!, points[i]!];
      }
      points.length = maxPoints;
    }
    const n = points.length;
    let exemplars: Float32Array, converged = true;
    if (n === 1) exemplars = Float32Array.from(points[0]!);
    else {
      const S = new Float64Array(n * n), off: number[] = [];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (i === j) continue;
          S[i * n + j] = -sqDist(points[i]!, 0, points[j]!, 0, dim);
          off.push(S[i * n + j]!);
        }
      }
      off.sort((a, b) => a - b);
      const median = off.length % 2 ? off[(off.length - 1) / 2]! : (off[off.length / 2 - 1]! + off[off.length / 2]!) / 2;
      const ap = affinityPropagation(S, n, { preference: opts.preference ?? median, damping: opts.damping ?? 0.9, seed: opts.seed ?? 0 });
      converged = ap.converged;
      const ex = ap.exemplars.length > 0 ? Array.from(ap.exemplars) : [0];
      exemplars = new Float32Array(ex.length * dim);
      ex.forEach((p, k) => exemplars.set(points[p]!, k * dim));
    }
    return new ClusterEvents({ offset: slice.offset, length: slice.length }, on, exemplars, converged);
  }

  /** The same events read at `offset` of an observation (fitted on the slice alone, used on whole observations). */
  reading(offset: number): ClusterEvents {
    return new ClusterEvents({ offset, length: this.slice.length }, this.on, this.exemplars, this.converged);
  }

  /** Exemplars as JSON numbers: float32 values print and parse back exactly. */
  toJson(): EncoderJson {
    return { kind: 'clusters', offset: this.slice.offset, length: this.slice.length, on: this.on, exemplars: [...this.exemplars], converged: this.converged };
  }

  /** The encoder `toJson` described (checked by encoder-json.ts `encoderFromJson`). */
  static fromJson(j: Extract<EncoderJson, { kind: 'clusters' }>): ClusterEvents {
    return new ClusterEvents({ offset: j.offset, length: j.length }, j.on, Float32Array.from(j.exemplars), j.converged);
  }

  /** The nearest exemplar of the `dim` values at x[xo..]. */
  label(x: Float32Array, xo = this.slice.offset): number {
    const dim = this.slice.length, K = this.numEvents;
    let best = 0, bestD = Infinity;
    for (let k = 0; k < K; k++) {
      const dd = sqDist(x, xo, this.exemplars, k * dim, dim);
      if (dd < bestD) (bestD = dd), (best = k);
    }
    return best;
  }

  start(obs: Float32Array): number {
    return this.on === 'state' ? this.label(obs) : NO_EVENT;
  }

  event(obs: Float32Array, _action: number, next: Float32Array): number {
    const { offset, length } = this.slice;
    if (this.on === 'state') {
      const l = this.label(next);
      return l === this.label(obs) ? NO_EVENT : l;
    }
    const d = this.diff;
    let any = false;
    for (let i = 0; i < length; i++) any = (d[i] = next[offset + i]! - obs[offset + i]!) !== 0 || any;
    return any ? this.label(d, 0) : NO_EVENT;
  }

  eventName(id: number): string {
    if (!(Number.isInteger(id) && id >= 0 && id < this.numEvents)) throw new RangeError(`ClusterEvents: event ${id} is outside 0..${this.numEvents - 1}`);
    return `cluster ${id}`;
  }
}

function sqDist(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = a[ao + i]! - b[bo + i]!;
    s += d * d;
  }
  return s;
}
