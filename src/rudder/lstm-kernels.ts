/**
 * WebAssembly SIMD kernels for the elementwise part of ./lstm-batch.ts's steps, on the memory of its gemm
 * kernels (../agents/kernels/wasm-simd.ts, whose encoder this uses): the gate nonlinearities and cell
 * update of one step forward, and the gate gradients of one step backward, 4 float32 lanes at a time.
 * Assembled per gate set (forget gate, output gate: present or not), since each kernel's body differs.
 *
 * cellForward(a, c, cp, hn, M, aRow, cRow, hRow, width, iOff, fOff, oOff), for rows r < M and byte
 * columns q < width (a multiple of 16) of each row:
 *   A holds the pre-activations, cell input z at a + q and the gates at a + iOff + q, …, with the sigmoid
 *   gates' pre-activations halved (σ(x) = ½ + ½·tanh(x/2)); they are overwritten by the activations z = tanh,
 *   i, f, o = ½ + ½·tanh. Then c = f·c_prev + i·z (c_prev at cp, zeros at t = 0) goes to c and h = o·c to hn.
 *   Rows are aRow, cRow (for c and cp) and hRow bytes apart. tanh is tanh32's rational function of
 *   ../agents/kernels/dense.ts evaluated in float32 (a few float32 ulps from it; the SIMD tanh kernel
 *   evaluates it in f64 to be bit-identical, which costs twice the time).
 * cellBackward(a, c, cp, dh, dhRec, dcNext, M, aRow, cRow, width, iOff, fOff, oOff): with the activations
 *   at a and dL/dh = dh + dhRec, dc = dL/dh·o + dcNext; overwrites the activations by the gradients of
 *   the pre-activations (dz = dc·i·(1 − z)(1 + z), di = dc·z·i(1 − i), df = dc·c_prev·f(1 − f),
 *   do = dL/dh·c·o(1 − o)) and dcNext by dc·f. dh, dhRec and dcNext rows are cRow bytes apart, like c.
 * gemmAcc(a, aRow, aCol, b, bRow, c, cRow, _, M, N, K): C += A·B, the SIMD gemm's accumulating variant,
 *   so a long reduction (the weight gradient's sum over all T·B rows) can run in blocks of K that stay in
 *   the L2 cache: ~2× faster at [96, 3200]×[3200, 256] here.
 */
import { TANH_P, TANH_Q } from '../agents/kernels/dense.ts';
import { I32, V128, body, code, gemmBody, name, op, simd, sized, uleb } from '../agents/kernels/wasm-simd.ts';

const f32x4Div = simd(0xe7);
const f32x4Min = simd(0xe8);

export interface CellKernels {
  cellForward(a: number, c: number, cp: number, hn: number, M: number, aRow: number, cRow: number, hRow: number, width: number, iOff: number, fOff: number, oOff: number): void;
  cellBackward(a: number, c: number, cp: number, dh: number, dhRec: number, dcNext: number, M: number, aRow: number, cRow: number, width: number, iOff: number, fOff: number, oOff: number): void;
  gemmAcc(a: number, aRow: number, aCol: number, b: number, bRow: number, c: number, cRow: number, unused: number, M: number, N: number, K: number): void;
}

/** Constants, each in a v128 local from `first` on, set once at the start of a body. */
function constants(values: readonly number[], first: number): { init: number[]; k: (v: number) => number[] } {
  return {
    init: code(...values.map((v, i) => code(op.f32x4Splat(v), op.set(first + i)))),
    k: (v: number) => op.get(first + values.indexOf(v)),
  };
}
const CONSTS = [-9, 9, 0.5, 1, ...TANH_P, ...TANH_Q.slice(1)];

/** local x ← tanh32(x) in f32x4, with s a scratch v128 local. */
function tanhInPlace(x: number, s: number, k: (v: number) => number[]): number[] {
  const horner = (cs: readonly number[]): number[] =>
    code(k(cs[cs.length - 1]!), ...cs.slice(0, -1).reverse().map((c) => code(op.get(s), op.f32x4Mul, k(c), op.f32x4Add)));
  return code(
    op.get(x), k(9), f32x4Min, k(-9), op.f32x4Max, op.set(x),
    op.get(x), op.get(x), op.f32x4Mul, op.set(s),
    op.get(x), horner(TANH_P), op.f32x4Mul, horner(TANH_Q), f32x4Div, op.set(x),
  );
}

/** Loop `l` from 0 by `step` while l < limit (the body runs at least once). */
function countTo(l: number, step: number, limit: number, ...loopBody: number[][]): number[] {
  return code(op.i32Const(0), op.set(l), op.loop(...loopBody, op.get(l), op.i32Const(step), op.i32Add, op.set(l), op.get(l), op.get(limit), op.i32LtS, op.brIf(0)));
}
/** v128 at local p + local q (+ local off). */
const at = (p: number, q: number, off?: number): number[] => code(op.get(p), op.get(q), op.i32Add, off === undefined ? [] : code(op.get(off), op.i32Add));
const advance = (p: number, by: number): number[] => code(op.get(p), op.get(by), op.i32Add, op.set(p));

function forwardBody(hasF: boolean, hasO: boolean): number[] {
  const [a, c, cp, hn, M, aRow, cRow, hRow, width, iOff, fOff, oOff] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [r, q] = [12, 13]; // i32
  const [z, i, f, o, cv, s] = [14, 15, 16, 17, 18, 19]; // v128
  const { init, k } = constants(CONSTS, 20);
  /** local g ← ½ + ½·tanh(A[.. + off]), stored back. */
  const gate = (g: number, off: number): number[] => code(
    at(a, q, off), op.v128Load(0), op.set(g), tanhInPlace(g, s, k),
    k(0.5), op.get(g), op.f32x4Mul, k(0.5), op.f32x4Add, op.set(g),
    at(a, q, off), op.get(g), op.v128Store(0),
  );
  return body(
    [[2, I32], [6 + CONSTS.length, V128]],
    init,
    countTo(r, 1, M,
      countTo(q, 16, width,
        at(a, q), op.v128Load(0), op.set(z), tanhInPlace(z, s, k), at(a, q), op.get(z), op.v128Store(0),
        gate(i, iOff),
        hasF ? gate(f, fOff) : [],
        hasO ? gate(o, oOff) : [],
        // c = f·c_prev + i·z
        at(cp, q), op.v128Load(0), hasF ? code(op.get(f), op.f32x4Mul) : [], op.get(i), op.get(z), op.f32x4Mul, op.f32x4Add, op.set(cv),
        at(c, q), op.get(cv), op.v128Store(0),
        at(hn, q), op.get(cv), hasO ? code(op.get(o), op.f32x4Mul) : [], op.v128Store(0),
      ),
      advance(a, aRow), advance(c, cRow), advance(cp, cRow), advance(hn, hRow),
    ),
  );
}

function backwardBody(hasF: boolean, hasO: boolean): number[] {
  const [a, c, cp, dh, dhRec, dcNext, M, aRow, cRow, width, iOff, fOff, oOff] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [r, q] = [13, 14]; // i32
  const [dhv, z, i, f, o, dc] = [15, 16, 17, 18, 19, 20]; // v128
  const { init, k } = constants([1], 21);
  /** x·(1 − x) for local x. */
  const sig = (x: number): number[] => code(op.get(x), k(1), op.get(x), op.f32x4Sub, op.f32x4Mul);
  return body(
    [[2, I32], [7, V128]],
    init,
    countTo(r, 1, M,
      countTo(q, 16, width,
        at(dh, q), op.v128Load(0), at(dhRec, q), op.v128Load(0), op.f32x4Add, op.set(dhv),
        at(a, q), op.v128Load(0), op.set(z),
        at(a, q, iOff), op.v128Load(0), op.set(i),
        hasF ? code(at(a, q, fOff), op.v128Load(0), op.set(f)) : [],
        hasO ? code(at(a, q, oOff), op.v128Load(0), op.set(o)) : [],
        op.get(dhv), hasO ? code(op.get(o), op.f32x4Mul) : [], at(dcNext, q), op.v128Load(0), op.f32x4Add, op.set(dc),
        // dz = dc·i·(1 − z)(1 + z)
        at(a, q), op.get(dc), op.get(i), op.f32x4Mul, k(1), op.get(z), op.f32x4Sub, op.f32x4Mul, k(1), op.get(z), op.f32x4Add, op.f32x4Mul, op.v128Store(0),
        // di = dc·z·i(1 − i)
        at(a, q, iOff), op.get(dc), op.get(z), op.f32x4Mul, sig(i), op.f32x4Mul, op.v128Store(0),
        // df = dc·c_prev·f(1 − f)
        hasF ? code(at(a, q, fOff), op.get(dc), at(cp, q), op.v128Load(0), op.f32x4Mul, sig(f), op.f32x4Mul, op.v128Store(0)) : [],
        // do = dL/dh·c·o(1 − o)
        hasO ? code(at(a, q, oOff), op.get(dhv), at(c, q), op.v128Load(0), op.f32x4Mul, sig(o), op.f32x4Mul, op.v128Store(0)) : [],
        at(dcNext, q), op.get(dc), hasF ? code(op.get(f), op.f32x4Mul) : [], op.v128Store(0),
      ),
      advance(a, aRow), advance(c, cRow), advance(cp, cRow), advance(dh, cRow), advance(dhRec, cRow), advance(dcNext, cRow),
    ),
  );
}

function cellModule(hasF: boolean, hasO: boolean): Uint8Array {
  const section = (id: number, bytes: number[]): number[] => [id, ...sized(bytes)];
  const fnType = (params: number): number[] => [0x60, ...uleb(params), ...new Array<number>(params).fill(I32), 0x00];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x03, ...fnType(12), ...fnType(13), ...fnType(11)]),
    ...section(2, [0x01, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]),
    ...section(3, [0x03, 0x00, 0x01, 0x02]),
    ...section(7, [0x03, ...name('cellForward'), 0x00, 0, ...name('cellBackward'), 0x00, 1, ...name('gemmAcc'), 0x00, 2]),
    ...section(10, [0x03, ...forwardBody(hasF, hasO), ...backwardBody(hasF, hasO), ...gemmBody(true)]),
  ]);
}

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
const modules = new Map<string, object | null>();

/** The cell kernels for this gate set on `memory` (a WebAssembly.Memory), or null without WebAssembly SIMD. */
export function instantiateCellKernels(memory: object, hasF: boolean, hasO: boolean): CellKernels | null {
  const key = `${hasF}${hasO}`;
  if (!modules.has(key)) {
    const bytes = cellModule(hasF, hasO);
    modules.set(key, wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null);
  }
  const module = modules.get(key);
  if (!module || !wasmApi) return null;
  const { exports } = new wasmApi.Instance(module, { env: { memory } });
  return { cellForward: exports.cellForward, cellBackward: exports.cellBackward, gemmAcc: exports.gemmAcc } as CellKernels;
}
