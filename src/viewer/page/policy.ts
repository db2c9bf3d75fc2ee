/**
 * A run's saved policy playing in the page: `tf.loadLayersModel` on the run's `model/model.json` (the
 * server serves it at /runs/<runId>/model/), the env built and stepped here (the env core bundles for the
 * browser), greedy actions (argmax of each head's logits, as `evaluatePolicy`). Bundled on its own as
 * `policy.js` and imported by main.ts only when a policy plays, so the base page does not carry TensorFlow.js.
 *
 * It emits the same messages a server would (episode_start, step, episode_end with source `policy`), so
 * the page shows the episode with the same code as any other.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import '../../envs/registrations.ts';
import type { Env } from '../../envs/core/env.ts';
import { make } from '../../envs/core/registry.ts';
import { sceneOf, type Scene } from '../../envs/core/scene.ts';
import type { ServerMessage } from '../protocol.ts';
import { sceneDelta } from '../protocol-core.ts';

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

/** The URL of a run's saved policy, relative to the page (this module sits beside index.html). */
export function modelUrl(runId: string): string {
  return new URL(`runs/${encodeURIComponent(runId)}/model/model.json`, document.baseURI).href;
}

const models = new Map<string, Promise<LayersModel>>();

/** Plays one greedy episode of the run's policy; resolves to its actions. */
export async function runPolicy(o: PolicyRunOptions): Promise<number[]> {
  await tf.setBackend('cpu');
  let pending = models.get(o.runId);
  if (!pending) {
    pending = loadLayersModel(modelUrl(o.runId));
    models.set(o.runId, pending);
    pending.catch(() => models.delete(o.runId)); // a failed load may be retried
  }
  const model = await pending;
  const nvec = headsOf(model);
  const env = make(o.envId, o.envKwargs ?? {}) as Env<ArrayLike<number>, number | Int32Array>;
  const meta = env.unwrapped.metadata;
  const first = env.reset({ seed: o.seed });
  const inShape = (model.inputs[0]!.shape as (number | null)[]).slice(1) as number[];
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
    const logits = tf.tidy(() => {
      const out = model.predict(tf.tensor(Float32Array.from(obs as ArrayLike<number>), [1, ...inShape])) as tf.Tensor[];
      return out[0]!.dataSync() as Float32Array;
    });
    const a = greedy(logits, nvec);
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

/** The action heads' sizes from the model's metadata (one head of all logits when absent). */
function headsOf(model: LayersModel): number[] {
  const meta = model.getUserDefinedMetadata() as { rudder?: { topology?: { nvec?: number[] } } } | undefined;
  const nvec = meta?.rudder?.topology?.nvec;
  if (Array.isArray(nvec) && nvec.length) return nvec;
  const out = model.outputs[0]!.shape;
  return [out[out.length - 1] as number];
}

/** Argmax of each head's slice (the first maximum on ties, as the trainer's greedy act). */
function greedy(logits: Float32Array, nvec: readonly number[]): Int32Array {
  const a = new Int32Array(nvec.length);
  let off = 0;
  nvec.forEach((n, k) => {
    let best = 0;
    for (let j = 1; j < n; j++) if (logits[off + j]! > logits[off + best]!) best = j;
    a[k] = best;
    off += n;
  });
  return a;
}

function copy(s: Scene): Scene {
  return JSON.parse(JSON.stringify(s)) as Scene;
}
