/**
 * Reads an env's own `reward` option. `'delayed'` is never an env's to implement: `make(id, { reward:
 * 'delayed' })` wraps any registered env in DelayedReward (outside TimeLimit), so the error for it names
 * that route. `modes[0]` is the default; the message lists 'delayed' too, as `make` accepts it.
 */
export function rewardOption<M extends string>(env: string, value: unknown, modes: readonly [M, ...M[]]): M {
  if (value === undefined) return modes[0];
  if ((modes as readonly unknown[]).includes(value)) return value as M;
  const valid = [modes[0], 'delayed', ...modes.slice(1)].map((m) => `'${m}'`).join(', ');
  const hint = value === 'delayed' ? ` (the env class pays its natural reward; make(id, { reward: 'delayed' }) or new DelayedReward(env) delays it)` : ` ('delayed' through make, which adds the DelayedReward wrapper)`;
  throw new RangeError(`${env}: option reward must be one of ${valid}, got ${JSON.stringify(value)}${hint}`);
}
