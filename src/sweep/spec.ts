/**
 * A sweep file: a base training setup, named arms that override it, seeds and an output folder. Every
 * (arm, seed) is one `rudder train` run in a fixed folder, `<out>/<arm>/seed-<seed>`, so a run that is
 * started again (a rerun of the sweep, a retried queue job, a requeued Slurm task) resumes its own checkpoint.
 *
 * ```json
 * { "name": "cartpole-lr", "seeds": "1-10", "out": "sweeps/cartpole-lr",
 *   "base": { "envId": "CartPole-v1", "totalTimesteps": 100000, "checkpointEvery": 5 },
 *   "arms": { "default": {}, "fast": { "learningRate": 0.001 }, "rudder": { "rudder": true } } }
 * ```
 * `base` and each arm take what `rudder train --config` takes (PPO settings in camelCase, a `rudder`
 * settings object) plus the train options below (`rudder: true`, `align`, `bc`, `evalEvery`, …). Paths are
 * relative to the sweep file.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { BACKEND_CHOICES } from '../agents/backend.ts';
import { parsePpoConfig, PpoConfigSchema } from '../agents/ppo/config.ts';
import { RudderSettingsSchema } from '../rudder/settings.ts';

/** Arm and sweep names become folder names and queue job ids. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const name = z.string().regex(NAME, 'must be letters, digits, _ . - (starting with a letter or digit)');

/** `rudder train` options a sweep can set per arm, beside the PPO settings (their CLI flags in camelCase). */
const TrainOptionsSchema = z.object({
  /** RUDDER on with its defaults (`true`) or with these settings (the `rudder` object of a config file). */
  rudder: z.union([z.boolean(), RudderSettingsSchema]),
  /** Align-RUDDER from this demonstration file. */
  align: z.string().min(1),
  alignCorrection: z.enum(['none', 'final']),
  alignAugment: z.boolean(),
  /** Behaviour cloning pre-training on this demonstration file. */
  bc: z.string().min(1),
  bcEpochs: z.number().int().positive(),
  /** Iterations between checkpoints: what a stopped run loses at most. */
  checkpointEvery: z.number().int().positive(),
  evalEvery: z.number().int().min(0),
  evalEpisodes: z.number().int().positive(),
  stopAt: z.number(),
  backend: z.enum(BACKEND_CHOICES as [string, ...string[]]),
});

/** What base and every arm may hold: PPO settings (the seed comes from `seeds`) and train options. */
const SettingsSchema = PpoConfigSchema.omit({ seed: true }).partial().extend(TrainOptionsSchema.partial().shape).strict();
type Settings = z.infer<typeof SettingsSchema>;
const TRAIN_KEYS = new Set(Object.keys(TrainOptionsSchema.shape));

const SweepSchema = z.object({
  name,
  /** The sweep's folder (default `sweeps/<name>` beside the sweep file). */
  out: z.string().min(1).optional(),
  /** `"1-10"`, `"1-3,7"`, a list of seeds, or one seed. */
  seeds: z.union([z.string(), z.number().int().min(0), z.array(z.number().int().min(0)).min(1)]),
  base: z.record(z.string(), z.unknown()).default({}),
  arms: z.record(z.string(), z.record(z.string(), z.unknown())).refine((a) => Object.keys(a).length > 0, 'needs at least one arm'),
  /** The return the report's steps-to-threshold measures (default: the env's reward threshold). */
  threshold: z.number().optional(),
  /** Modules that register your own envs, loaded by every run (`rudder train --env-module`). */
  envModules: z.array(z.string().min(1)).optional(),
}).strict();

export interface SweepArm {
  name: string;
  /** The `rudder train --config` file's content: PPO settings, and a `rudder` settings object if the arm has one. */
  config: Record<string, unknown>;
  /** The `rudder train` flags of the arm's train options (paths absolute). */
  flags: string[];
  /** The env the arm trains (for the report's threshold). */
  envId: string;
}

export interface Sweep {
  name: string;
  /** Absolute path of the sweep file. */
  file: string;
  /** Absolute path of the sweep's folder. */
  out: string;
  seeds: number[];
  arms: SweepArm[];
  threshold: number | null;
  /** Absolute paths of the env modules every run loads. */
  envModules: string[];
}

/** One (arm, seed) of a sweep; `index` is its place in {@link sweepRuns} (a Slurm array task id). */
export interface SweepRun {
  index: number;
  arm: string;
  seed: number;
  /** The run folder. */
  dir: string;
}

/** Read and validate a sweep file; errors name the file and the field. */
export function readSweepFile(path: string): Sweep {
  const file = resolve(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`sweep file ${path}: ${(e as Error).message}`);
  }
  return parseSweep(raw, file);
}

/** Validate a sweep given as data; `file` is where it came from (paths are relative to its folder). */
export function parseSweep(raw: unknown, file: string): Sweep {
  const r = SweepSchema.safeParse(raw);
  if (!r.success) throw invalid(file, r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })));
  const s = r.data;
  const here = dirname(file);
  const base = settings(s.base, ['base'], file);
  const arms = Object.entries(s.arms).map(([armName, overrides]) => {
    if (!NAME.test(armName)) throw invalid(file, [{ path: ['arms', armName], message: 'an arm name must be letters, digits, _ . - (starting with a letter or digit)' }]);
    return arm(armName, { ...base, ...settings(overrides, ['arms', armName], file) }, here, file);
  });
  return { name: s.name, file, out: resolve(here, s.out ?? join('sweeps', s.name)), seeds: parseSeeds(s.seeds, file), arms, threshold: s.threshold ?? null,
    envModules: (s.envModules ?? []).map((m) => resolve(here, m)) };
}

/**
 * The sweep with `modules` (absolute paths: `rudder --env-module` given to the launcher, or recorded in a
 * queue job) added after the file's own `envModules`; every run loads them all, each once.
 */
export function withEnvModules(s: Sweep, modules: readonly string[]): Sweep {
  const all = [...new Set([...s.envModules, ...modules])];
  return all.length === s.envModules.length ? s : { ...s, envModules: all };
}

/** Every run of the sweep, seed by seed with the arms in file order, so early results cover every arm. */
export function sweepRuns(s: Sweep): SweepRun[] {
  const runs: SweepRun[] = [];
  for (const seed of s.seeds) for (const a of s.arms) runs.push({ index: runs.length, arm: a.name, seed, dir: runDir(s.out, a.name, seed) });
  return runs;
}

export function runDir(out: string, arm: string, seed: number): string {
  return join(out, arm, `seed-${seed}`);
}

/** The arm's `--config` file, written by the launcher beside its run folders. */
export function armConfigPath(s: Sweep, arm: string): string {
  return join(s.out, arm, 'arm-config.json');
}

export function findArm(s: Sweep, armName: string): SweepArm {
  const a = s.arms.find((x) => x.name === armName);
  if (!a) throw new Error(`sweep ${s.name} has no arm "${armName}" (arms: ${s.arms.map((x) => x.name).join(', ')})`);
  return a;
}

/** Seeds from `"1-10"`, `"1-3,7"`, a list or one number: distinct integers ≥ 0, in the given order. */
export function parseSeeds(spec: string | number | number[], file = 'seeds'): number[] {
  const bad = (message: string): Error => invalid(file, [{ path: ['seeds'], message }]);
  let seeds: number[];
  if (typeof spec === 'number') seeds = [spec];
  else if (Array.isArray(spec)) seeds = spec;
  else {
    seeds = [];
    for (const part of spec.split(',').map((p) => p.trim())) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (!m) throw bad(`"${part}" is not a seed or a range lo-hi (e.g. "1-10" or "1-3,7")`);
      const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
      if (hi < lo) throw bad(`range "${part}" runs backwards`);
      if (hi - lo >= 10_000) throw bad(`range "${part}" holds over 10,000 seeds`);
      for (let v = lo; v <= hi; v++) seeds.push(v);
    }
  }
  const seen = new Set<number>();
  for (const v of seeds) {
    if (seen.has(v)) throw bad(`seed ${v} is listed twice`);
    seen.add(v);
  }
  return seeds;
}

function settings(input: Record<string, unknown>, at: string[], file: string): Settings {
  if ('seed' in input) throw invalid(file, [{ path: [...at, 'seed'], message: 'each run\'s seed comes from the sweep\'s `seeds`' }]);
  const r = SettingsSchema.safeParse(input);
  if (!r.success) throw invalid(file, r.error.issues.map((i) => ({ path: [...at, ...i.path.map(String)], message: i.message })));
  return input as Settings; // the input, not the parse: defaults stay for `rudder train` to fill
}

function arm(armName: string, merged: Settings, here: string, file: string): SweepArm {
  const config: Record<string, unknown> = {};
  const opts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(merged)) (TRAIN_KEYS.has(k) ? opts : config)[k] = v;
  if (typeof config.policyModule === 'string') config.policyModule = resolve(here, config.policyModule);
  try {
    parsePpoConfig({ ...config, seed: 0 }, `arms.${armName} (base + its overrides)`); // settings that only fail together
  } catch (e) {
    throw new Error(`sweep file ${file}: ${(e as Error).message}`);
  }
  const flags: string[] = [];
  const o = opts as Partial<z.infer<typeof TrainOptionsSchema>>;
  if (typeof o.rudder === 'object') config.rudder = o.rudder; // a config file's `rudder` object turns RUDDER on
  else if (o.rudder === true) flags.push('--rudder');
  if (o.align !== undefined) flags.push('--align', resolve(here, o.align));
  if (o.alignCorrection !== undefined) flags.push('--align-correction', o.alignCorrection);
  if (o.alignAugment) flags.push('--align-augment');
  if (o.bc !== undefined) flags.push('--bc', resolve(here, o.bc));
  if (o.bcEpochs !== undefined) flags.push('--bc-epochs', String(o.bcEpochs));
  flags.push('--checkpoint-every', String(o.checkpointEvery ?? 10));
  if (o.evalEvery !== undefined) flags.push('--eval-every', String(o.evalEvery));
  if (o.evalEpisodes !== undefined) flags.push('--eval-episodes', String(o.evalEpisodes));
  if (o.stopAt !== undefined) flags.push('--stop-at', String(o.stopAt));
  if (o.backend !== undefined) flags.push('--backend', o.backend);
  if ((o.alignCorrection !== undefined || o.alignAugment) && o.align === undefined) {
    throw invalid(file, [{ path: ['arms', armName, o.alignAugment ? 'alignAugment' : 'alignCorrection'], message: 'sets up Align-RUDDER: add `align` (a demonstration file)' }]);
  }
  return { name: armName, config, flags, envId: typeof config.envId === 'string' ? config.envId : 'CartPole-v1' };
}

function invalid(file: string, issues: { path: string[]; message: string }[]): Error {
  return new Error(`sweep file ${file} is invalid:\n${issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n')}`);
}
