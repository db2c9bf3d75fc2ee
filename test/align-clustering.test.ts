import { describe, expect, it } from 'vitest';
import { affinityPropagation } from '../src/align/affinity-propagation.ts';
import { clusterStates } from '../src/align/state-clusters.ts';
import { SuccessorRepresentation } from '../src/align/successor.ts';
import { Rng } from '../src/envs/core/rng.ts';

/** −squared Euclidean distance, sklearn's 'euclidean' affinity, [n × n]. */
function negSqDist(X: readonly (readonly number[])[]): Float64Array {
  const n = X.length, S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) S[i * n + k] = -X[i]!.reduce((sum, v, d) => sum + (v - X[k]![d]!) ** 2, 0);
  return S;
}

/** numpy's median (sklearn's default preference). */
function median(a: Float64Array): number {
  const b = a.slice().sort(), m = b.length >> 1;
  return b.length % 2 ? b[m]! : (b[m - 1]! + b[m]!) / 2;
}

/** Three well-separated blobs of 10 points: rows 0–9, 10–19, 20–29. */
function blobs(): number[][] {
  const rng = new Rng(3), pts: number[][] = [];
  for (const [cx, cy] of [[0, 0], [10, 0], [0, 10]] as const) for (let j = 0; j < 10; j++) pts.push([cx + 0.5 * rng.normal(), cy + 0.5 * rng.normal()]);
  return pts;
}

describe('SuccessorRepresentation', () => {
  const g = 0.99;

  it('starts at zero and follows the TD rule by hand on a chain 0 → 1 → 2 → 3 (terminal into 3)', () => {
    const sr = new SuccessorRepresentation(4);
    expect([...sr.M]).toEqual(new Array(16).fill(0));
    const chain = [Int32Array.of(0, 1, 2, 3)];
    sr.trainOnSequences(chain, 1);
    // Pass 1: each row is updated before its successor's, so M[s] = α·e_s.
    expect([...sr.row(0)]).toEqual([0.1, 0, 0, 0]);
    expect([...sr.row(2)]).toEqual([0, 0, 0.1, 0]);
    expect([...sr.row(3)]).toEqual([0, 0, 0, 0]); // the final state is only a terminal observation
    sr.trainOnSequences(chain, 1);
    // Pass 2: M[0] = 0.9·0.1·e_0 + 0.1·(e_0 + γ·0.1·e_1) = 0.19·e_0 + 0.01γ·e_1, and likewise down the chain.
    const r0 = sr.row(0), r1 = sr.row(1), r2 = sr.row(2);
    expect(r0[0]).toBeCloseTo(0.19, 14);
    expect(r0[1]).toBeCloseTo(0.01 * g, 14);
    expect(r0[2]).toBe(0);
    expect(r1[1]).toBeCloseTo(0.19, 14);
    expect(r1[2]).toBeCloseTo(0.01 * g, 14);
    expect(r2[2]).toBeCloseTo(0.19, 14);
    expect(r2[3]).toBe(0);
  });

  it('converges on a deterministic chain to M[s, s+k] = γ^k along the rest of the path', () => {
    const sr = new SuccessorRepresentation(4);
    sr.trainOnSequences([Int32Array.of(0, 1, 2, 3)], 2000);
    const want = [
      [1, g, g * g, 0],
      [0, 1, g, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
    ];
    for (let s = 0; s < 4; s++) for (let j = 0; j < 4; j++) expect(sr.row(s)[j]).toBeCloseTo(want[s]![j]!, 10);
  });

  it('converges on a loop 0 → 1 → 2 → 0 to (I − γP)⁻¹: M[i, i+k] = γ^k / (1 − γ³)', () => {
    const gamma = 0.5, sr = new SuccessorRepresentation(3, { alpha: 0.5, gamma });
    for (let t = 0; t < 3000; t++) sr.update(t % 3, (t + 1) % 3);
    for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) expect(sr.row(i)[(i + k) % 3]).toBeCloseTo(gamma ** k / (1 - gamma ** 3), 12);
  });

  it('handles a self-loop (s → s) as the same TD rule: M[s, s] → 1 / (1 − γ)', () => {
    const sr = new SuccessorRepresentation(2, { alpha: 0.3, gamma: 0.8 });
    for (let t = 0; t < 500; t++) sr.update(1, 1);
    expect(sr.row(1)[1]).toBeCloseTo(5, 10);
    expect(sr.row(1)[0]).toBe(0);
  });

  it('row() is a live view, similarity() a copy', () => {
    const sr = new SuccessorRepresentation(3);
    const view = sr.row(1), copy = sr.similarity();
    sr.update(1, null);
    expect(view[1]).toBeCloseTo(0.1, 15);
    expect(copy[4]).toBe(0);
    expect(copy.length).toBe(9);
  });

  it('rejects bad arguments with the name of the argument', () => {
    expect(() => new SuccessorRepresentation(0)).toThrow(/numStates must be a positive integer, got 0/);
    expect(() => new SuccessorRepresentation(3, { alpha: 0 })).toThrow(/alpha must be in \(0, 1\], got 0/);
    expect(() => new SuccessorRepresentation(3, { gamma: 1 })).toThrow(/gamma must be in \[0, 1\), got 1/);
    const sr = new SuccessorRepresentation(3);
    expect(() => sr.update(3, 0)).toThrow(/s = 3 is not a state in 0..2/);
    expect(() => sr.update(0, -1)).toThrow(/sNext = -1 is not a state in 0..2/);
    expect(() => sr.trainOnSequences([Int32Array.of(0, 1), Int32Array.of(1, 7)])).toThrow(/seqs\[1\]\[1\] = 7/);
    expect([...sr.M]).toEqual(new Array(9).fill(0)); // validated before any update
    expect(() => sr.trainOnSequences([], -1)).toThrow(/passes must be a non-negative integer/);
  });
});

describe('affinityPropagation', () => {
  it("reproduces scikit-learn's documented example: centers [0, 3], labels [0, 0, 0, 1, 1, 1]", () => {
    const S = negSqDist([[1, 2], [1, 4], [1, 0], [4, 2], [4, 4], [4, 0]]);
    const r = affinityPropagation(S, 6, { preference: median(S), maxIter: 200, convergenceIter: 15 });
    expect([...r.exemplars]).toEqual([0, 3]);
    expect([...r.labels]).toEqual([0, 0, 0, 1, 1, 1]);
    expect(r.converged).toBe(true);
    expect(r.iterations).toBe(16); // scikit-learn 1.9.1's n_iter_ on the same input
  });

  it('matches scikit-learn 1.9.1 on an asymmetric similarity with per-point preferences', () => {
    const S = Float64Array.from([
      [0.129, 0.499, 0.601, 0.029, 0.148, 0.928, 0.07, 0.13, 0.948, 0.622],
      [0.369, 0.511, 0.663, 0.275, 0.138, 0.788, 0.67, 0.512, 0.817, 0.549],
      [0.981, 0.205, 0.554, 0.484, 0.353, 0.592, 0.235, 0.802, 0.867, 0.129],
      [0.467, 0.277, 0.083, 0.896, 0.43, 0.148, 0.673, 0.202, 0.901, 0.217],
      [0.033, 0.201, 0.346, 0.469, 0.906, 0.697, 0.339, 0.017, 0.16, 0.996],
      [0.46, 0.691, 0.055, 0.034, 0.846, 0.588, 0.309, 0.317, 0.089, 0.173],
      [0.025, 0.839, 0.466, 0.127, 0.739, 0.196, 0.062, 0.598, 0.896, 0.027],
      [0.805, 0.19, 0.093, 0.018, 0.293, 0.727, 0.493, 0.853, 0.217, 0.315],
      [0.258, 0.978, 0.941, 0.341, 0.436, 0.314, 0.747, 0.04, 0.067, 0.404],
      [0.245, 0.845, 0.742, 0.546, 0.661, 0.692, 0.781, 0.928, 0.15, 0.626],
    ].flat());
    const preference = Float64Array.of(-0.785, -0.335, 0.179, 0.342, 0.139, -0.947, -0.461, -0.755, 0.498, -0.784);
    const r = affinityPropagation(S, 10, { preference });
    expect([...r.exemplars]).toEqual([4, 8]);
    expect([...r.labels]).toEqual([1, 1, 1, 1, 0, 0, 1, 0, 1, 0]);
    expect(r.iterations).toBe(32);
    const r9 = affinityPropagation(S, 10, { preference, damping: 0.9, convergenceIter: 15 });
    expect([...r9.exemplars]).toEqual([4, 8]);
    expect(r9.iterations).toBe(33);
  });

  it('finds three separated point clouds, each with its medoid as exemplar', () => {
    const X = blobs(), S = negSqDist(X);
    const r = affinityPropagation(S, 30, { preference: median(S) });
    expect(r.converged).toBe(true);
    expect(r.exemplars.length).toBe(3);
    for (let b = 0; b < 3; b++) {
      const blob = [...r.labels.slice(10 * b, 10 * b + 10)];
      expect(new Set(blob).size).toBe(1); // one cluster per blob …
      const k = blob[0]!, ex = r.exemplars[k]!;
      expect(Math.floor(ex / 10)).toBe(b); // … whose exemplar lies in it
      // The exemplar is the member with the least summed squared distance to the others.
      const cost = (j: number): number => blob.reduce((sum, _, m) => sum - S[(10 * b + m) * 30 + j]!, 0);
      for (let m = 0; m < 10; m++) expect(cost(ex)).toBeLessThanOrEqual(cost(10 * b + m));
    }
    expect(new Set(r.labels).size).toBe(3);
    // Clusters are numbered by their exemplar's index, and each exemplar carries its own label.
    expect([...r.exemplars]).toEqual([...r.exemplars].sort((a, b) => a - b));
    r.exemplars.forEach((e, k) => expect(r.labels[e]).toBe(k));
  });

  it('is deterministic for a seed; the tie-breaking noise does not move a clear answer', () => {
    const S = negSqDist(blobs()), preference = median(S);
    const a = affinityPropagation(S, 30, { preference, seed: 42 });
    const b = affinityPropagation(S, 30, { preference, seed: 42 });
    expect(b).toEqual(a);
    for (const seed of [1, 2, 3]) expect([...affinityPropagation(S, 30, { preference, seed }).labels]).toEqual([...a.labels]);
  });

  it('breaks exact ties with the noise: identical points still converge', () => {
    const X = [[0, 0], [0, 0], [0, 0], [5, 5], [5, 5], [5, 5]], S = negSqDist(X);
    const r = affinityPropagation(S, 6, { preference: -10 });
    expect(r.converged).toBe(true);
    expect([...r.labels]).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('reports non-convergence honestly', () => {
    const S = negSqDist(blobs()), preference = median(S);
    // Too few iterations for any exemplar: no clusters, every label −1.
    const none = affinityPropagation(S, 30, { preference, maxIter: 2 });
    expect(none).toEqual({ labels: new Int32Array(30).fill(-1), exemplars: new Int32Array(0), iterations: 2, converged: false });
    // Convergence needs convergenceIter + 1 iterations (as in sklearn), so maxIter = convergenceIter never
    // converges; the exemplars found so far are still returned, flagged.
    const early = affinityPropagation(S, 30, { preference, maxIter: 30, convergenceIter: 30 });
    expect(early.converged).toBe(false);
    expect(early.iterations).toBe(30);
    expect([...early.exemplars]).toEqual([...affinityPropagation(S, 30, { preference }).exemplars]);
  });

  it("handles sklearn's degenerate cases without iterating", () => {
    expect(affinityPropagation(Float64Array.of(3), 1, { preference: -1 })).toEqual({ labels: Int32Array.of(0), exemplars: Int32Array.of(0), iterations: 0, converged: true });
    const S = new Float64Array(9).fill(-1);
    const each = affinityPropagation(S, 3, { preference: -0.5 });
    expect([...each.labels]).toEqual([0, 1, 2]);
    expect([...each.exemplars]).toEqual([0, 1, 2]);
    for (const preference of [-1, -2]) {
      const one = affinityPropagation(S, 3, { preference });
      expect([...one.labels]).toEqual([0, 0, 0]);
      expect([...one.exemplars]).toEqual([0]);
    }
  });

  it('rejects bad inputs with the name of the argument', () => {
    const S = new Float64Array(4);
    expect(() => affinityPropagation(new Float64Array(6), 2, { preference: 0 })).toThrow(/similarity must be square, n × n = 4 values for n = 2, got 6/);
    expect(() => affinityPropagation(Float64Array.of(0, NaN, 1, 0), 2, { preference: 0 })).toThrow(/similarity\[0, 1\] must be finite, got NaN/);
    expect(() => affinityPropagation(S, 2, { preference: Float64Array.of(1, 2, 3) })).toThrow(/one value per point \(2\), got 3 values/);
    expect(() => affinityPropagation(S, 2, { preference: Infinity })).toThrow(/preference\[0\] must be finite/);
    expect(() => affinityPropagation(S, 2, { preference: 0, damping: 1 })).toThrow(/damping must be in \[0.5, 1\), got 1/);
    expect(() => affinityPropagation(S, 2, { preference: 0, damping: 0.4 })).toThrow(/damping must be in \[0.5, 1\), got 0.4/);
    expect(() => affinityPropagation(S, 2, { preference: 0, maxIter: 0 })).toThrow(/maxIter must be a positive integer/);
    expect(() => affinityPropagation(S, 2, { preference: 0, convergenceIter: 1.5 })).toThrow(/convergenceIter must be a positive integer/);
    expect(() => affinityPropagation(S, 0, { preference: 0 })).toThrow(/n must be a positive integer, got 0/);
  });
});

describe('clusterStates', () => {
  /**
   * A hand-made SR: four blocks A = 0–2, B = 3–5, C = 6–8, D = 9–11, A–B at 0.3 and C–D at 0.25 (both ways),
   * other pairs 0.05; state 12 belongs to A but was never visited; 13 is the goal. Inside a block the similarity
   * is 1 to the middle state and 0.8 to the others: with exactly equal points AP's exemplar flags stall for
   * convergenceIter iterations and it stops with a single cluster (scikit-learn does the same).
   */
  function blockSR(): Float64Array {
    const n = 14, M = new Float64Array(n * n), block = (s: number): number => (s === 12 ? 0 : s === 13 ? 4 : Math.floor(s / 3));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = block(i), b = block(j), pair = [a, b].sort().join();
        M[i * n + j] = a === 4 || b === 4 ? (a === b ? 1 : 0) : a === b ? (j === 3 * b + 1 ? 1 : 0.8) : pair === '0,1' ? 0.3 : pair === '2,3' ? 0.25 : 0.05;
      }
    }
    return M;
  }
  const visited = Uint8Array.from({ length: 14 }, (_, s) => (s === 12 ? 0 : 1));

  it('keeps AP clusters, then the unvisited cluster, then the goal', () => {
    const r = clusterStates(blockSR(), 14, { visited, goalState: 13 });
    expect(r.converged).toBe(true);
    expect([...r.labels]).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 5]);
    expect(r.numLabels).toBe(6);
  });

  it('merges the clusters with the most similar exemplars until numClusters are left', () => {
    const three = clusterStates(blockSR(), 14, { visited, goalState: 13, numClusters: 3 });
    expect([...three.labels]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 4]);
    expect(three.numLabels).toBe(5);
    // (A, B) then (B, A): the second pair is already merged and does not count, so (C, D) merges next.
    const two = clusterStates(blockSR(), 14, { visited, goalState: 13, numClusters: 2 });
    expect([...two.labels]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 3]);
    expect(two.numLabels).toBe(4);
  });

  it('gives several goal states one shared label, and no unvisited label when all were visited', () => {
    // State 1 is A's exemplar: A keeps its cluster (and its exemplar's SR row for merging) without it.
    const r = clusterStates(blockSR(), 14, { visited: new Uint8Array(14).fill(1), goalState: [1, 13] });
    expect([...r.labels]).toEqual([0, 4, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0, 4]);
    expect(r.numLabels).toBe(5);
  });

  /**
   * Two 5×5 rooms joined by a door (cells 0–49), three unreachable cells (50–52) and the goal in the far corner
   * as the last index (53); the SR is learned from 30 noisy walks to the goal, 10 passes as in the reference.
   */
  function twoRooms(): { sr: Float64Array; N: number; visited: Uint8Array; goal: number } {
    const cells: string[] = [];
    for (let y = 0; y < 5; y++) for (let x = 0; x < 11; x++) if ((x !== 5 || y === 2) && !(x === 10 && y === 4)) cells.push(`${x},${y}`);
    const N = cells.length + 3 + 1, goal = N - 1;
    const index = new Map(cells.map((c, i) => [c, i]));
    index.set('10,4', goal);
    const neighbours = (s: number): number[] => {
      const [x, y] = (s === goal ? '10,4' : cells[s]!).split(',').map(Number) as [number, number];
      return [[1, 0], [-1, 0], [0, 1], [0, -1]].map(([dx, dy]) => index.get(`${x + dx!},${y + dy!}`)).filter((j): j is number => j !== undefined);
    };
    const dist = new Int32Array(N).fill(-1), queue = [goal];
    dist[goal] = 0;
    while (queue.length > 0) {
      const s = queue.shift()!;
      for (const j of neighbours(s)) if (dist[j]! < 0) { dist[j] = dist[s]! + 1; queue.push(j); }
    }
    const rng = new Rng(7), seqs: Int32Array[] = [];
    for (let e = 0; e < 30; e++) {
      let s = rng.integer(25);
      const seq = [s];
      while (s !== goal) {
        const ns = neighbours(s), closer = ns.filter((j) => dist[j]! < dist[s]!);
        s = rng.random() < 0.7 ? closer[rng.integer(closer.length)]! : ns[rng.integer(ns.length)]!;
        seq.push(s);
      }
      seqs.push(Int32Array.from(seq));
    }
    const rep = new SuccessorRepresentation(N);
    rep.trainOnSequences(seqs, 10);
    const visited = new Uint8Array(N);
    for (const seq of seqs) for (const s of seq) visited[s] = 1;
    return { sr: rep.similarity(), N, visited, goal };
  }

  it('on a two-room gridworld: ≤ numClusters + 2 contiguous labels, unvisited states together, the goal alone', () => {
    const { sr, N, visited, goal } = twoRooms();
    expect(N).toBe(54);
    expect(visited[50]! + visited[51]! + visited[52]!).toBe(0);
    const prefs = new Float64Array(N).fill(-0.5);
    prefs[N - 1] = 1;
    const ap = affinityPropagation(sr, N, { preference: prefs, convergenceIter: 30 });
    const apClusters = new Set([...ap.labels].filter((_, s) => visited[s] && s !== goal)).size;
    for (const numClusters of [15, 4, 2]) {
      const { labels, numLabels } = clusterStates(sr, N, { visited, goalState: goal, numClusters });
      expect(numLabels).toBe(Math.min(apClusters, numClusters) + 2);
      expect(new Set(labels)).toEqual(new Set(Array.from({ length: numLabels }, (_, k) => k)));
      expect(labels[goal]).toBe(numLabels - 1);
      expect(labels.filter((l) => l === numLabels - 1).length).toBe(1);
      const unvisited = labels[50]!;
      for (let s = 0; s < N; s++) if (s !== goal) expect(labels[s] === unvisited).toBe(!visited[s]);
    }
    expect(apClusters).toBeGreaterThan(4); // so that numClusters 4 and 2 did merge
    expect(clusterStates(sr, N, { visited, goalState: goal, numClusters: 4 })).toEqual(clusterStates(sr, N, { visited, goalState: goal, numClusters: 4 }));
  });

  it('rejects bad inputs with the name of the argument', () => {
    const sr = new Float64Array(9), visited = new Uint8Array(3);
    expect(() => clusterStates(new Float64Array(8), 3, { visited, goalState: 2 })).toThrow(/sr must be numStates × numStates = 9 values, got 8/);
    expect(() => clusterStates(sr, 3, { visited: new Uint8Array(2), goalState: 2 })).toThrow(/visited must hold one flag per state \(3\), got 2/);
    expect(() => clusterStates(sr, 3, { visited, goalState: 3 })).toThrow(/goalState 3 is not a state in 0..2/);
    expect(() => clusterStates(sr, 3, { visited, goalState: [] })).toThrow(/goalState must name at least one state/);
    expect(() => clusterStates(sr, 3, { visited, goalState: 2, numClusters: 0 })).toThrow(/numClusters must be a positive integer, got 0/);
  });
});
