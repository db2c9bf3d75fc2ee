/**
 * PPO's actor-critic as a user's TensorFlow.js Layers model, trained by tfjs autodiff on the active backend
 * (wasm by default, ../backend.ts). The model maps observations `[B, …obsShape]` to `[logits [B, Σ nvec],
 * value [B, 1]]`, the same outputs as the saved model (../run/model-io.ts). The loss is the fused path's
 * (./loss.ts, CleanRL's `ppo.py`): clipped surrogate, clipped value loss, entropy bonus, then the global
 * gradient-norm clip and Adam with PyTorch's rule; the advantages come normalised per minibatch from the
 * trainer, as for the fused path. Checked against it in test/ppo-tfjs.test.ts.
 *
 * Traps on tfjs-wasm avoided here (backends.md §5): no `tf.gather` under the gradient (its gradient kernel
 * is missing on wasm), so log π(a|s) is Σ logSoftmax(logits) · onehot(a); transposed matmuls (every
 * matmul gradient) transpose explicitly first (./tfjs-wasm-matmul.ts); and a convolution's filter
 * gradient, which has no wasm kernel, goes through the 3-D one (./tfjs-conv-grad.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Rng } from '../../envs/core/rng.ts';
import type { Box } from '../../envs/spaces/box.ts';
import type { Discrete } from '../../envs/spaces/discrete.ts';
import type { MultiDiscrete } from '../../envs/spaces/multi-discrete.ts';
import { sampleCategorical } from '../categorical.ts';
import type { LossCoefs, LossStats, Minibatch } from './loss.ts';
import { checkTensors, type PpoPolicy, type UpdateCoefs } from './policy.ts';
import { useExplicitTransposeMatMulOnWasm } from './tfjs-wasm-matmul.ts';
import { useConv3dFilterGradOnWasm } from './tfjs-conv-grad.ts';

/** Builds the actor-critic for an env's single observation and action space. */
export type TfjsModelBuilder = (obsSpace: Box, actionSpace: Discrete | MultiDiscrete) => tfl.LayersModel;

/** What `policy: 'tfjs'` trains: a built model (PPO takes ownership and disposes it), or a builder. */
export type TfjsModelSource = tfl.LayersModel | TfjsModelBuilder;

/** Masked logits are pushed this far down: exp() of them is exactly 0 in float32, their gradient 0. */
const MASKED = -1e9;

/**
 * Adam with PyTorch's update rule (tfjs's own: m̂ / (√v̂ + ε)), whose learning rate the trainer anneals.
 * tfjs keeps `learningRate` protected and reads it on every step, so a subclass may set it.
 */
class AnnealedAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  /**
   * Adam's state for variable i of the list each step is given (m, v: null before the first step), and
   * β₁ᵗ, β₂ᵗ as tfjs keeps them (products, not powers: restoring the products keeps a resume bit for bit).
   */
  exportState(n: number): { m: (Float32Array | null)[]; v: (Float32Array | null)[]; betaPow: Float32Array } {
    const s = this.internals();
    const read = (a: { variable: tf.Variable }[], i: number): Float32Array | null => (a[i] ? (a[i].variable.dataSync() as Float32Array).slice() : null);
    return {
      m: Array.from({ length: n }, (_, i) => read(s.accumulatedFirstMoment, i)),
      v: Array.from({ length: n }, (_, i) => read(s.accumulatedSecondMoment, i)),
      betaPow: Float32Array.of(s.accBeta1.dataSync()[0]!, s.accBeta2.dataSync()[0]!),
    };
  }

  /** Sets what exportState gave, for `vars` (moment variables are created as tfjs's first step would). */
  importState(vars: readonly tf.Variable[], m: Float32Array[], v: Float32Array[], betaPow: Float32Array, step: number): void {
    const s = this.internals();
    const put = (a: { originalName: string; variable: tf.Variable }[], i: number, suffix: string, values: Float32Array): void => {
      const t = tf.tensor(values, vars[i]!.shape, 'float32');
      if (a[i]) {
        a[i].variable.assign(t);
        t.dispose();
      } else {
        a[i] = { originalName: `${vars[i]!.name}/${suffix}`, variable: t.variable(false) };
        t.dispose(); // .variable() copies
      }
    };
    vars.forEach((_, i) => {
      put(s.accumulatedFirstMoment, i, 'm', m[i]!);
      put(s.accumulatedSecondMoment, i, 'v', v[i]!);
    });
    tf.tidy(() => {
      s.accBeta1.assign(tf.scalar(betaPow[0]!));
      s.accBeta2.assign(tf.scalar(betaPow[1]!));
    });
    s.iterations_ = step;
  }

  /** tfjs 4.x keeps these private; they are plain fields at run time (checked by the resume test). */
  private internals(): { accBeta1: tf.Variable; accBeta2: tf.Variable; iterations_: number; accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[]; accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[] } {
    return this as unknown as ReturnType<AnnealedAdam['internals']>;
  }
}

export class TfjsActorCritic implements PpoPolicy {
  readonly kind = 'tfjs' as const;
  readonly nvec: Int32Array;
  readonly numLogits: number;
  readonly obsShape: readonly number[];
  /** Updates applied so far (Adam's t). */
  step = 0;
  private readonly optimizer: AnnealedAdam;
  private readonly vars: tf.Variable[];
  private lrValue: number;

  constructor(readonly model: tfl.LayersModel, obsShape: readonly number[], nvec: readonly number[], lr: number) {
    this.obsShape = [...obsShape];
    this.nvec = Int32Array.from(nvec);
    this.numLogits = nvec.reduce((a, b) => a + b, 0);
    checkModel(model, this.obsShape, this.numLogits);
    useExplicitTransposeMatMulOnWasm();
    useConv3dFilterGradOnWasm();
    this.vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.lrValue = lr;
    this.optimizer = new AnnealedAdam(lr, 0.9, 0.999, 1e-5); // CleanRL's torch Adam, eps 1e-5
  }

  get numHeads(): number {
    return this.nvec.length;
  }

  get lr(): number {
    return this.lrValue;
  }

  set lr(v: number) {
    this.lrValue = v;
    this.optimizer.setLearningRate(v);
  }

  /** One batched forward for all `rows` observations, then the shared categorical sampler (as the fused agents). */
  act(
    obs: Float32Array, rows: number, rng: Rng, actions: Int32Array, logProbs: Float32Array, values: Float32Array | null,
    greedy = false, mask: Uint8Array | null = null,
  ): void {
    const [logits, v] = this.forward(obs, rows);
    sampleCategorical(logits, rows, this.nvec, rng, actions, logProbs, mask, greedy);
    if (values) values.set(v);
  }

  value(obs: Float32Array, rows: number, out: Float32Array): void {
    out.set(this.forward(obs, rows)[1]);
  }

  /** Logits [rows, L] and values [rows], read back; no tensor outlives the call. */
  private forward(obs: Float32Array, rows: number): [Float32Array, Float32Array] {
    const D = this.obsShape.reduce((a, b) => a * b, 1);
    return tf.tidy(() => {
      const x = tf.tensor(obs.subarray(0, rows * D), [rows, ...this.obsShape], 'float32');
      const [logits, value] = this.model.predict(x) as tf.Tensor[];
      return [logits!.dataSync() as Float32Array, value!.dataSync() as Float32Array];
    });
  }

  /** PPO's loss on `mb`, its gradient by autodiff, the global-norm clip and one Adam step. */
  update(mb: Minibatch, c: UpdateCoefs): LossStats {
    try {
      return this.trainStep(mb, c);
    } catch (e) {
      const missing = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec((e as Error).message);
      if (!missing) throw e;
      throw new Error(`tfjs policy "${this.model.name}": the ${missing[2]} backend has no ${missing[1]} kernel, which this network's gradient needs; train it on another backend (--backend cpu, or tensorflow with tfjs-node)`);
    }
  }

  private trainStep(mb: Minibatch, c: UpdateCoefs): LossStats {
    const B = mb.size, L = this.numLogits;
    // The chosen action of each head as a one-hot row [B, L] (heads side by side), built on the JS side.
    const onehot = new Float32Array(B * L);
    for (let b = 0; b < B; b++) for (let h = 0, o = 0; h < this.nvec.length; o += this.nvec[h]!, h++) onehot[b * L + o + mb.actions[b * this.nvec.length + h]!] = 1;
    let stats: tf.Tensor | null = null;
    tf.tidy(() => {
      const x = tf.tensor(mb.obs.subarray(0, B * this.obsShape.reduce((a, b) => a * b, 1)), [B, ...this.obsShape], 'float32');
      const inputs = {
        onehot: tf.tensor2d(onehot, [B, L]),
        maskAdd: mb.masks ? tf.tensor2d(Float32Array.from(mb.masks.subarray(0, B * L), (m) => (m ? 0 : MASKED)), [B, L]) : null,
        oldLogProbs: tf.tensor1d(mb.oldLogProbs.subarray(0, B)),
        advantages: tf.tensor1d(mb.advantages.subarray(0, B)),
        returns: tf.tensor1d(mb.returns.subarray(0, B)),
        oldValues: tf.tensor1d(mb.oldValues.subarray(0, B)),
      };
      const { value: loss, grads } = tf.variableGrads(() => {
        const [logits, value] = this.model.apply(x, { training: true }) as tf.Tensor[];
        const terms = ppoLossTerms(logits as tf.Tensor2D, tf.reshape(value!, [B]), inputs, this.nvec, c);
        stats = tf.keep(terms.stats);
        return terms.loss;
      }, this.vars);
      // torch.nn.utils.clip_grad_norm_, as the fused path's clipScale: one scale over all gradients. Every
      // trainable variable gets one, in this.vars's order: Adam's moment i is then this.vars[i]'s (checkpoints).
      const names = this.vars.map((v) => v.name);
      const unused = names.filter((n) => !grads[n]);
      if (unused.length) throw new Error(`tfjs policy "${this.model.name}": PPO's loss gives no gradient to the trainable weight(s) ${unused.join(', ')} (not used by the outputs? make them trainable: false)`);
      const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!))))).dataSync()[0]!;
      const scale = Math.min(1, c.maxGradNorm / (norm + 1e-6));
      this.optimizer.applyGradients(names.map((name) => ({ name, tensor: scale < 1 ? tf.mul(grads[name]!, scale) : grads[name]! })));
      loss.dispose();
    });
    this.step++;
    const s = (stats as tf.Tensor | null)!;
    const [loss, policyLoss, valueLoss, entropy, oldApproxKl, approxKl, clipFrac] = s.dataSync() as Float32Array;
    s.dispose();
    return { loss: loss!, policyLoss: policyLoss!, valueLoss: valueLoss!, entropy: entropy!, oldApproxKl: oldApproxKl!, approxKl: approxKl!, clipFrac: clipFrac! };
  }

  /** Weights `param/i` (model.weights's order, non-trainable ones included), Adam's `adam_m/j`, `adam_v/j` (trainable weights' order) and β₁ᵗ, β₂ᵗ. */
  saveState(): { tensors: Record<string, Float32Array>; adamStep: number } {
    const tensors: Record<string, Float32Array> = {};
    this.model.weights.forEach((w, i) => {
      tensors[`param/${i}`] = (w.read().dataSync() as Float32Array).slice();
    });
    const adam = this.optimizer.exportState(this.vars.length);
    this.vars.forEach((v, j) => {
      tensors[`adam_m/${j}`] = adam.m[j] ?? new Float32Array(v.size); // before the first step: tfjs's zeros
      tensors[`adam_v/${j}`] = adam.v[j] ?? new Float32Array(v.size);
    });
    tensors.adam_beta_pow = adam.betaPow;
    return { tensors, adamStep: this.step };
  }

  restoreState(tensors: Record<string, Float32Array>, adamStep: number, where: string): void {
    checkTensors(tensors, [...this.vars.flatMap((v, j) => [[`adam_m/${j}`, v.size], [`adam_v/${j}`, v.size]] as const), ['adam_beta_pow', 2]], where, `tfjs model "${this.model.name}"`);
    this.loadWeights(tensors, where);
    this.optimizer.importState(this.vars, this.vars.map((_, j) => tensors[`adam_m/${j}`]!), this.vars.map((_, j) => tensors[`adam_v/${j}`]!), tensors.adam_beta_pow!, adamStep);
    this.step = adamStep;
  }

  /** The weights `param/i` of a checkpoint into the model (for evaluation: no optimiser state needed). */
  loadWeights(tensors: Record<string, Float32Array>, where: string): void {
    const weights = this.model.weights;
    checkTensors(tensors, weights.map((w, i) => [`param/${i}`, w.shape.reduce((a: number, b) => a * (b ?? 1), 1)] as const), where, `tfjs model "${this.model.name}"`);
    const values = weights.map((w, i) => tf.tensor(tensors[`param/${i}`]!, w.shape as number[], 'float32'));
    this.model.setWeights(values); // assigns into the same variables (this.vars stays valid)
    tf.dispose(values);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}

interface LossInputs {
  onehot: tf.Tensor2D; // [B, L]
  maskAdd: tf.Tensor2D | null; // [B, L]: 0 where allowed, MASKED elsewhere
  oldLogProbs: tf.Tensor1D;
  advantages: tf.Tensor1D;
  returns: tf.Tensor1D;
  oldValues: tf.Tensor1D;
}

/**
 * loss = pg_loss − entCoef·entropy_loss + vfCoef·v_loss, CleanRL's terms (./loss.ts has the same in loops),
 * and the stats [loss, pg, v, entropy, old approx KL, approx KL, clip fraction] (no gradient flows from them).
 */
export function ppoLossTerms(logits: tf.Tensor2D, value: tf.Tensor1D, x: LossInputs, nvec: Int32Array, c: LossCoefs): { loss: tf.Scalar; stats: tf.Tensor1D } {
  const masked = x.maskAdd ? tf.add(logits, x.maskAdd) : logits;
  // Per-head log-softmax; heads are independent categoricals, so log π and the entropy sum over heads.
  const heads = nvec.length === 1 ? [masked] : tf.split(masked, Array.from(nvec), 1);
  const logp = heads.length === 1 ? tf.logSoftmax(heads[0]!) : tf.concat(heads.map((h) => tf.logSoftmax(h)), 1);
  const newLogProb = tf.sum(tf.mul(logp, x.onehot), 1);
  const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1));

  const logRatio = tf.sub(newLogProb, x.oldLogProbs);
  const ratio = tf.exp(logRatio);
  const pgLoss1 = tf.mul(tf.neg(x.advantages), ratio);
  const pgLoss2 = tf.mul(tf.neg(x.advantages), tf.clipByValue(ratio, 1 - c.clipCoef, 1 + c.clipCoef));
  const pgLoss = tf.mean(tf.maximum(pgLoss1, pgLoss2));

  const vUnclipped = tf.square(tf.sub(value, x.returns));
  let vLoss: tf.Scalar;
  if (c.clipVloss) {
    const vClipped = tf.add(x.oldValues, tf.clipByValue(tf.sub(value, x.oldValues), -c.clipCoef, c.clipCoef));
    vLoss = tf.mul(0.5, tf.mean(tf.maximum(vUnclipped, tf.square(tf.sub(vClipped, x.returns)))));
  } else {
    vLoss = tf.mul(0.5, tf.mean(vUnclipped));
  }
  const entropyLoss = tf.mean(entropy);
  const loss = tf.add(tf.sub(pgLoss, tf.mul(c.entCoef, entropyLoss)), tf.mul(c.vfCoef, vLoss)) as tf.Scalar;

  const stats = tf.stack([
    loss, pgLoss, vLoss, entropyLoss,
    tf.mean(tf.neg(logRatio)),
    tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)),
    tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), c.clipCoef), 'float32')),
  ]) as tf.Tensor1D;
  return { loss, stats };
}

/** The model must take `[B, …obsShape]` and give `[logits [B, L], value [B, 1]]`; says what is wrong otherwise. */
function checkModel(model: tfl.LayersModel, obsShape: readonly number[], L: number): void {
  const inShape = model.inputs[0]?.shape;
  if (model.inputs.length !== 1 || !inShape || inShape.slice(1).join(',') !== obsShape.join(',')) {
    throw new Error(`tfjs policy "${model.name}": it should take one input of shape [null, ${obsShape.join(', ')}], got ${JSON.stringify(model.inputs.map((i) => i.shape))}`);
  }
  const outs = model.outputs.map((o) => o.shape);
  if (outs.length !== 2 || outs[0]!.length !== 2 || outs[0]![1] !== L || outs[1]!.length !== 2 || outs[1]![1] !== 1) {
    throw new Error(`tfjs policy "${model.name}": its outputs should be [logits [null, ${L}], value [null, 1]], got ${JSON.stringify(outs)}`);
  }
}
