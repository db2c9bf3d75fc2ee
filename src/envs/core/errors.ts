/** `step` or `render` was called before the first `reset` (Gymnasium's ResetNeeded). */
export class ResetNeededError extends Error {
  override name = 'ResetNeededError';
}

/** An action outside the env's action space. */
export class InvalidActionError extends RangeError {
  override name = 'InvalidActionError';
}

/** An env returned an observation outside its declared observation space. */
export class InvalidObservationError extends TypeError {
  override name = 'InvalidObservationError';
}

/** `make`/`spec` was given an id nobody registered. */
export class UnknownEnvError extends Error {
  override name = 'UnknownEnvError';
}

/** `checkEnv` found problems; `problems` lists each with what to fix, `warnings` what checkEnv would also have reported. */
export class EnvCheckError extends Error {
  override name = 'EnvCheckError';
  constructor(readonly problems: string[], readonly warnings: string[] = []) {
    super(`checkEnv found ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
