import { affinityPropagation } from './affinity-propagation.ts';

/**
 * Align-RUDDER step (I): group states into events (rudder.md §3 (I), the reference's `cluster_states`, 'AP').
 *
 * 1. Affinity propagation on the successor representation as a precomputed similarity (damping 0.5,
 *    maxIter 1000, convergenceIter 30), preference −0.5 for every state but the last index, which gets +1.
 * 2. States never visited (in demos and episodes so far) share one extra cluster.
 * 3. If there are ≥ numClusters AP clusters, merge the clusters whose exemplars are most similar in the SR
 *    until numClusters are left, then number the clusters contiguously.
 * 4. The goal gets its own extra label, the last one.
 *
 * Labels are 0..numLabels−1: the (merged) AP clusters first, then the unvisited cluster if any state is
 * unvisited, then the goal, so numLabels ≤ numClusters + 2. Events are later spelled with the 20 amino-acid
 * letters, hence numClusters + 2 ≤ 20 is the useful range (the reference's 15 gives 17).
 */
export interface ClusterStatesOptions {
  /** [S]: nonzero for each state visited in the demonstrations or episodes so far. */
  visited: Uint8Array;
  /** The most AP clusters to keep after merging (the reference's `num_clusters` = 15). */
  numClusters?: number;
  /**
   * The goal state(s), which share one label of their own. The reference marks `maze[-2, -2]`, cell (4,4) in
   * every room, which also takes the (4,4) cells of the other rooms out of their clusters; we mark only the
   * states given here, the intended goal (pass every room's (4,4) to reproduce the reference exactly).
   */
  goalState: number | readonly number[];
  /** AP preference of every state but the last index. */
  preference?: number;
  /** AP preference of the last state index (the reference gives it +1 so that it becomes an exemplar). */
  lastStatePreference?: number;
  /** Seed of AP's tie-breaking noise. */
  seed?: number;
}

export interface StateClusters {
  /** Event label of each state [S], 0..numLabels−1. */
  labels: Int32Array;
  numLabels: number;
  /** Whether affinity propagation converged (if no exemplar emerged at all, every visited state shares label 0). */
  converged: boolean;
}

/** Cluster the `numStates` states from their successor representation `sr` [S × S] (row-major, M[s] in row s). */
export function clusterStates(sr: Float64Array, numStates: number, opts: ClusterStatesOptions): StateClusters {
  const { visited, numClusters = 15, preference = -0.5, lastStatePreference = 1, seed } = opts;
  const S = numStates;
  if (!(Number.isInteger(S) && S >= 1)) throw new RangeError(`clusterStates: numStates must be a positive integer, got ${S}`);
  if (sr.length !== S * S) throw new RangeError(`clusterStates: sr must be numStates × numStates = ${S * S} values, got ${sr.length}`);
  if (visited.length !== S) throw new RangeError(`clusterStates: visited must hold one flag per state (${S}), got ${visited.length}`);
  if (!(Number.isInteger(numClusters) && numClusters >= 1)) throw new RangeError(`clusterStates: numClusters must be a positive integer, got ${numClusters}`);
  const goals = typeof opts.goalState === 'number' ? [opts.goalState] : opts.goalState;
  if (goals.length === 0) throw new RangeError('clusterStates: goalState must name at least one state');
  const isGoal = new Uint8Array(S);
  for (const g of goals) {
    if (!(Number.isInteger(g) && g >= 0 && g < S)) throw new RangeError(`clusterStates: goalState ${g} is not a state in 0..${S - 1}`);
    isGoal[g] = 1;
  }

  const prefs = new Float64Array(S).fill(preference);
  prefs[S - 1] = lastStatePreference;
  const ap = affinityPropagation(sr, S, { preference: prefs, damping: 0.5, maxIter: 1000, convergenceIter: 30, seed });
  // Without exemplars (AP never settled on one) the visited states stay together in one cluster.
  const exemplars = ap.exemplars.length > 0 ? ap.exemplars : Int32Array.of(0);
  const apLabel = (s: number): number => (ap.exemplars.length > 0 ? ap.labels[s]! : 0);

  // AP cluster of each visited non-goal state (−1: unvisited or goal, handled after the merges). Only clusters
  // with such a member count towards numClusters; the reference counts clusters by their largest label
  // instead, which also counts those made only of unvisited states.
  const K = exemplars.length;
  const cluster = new Int32Array(S).fill(-1);
  const active = new Uint8Array(K);
  for (let s = 0; s < S; s++) {
    if (visited[s] && !isGoal[s]) {
      cluster[s] = apLabel(s);
      active[cluster[s]!] = 1;
    }
  }
  let count = active.reduce((a, b) => a + b, 0);

  // Merge by exemplar similarity M[a, b] (an ordered pair: the SR is not symmetric), highest first; ties keep
  // the reference's enumeration order (a, then b, ascending). Cluster a joins cluster b. The reference makes
  // max_label − numClusters merges in one pass but also counts a pair whose clusters were already merged
  // (e.g. (b, a) right after (a, b)), so it can stop short; we skip such pairs, so one pass reaches numClusters.
  const root = Int32Array.from({ length: K }, (_, k) => k);
  const find = (k: number): number => {
    while (root[k] !== k) k = root[k] = root[root[k]!]!;
    return k;
  };
  if (count > numClusters) {
    const pairs: [number, number][] = [];
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) if (a !== b && active[a] && active[b]) pairs.push([a, b]);
    const sim = (p: [number, number]): number => sr[exemplars[p[0]]! * S + exemplars[p[1]]!]!;
    pairs.sort((p, q) => sim(q) - sim(p)); // stable, so equal similarities keep enumeration order
    for (const [a, b] of pairs) {
      if (count <= numClusters) break;
      const ra = find(a), rb = find(b);
      if (ra === rb) continue;
      root[ra] = rb;
      count--;
    }
  }

  // Contiguous labels in the order of the surviving cluster's AP label (the reference's sorted relabelling).
  const label = new Int32Array(K).fill(-1);
  let next = 0;
  for (let k = 0; k < K; k++) if (active[k] && find(k) === k) label[k] = next++;
  const labels = new Int32Array(S);
  let unvisitedLabel = -1;
  for (let s = 0; s < S; s++) if (!visited[s] && !isGoal[s]) unvisitedLabel = next;
  if (unvisitedLabel >= 0) next++;
  const goalLabel = next++;
  for (let s = 0; s < S; s++) {
    labels[s] = isGoal[s] ? goalLabel : cluster[s]! < 0 ? unvisitedLabel : label[find(cluster[s]!)]!;
  }
  return { labels, numLabels: next, converged: ap.converged };
}
