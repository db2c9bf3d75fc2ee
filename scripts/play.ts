import type { Env } from '../src/index.ts';

export interface EpisodeStats {
  seed: number;
  return: number;
  length: number;
  terminated: boolean;
  truncated: boolean;
}

/** Run `episodes` episodes, episode i reset with seed + i, and return their statistics. */
export function runEpisodes<O, A>(
  env: Env<O, A>,
  opts: { episodes: number; seed: number; act: (obs: O) => A; onEnd?: (() => void) | undefined },
): EpisodeStats[] {
  const out: EpisodeStats[] = [];
  for (let e = 0; e < opts.episodes; e++) {
    const seed = opts.seed + e;
    let obs = env.reset({ seed }).obs;
    let ret = 0;
    let length = 0;
    for (;;) {
      const r = env.step(opts.act(obs));
      ret += r.reward;
      length++;
      obs = r.obs;
      if (r.terminated || r.truncated) {
        out.push({ seed, return: ret, length, terminated: r.terminated, truncated: r.truncated });
        opts.onEnd?.();
        break;
      }
    }
  }
  return out;
}

/** A table of episodes and their summary, as `rudder play` prints it. */
export function formatEpisodeReport(id: string, policy: string, seed: number, eps: EpisodeStats[], threshold: number | null): string {
  const lines = [`${id} · ${policy} policy · ${eps.length} episode(s) from seed ${seed}`, '', 'episode  seed    return  length  ended by'];
  eps.forEach((e, i) => {
    const how = e.terminated && e.truncated ? 'terminated+truncated' : e.terminated ? 'terminated' : 'truncated';
    lines.push(`${String(i + 1).padStart(7)}  ${String(e.seed).padStart(4)}  ${e.return.toFixed(2).padStart(8)}  ${String(e.length).padStart(6)}  ${how}`);
  });
  const rets = eps.map((e) => e.return);
  const mean = rets.reduce((a, b) => a + b, 0) / rets.length;
  const std = Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / rets.length);
  const meanLen = eps.reduce((a, e) => a + e.length, 0) / eps.length;
  lines.push('', `mean return ${mean.toFixed(2)} ± ${std.toFixed(2)} (min ${Math.min(...rets).toFixed(2)}, max ${Math.max(...rets).toFixed(2)}), mean length ${meanLen.toFixed(1)}`);
  if (threshold !== null) lines.push(`reward threshold ${threshold}: ${mean >= threshold ? 'reached' : 'not reached'}`);
  return `${lines.join('\n')}\n`;
}
