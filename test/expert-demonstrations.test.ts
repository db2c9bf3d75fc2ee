import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DemonstrationError, formatDemonstrations, loadDemonstration, loadDemonstrationFile, loadDemonstrations, recordExpertDemonstrations, register,
  saveDemonstrations, CartPoleEnv,
} from '../src/envs/index.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'demos-jsonl-'));

describe('demonstration files of several episodes (.jsonl)', () => {
  it('records the ItemChain expert, writes one episode per line atomically, and reads the same episodes back', () => {
    const demos = recordExpertDemonstrations('ItemChain-v0', { episodes: 2, seed: 5, noise: 0.1 });
    expect(demos.map((d) => d.seed)).toEqual([5, 6]);
    expect(demos.every((d) => d.terminated && d.return === 1571)).toBe(true); // the expert mines the diamond
    expect(demos[0]!.source).toBe('expert ε=0.1');
    const dir = tmp(), path = join(dir, 'demos.jsonl');
    saveDemonstrations(path, demos);
    expect(readdirSync(dir)).toEqual(['demos.jsonl']); // no temporary file left
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(2);
    expect(loadDemonstrations(path)).toEqual(demos);
    expect(loadDemonstrations(dir)).toEqual(demos);
    expect(formatDemonstrations(path, demos)).toMatch(new RegExp(`2 episode\\(s\\) of ItemChain-v0[^]*\\n +1 +6 +${demos[1]!.actions.length} +1571\\.00 +terminated`));
  });

  it('is deterministic: the same seed and noise give the same actions; other noise, other actions', () => {
    const a = recordExpertDemonstrations('KeyDoorTreasure-v0', { episodes: 2, seed: 3, noise: 0.3 });
    const b = recordExpertDemonstrations('KeyDoorTreasure-v0', { episodes: 2, seed: 3, noise: 0.3 });
    const c = recordExpertDemonstrations('KeyDoorTreasure-v0', { episodes: 2, seed: 3, noise: 0 });
    expect(b.map((d) => d.actions)).toEqual(a.map((d) => d.actions));
    expect(c.map((d) => d.actions)).not.toEqual(a.map((d) => d.actions));
  });

  it('stores observations on request and checks them on load, naming the episode, the step and the value', () => {
    const demos = recordExpertDemonstrations('KeyDoorTreasure-v0', { episodes: 2, seed: 1, observations: true });
    expect(demos[1]!.observations).toHaveLength(demos[1]!.actions.length + 1);
    const path = join(tmp(), 'obs.jsonl');
    saveDemonstrations(path, demos);
    expect(loadDemonstrationFile(path)).toEqual(demos);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const d1 = JSON.parse(lines[1]!);
    d1.observations[2][0] += 1;
    writeFileSync(path, `${lines[0]}\n${JSON.stringify(d1)}\n`);
    expect(() => loadDemonstrations(path)).toThrow(/obs\.jsonl episode 1 \(line 2\): observations\.2 \(after step 1\): value 0 is/);
    d1.observations.pop();
    writeFileSync(path, `${lines[0]}\n${JSON.stringify(d1)}\n`);
    expect(() => loadDemonstrations(path)).toThrow(/episode 1 \(line 2\): observations has \d+ entries, expected \d+/);
  });

  it('a malformed or mismatching line is an error naming the file, the episode, its line and the field', () => {
    const demos = recordExpertDemonstrations('KeyDoorTreasure-v0', { episodes: 3, seed: 1 });
    const dir = tmp(), path = join(dir, 'd.jsonl');
    saveDemonstrations(path, demos);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const write = (i: number, line: string): void => writeFileSync(path, lines.map((l, k) => (k === i ? line : l)).join('\n'));
    const patched = (patch: Record<string, unknown>): string => JSON.stringify({ ...JSON.parse(lines[2]!), ...patch });
    write(1, lines[1]!.slice(0, 30));
    expect(() => loadDemonstrations(path)).toThrow(/d\.jsonl episode 1 \(line 2\): not a JSON line/);
    write(2, patched({ seed: -1 }));
    expect(() => loadDemonstrations(path)).toThrow(/episode 2 \(line 3\): not a valid rudder-demonstration v1: seed/);
    write(2, patched({ envKwargs: undefined }));
    expect(() => loadDemonstrations(path)).toThrow(/episode 2 \(line 3\): .*envKwargs/);
    const r = JSON.parse(lines[2]!).rewards as number[];
    write(2, patched({ rewards: r.map((x, t) => (t === 0 ? x + 2 : x)), return: r.reduce((a, b) => a + b, 0) + 2 }));
    expect(() => loadDemonstrations(path)).toThrow(/episode 2 \(line 3\): step 0 \(action \d+\) gives reward 0 on replay, the file says 2/);
    write(2, patched({ actions: JSON.parse(lines[2]!).actions.slice(0, -1), rewards: r.slice(0, -1), return: r.slice(0, -1).reduce((a, b) => a + b, 0), terminated: true }));
    expect(() => loadDemonstrations(path)).toThrow(/episode 2 \(line 3\): after the last action the replay has terminated=false/);
    write(0, patched({ envId: 'CartPole-v1' }));
    expect(() => loadDemonstrations(path)).toThrow(/episode 0 \(line 1\): /);
    writeFileSync(path, '\n\n');
    expect(() => loadDemonstrations(path)).toThrow(/d\.jsonl: no episodes/);
    saveDemonstrations(path, demos);
    expect(() => loadDemonstration(path)).toThrow(/holds 3 episodes, expected one/);
    expect(() => saveDemonstrations(path, [])).toThrow(/no episodes to write/);
    const before = readFileSync(path, 'utf8');
    expect(() => saveDemonstrations(path, [demos[0]!, { ...demos[1]!, seed: demos[1]!.seed + 100 }])).toThrow(/d\.jsonl episode 1: /);
    expect(readFileSync(path, 'utf8')).toBe(before); // a refused save leaves the old file
  });

  it('refuses an env without a scripted expert, naming those that have one, and an unknown id', () => {
    register('NoExpertCartPole-v0', () => new CartPoleEnv());
    expect(() => recordExpertDemonstrations('NoExpertCartPole-v0', { episodes: 1 })).toThrow(DemonstrationError);
    expect(() => recordExpertDemonstrations('NoExpertCartPole-v0', { episodes: 1 })).toThrow(/NoExpertCartPole-v0 has no scripted expert.*envs with one: .*ItemChain-v0/);
    expect(() => recordExpertDemonstrations('NoSuchEnv-v0', { episodes: 1 })).toThrow(/NoSuchEnv/);
    expect(() => recordExpertDemonstrations('ItemChain-v0', { episodes: 1, noise: 2 })).toThrow(/noise ε must be in \[0, 1\]/);
  });
});
