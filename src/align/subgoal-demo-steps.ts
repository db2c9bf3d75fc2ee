import { demoSteps, type DemoSteps } from '../agents/ppo/bc.ts';
import type { Demonstration } from '../envs/core/demonstration.ts';
import { NO_EVENT, type TransitionEvents } from './transition-events.ts';

/**
 * BC's demo steps (bc.ts `demoSteps`) as the augmented policy sees them: each observation with the flags of
 * the events its episode made before it, so `--bc` and `--align-augment` go together. Row t's flags need
 * only the transitions between rows before it, so the demos are taken one episode at a time.
 */
export function subgoalDemoSteps(demos: readonly Demonstration[], encoder: TransitionEvents): DemoSteps {
  const K = encoder.numEvents, parts: Float32Array[] = [], actions: Int32Array[] = [];
  let D = -1;
  demos.forEach((d, k) => {
    const s = demoSteps([d]);
    if (D >= 0 && s.obsDim !== D) throw new RangeError(`subgoalDemoSteps: demo ${k} has observations of ${s.obsDim} values, demo 0 of ${D}`);
    D = s.obsDim;
    const n = s.actions.length, W = D + K, out = new Float32Array(n * W), flags = new Float32Array(K);
    for (let t = 0; t < n; t++) {
      const row = s.obs.subarray(t * D, (t + 1) * D);
      if (t === 0) {
        const e0 = encoder.start(row);
        if (e0 !== NO_EVENT) flags[e0] = 1;
      } else {
        const e = encoder.event(s.obs.subarray((t - 1) * D, t * D), s.actions[t - 1]!, row);
        if (e !== NO_EVENT) flags[e] = 1;
      }
      out.set(row, t * W);
      out.set(flags, t * W + D);
    }
    parts.push(out);
    actions.push(s.actions);
  });
  const obs = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    obs.set(p, at);
    at += p.length;
  }
  const acts = new Int32Array(actions.reduce((a, p) => a + p.length, 0));
  at = 0;
  for (const a of actions) {
    acts.set(a, at);
    at += a.length;
  }
  return { obsDim: D + K, obs, actions: acts };
}
