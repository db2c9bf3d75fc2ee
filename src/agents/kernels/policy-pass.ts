/**
 * The network side of PPO's fused loss (../ppo/loss.ts), one interface over both policies' passes: a
 * forward pass over the minibatch that leaves the logits and values in arrays, and a backward pass from
 * d loss / d logits and d loss / d value written into the same layout. Row b's logits start at
 * b·logitStride, its value is at valueOffset + b·valueStride (the passes pad their rows).
 */
import type { Cnn } from '../nets/cnn.ts';
import type { Mlp } from '../nets/mlp.ts';
import { CnnPass } from './cnn-pass.ts';
import { JsMlpPass, WasmMlpPass, type MlpPass } from './mlp-pass.ts';

export interface PolicyPass {
  /** Runs the policy on obs [B, obsDim]; re-read the arrays below after each call (they grow with B). */
  forward(obs: Float32Array, B: number): void;
  readonly logits: Float32Array;
  readonly dLogits: Float32Array;
  readonly logitStride: number;
  readonly values: Float32Array;
  readonly dValues: Float32Array;
  readonly valueStride: number;
  readonly valueOffset: number;
  /** Writes d loss / d params into `grads` (the agent's `params()` layout: actor's, then critic's). */
  backward(B: number, grads: Float32Array[]): void;
}

/** The MLP policy: separate actor and critic nets, each its own pass. */
export class MlpPolicyPass implements PolicyPass {
  private readonly ap: MlpPass;
  private readonly cp: MlpPass;
  readonly valueOffset = 0;
  constructor(private readonly actor: Mlp, critic: Mlp, kernels: 'wasm' | 'js') {
    const Pass = kernels === 'wasm' ? WasmMlpPass : JsMlpPass;
    this.ap = new Pass(actor.layers);
    this.cp = new Pass(critic.layers);
  }
  forward(obs: Float32Array, B: number): void {
    this.ap.forward(obs, B);
    this.cp.forward(obs, B);
  }
  get logits(): Float32Array { return this.ap.out; }
  get dLogits(): Float32Array { return this.ap.dOut; }
  get logitStride(): number { return this.ap.stride; }
  get values(): Float32Array { return this.cp.out; }
  get dValues(): Float32Array { return this.cp.dOut; }
  get valueStride(): number { return this.cp.stride; }
  backward(B: number, grads: Float32Array[]): void {
    this.ap.backward(B, grads, 0);
    this.cp.backward(B, grads, 2 * this.actor.layers.length); // the critic's (W, b) pairs follow the actor's
  }
}

/** The CNN policy: one pass computes both heads, `[logits…, value]` per row. */
export class CnnPolicyPass implements PolicyPass {
  private readonly p: CnnPass;
  constructor(net: Cnn, kernels: 'wasm' | 'js') {
    this.p = new CnnPass(net, kernels);
  }
  forward(obs: Float32Array, B: number): void {
    this.p.forward(obs, B);
  }
  get logits(): Float32Array { return this.p.out; }
  get dLogits(): Float32Array { return this.p.dOut; }
  get logitStride(): number { return this.p.stride; }
  get values(): Float32Array { return this.p.out; }
  get dValues(): Float32Array { return this.p.dOut; }
  get valueStride(): number { return this.p.stride; }
  get valueOffset(): number { return this.p.valueCol; }
  backward(B: number, grads: Float32Array[]): void {
    this.p.backward(B, grads, 0);
  }
}
