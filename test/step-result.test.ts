import { describe, expect, it } from 'vitest';
import { copyStepResult, newStepResult, writeStep, type StepResult } from '../src/index.ts';

describe('newStepResult', () => {
  it('starts with reward 0, no flags, an empty info and the given observation buffer', () => {
    const buf = new Float32Array(3);
    const r = newStepResult(buf);
    expect(r).toEqual({ obs: buf, reward: 0, terminated: false, truncated: false, info: {} });
    expect(r.obs).toBe(buf);
    expect(newStepResult<number>().obs).toBeUndefined();
  });
});

describe('copyStepResult', () => {
  it('writes the given obs and reward and copies flags and info, into the same object every time', () => {
    const out = newStepResult<string>();
    const info = { events: ['x'] };
    const inner: StepResult<number> = { obs: 7, reward: 2, terminated: false, truncated: true, info };
    const got = copyStepResult(out, inner, 'seven', 4);
    expect(got).toBe(out);
    expect(out).toEqual({ obs: 'seven', reward: 4, terminated: false, truncated: true, info });
    expect(out.info).toBe(info);
    const again = copyStepResult(out, { obs: 1, reward: 0, terminated: true, truncated: false, info: {} }, 'one', -1);
    expect(again).toBe(out);
    expect(out).toMatchObject({ obs: 'one', reward: -1, terminated: true, truncated: false });
  });

  it('leaves the inner result untouched (a wrapper never writes into the env it wraps)', () => {
    const inner: StepResult<number> = { obs: 1, reward: 1, terminated: false, truncated: false, info: {} };
    copyStepResult(newStepResult<number>(), inner, 2, 3);
    expect(inner).toEqual({ obs: 1, reward: 1, terminated: false, truncated: false, info: {} });
  });
});

describe('writeStep', () => {
  it("writes reward and flags into the env's own result, keeps its obs and info, and returns the same object", () => {
    const obs = new Float32Array(2), info = { events: [] as string[] };
    const r: StepResult<Float32Array> = { obs, reward: 0, terminated: false, truncated: false, info };
    expect(writeStep(r, 1.5, false, true)).toBe(r);
    expect(r).toEqual({ obs, reward: 1.5, terminated: false, truncated: true, info });
    writeStep(r, -1, true, false);
    expect(r).toMatchObject({ reward: -1, terminated: true, truncated: false });
    expect(r.obs).toBe(obs);
  });
});
