import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { clipScale } from '../src/agents/adam.ts';
import { Rng } from '../src/envs/core/rng.ts';
import type { LstmConfig } from '../src/rudder/lstm.ts';
import { LstmBatch } from '../src/rudder/lstm-batch.ts';
import { ReturnDecomposition, type EpisodeSample } from '../src/rudder/return-decomposition.ts';
import { machineLine, median, table, writeResults, writeSection } from './report.ts';

/**
 * `npm run bench -- lstm`: one Adam step of the return-decomposition LSTM on a batch of 16 sequences × 200
 * steps × 32 inputs, ours (ReturnDecomposition.trainBatch: the batched pass, and the episode-by-episode
 * loop it replaced) against PyTorch's nn.LSTM on CPU with one thread (bench/anchors/torch_lstm.py, same
 * loss, clip and optimiser), in interleaved rounds of one process each so the shared machine's load hits
 * both alike. A round's figure is the median of its timed steps; the table gives the median over rounds,
 * and the ratio is torch's time over ours, round by round (> 1: ours is faster).
 */
const B = 16, T = 200, D = 32;
const ROOT = resolve(import.meta.dirname, '..');

interface Variant { name: string; what: string; cfg: LstmConfig; torchHidden: number; batch: number }
const FULL: LstmConfig = { inputDim: D, units: 64, forgetGate: true, outputGate: true, fullyConnected: true };
const RUDDER: LstmConfig = { inputDim: D, units: 32, fullyConnected: true };
const VARIANTS: Variant[] = [
  { name: 'full LSTM, 64 cells', what: "forget and output gates, every gate fed by x_t and h_{t−1}: nn.LSTM's cell", cfg: FULL, torchHidden: 64, batch: B },
  { name: "RUDDER's default, 32 cells", what: 'no forget or output gate, fully connected (RUDDER_DEFAULTS); torch has no such cell, so its peer is nn.LSTM with 32 cells', cfg: RUDDER, torchHidden: 32, batch: B },
  { name: "RUDDER's default, 32 cells, 1 sequence", what: "RUDDER's own call, trainBatch([lesson]): trainBatch keeps the episode-by-episode loop for a single episode, so the batched figure is the batched pass at B = 1 by hand (as the JS-kernels column); torch nn.LSTM 32 at batch 1", cfg: RUDDER, torchHidden: 32, batch: 1 },
];

/** The Python that runs the anchor and its environment: TORCH_PYTHON, or the prefix bench/anchors/setup_torch.sh makes. */
function torchRunner(): { py: string; env: NodeJS.ProcessEnv } | null {
  if (process.env.TORCH_PYTHON) return { py: process.env.TORCH_PYTHON, env: process.env };
  const root = process.env.TORCH_ROOT ?? resolve(ROOT, '.cache/torch-root');
  if (!existsSync(resolve(root, 'usr/lib/python3/dist-packages/torch'))) return null;
  const lines = execFileSync('bash', [resolve(ROOT, 'bench/anchors/setup_torch.sh')], { env: { ...process.env, TORCH_ROOT: root }, encoding: 'utf8' });
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const m of lines.matchAll(/^export (\w+)='([^']*)'$/gm)) env[m[1]!] = m[2]!;
  return { py: '/usr/bin/python3', env };
}

function torchStep(r: { py: string; env: NodeJS.ProcessEnv }, batch: number, hidden: number, reps: number): { ms: number; version: string } {
  const out = execFileSync(r.py, [resolve(ROOT, 'bench/anchors/torch_lstm.py'), '--batch', String(batch), '--steps', String(T), '--inputs', String(D), '--hidden', String(hidden), '--reps', String(reps), '--threads', '1'], { env: r.env, encoding: 'utf8' });
  const j = JSON.parse(out.trim().split('\n').at(-1)!) as { ms_median: number; torch: string };
  return { ms: j.ms_median, version: j.torch };
}

/** trainBatch as it was before the batched pass: episode by episode through Lstm.forward/backward, then the same clip and Adam step. */
function perEpisodeStep(m: ReturnDecomposition, batch: readonly EpisodeSample[], grads: Float32Array[]): void {
  for (const g of grads) g.fill(0);
  for (const ep of batch) m.loss(ep, grads, 1 / batch.length);
  m.adam.update(grads, clipScale(grads, m.cfg.maxGradNorm).scale);
}

/** The batched step by hand (as trainBatch does for more than one episode; on the JS kernels too): same loss, clip and Adam. */
function passStep(m: ReturnDecomposition, pass: LstmBatch, batch: readonly EpisodeSample[], grads: Float32Array[]): void {
  for (const g of grads) g.fill(0);
  pass.forward(batch.map((ep) => ep.inputs), batch.map((ep) => ep.length));
  const a = m.cfg.auxWeight, w = 1 / batch.length;
  batch.forEach((ep, b) => {
    const T = ep.length, g = ep.ret / m.cfg.returnScale;
    for (let t = 0; t < T; t++) pass.dOut[pass.index(b, t)] = (w * a * 2 * (pass.out[pass.index(b, t)]! - g)) / T;
    pass.dOut[pass.index(b, T - 1)]! += w * 2 * (pass.out[pass.index(b, T - 1)]! - g);
  });
  pass.backward(grads);
  m.adam.update(grads, clipScale(grads, m.cfg.maxGradNorm).scale);
}

function timeMs(run: () => void, reps: number): number {
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

export async function runLstmBench(opts: { rounds: number; anchor: boolean }): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const runner = opts.anchor ? torchRunner() : null;
  if (opts.anchor && !runner) log('no torch: set TORCH_PYTHON, or run bench/anchors/setup_torch.sh once (Debian python3-torch into .cache/torch-root)');
  const rng = new Rng(1);
  const batch: EpisodeSample[] = Array.from({ length: B }, () => ({ inputs: Float32Array.from({ length: T * D }, () => rng.normal()), length: T, ret: rng.normal() }));
  const dcfg = { learningRate: 1e-3, maxGradNorm: 0.5, l2: 0, auxWeight: 0.5, returnScale: 1 };
  const model = (cfg: LstmConfig): ReturnDecomposition => new ReturnDecomposition({ ...cfg, init: 'atari' }, dcfg);
  const gradsOf = (m: ReturnDecomposition): Float32Array[] => m.lstm.params().map((p) => new Float32Array(p.length));
  const cases = VARIANTS.map((v) => {
    const eps = batch.slice(0, v.batch);
    const batched = model(v.cfg), looped = model(v.cfg), js = model(v.cfg);
    const pass = new LstmBatch(batched.lstm), jsPass = new LstmBatch(js.lstm, { kernels: 'js' });
    const grads = gradsOf(batched), loopGrads = gradsOf(looped), jsGrads = gradsOf(js);
    return {
      v,
      batched: v.batch > 1 ? () => void batched.trainBatch(eps) : () => passStep(batched, pass, eps, grads),
      looped: () => perEpisodeStep(looped, eps, loopGrads),
      js: () => passStep(js, jsPass, eps, jsGrads),
    };
  });
  const kernels = new LstmBatch(model(FULL).lstm).kernels;
  for (const c of cases) {
    for (let i = 0; i < 5; i++) c.batched(); // warm-up
    for (let i = 0; i < 2; i++) c.looped();
    for (let i = 0; i < 3; i++) c.js();
  }
  type Round = { round: number; variant: string; torchMs: number | null; batchedMs: number; jsKernelsMs: number; perEpisodeMs: number };
  const rounds: Round[] = [];
  let torchVersion = '';
  for (let r = 0; r < opts.rounds; r++) {
    for (const c of cases) {
      const t = runner ? torchStep(runner, c.v.batch, c.v.torchHidden, 20) : null;
      if (t) torchVersion = t.version;
      const batchedMs = timeMs(c.batched, 20);
      const jsKernelsMs = timeMs(c.js, 5);
      const perEpisodeMs = timeMs(c.looped, c.v.cfg.units > 32 ? 3 : c.v.batch > 1 ? 5 : 20);
      rounds.push({ round: r + 1, variant: c.v.name, torchMs: t?.ms ?? null, batchedMs, jsKernelsMs, perEpisodeMs });
      log(`round ${r + 1} ${c.v.name}: torch ${t ? t.ms.toFixed(1) : '—'} ms, ours batched ${batchedMs.toFixed(1)} ms (JS kernels ${jsKernelsMs.toFixed(1)} ms), episode by episode ${perEpisodeMs.toFixed(1)} ms`);
    }
  }
  const command = `npm run bench -- lstm --rounds ${opts.rounds}${opts.anchor ? '' : ' --no-anchor'}`;
  writeResults('lstm', command, { batch: B, steps: T, inputs: D, torch: torchVersion || null, variants: VARIANTS.map((v) => ({ name: v.name, batch: v.batch, cfg: v.cfg, torchHidden: v.torchHidden })), rounds });
  const f = (x: number): string => `${x.toFixed(1)} ms`;
  const rows = cases.map((c) => {
    const mine = rounds.filter((x) => x.variant === c.v.name);
    const torch = mine.every((x) => x.torchMs !== null) ? mine.map((x) => x.torchMs!) : null;
    const ratio = torch ? median(mine.map((x) => x.torchMs! / x.batchedMs)) : null;
    const best = torch ? Math.min(...torch) / Math.min(...mine.map((x) => x.batchedMs)) : null;
    return [c.v.name, torch ? `${f(median(torch))} (nn.LSTM ${c.v.torchHidden})` : '—', f(median(mine.map((x) => x.batchedMs))), f(median(mine.map((x) => x.jsKernelsMs))), f(median(mine.map((x) => x.perEpisodeMs))),
      ratio ? `**${ratio.toFixed(2)}×**` : '—', best ? `${best.toFixed(2)}×` : '—', `${median(mine.map((x) => x.perEpisodeMs / x.batchedMs)).toFixed(1)}×`];
  });
  const body = [
    '## LSTM speed (`npm run bench -- lstm`)',
    '',
    `Command: \`${command}\` · ${machineLine()} · per-round results: bench/results/lstm.json`,
    '',
    `One Adam step of the return-decomposition LSTM with a linear head on ${B} sequences (or one) × ${T} steps × ${D} dense random inputs: forward, RUDDER's loss (last-step squared error + 0.5 × the mean over steps), backward through time, gradient-norm clip 0.5, Adam. Ours is \`ReturnDecomposition.trainBatch\` (its batched pass, src/rudder/lstm-batch.ts, on the ${kernels === 'wasm' ? 'WebAssembly SIMD' : 'JS'} kernels) and, for comparison, the episode-by-episode loop through \`Lstm.forward/backward\` it replaced. The peer is PyTorch ${torchVersion || '(not run)'} \`nn.LSTM\` on CPU, \`torch.set_num_threads(1)\`, the same loss, clip and Adam (bench/anchors/torch_lstm.py; Debian's python3-torch unpacked by bench/anchors/setup_torch.sh, with OpenBLAS, also held to one thread). ${opts.rounds} interleaved rounds, each the median of 20 steps (5 on the JS kernels, 3–20 for the loop); the table gives medians over rounds, "vs torch" is the median over rounds of torch's time over ours (> 1: ours is faster), and "best rounds" the ratio of the two fastest rounds. "JS kernels" is the same batched pass on the plain-JS fallback kernels (runtimes without WebAssembly SIMD).`,
    '',
    ...VARIANTS.map((v) => `- **${v.name}**: ${v.what}.`),
    '',
    table(['variant', 'torch', 'ours, batched', 'same on the JS kernels', 'ours, episode by episode', 'vs torch', 'vs torch, best rounds', 'batched vs loop'], rows),
  ].join('\n');
  writeSection('lstm', body);
  log('wrote BENCHMARKS.md (section lstm)');
}
