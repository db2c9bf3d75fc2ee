/**
 * Records training episodes to disk for later replay (`rudder train --record-every N`): every N env steps,
 * the next whole episode of one sub-env goes to `RUN/episodes/train-<globalStep>-env<i>.json`, with RUDDER's
 * redistribution of it when RUDDER runs (training-episode.ts).
 *
 * It is one more on-demand subscriber of the run's {@link LiveSource}, so it costs what a watching page
 * costs: the tap is armed only from the step it asks until that episode ends (one getState and two pushes
 * per step of one sub-env); between recordings the tap is off.
 */
import { join } from 'node:path';
import type { LiveEpisode, LiveSource, LiveSubscription } from './live-source.ts';
import { saveTrainingEpisode, trainingEpisodeOf } from './training-episode.ts';

export interface EpisodeRecorderOptions {
  /** Record an episode every this many env steps (the first at step 0). */
  everySteps: number;
  /** The sub-env whose episodes are recorded (default 0). */
  subEnv?: number;
  /** Where a failure to record is reported (training goes on). */
  log?: (line: string) => void;
}

export class EpisodeRecorder {
  /** Paths written so far, relative to the run folder. */
  readonly written: string[] = [];
  private readonly sub: LiveSubscription;
  private readonly every: number;
  private nextAt: number;
  private asked = true; // the subscription's first episode needs no request
  private readonly log: (line: string) => void;

  constructor(private readonly live: LiveSource, private readonly runDir: string, opts: EpisodeRecorderOptions) {
    if (!Number.isInteger(opts.everySteps) || opts.everySteps < 1) throw new RangeError(`EpisodeRecorder: everySteps must be an integer ≥ 1, got ${opts.everySteps}`);
    this.every = opts.everySteps;
    this.nextAt = this.every;
    this.log = opts.log ?? (() => {});
    this.sub = live.subscribe(opts.subEnv ?? 0, (e) => this.write(e), { onDemand: true });
  }

  /** The trainer's step count (after each iteration): asks for the next episode once `everySteps` have passed. */
  tick(globalStep: number): void {
    if (this.asked || globalStep < this.nextAt) return;
    this.asked = true;
    this.nextAt = globalStep + this.every;
    this.sub.request();
  }

  /** Stop recording. */
  close(): void {
    this.sub.close();
  }

  // Called from the trainer's loop (after the rollout's redistribution): one small synchronous write.
  private write(e: LiveEpisode): void {
    this.asked = false;
    const file = trainingEpisodeOf(e, this.live.envId, this.live.envKwargs);
    if (!file) {
      this.log(`note: ${this.live.envId} cannot save its state (no getState), so its training episodes are not recorded`);
      this.close();
      return;
    }
    const rel = `episodes/train-${String(file.globalStep).padStart(9, '0')}-env${file.subEnv}.json`;
    try {
      saveTrainingEpisode(join(this.runDir, rel), file);
      this.written.push(rel);
    } catch (err) {
      this.log(`note: could not record a training episode to ${rel}: ${(err as Error).message}`);
    }
  }
}
