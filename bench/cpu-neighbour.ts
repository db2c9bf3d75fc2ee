/**
 * A stand-in for a viewer page that is no viewer at all, for `npm run bench -- viewer`'s control arm: a
 * process that works `share` of a core in bursts at `fps` a second, each burst writing a 1280 × 800 RGBA
 * buffer over and over (as a rasteriser touches a frame's pixels), sleeping in between. What PPO loses beside
 * it is what that much CPU, taken by one process waking once per frame, costs PPO on this machine.
 * Usage: tsx bench/cpu-neighbour.ts <share of a core, 0–1> <bursts per second>
 * Prints `ready` and `episode` at once (the bench's clients' protocol: nothing to wait for), and a JSON line
 * `{ bursts, busyMs, seconds, checksum }` (busyMs: CPU time in the bursts; checksum: a pixel, so the writes are not
 * optimised away) on SIGTERM.
 */
const share = Number(process.argv[2]);
const fps = Number(process.argv[3]);
if (!(share >= 0 && share <= 1) || !(fps > 0 && fps <= 1000)) {
  throw new Error(`cpu-neighbour: share must be in [0, 1] and fps in (0, 1000], got ${process.argv[2]} and ${process.argv[3]}`);
}
const period = 1000 / fps;
const frame = new Uint32Array(1280 * 800);
const t0 = performance.now();
let bursts = 0, busyMs = 0, value = 0;

// The burst's budget is CPU time, not wall time: on a busy machine a burst that is preempted still works its share.
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function burst(): void {
  const start = cpuMs();
  const until = start + share * period;
  let now = start;
  while (now < until) {
    // 16 rows at a time, so the clock is read often enough to end the burst on time.
    for (let row = 0; row < 800 && now < until; row += 16) {
      const end = (row + 16) * 1280;
      for (let i = row * 1280; i < end; i++) frame[i] = value++;
      now = cpuMs();
    }
  }
  busyMs += now - start;
  bursts++;
  // The next burst at its slot on the clock, not `period` after this one ended: no drift.
  const next = t0 + bursts * period;
  setTimeout(burst, Math.max(0, next - performance.now()));
}

console.log('ready');
console.log('episode');
setTimeout(burst, 0);
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ bursts, busyMs: Math.round(busyMs), seconds: (performance.now() - t0) / 1000, checksum: frame[0]! }));
  process.exit(0);
});
