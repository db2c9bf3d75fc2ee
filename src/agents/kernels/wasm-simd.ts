/**
 * Seven WebAssembly SIMD kernels for the minibatch passes of small MLPs and CNNs: a matrix multiply, tanh and
 * its derivative, ReLU and its derivative, and im2col with its adjoint. All work in place on float32 data in
 * one linear memory; offsets and strides are bytes.
 *
 * Why: blocked JS loops top out near 4.5 GFLOP/s on one core (every value is a scalar double and every
 * load is bounds-checked), and tfjs-wasm's XNNPACK costs 4–50 µs per kernel in overhead (backends.md §3).
 * Four float32 lanes per instruction and no per-load checks give this gemm ~40 GFLOP/s at 128×64×64 here,
 * and a call costs ~20 ns. The module is ~1.5 KB, assembled below at load time, so there is no build
 * step and no binary in the repository. `wasmSimdSupported()` says whether the runtime takes it (Node ≥ 16.4
 * and current browsers do); callers fall back to the JS kernels in ./dense.ts otherwise.
 *
 * gemm(a, aRow, aCol, b, bRow, c, cRow, bias, M, N, K):
 *   C[i, j] = bias[j] + Σ_p A[i, p]·B[p, j]  for i < M, j < N, p < K, where A[i, p] is at a + i·aRow + p·aCol,
 *   B[p, j] at b + p·bRow + 4j and C[i, j] at c + i·cRow + 4j. A's two strides let the same kernel compute
 *   X·W (aRow = row stride, aCol = 4) and Xᵀ·dZ (aRow = 4, aCol = row stride). M must be a multiple of 4,
 *   N of 8, and K ≥ 1: the callers pad their buffers. Each step of the inner loop loads an 8-wide piece of
 *   a row of B and broadcasts 4 values of A into a 4×8 tile of sums (11 of the 16 SIMD registers).
 *   The sums are float32, as in PyTorch's CPU matmul (the JS kernels sum in doubles): ~1e-6 relative apart.
 * tanh(p, n): x ← tanh32(x) for the n floats at p (n a positive multiple of 8); bit-identical to
 *   dense.ts's tanh32: the same rational function, evaluated in f64x2 with the same operation order.
 *   (In f32x4 it would take about half the time but be up to 6 float32 ulps off.)
 * tanhGrad(dx, h, n): dx ← dx·(1 − h)(1 + h), i.e. back through the tanh whose outputs are h
 *   ((1 − h)(1 + h) rather than 1 − h², because 1 − h·h loses float32 precision as h → ±1).
 * relu(p, n): x ← max(x, 0); reluGrad(dx, h, n): dx ← h > 0 ? dx : 0, back through the ReLU whose outputs
 *   are h. n a positive multiple of 4.
 * im2col(image, cols, n, H, W, Ho, Wo, k, pos, len, reps, row): for each sample b < n and output position
 *   (y, x) < (Ho, Wo) of an unpadded stride-1 k×k convolution over a channels-last image (`pos` bytes per
 *   position), fills one cols row (rows `row` bytes apart) with k·reps pieces of `len` bytes; piece (ky, r)
 *   is the image at position (b, y + ky, x + r·(len/pos)…). With the channels contiguous (pos = 4·C) one
 *   piece per ky covers the k positions (len = 4·k·C, reps = 1); with padded channels, reps = k pieces of
 *   len = 4·C. The copies are `memory.copy` (bulk memory), ~4× JS's copyWithin and ~10× a JS loop here.
 * col2im(same arguments): the adjoint, image += the pieces of the cols rows, float by float. All counts ≥ 1.
 *
 * ./js-kernels.ts implements the same interface in plain JS over an ArrayBuffer, for runtimes without SIMD.
 */
import { TANH_P, TANH_Q } from './dense.ts';

// ---- a minimal WebAssembly binary encoder: just what the kernels use (exported for ../../rudder/lstm-kernels.ts) ----

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

/** A length-prefixed byte vector (sections, bodies, names). */
export const sized = (bytes: number[]): number[] => [...uleb(bytes.length), ...bytes];
export const name = (s: string): number[] => sized([...s].map((ch) => ch.charCodeAt(0)));
/** Concatenate instruction byte lists. */
export const code = (...parts: number[][]): number[] => parts.flat();

export const I32 = 0x7f, V128 = 0x7b;
export const simd = (opcode: number, ...imm: number[]): number[] => [0xfd, ...uleb(opcode), ...imm];
export const op = {
  loop: (...body: number[][]) => [0x03, 0x40, ...code(...body), 0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (l: number) => [0x20, ...uleb(l)],
  set: (l: number) => [0x21, ...uleb(l)],
  /** Small non-negative constants only (one signed-LEB128 byte). */
  i32Const: (v: number) => [0x41, v & 0x3f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32LtS: [0x48],
  i32LtU: [0x49],
  // Memory access takes a memarg: alignment exponent (2: 4-byte aligned), then a constant offset.
  v128Load: (offset: number) => simd(0x00, 0x02, ...uleb(offset)),
  v128Store: (offset: number) => simd(0x0b, 0x02, ...uleb(offset)),
  load32Splat: simd(0x09, 0x02, 0x00),
  shuffle: (lanes: number[]) => simd(0x0d, ...lanes),
  f64x2Splat: (v: number) => [0x44, ...new Uint8Array(Float64Array.of(v).buffer), ...simd(0x14)], // f64.const v; f64x2.splat
  f32x4Splat: (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer), ...simd(0x13)],
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Max: simd(0xe9),
  f32x4Gt: simd(0x44),
  v128And: simd(0x4e),
  f32Load: [0x2a, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  f32Add: [0x92],
  memoryCopy: [0xfc, 0x0a, 0x00, 0x00],
  f32x4DemoteF64x2Zero: simd(0x5e),
  f64x2PromoteLowF32x4: simd(0x5f),
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
  f64x2Div: simd(0xf3),
  f64x2Min: simd(0xf4),
  f64x2Max: simd(0xf5),
};
/** local[dst] = local[x] + local[y] (i32). */
export const addTo = (dst: number, x: number, y: number): number[] => code(op.get(x), op.get(y), op.i32Add, op.set(dst));
/** A function body: local declarations as [count, type] groups, then the code. */
export const body = (locals: [number, number][], ...instrs: number[][]): number[] =>
  sized([...uleb(locals.length), ...locals.flatMap(([n, t]) => [...uleb(n), t]), ...code(...instrs), 0x0b]);

/**
 * The gemm's body; with `accumulate`, the variant C += A·B (each tile starts from C instead of the bias,
 * which is then unused), for callers that block K (../../rudder/lstm-kernels.ts).
 */
export function gemmBody(accumulate = false): number[] {
  const [a, aRow, aCol, b, bRow, c, cRow, bias, M, N, K] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; // parameters
  const [i, j, p, pa0, pa1, pa2, pa3, pb, pc] = [11, 12, 13, 14, 15, 16, 17, 18, 19]; // i32 locals
  const acc = [20, 21, 22, 23, 24, 25, 26, 27]; // v128 sums: row r of the tile, half h at acc[2r + h]
  const [b0, b1, av] = [28, 29, 30]; // v128: B's row piece, a broadcast value of A
  const jBytes = code(op.get(j), op.i32Const(4), op.i32Mul); // 4j

  // One step of p: acc[2r + h] += A[i + r, p]·B[p, j + 4h .. j + 4h + 3].
  const madds = [pa0, pa1, pa2, pa3].flatMap((par, r) => code(
    op.get(par), op.load32Splat, op.set(av),
    op.get(acc[2 * r]!), op.get(av), op.get(b0), op.f32x4Mul, op.f32x4Add, op.set(acc[2 * r]!),
    op.get(acc[2 * r + 1]!), op.get(av), op.get(b1), op.f32x4Mul, op.f32x4Add, op.set(acc[2 * r + 1]!),
  ));
  const tile = code(
    accumulate
      // The sums start from C[i..i+3, j..j+7].
      ? code(
        op.get(c), op.get(i), op.get(cRow), op.i32Mul, op.i32Add, jBytes, op.i32Add, op.set(pc),
        ...[0, 1, 2, 3].flatMap((r) => [
          code(op.get(pc), op.v128Load(0), op.set(acc[2 * r]!)),
          code(op.get(pc), op.v128Load(16), op.set(acc[2 * r + 1]!)),
          addTo(pc, pc, cRow),
        ]),
      )
      // The sums start from the bias: the same 8 values for each of the 4 rows.
      : code(...[0, 1, 2, 3].flatMap((r) => [
        code(op.get(bias), jBytes, op.i32Add, op.v128Load(0), op.set(acc[2 * r]!)),
        code(op.get(bias), jBytes, op.i32Add, op.v128Load(16), op.set(acc[2 * r + 1]!)),
      ])),
    // Pointers to A[i..i+3, 0] and B[0, j].
    op.get(a), op.get(i), op.get(aRow), op.i32Mul, op.i32Add, op.set(pa0),
    addTo(pa1, pa0, aRow), addTo(pa2, pa1, aRow), addTo(pa3, pa2, aRow),
    op.get(b), jBytes, op.i32Add, op.set(pb),
    op.get(K), op.set(p),
    op.loop(
      op.get(pb), op.v128Load(0), op.set(b0),
      op.get(pb), op.v128Load(16), op.set(b1),
      madds,
      addTo(pa0, pa0, aCol), addTo(pa1, pa1, aCol), addTo(pa2, pa2, aCol), addTo(pa3, pa3, aCol), addTo(pb, pb, bRow),
      op.get(p), op.i32Const(1), op.i32Sub, op.set(p),
      op.get(p), op.brIf(0),
    ),
    // Store the tile at C[i.., j..].
    op.get(c), op.get(i), op.get(cRow), op.i32Mul, op.i32Add, jBytes, op.i32Add, op.set(pc),
    ...[0, 1, 2, 3].map((r) => code(
      op.get(pc), op.get(acc[2 * r]!), op.v128Store(0),
      op.get(pc), op.get(acc[2 * r + 1]!), op.v128Store(16),
      addTo(pc, pc, cRow),
    )),
  );
  return body(
    [[9, I32], [11, V128]],
    op.i32Const(0), op.set(i),
    op.loop(
      op.i32Const(0), op.set(j),
      op.loop(
        tile,
        op.get(j), op.i32Const(8), op.i32Add, op.set(j),
        op.get(j), op.get(N), op.i32LtS, op.brIf(0),
      ),
      op.get(i), op.i32Const(4), op.i32Add, op.set(i),
      op.get(i), op.get(M), op.i32LtS, op.brIf(0),
    ),
  );
}

function tanhBody(): number[] {
  const [ptr, n] = [0, 1];
  const end = 2; // i32
  const v = [3, 4]; // v128: two f32x4 per step, so the four f64x2 chains below overlap
  const x = [5, 6, 7, 8]; // v128 (f64x2)
  const s = 9; // v128 (f64x2) scratch: x²
  // The 11 constants live in locals, set once before the loop rather than rebuilt every step.
  const consts = [-9, 9, ...TANH_P, ...TANH_Q];
  const constLocal = (c: number): number => 10 + consts.indexOf(c);
  const k = (c: number): number[] => op.get(constLocal(c));
  // Horner in x² with tanh32's coefficients, highest power first: ((c4·s + c3)·s + …)·s + c0.
  const horner = (cs: readonly number[]): number[] =>
    code(k(cs[cs.length - 1]!), ...cs.slice(0, -1).reverse().map((ck) => code(op.get(s), op.f64x2Mul, k(ck), op.f64x2Add)));
  // x ← x·P(x²)/Q(x²) on the two f64 lanes of local xl, after clamping x to [−9, 9] (r(±9) rounds to ±1).
  const rational = (xl: number): number[] => code(
    op.get(xl), k(-9), op.f64x2Max, k(9), op.f64x2Min, op.set(xl),
    op.get(xl), op.get(xl), op.f64x2Mul, op.set(s),
    op.get(xl), horner(TANH_P), op.f64x2Mul, horner(TANH_Q), op.f64x2Div, op.set(xl),
  );
  const lanes23 = op.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
  const pack = op.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
  return body(
    [[1, I32], [7 + consts.length, V128]],
    ...consts.map((c, i) => code(op.f64x2Splat(c), op.set(10 + i))),
    op.get(ptr), op.get(n), op.i32Const(4), op.i32Mul, op.i32Add, op.set(end),
    op.loop(
      op.get(ptr), op.v128Load(0), op.set(v[0]!),
      op.get(ptr), op.v128Load(16), op.set(v[1]!),
      ...[0, 1].map((h) => code(
        op.get(v[h]!), op.f64x2PromoteLowF32x4, op.set(x[2 * h]!),
        op.get(v[h]!), op.get(v[h]!), lanes23, op.f64x2PromoteLowF32x4, op.set(x[2 * h + 1]!),
      )),
      ...x.map(rational),
      ...[0, 1].map((h) => code(
        op.get(ptr),
        op.get(x[2 * h]!), op.f32x4DemoteF64x2Zero, op.get(x[2 * h + 1]!), op.f32x4DemoteF64x2Zero, pack,
        op.v128Store(16 * h),
      )),
      op.get(ptr), op.i32Const(32), op.i32Add, op.set(ptr),
      op.get(ptr), op.get(end), op.i32LtU, op.brIf(0),
    ),
  );
}

function tanhGradBody(): number[] {
  const [dx, h, n] = [0, 1, 2];
  const end = 3; // i32
  const [hv, one] = [4, 5]; // v128
  return body(
    [[1, I32], [2, V128]],
    op.get(dx), op.get(n), op.i32Const(4), op.i32Mul, op.i32Add, op.set(end),
    op.f32x4Splat(1), op.set(one),
    op.loop(
      op.get(h), op.v128Load(0), op.set(hv),
      op.get(dx),
      op.get(dx), op.v128Load(0),
      op.get(one), op.get(hv), op.f32x4Sub, op.f32x4Mul,
      op.get(one), op.get(hv), op.f32x4Add, op.f32x4Mul,
      op.v128Store(0),
      op.get(dx), op.i32Const(16), op.i32Add, op.set(dx),
      op.get(h), op.i32Const(16), op.i32Add, op.set(h),
      op.get(dx), op.get(end), op.i32LtU, op.brIf(0),
    ),
  );
}

/** relu(p, n) (`grad` false) or reluGrad(dx, h, n) (`grad` true), 4 floats per step. */
function reluBody(grad: boolean): number[] {
  const [dst, src, n] = grad ? [0, 1, 2] : [0, 0, 1];
  const end = n + 1; // i32
  const zero = n + 2; // v128
  const step = (p: number): number[] => code(op.get(p), op.i32Const(16), op.i32Add, op.set(p));
  return body(
    [[1, I32], [1, V128]],
    op.get(dst), op.get(n), op.i32Const(4), op.i32Mul, op.i32Add, op.set(end),
    op.f32x4Splat(0), op.set(zero),
    op.loop(
      op.get(dst),
      grad
        ? code(op.get(dst), op.v128Load(0), op.get(src), op.v128Load(0), op.get(zero), op.f32x4Gt, op.v128And)
        : code(op.get(dst), op.v128Load(0), op.get(zero), op.f32x4Max),
      op.v128Store(0),
      step(dst), grad ? step(src) : [],
      op.get(dst), op.get(end), op.i32LtU, op.brIf(0),
    ),
  );
}

/** im2col (`add` false: copy image pieces into the cols rows) or col2im (`add` true: add them back). */
function patchBody(add: boolean): number[] {
  const [image, cols, n, H, W, Ho, Wo, k, pos, len, reps, row] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]; // parameters
  const [b, y, x, ky, r, o, s, d, i] = [12, 13, 14, 15, 16, 17, 18, 19, 20]; // i32 locals: o walks the cols row, s the image
  const inc = (l: number, by: number[]): number[] => code(op.get(l), by, op.i32Add, op.set(l));
  const one = op.i32Const(1);
  /** `body`, then l += 1 and loop while l < limit (counts from 0; the body runs at least once). */
  const countTo = (l: number, limit: number, ...loopBody: number[][]): number[] =>
    code(op.i32Const(0), op.set(l), op.loop(...loopBody, inc(l, one), op.get(l), op.get(limit), op.i32LtS, op.brIf(0)));
  const piece = add
    ? countTo(i, len, // byte offsets, 4 at a time: image[s + i] += cols[o + i]
      op.get(s), op.get(i), op.i32Add,
      op.get(s), op.get(i), op.i32Add, op.f32Load, op.get(o), op.get(i), op.i32Add, op.f32Load, op.f32Add,
      op.f32Store,
      inc(i, op.i32Const(3))) // + 1 from countTo: 4 bytes per step
    : code(op.get(o), op.get(s), op.get(len), op.memoryCopy);
  return body(
    [[9, I32]],
    op.get(cols), op.set(d),
    countTo(b, n, countTo(y, Ho, countTo(x, Wo,
      op.get(d), op.set(o),
      countTo(ky, k,
        // s = image + ((b·H + y + ky)·W + x)·pos
        op.get(b), op.get(H), op.i32Mul, op.get(y), op.i32Add, op.get(ky), op.i32Add, op.get(W), op.i32Mul, op.get(x), op.i32Add,
        op.get(pos), op.i32Mul, op.get(image), op.i32Add, op.set(s),
        countTo(r, reps, piece, inc(o, op.get(len)), inc(s, op.get(pos))),
      ),
      inc(d, op.get(row)),
    ))),
  );
}

/** The exports, in function order. */
const KERNELS = ['gemm', 'tanh', 'tanhGrad', 'relu', 'reluGrad', 'im2col', 'col2im'] as const;

function kernelModule(): Uint8Array {
  const section = (id: number, bytes: number[]): number[] => [id, ...sized(bytes)];
  const fnType = (params: number): number[] => [0x60, ...uleb(params), ...new Array<number>(params).fill(I32), 0x00];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [0x04, ...fnType(11), ...fnType(2), ...fnType(3), ...fnType(12)]), // types: (11 | 2 | 3 | 12 i32) → ()
    ...section(2, [0x01, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]), // import env.memory, ≥ 1 page
    ...section(3, [0x07, 0x00, 0x01, 0x02, 0x01, 0x02, 0x03, 0x03]), // the functions' types
    ...section(7, [0x07, ...KERNELS.flatMap((f, i) => [...name(f), 0x00, i])]),
    ...section(10, [0x07, ...gemmBody(), ...tanhBody(), ...tanhGradBody(), ...reluBody(false), ...reluBody(true), ...patchBody(false), ...patchBody(true)]),
  ]);
}

// ---- loading ----

// The few WebAssembly declarations used here (tsconfig's lib has no DOM, @types/node declares none).
interface WasmMemory { readonly buffer: ArrayBuffer }
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

export interface SimdKernels {
  /** The kernels' memory: `new Float32Array(memory.buffer)` views it (it never grows). */
  memory: WasmMemory;
  gemm(a: number, aRow: number, aCol: number, b: number, bRow: number, c: number, cRow: number, bias: number, M: number, N: number, K: number): void;
  tanh(p: number, n: number): void;
  tanhGrad(dx: number, h: number, n: number): void;
  relu(p: number, n: number): void;
  reluGrad(dx: number, h: number, n: number): void;
  im2col(image: number, cols: number, n: number, H: number, W: number, Ho: number, Wo: number, k: number, pos: number, len: number, reps: number, row: number): void;
  col2im(image: number, cols: number, n: number, H: number, W: number, Ho: number, Wo: number, k: number, pos: number, len: number, reps: number, row: number): void;
}


let compiled: object | null | undefined;

/** The compiled module, or null when this runtime has no WebAssembly SIMD. */
function kernelWasm(): object | null {
  if (compiled === undefined) {
    const bytes = kernelModule();
    compiled = wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null;
  }
  return compiled;
}

export function wasmSimdSupported(): boolean {
  return kernelWasm() !== null;
}

/** The kernels on a fresh memory of at least `bytes` bytes. */
export function instantiateSimdKernels(bytes: number): SimdKernels {
  const module = kernelWasm();
  if (!module || !wasmApi) throw new Error('WebAssembly SIMD is not supported by this runtime');
  const memory = new wasmApi.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const { exports } = new wasmApi.Instance(module, { env: { memory } });
  return { memory, ...Object.fromEntries(KERNELS.map((f) => [f, exports[f]])) } as SimdKernels;
}
