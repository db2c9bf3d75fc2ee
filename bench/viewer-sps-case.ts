/**
 * One run of the viewer bench's SPS part in a process of its own (bench/viewer.ts `spsRun`): argument a JSON
 * `{ envId, arm, steps, warmup, staticDir }`, result the run's figures as the last line of stdout.
 */
import { caseJson } from './child-case.ts';
import { spsRun, type SpsArm } from './viewer.ts';

const { envId, arm, steps, warmup, staticDir } = JSON.parse(process.argv[2] ?? '') as { envId: string; arm: SpsArm; steps: number; warmup: number; staticDir: string };
const run = await spsRun(envId, arm, steps, warmup, staticDir);
process.stdout.write(`${caseJson(run)}\n`, () => process.exit(0)); // a leftover handle must not keep the case alive
