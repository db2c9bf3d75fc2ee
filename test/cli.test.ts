import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = resolve(ROOT, 'bin/rudder.mjs');
const run = promisify(execFile);

async function rudder(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

describe('rudder CLI', () => {
  it('--help lists the commands and examples', async () => {
    const r = await rudder('--help');
    expect(r.code).toBe(0);
    for (const cmd of ['play', 'envs', 'check', 'Examples']) expect(r.stdout).toContain(cmd);
  });

  it('play runs seeded expert episodes and prints statistics', async () => {
    const r = await rudder('play');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CartPole-v1 · expert policy · 5 episode(s) from seed 1');
    // The expert balances the pole for the whole 500-step limit in every episode.
    expect(r.stdout.match(/ 500\.00 +500 +truncated/g)?.length).toBe(5);
    expect(r.stdout).toContain('reward threshold 475: reached');
  });

  it('play is deterministic for a seed and differs across seeds', async () => {
    const a = await rudder('play', '--policy', 'random', '--seed', '3', '--episodes', '4');
    const b = await rudder('play', '--policy', 'random', '--seed', '3', '--episodes', '4');
    const c = await rudder('play', '--policy', 'random', '--seed', '4', '--episodes', '4');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.split('\n').slice(3, 7)).not.toEqual(c.stdout.split('\n').slice(3, 7));
  });

  it('play --render ansi prints the final frame', async () => {
    const r = await rudder('play', '--episodes', '1', '--render', 'ansi', '--policy', 'random');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[#\]/);
  });

  it('envs lists CartPole with its limits and spaces', async () => {
    const r = await rudder('envs');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CartPole-v1 +500 +475 +Discrete\(2\) +Box\(/);
  });

  it('a user env module registers, checks and plays end to end', async () => {
    const mod = resolve(ROOT, 'examples/custom-env.ts');
    const check = await rudder('check', '--env-module', mod, '--env', 'Corridor-v0');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('Corridor-v0: checkEnv passed');
    const play = await rudder('play', '--env-module', mod, '--env', 'Corridor-v0', '--policy', 'random', '--episodes', '2');
    expect(play.code).toBe(0);
    expect(play.stdout).toContain('Corridor-v0 · random policy · 2 episode(s)');
    // The expert registered with the env: always right, so every episode ends at the corridor's end with 1.
    const expert = await rudder('play', '--env-module', mod, '--env', 'Corridor-v0', '--policy', 'expert', '--episodes', '3');
    expect(expert.code).toBe(0);
    expect(expert.stderr).not.toContain('no scripted expert');
    expect(expert.stdout).toContain('Corridor-v0 · expert policy · 3 episode(s)');
    expect(expert.stdout).toMatch(/mean return 1\.00/);
  });

  it('--env-module is one global option: before the command, after it, repeated, and on align too', async () => {
    const mod = resolve(ROOT, 'examples/custom-env.ts');
    const before = await rudder('--env-module', mod, 'check', '--env', 'Corridor-v0');
    expect(before.code).toBe(0);
    expect(before.stdout).toContain('Corridor-v0: checkEnv passed');
    const twice = await rudder('envs', '--env-module', mod, '--env-module', mod);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toMatch(/^Corridor-v0 /m);
    // align loads the module too: a broken one fails before the experiment runs.
    const alignBad = await rudder('align', '--env-module', './no-such-file.ts', '--demos', '2');
    expect(alignBad.code).not.toBe(0);
    expect(alignBad.stderr).toContain('could not load env module ./no-such-file.ts');
    const alignOk = await rudder('align', '--env-module', mod, '--demos', '2', '--method', 'bc-q', '--max-episodes', '10');
    expect(alignOk.code).toBe(0);
    expect(alignOk.stdout).toContain('FourRooms-v0, 2 demonstrations');
    const help = await rudder('align', '--help');
    expect(help.stdout).toMatch(/Global Options:\s+--env-module <path>/);
  });

  it('bad input gets a clear error and a non-zero exit', async () => {
    const unknown = await rudder('play', '--env', 'CartPol-v1');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('Did you mean CartPole-v1');
    const badN = await rudder('play', '--episodes', 'zero');
    expect(badN.code).not.toBe(0);
    expect(badN.stderr).toContain('--episodes must be an integer ≥ 1');
    const badMod = await rudder('envs', '--env-module', './no-such-file.ts');
    expect(badMod.code).not.toBe(0);
    expect(badMod.stderr).toContain('could not load env module ./no-such-file.ts');
  });

  it('align runs Align-RUDDER and BC+Q from the same demos, deterministically, and rejects a non-rooms env', async () => {
    const a = await rudder('align', '--demos', '5', '--seed', '1');
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const episodes = (name: string): number => Number(new RegExp(`${name}\\s+reached .* after ([\\d,]+) training episodes`).exec(a.stdout)![1]!.replace(/,/g, ''));
    // Five demos: aligning them pays off (the bench measures this over 20 seeds; this is one fixed seed).
    expect(episodes('Align-RUDDER')).toBeLessThan(episodes('BC\\+Q'));
    expect(a.stdout).toMatch(/FourRooms-v0, 5 demonstrations \(mean length [\d.]+ steps\), seed 1/);
    expect((await rudder('align', '--demos', '5', '--seed', '1', '--method', 'align-rudder')).stdout.split('\n')[0]!.replace(/ · [\d.]+ s$/, ''))
      .toBe(a.stdout.split('\n')[0]!.replace(/ · [\d.]+ s$/, ''));
    const bad = await rudder('align', '--env', 'CartPole-v1');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/argument 'CartPole-v1' is invalid\. Allowed choices are FourRooms-v0/);
  });

  it('demos record writes expert episodes to a .jsonl file that demos show reads back; an env without an expert is a clear error', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cli-demos-')), 'kdt.jsonl');
    const rec = await rudder('demos', 'record', '--env', 'KeyDoorTreasure-v0', '--episodes', '3', '--seed', '2', '--noise', '0.1', '--out', out);
    expect(rec.code).toBe(0);
    const show = await rudder('demos', 'show', out);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('3 episode(s) of KeyDoorTreasure-v0, each checked by replay');
    expect(show.stdout.match(/^ +\d +[234] +\d+ +[\d.]+ +terminated +expert ε=0\.1$/gm)?.length).toBe(3);
    const bad = await rudder('demos', 'record', '--env', 'CartPole-v1', '--episodes', '1', '--out', join(tmpdir(), 'x.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\.jsonl/);
  });
});
