import { trainPpo } from '../src/agents/ppo/ppo.ts';
const steps = Number(process.argv[2] ?? 50000);
const t0 = performance.now();
const res = await trainPpo({ totalTimesteps: steps, seed: 1 }, {
  backend: (process.argv[3] ?? 'auto') as 'auto',
  onIteration: (s) => { if (s.iteration % 10 === 0) console.log(s.iteration, s.globalStep, s.meanEpisodeReturn.toFixed(1), s.sps.toFixed(0), 'kl', s.approxKl.toFixed(4), 'ev', s.explainedVariance.toFixed(2), 'ent', s.entropy.toFixed(3)); },
});
console.log(res.backend, 'done', ((performance.now() - t0) / 1000).toFixed(1), 's');
const last = res.episodes.slice(-20); console.log('last20', last.reduce((a, e) => a + e.return, 0) / last.length);
