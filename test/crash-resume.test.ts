import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { latestCheckpoint } from '../src/agents/run/checkpoint.ts';
import { exactRunMetrics } from './support/run-metrics.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/rudder.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'rudder-crash-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cfgFile = join(tmp, 'ppo.json');
writeFileSync(cfgFile, JSON.stringify({ numEnvs: 2, numSteps: 32, numMinibatches: 2, updateEpochs: 2 }));
const ITERATIONS = 400;
const trainArgs = (out: string): string[] => [
  BIN, 'train', '--out', out, '--config', cfgFile, '--seed', '5', '--steps', String(ITERATIONS * 64), '--checkpoint-every', '2', '--backend', 'cpu', '--no-progress',
];

/**
 * Starts `rudder train`, waits until it is training (its start line is out and, for the first session, a
 * checkpoint exists), then `delayMs` more, and kills it with SIGKILL. Resolves false if it finished first.
 */
function trainAndKill(args: string[], out: string, firstSession: boolean, delayMs: number): Promise<boolean> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += String(d)));
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const poll = setInterval(() => {
      if (!stdout.includes('run folder') || (firstSession && !existsSync(join(out, 'checkpoints', 'latest.json')))) return;
      clearInterval(poll);
      setTimeout(() => {
        killed = child.kill('SIGKILL');
      }, delayMs);
    }, 20);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (signal === 'SIGKILL' && killed) done(true);
      else if (code === 0) done(false);
      else fail(new Error(`rudder train exited with ${String(code ?? signal)}:\n${stdout}\n${stderr}`));
    });
  });
}

describe('kill -9 of a real `rudder train`, resumed each time', () => {
  it('every iteration appears once, in order, and metrics and weights equal the uninterrupted run\'s', async () => {
    const full = join(tmp, 'full');
    await promisify(execFile)(process.execPath, trainArgs(full));
    const expected = exactRunMetrics(full);
    expect(expected.iterations).toEqual(Array.from({ length: ITERATIONS }, (_, i) => i + 1));

    const out = join(tmp, 'crashed');
    // The first kill comes as soon as the first checkpoint is written, so that at least one crash lands mid-run
    // whatever the machine's speed; the later ones at random moments (a session that finishes first ends the loop).
    const delays = Array.from({ length: 10 }, (_, k) => (k === 0 ? 0 : Math.round(50 + Math.random() * 700)));
    const kills: string[] = [];
    for (let k = 0; k < delays.length; k++) {
      const args = k === 0 ? trainArgs(out) : [...trainArgs(out), '--resume'];
      const wasKilled = await trainAndKill(args, out, k === 0, delays[k]!);
      kills.push(`${delays[k]} ms → ${wasKilled ? `killed, latest ${latestCheckpoint(out)}` : 'finished first'}`);
      if (!wasKilled) break;
    }
    expect(kills[0], kills.join("; ")).toContain("killed"); // at least one crash happened mid-run
    console.log(`crash test: ${kills.join("; ")}`);
    const last = await promisify(execFile)(process.execPath, [...trainArgs(out), '--resume']);
    expect(last.stdout).toContain('resumed at step');
    const got = exactRunMetrics(out);
    const why = `kills: ${kills.join('; ')}`;
    expect(got.iterations, why).toEqual(expected.iterations);
    expect(got.csvIterations, why).toEqual(expected.csvIterations);
    expect(got, why).toEqual(expected);
    expect(readFileSync(join(out, 'model/weights.bin')).equals(readFileSync(join(full, 'model/weights.bin'))), why).toBe(true);
    const final = `checkpoints/iter-${String(ITERATIONS).padStart(7, '0')}/tensors.bin`;
    expect(readFileSync(join(out, final)).equals(readFileSync(join(full, final))), why).toBe(true);
    const summary = (d: string): unknown => {
      const { episodes, meanReturnLast20, globalStep, iterations } = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as Record<string, unknown>;
      return { episodes, meanReturnLast20, globalStep, iterations };
    };
    expect(summary(out), why).toEqual(summary(full));
  }, 120_000);
});
