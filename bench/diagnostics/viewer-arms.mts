/**
 * Viewer bench arms, paired by round, for a question the full bench answers too slowly: runs the given arms of
 * `npm run bench -- viewer`'s SPS part (each in a fresh process, bench/viewer-sps-case.ts), `no viewer` first
 * in every round and the others in a rotating order, and prints each run's SPS and the trainer's thread's CPU
 * per step against that round's `no viewer`, then the medians. On a shared machine a slow stretch can hit one
 * run of a round; many short rounds and medians are the defence.
 *
 * Usage: npx tsx bench/diagnostics/viewer-arms.mts [--env Bowling-v0] [--rounds 10] [--steps 200000] [--warmup 50000] [--arms blank,page,paused,ws1,again]
 */
import { parseArgs } from 'node:util';
import { runChildCase } from '../child-case.ts';
import { SPS_ARMS, type SpsArm, type SpsRun } from '../viewer.ts';
import { buildPage } from '../../src/viewer/build-page.ts';
import { median } from '../../src/stats/summary.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Short names for the full bench's arms.
const arm = (kind: string, extra: (a: SpsArm) => boolean = () => true): SpsArm => SPS_ARMS.find((a) => a.kind === kind && extra(a))!;
const ARMS: Record<string, SpsArm> = {
  blank: arm('blank'),
  page: arm('page', (a) => !('paused' in a)),
  paused: arm('page', (a) => 'paused' in a),
  ws1: arm('clients', (a) => 'clients' in a && a.clients === 1),
  again: SPS_ARMS[1],
};
const { values: o } = parseArgs({ options: { env: { type: 'string', default: 'Bowling-v0' }, rounds: { type: 'string', default: '10' }, steps: { type: 'string', default: '200000' }, warmup: { type: 'string', default: '50000' }, arms: { type: 'string', default: 'blank,page' } } });
const arms = o.arms.split(',').map((a) => {
  const chosen = ARMS[a];
  if (!chosen) throw new Error(`unknown arm ${a}: one of ${Object.keys(ARMS).join(', ')}`);
  return chosen;
});
const staticDir = await buildPage(mkdtempSync(join(tmpdir(), 'viewer-arms-')));
const run = (arm: SpsArm): Promise<SpsRun> => runChildCase<SpsRun>('bench/viewer-sps-case.ts', [JSON.stringify({ envId: o.env, arm, steps: Number(o.steps), warmup: Number(o.warmup), staticDir })]);
const perStep = (r: SpsRun): number => r.trainerMs / r.steps;
const changes = new Map<string, { sps: number[]; cpu: number[] }>(arms.map((a) => [a.name, { sps: [], cpu: [] }]));
for (let r = 0; r < Number(o.rounds); r++) {
  const base = await run(SPS_ARMS[0]);
  console.log(`round ${r + 1}: no viewer ${Math.round(base.sps)} SPS, ${(1000 * perStep(base)).toFixed(2)} µs/step`);
  for (let i = 0; i < arms.length; i++) {
    const arm = arms[(i + r) % arms.length]!;
    const x = await run(arm);
    const c = changes.get(arm.name)!;
    c.sps.push(100 * (x.sps / base.sps - 1));
    c.cpu.push(100 * (perStep(x) / perStep(base) - 1));
    console.log(`  ${arm.name}: ${Math.round(x.sps)} SPS (${c.sps.at(-1)!.toFixed(1)} %), ${(1000 * perStep(x)).toFixed(2)} µs/step (${c.cpu.at(-1)!.toFixed(1)} %), clients ${((100 * x.clientsMs) / x.wallMs).toFixed(1)} % of a core`);
  }
}
for (const [name, c] of changes) console.log(`${o.env}, ${name}: SPS vs no viewer median ${median(c.sps).toFixed(1)} % (${c.sps.map((v) => v.toFixed(1)).join(', ')}); trainer's CPU per step ${median(c.cpu).toFixed(1)} %`);
process.exit(0);
