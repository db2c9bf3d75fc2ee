import { z } from 'zod';
import type { RudderConfig } from './ppo-redistribution.ts';

/**
 * RUDDER's settings as JSON (the `rudder` object of a `rudder train --config` file): every field of
 * {@link RudderConfig} that is data, with observation features chosen by name. Missing fields take
 * RUDDER_DEFAULTS; a wrong one is an error that names it.
 */
export const RudderSettingsSchema = z
  .object({
    units: z.number().int().positive(),
    outputGate: z.boolean(),
    forgetGate: z.boolean(),
    fullyConnected: z.boolean(),
    recurrentGradClip: z.number().min(0),
    delta: z.boolean(),
    /** What the LSTM sees of an observation: `observation` (the flat observation), `gridCodeCounts` or `gridEvents` (grid envs), `declared` (the env's declared event features, as Align-RUDDER's). */
    features: z.enum(['observation', 'gridCodeCounts', 'gridEvents', 'declared']),
    decomposition: z.object({ auxWeight: z.number().min(0), learningRate: z.number().positive(), l2: z.number().min(0), maxGradNorm: z.number().min(0) }).partial().strict(),
    buffer: z.enum(['prioritized', 'fifo']),
    bufferCapacity: z.number().int().positive(),
    warmupEpisodes: z.number().int().min(0),
    replaysPerEpisode: z.number().int().min(0),
    trace: z.number().min(0).max(1),
    maxError: z.number().positive(),
    trustEps: z.union([z.number().min(0), z.literal('atari')]),
    trustGate: z.enum(['episode', 'explained', 'none']),
    minExplained: z.number().min(0).max(1),
    returnScale: z.union([z.number().positive(), z.literal('auto')]),
    rrNormalization: z.enum(['advantage', 'none']),
    vfContrib: z.number().min(0).max(1),
    mode: z.enum(['advantage', 'reward']),
    terminalObservation: z.boolean(),
    actionInput: z.boolean(),
    timeEncoding: z.object({ max: z.number().positive(), span: z.number().positive() }).strict().nullable(),
    updateTraining: z.object({ batchSize: z.number().int().positive(), maxBatches: z.number().int().min(0), lossThreshold: z.number().min(0) }).strict().nullable(),
  })
  .partial()
  .strict();

export type RudderSettings = z.infer<typeof RudderSettingsSchema>;
export type FeatureName = NonNullable<RudderSettings['features']>;

/** Validates RUDDER settings from JSON; `source` names where they came from in the error. */
export function parseRudderSettings(input: unknown, source = 'rudder'): RudderSettings {
  const r = RudderSettingsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  - ${[source, ...i.path].join('.')}: ${i.message}`);
  throw new Error(`${source} settings are invalid:\n${lines.join('\n')}`);
}

/** The settings without the feature name (resolved against the env by RudderRedistribution.forEnv). */
export function settingsConfig(s: RudderSettings): Partial<Omit<RudderConfig, 'features' | 'numActions'>> {
  const { features: _name, ...rest } = s;
  return rest;
}
