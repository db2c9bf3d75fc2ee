// Usage: SEED=1 npx tsx bench/diagnostics/venture-rudder.mts budget rudder|ppo '<rudder json>' [reward]
// PPO (VENTURE_PPO, VENTURE_EASY) on Venture-v0 with the delayed reward (or `reward` natural): per 50
// iterations the training episodes' mean score (in points), the share that scored, the policy entropy and,
// with RUDDER, its trust, last loss and skipped steps.
import { trainPpo } from '../../src/agents/ppo/ppo.ts';
import { RudderRedistribution } from '../../src/rudder/ppo-redistribution.ts';
import { VENTURE_EASY, VENTURE_PPO } from '../../src/experiments/venture.ts';
const budget = Number(process.argv[2]), rud = process.argv[3] === 'rudder', extra = JSON.parse(process.argv[4] ?? '{}'), reward = process.argv[5] ?? 'delayed';
const envKwargs = { ...VENTURE_EASY, reward };
const red = rud ? RudderRedistribution.forEnv('Venture-v0', envKwargs, { seed: 1, ...extra }) : null;
const ret = new Float64Array(64);
let eps = 0, scored = 0, sum = 0, ent = 0, ni = 0; const line: string[] = [];
await trainPpo({ ...VENTURE_PPO, envKwargs, seed: Number(process.env.SEED ?? 1), totalTimesteps: budget }, { redistribution: red, hooks: {
  onRolloutEnd: (v) => {
    for (let k = 0; k < v.numSteps * v.numEnvs; k++) {
      if (!v.valid[k]) continue;
      const n = k % v.numEnvs;
      ret[n]! += v.rewards[k]!; // unscaled env rewards (PPO's rewardScale applies after)
      if (v.terminated[k] || v.truncated[k]) { eps++; sum += ret[n]!; if (ret[n]! > 0) scored++; ret[n] = 0; }
    }
  },
  onIteration: (s) => {
    ent += s.entropy; ni++;
    if (s.iteration % 50 === 0) {
      const st = red?.stats();
      line.push(`${Math.round(s.globalStep / 1000)}k:${eps ? (sum / eps).toFixed(0) : '-'}/${eps ? Math.round(100 * scored / eps) : -1}%/H${(ent / ni).toFixed(2)}${st ? `/q${st.quality.toFixed(2)}/L${st.lastLoss.toPrecision(2)}/skip${st.skippedSteps}` : ''}`);
      process.stderr.write(`${line[line.length - 1]}\n`); // as it goes: a 2M-step run takes most of an hour
      eps = 0; scored = 0; sum = 0; ent = 0; ni = 0;
    }
    return true;
  },
} });
console.log(`Venture ${reward} ${rud ? `RUDDER ${JSON.stringify(extra)}` : 'PPO'}: ${line.join(' ')}`);
