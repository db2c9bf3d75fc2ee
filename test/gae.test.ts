import { describe, expect, it } from 'vitest';
import { computeGae, type GaeInput } from '../src/agents/ppo/gae.ts';

function run(p: Omit<GaeInput, 'numEnvs'> & { numEnvs?: number }): { adv: number[]; ret: number[] } {
  const n = p.numSteps * (p.numEnvs ?? 1);
  const adv = new Float32Array(n), ret = new Float32Array(n);
  computeGae({ numEnvs: 1, ...p }, adv, ret);
  return { adv: [...adv], ret: [...ret] };
}

const f32 = (a: number[]): Float32Array => Float32Array.from(a);
const u8 = (a: number[]): Uint8Array => Uint8Array.from(a);

describe('computeGae', () => {
  const gamma = 0.9, lambda = 0.5;

  it('matches a hand-computed 3-step episode cut by the rollout end (bootstraps V(next))', () => {
    // δ2 = 1 + .9·4 − 3 = 1.6; δ1 = 0 + .9·3 − 2 = 0.7; δ0 = 2 + .9·2 − 1 = 2.8
    // A2 = 1.6; A1 = .7 + .45·1.6 = 1.42; A0 = 2.8 + .45·1.42 = 3.439
    const { adv, ret } = run({
      numSteps: 3, rewards: f32([2, 0, 1]), values: f32([1, 2, 3]), terminated: u8([0, 0, 0]), truncated: u8([0, 0, 0]),
      valid: u8([1, 1, 1]), nextValues: f32([4]), gamma, lambda,
    });
    expect(adv[2]).toBeCloseTo(1.6, 5);
    expect(adv[1]).toBeCloseTo(1.42, 5);
    expect(adv[0]).toBeCloseTo(3.439, 5);
    expect(ret[0]).toBeCloseTo(4.439, 5);
  });

  it('termination: no bootstrap past the terminal step; the autoreset step is masked', () => {
    // t0: r=1 V=1; t1: r=1 V=2, terminated; t2: autoreset step (invalid), V=5 of the reset-obs… ; t3: r=0 V=1, next V=2
    const { adv } = run({
      numSteps: 4, rewards: f32([1, 1, 0, 0]), values: f32([1, 2, 5, 1]), terminated: u8([0, 1, 0, 0]), truncated: u8([0, 0, 0, 0]),
      valid: u8([1, 1, 0, 1]), nextValues: f32([2]), gamma, lambda,
    });
    // A1 = 1 − 2 = −1 (no γV); A0 = (1 + .9·2 − 1) + .45·(−1) = 1.8 − .45 = 1.35
    expect(adv[1]).toBeCloseTo(-1, 6);
    expect(adv[0]).toBeCloseTo(1.35, 6);
    expect(adv[2]).toBe(0);
    // A3 = 0 + .9·2 − 1 = 0.8, and nothing from t3 leaks into t1 across the masked step.
    expect(adv[3]).toBeCloseTo(0.8, 6);
  });

  it('truncation: bootstraps with V(final obs) = values[t+1] but stops the λ-recursion', () => {
    // Same as above but truncated at t1: the final obs is held at t2 with V = 5.
    const { adv } = run({
      numSteps: 4, rewards: f32([1, 1, 0, 0]), values: f32([1, 2, 5, 1]), terminated: u8([0, 0, 0, 0]), truncated: u8([0, 1, 0, 0]),
      valid: u8([1, 1, 0, 1]), nextValues: f32([2]), gamma, lambda,
    });
    // A1 = 1 + .9·5 − 2 = 3.5; A0 = 1.8 + .45·3.5 = 3.375
    expect(adv[1]).toBeCloseTo(3.5, 5);
    expect(adv[0]).toBeCloseTo(3.375, 5);
  });

  it('truncation at the last rollout step bootstraps from nextValues; termination there does not', () => {
    const base = { numSteps: 1, rewards: f32([1]), values: f32([0.5]), valid: u8([1]), nextValues: f32([10]), gamma, lambda };
    expect(run({ ...base, terminated: u8([0]), truncated: u8([1]) }).adv[0]).toBeCloseTo(1 + 9 - 0.5, 5);
    expect(run({ ...base, terminated: u8([1]), truncated: u8([0]) }).adv[0]).toBeCloseTo(0.5, 6);
    expect(run({ ...base, terminated: u8([1]), truncated: u8([1]) }).adv[0]).toBeCloseTo(0.5, 6);
  });

  it('envs are independent in the time-major layout', () => {
    // Two envs, T = 2: env 0 terminates at t0, env 1 runs on.
    const { adv } = run({
      numSteps: 2, numEnvs: 2, rewards: f32([1, 0, 0, 1]), values: f32([0, 0, 3, 0]),
      terminated: u8([1, 0, 0, 0]), truncated: u8([0, 0, 0, 0]), valid: u8([1, 1, 0, 1]), nextValues: f32([7, 2]), gamma, lambda,
    });
    expect(adv[0]).toBeCloseTo(1, 6); // env 0, t0: terminal
    expect(adv[2]).toBe(0); // env 0, t1: masked
    expect(adv[3]).toBeCloseTo(1 + 0.9 * 2, 6); // env 1, t1
    expect(adv[1]).toBeCloseTo(0 + 0.9 * 0 - 0 + 0.45 * 2.8, 6); // env 1, t0: δ = 0, plus γλ·A(t1)
  });
});
