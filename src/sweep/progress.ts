/** A sweep's state per arm (done, running, failed, waiting), as lines for the terminal. */
import type { Sweep, SweepRun } from './spec.ts';

export type RunState = 'waiting' | 'running' | 'done' | 'failed';

export class SweepProgress {
  private readonly state = new Map<string, RunState>();

  constructor(private readonly sweep: Sweep, runs: readonly SweepRun[]) {
    for (const r of runs) this.state.set(key(r), 'waiting');
  }

  set(run: SweepRun, s: RunState): void {
    this.state.set(key(run), s);
  }

  /** Counts per arm, in the sweep's arm order. */
  counts(): { arm: string; done: number; running: number; failed: number; waiting: number; total: number }[] {
    return this.sweep.arms.map((a) => {
      const c = { arm: a.name, done: 0, running: 0, failed: 0, waiting: 0, total: 0 };
      for (const [k, s] of this.state) {
        if (k.slice(0, k.lastIndexOf('/')) !== a.name) continue;
        c[s]++;
        c.total++;
      }
      return c;
    });
  }

  /** One line per arm: `ppo      3/10 done · 2 running · 1 failed`. */
  table(): string {
    const rows = this.counts();
    const w = Math.max(...rows.map((r) => r.arm.length));
    return rows.map((r) => `  ${r.arm.padEnd(w)}  ${r.done}/${r.total} done${r.running ? ` · ${r.running} running` : ''}${r.failed ? ` · ${r.failed} failed` : ''}`).join('\n');
  }

  /** One line for all arms: `ppo 3/10 (2 running) · rudder 1/10 (1 failed)`. */
  line(): string {
    return this.counts().map((r) => `${r.arm} ${r.done}/${r.total}${r.running || r.failed ? ` (${[r.running ? `${r.running} running` : '', r.failed ? `${r.failed} failed` : ''].filter(Boolean).join(', ')})` : ''}`).join(' · ');
  }
}

const key = (r: SweepRun): string => `${r.arm}/${r.seed}`;
