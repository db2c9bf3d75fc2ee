/**
 * The sub-goal agents' switch (subgoal-agents.ts): which agent acts on an augmented observation (the env's
 * observation, then one 0/1 flag per event kind seen so far: subgoal-observation.ts). It is a function of
 * the observation alone, so the trainer, `rudder eval` and the viewer's page (which plays a saved sub-goal
 * model in the browser) switch with this one function. No Node or training imports: the page bundles it.
 */

/** How the stage is read from an augmented observation. */
export interface SubgoalStages {
  /** Where the env's own observation ends and the K event flags begin. */
  readonly envObsDim: number;
  /** K, the flags after envObsDim. */
  readonly numEvents: number;
  /** The sub-goals' events in profile order, each once (a repeated event would be open only once). */
  readonly events: Int32Array;
}

/** The stages of these sub-goals: their events in order, each kept at its first sub-goal. */
export function subgoalStages(subgoals: readonly { event: number; name: string }[], envObsDim: number, numEvents: number): SubgoalStages {
  if (subgoals.length === 0) throw new RangeError('subgoalStages: no sub-goals (the profile has no peak columns)');
  const seen = new Set<number>();
  for (const g of subgoals) {
    if (!(Number.isInteger(g.event) && g.event >= 0 && g.event < numEvents)) throw new RangeError(`subgoalStages: sub-goal "${g.name}" has event ${g.event}, outside 0..${numEvents - 1}`);
    seen.add(g.event); // a Set keeps first-insertion order
  }
  return { envObsDim, numEvents, events: Int32Array.from(seen) };
}

/** The current sub-goal of an augmented observation row [envObsDim + K]: the first whose event flag is 0 (the last one once all are set). */
export function stageOf(row: Float32Array, s: SubgoalStages): number {
  const m = s.events.length;
  for (let j = 0; j < m; j++) if (row[s.envObsDim + s.events[j]!] === 0) return j;
  return m - 1;
}
