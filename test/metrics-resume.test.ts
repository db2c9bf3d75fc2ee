import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, MetricsLog } from '../src/agents/run/metrics.ts';
import { runTrain, type TrainCommand } from '../scripts/train.ts';
import { exactRunMetrics } from './support/run-metrics.ts';

const tmp = mkdtempSync(join(tmpdir(), 'rudder-metrics-resume-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = join(tmp, `d${n++}`);
  mkdirSync(d);
  return d;
};

describe('MetricsLog: a fresh run', () => {
  it('refuses a folder that holds another run\'s metrics, naming the files, and changes nothing', () => {
    const d = fresh();
    writeFileSync(join(d, 'metrics.jsonl'), '{"type":"episode","global_step":5,"return":1,"length":5}\n');
    expect(() => MetricsLog.create(d)).toThrow(/already holds the metrics of another run \(metrics\.jsonl\) but no checkpoint to resume; delete them or choose another --out/);
    expect(readFileSync(join(d, 'metrics.jsonl'), 'utf8')).toContain('"global_step":5');
    const e = fresh();
    writeFileSync(join(e, 'metrics.csv'), `${CSV_COLUMNS.join(',')}\n1,2,3\n`);
    expect(() => MetricsLog.create(e)).toThrow(/\(metrics\.csv\)/);
  });

  it('accepts an empty folder, or one with only a CSV header (a run that failed before its first iteration)', () => {
    const d = fresh();
    writeFileSync(join(d, 'metrics.csv'), `${CSV_COLUMNS.join(',')}\n`);
    const log = MetricsLog.create(d);
    expect(existsSync(log.csvPath)).toBe(false); // the header-only CSV is gone, and none is written before a row
    log.event('episode', { global_step: 1, return: 2, length: 3 });
    expect(existsSync(log.csvPath)).toBe(false);
    expect(log.mark()).toEqual({ jsonlBytes: readFileSync(log.jsonlPath).length, csvBytes: 0 });
  });

  it('writes nothing, not even the folder, before the first record (a run that fails to start leaves no files)', () => {
    const d = join(fresh(), 'not-yet');
    const log = MetricsLog.create(d);
    expect(existsSync(d)).toBe(false);
    log.iteration(Object.fromEntries(CSV_COLUMNS.map((c) => [c, 1])) as Parameters<MetricsLog['iteration']>[0]);
    expect(readFileSync(log.csvPath, 'utf8')).toBe(`${CSV_COLUMNS.join(',')}\n${CSV_COLUMNS.map(() => 1).join(',')}\n`);
  });
});

describe('MetricsLog: a resume cuts the files back to the checkpoint', () => {
  // Five records up to the checkpoint's mark, then what the interrupted session wrote after it.
  const kept = Array.from({ length: 5 }, (_, i) => `{"type":"episode","global_step":${i * 10},"return":${i},"length":10}\n`).join('');
  const after = '{"type":"episode","global_step":60,"return":9,"length":10}\n{"type":"iteration","iteration":7,"global_step":64,"sps":1234,"backend":"cpu"}\n';

  it('a file cut at every byte offset of its last line, past the mark: exactly the records up to the mark', () => {
    const all = kept + after;
    const lastStart = all.lastIndexOf('\n', all.length - 2) + 1;
    for (let o = lastStart; o <= all.length; o++) {
      const d = fresh();
      writeFileSync(join(d, 'metrics.jsonl'), all.slice(0, o));
      writeFileSync(join(d, 'metrics.csv'), `${CSV_COLUMNS.join(',')}\n`);
      const log = new MetricsLog(d);
      const { notes, cut } = log.cutBack({ jsonlBytes: Buffer.byteLength(kept), csvBytes: Buffer.byteLength(`${CSV_COLUMNS.join(',')}\n`) }, 'iter-0000006');
      expect(notes).toEqual([]);
      expect(cut).toBe(true);
      expect(readFileSync(log.jsonlPath, 'utf8')).toBe(kept);
      log.event('episode', { global_step: 60, return: 9, length: 10 });
      const lines = readFileSync(log.jsonlPath, 'utf8').trim().split('\n');
      expect(lines.map((l) => JSON.parse(l) as unknown)).toHaveLength(6);
    }
  });

  it('a file cut inside its last line before the mark (records lost): keeps the complete lines, with a note', () => {
    const lastStart = kept.lastIndexOf('\n', kept.length - 2) + 1;
    for (let o = lastStart; o < kept.length; o++) {
      const d = fresh();
      writeFileSync(join(d, 'metrics.jsonl'), kept.slice(0, o));
      const log = new MetricsLog(d);
      const { notes } = log.cutBack({ jsonlBytes: Buffer.byteLength(kept), csvBytes: Buffer.byteLength(`${CSV_COLUMNS.join(',')}\n`) }, 'iter-0000006');
      expect(readFileSync(log.jsonlPath, 'utf8')).toBe(kept.slice(0, lastStart));
      expect(notes[0]).toMatch(/metrics\.jsonl is shorter than checkpoint iter-0000006 recorded .* kept its complete lines/);
    }
  });

  it('a checkpoint without a mark (older runs): drops only a cut-short last line, with a note', () => {
    const d = fresh();
    writeFileSync(join(d, 'metrics.jsonl'), `${kept}{"type":"epis`);
    const log = new MetricsLog(d);
    const { notes } = log.cutBack(undefined, 'iter-0000003');
    expect(readFileSync(log.jsonlPath, 'utf8')).toBe(kept);
    expect(notes[0]).toMatch(/checkpoint iter-0000003 does not record where metrics\.jsonl ended/);
    expect(existsSync(log.csvPath)).toBe(false); // no rows to keep, so no file (its header comes with the first row)
  });
});

describe('rudder train: a resume after a crash leaves the metrics of the uninterrupted run', () => {
  const cfg = { envId: 'CartPole-v1', numEnvs: 2, numSteps: 32, numMinibatches: 2, updateEpochs: 2, seed: 4, annealLr: false };
  const cmd = (out: string, steps: number, resume: boolean): TrainCommand => ({
    config: resume ? { totalTimesteps: steps } : { ...cfg, totalTimesteps: steps }, out, backend: 'cpu', resume, checkpointEvery: 1,
    evalEvery: 0, evalEpisodes: 1, stopAt: null, progress: false, rudder: null,
  });
  const quiet = (): void => {};

  it('the records written after the last checkpoint, cut anywhere in the last line, are replaced by the resumed run\'s', async () => {
    const full = join(tmp, 'full');
    await runTrain(cmd(full, 6 * 64, false), quiet);
    const expected = exactRunMetrics(full);
    expect(expected.iterations).toEqual([1, 2, 3, 4, 5, 6]);
    const fullJsonl = readFileSync(join(full, 'metrics.jsonl'), 'utf8');
    // What iteration 5 of the uninterrupted run wrote: a crashed session's records after its checkpoint at 4.
    const lines = fullJsonl.split('\n');
    const end4 = lines.findIndex((l) => l.includes('"type":"checkpoint"') && l.includes('iter-0000004'));
    const end5 = lines.findIndex((l) => l.includes('"type":"checkpoint"') && l.includes('iter-0000005'));
    const tail = `${lines.slice(end4 + 1, end5).join('\n')}\n`;
    const lastLine = tail.length - tail.slice(0, -1).split('\n').pop()!.length - 1;
    for (const o of [lastLine, lastLine + 17, tail.length - 1]) {
      const out = join(tmp, `cut-${o}`);
      await runTrain(cmd(out, 4 * 64, false), quiet);
      appendFileSync(join(out, 'metrics.jsonl'), tail.slice(0, o));
      appendFileSync(join(out, 'metrics.csv'), '5,320,0.1,3200,21.5,21.5,2,0.00025,0.01');
      await runTrain(cmd(out, 6 * 64, true), quiet);
      expect(exactRunMetrics(out)).toEqual(expected);
      expect(readFileSync(join(out, 'model/weights.bin'))).toEqual(readFileSync(join(full, 'model/weights.bin')));
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { episodes: number; iterations: number };
      const fullSummary = JSON.parse(readFileSync(join(full, 'summary.json'), 'utf8')) as { episodes: number };
      expect(summary.episodes).toBe(fullSummary.episodes);
      expect(summary.iterations).toBe(6);
    }
  });

  it('a resume from an older label cuts the later records too', async () => {
    const full = join(tmp, 'full');
    const out = join(tmp, 'older');
    await runTrain(cmd(out, 6 * 64, false), quiet);
    await runTrain({ ...cmd(out, 6 * 64, true), resume: 'iter-0000005' }, quiet);
    expect(exactRunMetrics(out)).toEqual(exactRunMetrics(full));
  });

  it('a --rudder run resumed from an older label: the same metrics (rudder_episode records included) and weights', async () => {
    const kdt = { envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5, reward: 'delayed' }, numEnvs: 4, numSteps: 64, numMinibatches: 2, updateEpochs: 2, seed: 3 };
    const rcmd = (out: string, resume: boolean | string): TrainCommand => ({
      ...cmd(out, 5 * 256, false), config: resume ? {} : { ...kdt, totalTimesteps: 5 * 256 }, resume, rudder: resume ? null : { warmupEpisodes: 3, units: 8 },
    });
    const full = join(tmp, 'rudder-full'), out = join(tmp, 'rudder-resumed');
    await runTrain(rcmd(full, false), quiet);
    await runTrain(rcmd(out, false), quiet);
    await runTrain(rcmd(out, 'iter-0000004'), quiet); // RUDDER comes back from the checkpoint
    const expected = exactRunMetrics(full);
    expect(expected.jsonl.some((r) => (r as { type: string }).type === 'rudder_episode')).toBe(true);
    expect(exactRunMetrics(out)).toEqual(expected);
    expect(readFileSync(join(out, 'model/weights.bin'))).toEqual(readFileSync(join(full, 'model/weights.bin')));
  });

  it('a checkpoint whose env state does not fit is refused naming it, and the metrics stay as they were', async () => {
    const out = join(tmp, 'bad-state');
    await runTrain(cmd(out, 2 * 64, false), quiet);
    const statePath = join(out, 'checkpoints/iter-0000002/state.json');
    const file = JSON.parse(readFileSync(statePath, 'utf8')) as { state: { rollout: { envs: { kind: string } } } };
    file.state.rollout.envs.kind = 'SomethingElse';
    writeFileSync(statePath, JSON.stringify(file));
    appendFileSync(join(out, 'metrics.jsonl'), '{"type":"episode","global_step":999,"return":1,"length":1}\n');
    const before = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
    await expect(runTrain(cmd(out, 4 * 64, true), quiet)).rejects.toThrow(/checkpoint iter-0000002: its env state does not fit CartPole-v1 .*state of SomethingElse/);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toBe(before);
  });

  it('a fresh train into a folder with another run\'s metrics but no checkpoint is refused', async () => {
    const out = join(tmp, 'stray');
    mkdirSync(out);
    writeFileSync(join(out, 'metrics.jsonl'), '{"type":"episode","global_step":1,"return":1,"length":1}\n');
    await expect(runTrain(cmd(out, 64, false), quiet)).rejects.toThrow(/already holds the metrics of another run/);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toContain('"global_step":1');
  });

  it('the same run stopped before its first checkpoint starts over (with a note) and ends as the uninterrupted one', async () => {
    const full = join(tmp, 'full');
    const out = join(tmp, 'early');
    mkdirSync(out);
    writeFileSync(join(out, 'config.json'), readFileSync(join(full, 'config.json')));
    writeFileSync(join(out, 'metrics.jsonl'), '{"type":"start","env":"CartPole-v1"}\n{"type":"episode","global_step":42,"ret');
    const notes: string[] = [];
    await runTrain(cmd(out, 6 * 64, false), (l) => notes.push(l));
    expect(notes.some((l) => /holds the metrics of this run .* starting it over/.test(l))).toBe(true);
    expect(exactRunMetrics(out)).toEqual(exactRunMetrics(full));
  });
});
