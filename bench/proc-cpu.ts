/**
 * CPU time from Linux's /proc, for benchmarks on a shared machine: unlike wall-clock rates, the CPU a thread
 * or process used for a piece of work hardly depends on what else runs. Milliseconds of user + system time;
 * NaN where there is no /proc (or the process is gone). Resolution: one clock tick (USER_HZ, 100 on Linux).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // 1000 / USER_HZ (100)

/** utime + stime of a /proc stat file, ms. */
function statCpuMs(path: string): number {
  try {
    // The command name (field 2) may hold spaces or parentheses: the fields after it start past the last ')'.
    const text = readFileSync(path, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/**
 * This process's main thread (where PPO's trainer runs: its kernels are single-threaded), ms; the viewer's
 * worker thread, V8's GC helpers and libuv's pool are other threads and are not counted.
 */
export function mainThreadCpuMs(): number {
  return statCpuMs(`/proc/self/task/${process.pid}/stat`);
}

/**
 * Times this process's main thread was taken off its core while it could still run (involuntary context
 * switches, from /proc): each costs it the time away and, after, refilling its caches.
 */
export function mainThreadPreemptions(): number {
  const m = /^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** All of this process's threads but the main one, ms (the viewer's worker among them). */
export function otherThreadsCpuMs(): number {
  try {
    let ms = 0;
    for (const tid of readdirSync('/proc/self/task')) if (Number(tid) !== process.pid) ms += statCpuMs(`/proc/self/task/${tid}/stat`) || 0;
    return ms;
  } catch {
    return NaN;
  }
}

/** One process (all its threads), ms. */
export function processCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** The oldest process whose command line contains `marker`, and all its descendants (chromium's GPU, renderer, … processes), ms. */
export function processTreeCpuMs(marker: string): number {
  try {
    const root = Number(execFileSync('pgrep', ['-o', '-f', '--', marker]).toString().trim().split('\n')[0]);
    const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=']).toString().trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
    const tree = new Set([root]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, ppid] of rows) if (tree.has(ppid!) && !tree.has(pid!)) grew = tree.add(pid!) !== null;
    }
    let ms = 0;
    for (const pid of tree) ms += processCpuMs(pid) || 0; // a process that ended meanwhile counts 0
    return ms;
  } catch {
    return NaN;
  }
}

/**
 * `pid` and all its descendants now (a clients' process and the chromium it launched), from /proc: read
 * once, then summed with {@link processesCpuMs} at the edges of a timed window (a few /proc reads, no
 * subprocess on the timed thread).
 */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  try {
    for (const name of readdirSync('/proc')) {
      const p = Number(name);
      if (!Number.isInteger(p)) continue;
      try {
        const text = readFileSync(`/proc/${p}/stat`, 'utf8');
        const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), p]);
      } catch { /* ended meanwhile */ }
    }
  } catch {
    return [pid];
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** The processes' CPU summed, ms (one that ended counts 0). */
export function processesCpuMs(pids: readonly number[]): number {
  let ms = 0;
  for (const pid of pids) ms += processCpuMs(pid) || 0;
  return ms;
}
