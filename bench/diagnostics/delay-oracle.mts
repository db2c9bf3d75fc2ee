// Usage: SEED=1 npx tsx bench/diagnostics/delay-oracle.mts D budget '<ppo json>'
// PPO on KeyDoorTreasure with a delay after the treasure but the natural (undelayed) reward: what a perfect
// redistribution would give PPO. Args: D budget [ppoJson]; env SEED, ENVKW (extra KeyDoorTreasure kwargs as JSON).
import { trainPpo } from '../../src/agents/ppo/ppo.ts';
import { register } from '../../src/envs/core/registry.ts';
import { make } from '../../src/envs/core/registry.ts';
import '../../src/envs/registrations.ts';
import { Wrapper } from '../../src/envs/wrappers/wrapper.ts';
import { Box } from '../../src/envs/spaces/box.ts';
import type { Env, StepResult } from '../../src/envs/core/env.ts';
class NatDelay extends Wrapper<Float32Array, number> {
  left = 0; inDelay = false; buf: Float32Array; n: number; frozen!: Float32Array;
  out: StepResult<Float32Array> = { obs: new Float32Array(0), reward: 0, terminated: false, truncated: false, info: {} };
  constructor(env: Env<Float32Array, number>, readonly D: number) {
    super(env); const s = env.observationSpace as Box; this.n = s.size; this.buf = new Float32Array(this.n + 1);
    const lo = new Float64Array(this.n + 1), hi = new Float64Array(this.n + 1); lo.set(s.low); hi.set(s.high); hi[this.n] = 1;
    this.observationSpace = new Box(lo, hi, [this.n + 1], 'float32') as never;
  }
  wc(o: Float32Array, c: number) { this.buf.set(o); this.buf[this.n] = c; return this.buf; }
  reset(o?: never) { this.inDelay = false; const r = this.env.reset(o); return { obs: this.wc(r.obs, 0), info: r.info }; }
  step(a: number) {
    const out = this.out;
    if (this.inDelay) { this.left--; out.reward = (this.env.unwrapped as unknown as { delayStepReward(): number }).delayStepReward(); this.buf[this.n] = this.left / this.D; out.obs = this.buf; out.terminated = this.left === 0; out.truncated = false; out.info = {}; if (this.left === 0) this.inDelay = false; return out; }
    const r = this.env.step(a); out.reward = r.reward; out.info = r.info; out.truncated = r.truncated;
    if (r.terminated && this.D > 0) { this.inDelay = true; this.left = this.D; out.obs = this.wc(r.obs, 1); out.terminated = false; return out; }
    out.obs = this.wc(r.obs, 0); out.terminated = r.terminated; return out;
  }
}
const D = Number(process.argv[2]), budget = Number(process.argv[3]), ppoExtra = JSON.parse(process.argv[4] ?? '{}');
register('KdtNatDelay-v0', (kw) => new NatDelay(make('KeyDoorTreasure-v0', { size: 8, distractors: { probability: 0.1, magnitude: 0.03 }, ...JSON.parse(process.env.ENVKW ?? '{}') }) as Env<Float32Array, number>, Number(kw.D)), { maxEpisodeSteps: null });
let eps = 0, succ = 0, ent = 0, ni = 0; const line: string[] = [];
await trainPpo({ envId: 'KdtNatDelay-v0', envKwargs: { D }, seed: Number(process.env.SEED ?? 1), totalTimesteps: budget, ...ppoExtra }, { hooks: {
  onRolloutEnd: (v) => { for (let k = 0; k < v.numSteps * v.numEnvs; k++) if (v.valid[k] && (v.terminated[k] || v.truncated[k])) { eps++; if (v.terminated[k]) succ++; } },
  onIteration: (s) => { ent += s.entropy; ni++; if (s.iteration % 100 === 0) { line.push(`${Math.round(s.globalStep/1000)}k:${eps ? Math.round(100*succ/eps) : -1}%/H${(ent/ni).toFixed(2)}`); eps = 0; succ = 0; ent = 0; ni = 0; } return true; } } });
console.log(`ORACLE D=${D} ${process.env.ENVKW ?? ''} ${JSON.stringify(ppoExtra)}: ${line.join(' ')}`);
