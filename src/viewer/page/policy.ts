/**
 * A run's saved policy playing in the page: the run's `model/` loaded by `tf.loadLayersModel` (the server
 * serves it at /runs/<runId>/model/; one policy, one with Align-RUDDER's event flags, or the sub-goal agents:
 * policy-model.ts), the env built and stepped here (the env core bundles for the browser), greedy actions
 * (argmax of each head's logits, as `evaluatePolicy`). Bundled on its own as `policy.js` and imported by
 * main.ts only when a policy plays, so the base page does not carry TensorFlow.js.
 *
 * It emits the same messages a server would (episode_start, step, episode_end with source `policy`), so
 * the page shows the episode with the same code as any other.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../envs/registrations.ts';
import type { Env } from '../../envs/core/env.ts';
import { make } from '../../envs/core/registry.ts';
import { sceneOf, type Scene } from '../../envs/core/scene.ts';
import type { ServerMessage } from '../protocol.ts';
import { sceneDelta } from '../protocol-core.ts';
import { loadPagePolicy, type PagePolicy } from './policy-model.ts';

export interface PolicyRunOptions {
  runId: string;
  envId: string;
  /** The run's env options, as the trainer made the env. */
  envKwargs?: Record<string, unknown>;
  seed: number;
  /** Episode id for the messages (the page uses negative ids for its own episodes). */
  episode: number;
  /** Stop after this many steps even if the env has no time limit (default 10 000). */
  maxSteps?: number;
  /** Receives each message as it is made; the run yields to the page every few steps so playback starts at once. */
  emit(m: ServerMessage): void;
}

const policies = new Map<string, Promise<PagePolicy>>();

/** The run's policy, loaded once per page. */
function policyOf(runId: string, envId: string): Promise<PagePolicy> {
  let pending = policies.get(runId);
  if (!pending) {
    pending = loadPagePolicy(runId, envId);
    policies.set(runId, pending);
    pending.catch(() => policies.delete(runId)); // a failed load may be retried
  }
  return pending;
}

/** Plays one greedy episode of the run's policy; resolves to its actions. */
export async function runPolicy(o: PolicyRunOptions): Promise<number[]> {
  await tf.setBackend('cpu');
  const policy = await policyOf(o.runId, o.envId);
  const nvec = policy.nvec;
  const env = policy.wrap(make(o.envId, o.envKwargs ?? {}) as Env<ArrayLike<number>, number | Int32Array>);
  const meta = env.unwrapped.metadata;
  const first = env.reset({ seed: o.seed });
  let obs = first.obs;
  let prev: Scene = copy(sceneOf(env));
  o.emit({
    type: 'episode_start', episode: o.episode, source: 'policy', runId: o.runId, envId: o.envId, subEnv: -1, seed: o.seed,
    globalStep: null, actionNames: [...(meta.actionNames ?? [])], fps: meta.renderFps ?? 10, scene: prev,
  });
  const actions: number[] = [];
  let ret = 0;
  const max = o.maxSteps ?? 10_000;
  for (let t = 1; t <= max; t++) {
    const a = policy.act(obs);
    const r = env.step(nvec.length === 1 ? a[0]! : a);
    obs = r.obs;
    ret += r.reward;
    actions.push(a[0]!);
    const scene = copy(sceneOf(env));
    o.emit({ type: 'step', episode: o.episode, t, action: a[0]!, reward: r.reward, delta: sceneDelta(prev, scene) });
    prev = scene;
    if (r.terminated || r.truncated || t === max) {
      o.emit({ type: 'episode_end', episode: o.episode, length: t, return: ret, terminated: r.terminated, truncated: r.truncated || t === max });
      break;
    }
    if (t % 20 === 0) await new Promise((res) => setTimeout(res, 0));
  }
  env.close();
  return actions;
}

function copy(s: Scene): Scene {
  return JSON.parse(JSON.stringify(s)) as Scene;
}

/**
 * The run's greedy actions (first head) on `rows` observations of its policy's input [rows · D] (with the
 * event flags already appended for an Align-RUDDER policy), without stepping an env: for comparing the page's
 * policy with Node's on the same observations.
 */
export async function policyActions(runId: string, envId: string, obs: ArrayLike<number>, rows: number): Promise<number[]> {
  await tf.setBackend('cpu');
  const policy = await policyOf(runId, envId);
  if (rows <= 0 || obs.length % rows !== 0) throw new RangeError(`policyActions: ${obs.length} values are not ${rows} rows`);
  const D = obs.length / rows, all = Float32Array.from(obs), out: number[] = [];
  for (let b = 0; b < rows; b++) out.push(policy.act(all.subarray(b * D, b * D + D))[0]!);
  return out;
}

/**
 * What the run's policy sees along a given action sequence from `seed`: its input before each action
 * [actions.length · D] (the env's observation, with the event flags appended for an Align-RUDDER policy, as
 * the page builds them), for comparing the page's observations with Node's.
 */
export async function policyInputs(runId: string, envId: string, envKwargs: Record<string, unknown>, seed: number, actions: readonly number[]): Promise<number[]> {
  const policy = await policyOf(runId, envId);
  const env = policy.wrap(make(envId, envKwargs) as Env<ArrayLike<number>, number | Int32Array>);
  let obs = env.reset({ seed }).obs;
  const out: number[] = [];
  for (const a of actions) {
    out.push(...Array.from(obs));
    obs = env.step(a).obs;
  }
  env.close();
  return out;
}
