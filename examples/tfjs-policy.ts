/**
 * Your own actor-critic as a TensorFlow.js Layers model: PPO trains it with tfjs autodiff on the chosen
 * backend (`policy: 'tfjs'`). The model takes observations `[B, …obsShape]` and gives `[logits, value]`
 * (`[B, Σ nvec]` and `[B, 1]`). This one has what the built-in MLP does not: ReLU and layer normalisation
 * in a torso shared by the two heads.
 *
 *   npx rudder train --env CartPole-v1 --policy-module examples/tfjs-policy.ts --backend wasm
 *
 * From code: trainPpo({ policy: 'tfjs', … }, { tfjsModel: buildPolicy }).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { Discrete, type Box, type MultiDiscrete } from 'rudder-ts';

export function buildPolicy(obsSpace: Box, actionSpace: Discrete | MultiDiscrete): tfl.LayersModel {
  const numLogits = actionSpace instanceof Discrete ? actionSpace.n : actionSpace.nvec.reduce((a, b) => a + b, 0);
  const obs = tfl.input({ shape: [...obsSpace.shape], name: 'obs' });
  // An image [H, W, C] is flattened first (this net has no convolutions); a vector goes straight in.
  let h = obsSpace.shape.length > 1 ? (tfl.layers.flatten().apply(obs) as tfl.SymbolicTensor) : obs;
  h = tfl.layers.dense({ units: 64, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.layerNormalization().apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.dense({ units: 64, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(h) as tfl.SymbolicTensor;
  // A near-uniform first policy (CleanRL's 0.01-gain policy head).
  const logits = tfl.layers.dense({ units: numLogits, name: 'logits', kernelInitializer: tfl.initializers.randomNormal({ mean: 0, stddev: 0.01, seed: 3 }) }).apply(h) as tfl.SymbolicTensor;
  const value = tfl.layers.dense({ units: 1, name: 'value', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: obs, outputs: [logits, value], name: 'custom_actor_critic' });
}
