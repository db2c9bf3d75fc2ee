import { z } from 'zod';

/**
 * PPO's settings, CleanRL `ppo.py` defaults (envs-ppo.md §6.1). This one schema types the config, fills
 * defaults, and validates `--config FILE` with errors that name the field and the expected type.
 */
export const PpoConfigSchema = z
  .object({
    /** Registered env id to train on. */
    envId: z.string().min(1).default('CartPole-v1'),
    /** Keyword arguments for the env (e.g. `{ "reward": "delayed" }`), over the registered defaults. */
    envKwargs: z.record(z.string(), z.unknown()).default({}),
    /**
     * Modules that register `envId` (absolute paths), as `rudder train --env-module` recorded them: `rudder
     * eval` and `rudder train --resume` load them again. The trainer itself does not import them.
     */
    envModules: z.array(z.string().min(1)).default([]),
    /** Seed of the env resets, the action sampling and the weight init. */
    seed: z.number().int().min(0).default(1),
    /** Environment steps to train for (summed over envs); CleanRL's 500k. A bare `rudder train` runs CLI_TOTAL_TIMESTEPS instead. */
    totalTimesteps: z.number().int().positive().default(500_000),
    /** Adam step size at the start (annealed linearly to 0 when annealLr). */
    learningRate: z.number().positive().default(2.5e-4),
    /** Parallel envs in the rollout. */
    numEnvs: z.number().int().positive().default(4),
    /** Steps per env per rollout. */
    numSteps: z.number().int().positive().default(128),
    annealLr: z.boolean().default(true),
    gamma: z.number().min(0).max(1).default(0.99),
    gaeLambda: z.number().min(0).max(1).default(0.95),
    /**
     * GAE and the value net see the reward × this (1: unchanged). Episode returns, evaluation and a
     * redistributor's inputs stay in the env's units. For rewards in the hundreds (Venture pays 100–500)
     * the critic's gradient otherwise dominates the one global gradient-norm clip and the policy hardly
     * moves; the RUDDER paper's PPO scales rewards instead of sign-clipping them.
     */
    rewardScale: z.number().positive().default(1),
    numMinibatches: z.number().int().positive().default(4),
    updateEpochs: z.number().int().positive().default(4),
    /** Normalise advantages per minibatch. */
    normAdv: z.boolean().default(true),
    /** Surrogate clipping ε. */
    clipCoef: z.number().positive().default(0.2),
    /** Clip the value loss as PPO2 does. */
    clipVloss: z.boolean().default(true),
    entCoef: z.number().min(0).default(0.01),
    vfCoef: z.number().min(0).default(0.5),
    /** Global gradient-norm clip. */
    maxGradNorm: z.number().positive().default(0.5),
    /** Stop an update's epochs early when approx-KL exceeds this (null: never). */
    targetKl: z.number().positive().nullable().default(null),
    /** Read each step's allowed actions from `info.action_mask` (Σ nvec values, 1 = allowed) and never pick others. */
    actionMasks: z.boolean().default(false),
    /**
     * `mlp`: separate tanh MLPs for the actor and the critic (CleanRL `ppo.py`), on a flat float32 Box.
     * `cnn`: a shared ReLU CNN torso with an actor and a critic head (CleanRL `ppo_atari.py`'s arrangement,
     * nets/cnn.ts), on an image: a float32 Box of shape [H, W, C].
     * `tfjs`: a user's TensorFlow.js Layers model (outputs [logits, value]) trained by tfjs autodiff on the
     * active backend (ppo/tfjs-policy.ts); the model comes with the train call (`tfjsModel`).
     */
    policy: z.enum(['mlp', 'cnn', 'tfjs']).default('mlp'),
    /**
     * With `policy: 'tfjs'` from the CLI or a config file: the module (absolute path, as `rudder train
     * --policy-module` records it) whose `buildPolicy` export, or default export, builds the tfjs model
     * `(obsSpace, actionSpace) => LayersModel`. The trainer itself does not import it (the library takes `tfjsModel`).
     */
    policyModule: z.string().min(1).nullable().default(null),
    /** Hidden layer sizes: of the actor and of the critic MLP (tanh), or of the CNN's dense layers after its convolutions (ReLU). */
    hidden: z.array(z.number().int().positive()).min(1).default([64, 64]),
    /** CNN only: output channels of its 3×3 convolutions (stride 1, unpadded, ReLU), in order. */
    cnnChannels: z.array(z.number().int().positive()).min(1).default([16, 32]),
  })
  .strict();

export type PpoConfig = z.infer<typeof PpoConfigSchema>;

// The fixed choices outside the schema, named so each number has one home.

/**
 * Steps of `rudder train` when neither --steps nor a config file says: CleanRL's 500k, which take
 * CartPole-v1 past its threshold (475) in ~10 s here (seeds 1-3: 500 each); 200k stopped at 339 on seed 1.
 */
export const CLI_TOTAL_TIMESTEPS = 500_000;

/** Evaluation episode i of a run with seed s is reset with seed EVAL_SEED_OFFSET + s + i, well above the seeds training resets use. */
export const EVAL_SEED_OFFSET = 1_000_000;

/**
 * Checkpoints hold the envs' states, so a resumed run continues its episodes. Only an env without
 * getState/setState (a user's env, or a checkpoint older than the env-state contract) restarts them: a run
 * resumed at iteration k then resets its envs with seed + k·RESUME_SEED_STRIDE, a different start per
 * resume point (7919, a prime, keeps them apart from the first session's seed + i).
 */
export const RESUME_SEED_STRIDE = 7919;

/** Without evaluation, `stopAtReturn` compares with the mean return of this many last episodes (the CLI's progress line and the bench's steps-to-threshold use 20 too). */
export const RETURN_WINDOW = 20;

/** Defaults filled in, every field checked; throws an Error naming each bad field and what it expected. */
export function parsePpoConfig(input: unknown, source = 'config'): PpoConfig {
  const r = PpoConfigSchema.safeParse(input ?? {});
  if (r.success) {
    const c = r.data;
    const batch = c.numEnvs * c.numSteps;
    if (batch % c.numMinibatches !== 0) {
      throw new Error(`${source}: numEnvs × numSteps = ${batch} must be divisible by numMinibatches = ${c.numMinibatches}`);
    }
    return c;
  }
  const lines = r.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new Error(`${source} is invalid:\n${lines.join('\n')}`);
}
