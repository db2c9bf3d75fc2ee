// Usage: SEED=1 npx tsx bench/diagnostics/delay-success.mts D budget rudder|ppo '<rudder json>' '<env kwargs json>' '<ppo json>'
// PPO (or PPO + RUDDER) on KeyDoorTreasure 8×8 delayed with distractors and delay D: success rate, policy entropy
// and (with RUDDER) the running trust and the last episode's loss per 100 iterations. An env `reward` other than delayed drops the delay.
import { trainPpo } from '../../src/agents/ppo/ppo.ts';
import { RudderRedistribution } from '../../src/rudder/ppo-redistribution.ts';
const D = Number(process.argv[2]), budget = Number(process.argv[3]), rud = process.argv[4] === 'rudder', extra = JSON.parse(process.argv[5] ?? '{}'), envExtra = JSON.parse(process.argv[6] ?? '{}'), ppoExtra = JSON.parse(process.argv[7] ?? '{}');
const envKwargs: Record<string, unknown> = { reward: "delayed", size: 8, delay: D, distractors: { probability: 0.1, magnitude: 0.03 }, ...envExtra };
if (envKwargs.reward !== "delayed") delete envKwargs.delay; // delay is the DelayedReward wrapper's
const red = rud ? RudderRedistribution.forEnv('KeyDoorTreasure-v0', envKwargs, { seed: 1, returnScale: 1, ...extra }) : null;
let eps = 0, succ = 0, ent = 0, ni = 0; const line: string[] = [];
await trainPpo({ envId: 'KeyDoorTreasure-v0', envKwargs, seed: Number(process.env.SEED ?? 1), totalTimesteps: budget, ...ppoExtra }, { redistribution: red, hooks: {
  onRolloutEnd: (v) => { for (let k = 0; k < v.numSteps * v.numEnvs; k++) if (v.valid[k] && (v.terminated[k] || v.truncated[k])) { eps++; if (v.terminated[k]) succ++; } },
  onIteration: (s) => { ent += s.entropy; ni++; if (s.iteration % 100 === 0) { { const b = `${Math.round(s.globalStep/1000)}k:${eps ? Math.round(100*succ/eps) : -1}%/H${(ent/ni).toFixed(2)}${red ? `/q${red.stats().quality.toFixed(2)}/L${red.stats().lastLoss.toPrecision(2)}/skip${red.stats().skippedSteps}` : ''}`; line.push(b); if (process.env.STREAM) console.log(b); } eps = 0; succ = 0; ent = 0; ni = 0; } return true; } } });
console.log(`D=${D} ${rud ? 'RUDDER' : 'PPO'} ${JSON.stringify(extra)} ${JSON.stringify(envExtra)} ${JSON.stringify(ppoExtra)}: ${line.join(' ')}`);
