/**
 * One case of a suite whose runs are function calls (align, align-ppo, tfjs-efficiency, watch-repair), in a process of its
 * own (bench/child-case.ts), so `--jobs N` runs N at a time and each gives what it gives alone.
 * Usage: tsx bench/case.ts <align|align-ppo|tfjs-efficiency|watch-repair> '<input JSON>'; prints the result as one JSON line.
 */
import { caseJson } from './child-case.ts';

const [suite, input] = process.argv.slice(2);
if (!suite || !input) throw new Error('usage: tsx bench/case.ts <align|align-ppo|tfjs-efficiency|watch-repair> <input JSON>');
const args = JSON.parse(input) as never; // each suite's runner validates its own options

// Each suite's modules load only in its own cases.
const CASES: Record<string, () => Promise<unknown>> = {
  align: async () => (await import('../src/experiments/rooms.ts')).runRoomsExperiment(args),
  'align-ppo': async () => (await import('./align-ppo-run.ts')).alignPpoRun(args),
  'tfjs-efficiency': async () => (await import('./tfjs-efficiency.ts')).tfjsEfficiencyRun(args),
  'watch-repair': async () => {
    const { model: _model, ...r } = (await import('../src/experiments/watch-repair-demo.ts')).runWatchRepairExperiment(args);
    return { ...r, firstQ: Array.from(r.firstQ) }; // the trained model (~1.5 MB as JSON) is not a result
  },
};
const run = CASES[suite];
if (!run) throw new Error(`bench/case.ts: unknown suite "${suite}" (known: ${Object.keys(CASES).join(', ')})`);
console.log(caseJson(await run()));
