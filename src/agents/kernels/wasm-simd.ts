/**
 * A matrix-multiply kernel in WebAssembly SIMD (f32x4), for the minibatch passes of small MLPs.
 *
 * Why: blocked JS loops top out near 4.5 GFLOP/s on one core (every value is a scalar double and every
 * load is bounds-checked), and tfjs-wasm's XNNPACK costs 4–50 µs per kernel in overhead (backends.md §3).
 * Four float32 lanes per instruction and no per-load checks make this kernel ~3–4× the JS one, and a call
 * costs well under a microsecond. The module is ~300 bytes, assembled below at load time, so there is
 * no build step and no binary in the repository; `wasmSimdSupported()` says whether the runtime takes it
 * (Node ≥ 16.4 and current browsers do), and callers fall back to the JS kernels in ./dense.ts otherwise.
 *
 * The one exported function, in row-major float32 with every offset and stride in bytes:
 *
 *   gemm(a, aRow, aCol, b, bRow, c, cRow, bias, M, N, K):
 *     C[i, j] = bias[j] + Σ_p A[i, p]·B[p, j]   for i < M, j < N, p < K,
 *     where A[i, p] is at a + i·aRow + p·aCol, B[p, j] at b + p·bRow + 4j, C[i, j] at c + i·cRow + 4j.
 *
 * A's two strides make the same kernel compute X·W (aRow = row stride, aCol = 4) and Xᵀ·dZ (aRow = 4,
 * aCol = row stride). M must be a multiple of 4 and N of 8, K ≥ 1: the callers pad their buffers. Each
 * step of the inner loop loads one 8-wide row piece of B and broadcasts 4 values of A into 8 vector sums
 * (a 4×8 tile of C, 11 of the 16 SIMD registers).
 */

// ---- a minimal WebAssembly binary encoder: just what the kernel uses ----

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

/** A section or a function body: its byte length, then its bytes. */
const sized = (bytes: number[]): number[] => [...uleb(bytes.length), ...bytes];

const I32 = 0x7f, V128 = 0x7b, VOID_BLOCK = 0x40;
const op = {
  loop: (body: number[]) => [0x03, VOID_BLOCK, ...body, 0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (l: number) => [0x20, ...uleb(l)],
  set: (l: number) => [0x21, ...uleb(l)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32LtS: [0x48],
  // SIMD instructions: prefix 0xfd, opcode (LEB128), then a memarg (alignment exponent, offset) for memory access.
  v128Load: (offset: number) => [0xfd, 0x00, 0x02, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, 0x0b, 0x02, ...uleb(offset)],
  load32Splat: [0xfd, 0x09, 0x02, 0x00],
  f32x4Add: [0xfd, 0xe4, 0x01],
  f32x4Mul: [0xfd, 0xe6, 0x01],
};

/** Concatenate instruction byte lists. */
const code = (...parts: number[][]): number[] => parts.flat();
/** local[dst] = local[x] + local[y] (i32). */
const addTo = (dst: number, x: number, y: number): number[] => code(op.get(x), op.get(y), op.i32Add, op.set(dst));

function gemmBody(): number[] {
  // Parameters 0–10, then the locals.
  const [a, aRow, aCol, b, bRow, c, cRow, bias, M, N, K] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [i, j, p, pa0, pa1, pa2, pa3, pb, pc] = [11, 12, 13, 14, 15, 16, 17, 18, 19]; // i32
  const acc = [20, 21, 22, 23, 24, 25, 26, 27]; // v128: row r, half h at acc[2r + h]
  const [b0, b1] = [28, 29]; // v128
  const locals = [...uleb(2), ...uleb(9), I32, ...uleb(11), V128];

  // One step of p: acc[2r + h] += A[i + r, p]·B[p, j + 4h .. j + 4h + 3].
  const madds = [pa0, pa1, pa2, pa3].flatMap((par, r) => code(
    op.get(par), op.load32Splat, op.set(28 + 2), // borrow: the splat goes through a temp below
  ).length ? code(
    op.get(acc[2 * r]!), op.get(par), op.load32Splat, op.get(b0), op.f32x4Mul, op.f32x4Add, op.set(acc[2 * r]!),
    op.get(acc[2 * r + 1]!), op.get(par), op.load32Splat, op.get(b1), op.f32x4Mul, op.f32x4Add, op.set(acc[2 * r + 1]!),
  ) : []);

  const innerLoop = op.loop(code(
    op.get(pb), op.v128Load(0), op.set(b0),
    op.get(pb), op.v128Load(16), op.set(b1),
    madds,
    addTo(pa0, pa0, aCol), addTo(pa1, pa1, aCol), addTo(pa2, pa2, aCol), addTo(pa3, pa3, aCol), addTo(pb, pb, bRow),
    op.get(p), [0x41, 0x01], op.i32Sub, op.set(p), // p -= 1
    op.get(p), op.brIf(0),
  ));

  const tile = code(
    // Sums start from the bias: the same 8 values for each of the 4 rows.
    ...[0, 1, 2, 3].map((r) => code(
      op.get(bias), op.get(j), [0x41, 0x04], op.i32Mul, op.i32Add, op.v128Load(0), op.set(acc[2 * r]!),
      op.get(bias), op.get(j), [0x41, 0x04], op.i32Mul, op.i32Add, op.v128Load(16), op.set(acc[2 * r + 1]!),
    )),
    // Row pointers into A for rows i..i+3, the column pointer into B.
    op.get(a), op.get(i), op.get(aRow), op.i32Mul, op.i32Add, op.set(pa0),
    addTo(pa1, pa0, aRow), addTo(pa2, pa1, aRow), addTo(pa3, pa2, aRow),
    op.get(b), op.get(j), [0x41, 0x04], op.i32Mul, op.i32Add, op.set(pb),
    op.get(K), op.set(p),
    innerLoop,
    // Store the tile, row by row.
    op.get(c), op.get(i), op.get(cRow), op.i32Mul, op.i32Add, op.get(j), [0x41, 0x04], op.i32Mul, op.i32Add, op.set(pc),
    ...[0, 1, 2, 3].map((r) => code(
      op.get(pc), op.get(acc[2 * r]!), op.v128Store(0),
      op.get(pc), op.get(acc[2 * r + 1]!), op.v128Store(16),
      addTo(pc, pc, cRow),
    )),
  );

  const body = code(
    [0x41, 0x00], op.set(i),
    op.loop(code(
      [0x41, 0x00], op.set(j),
      op.loop(code(
        tile,
        op.get(j), [0x41, 0x08], op.i32Add, op.set(j),
        op.get(j), op.get(N), op.i32LtS, op.brIf(0),
      )),
      op.get(i), [0x41, 0x04], op.i32Add, op.set(i),
      op.get(i), op.get(M), op.i32LtS, op.brIf(0),
    )),
  );
  return [...locals, ...body, 0x0b];
}

function gemmModule(): Uint8Array {
  const section = (id: number, bytes: number[]): number[] => [id, ...sized(bytes)];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [0x01, 0x60, 0x0b, ...new Array<number>(11).fill(I32), 0x00]), // type 0: (11 × i32) → ()
    ...section(2, [0x01, ...sized([...'env'].map((ch) => ch.charCodeAt(0))).slice(0), ...sized([...'memory'].map((ch) => ch.charCodeAt(0))), 0x02, 0x00, 0x01]), // import env.memory, ≥ 1 page
    ...section(3, [0x01, 0x00]), // one function of type 0
    ...section(7, [0x01, ...sized([...'gemm'].map((ch) => ch.charCodeAt(0))), 0x00, 0x00]), // export it as "gemm"
    ...section(10, [0x01, ...sized(gemmBody())]),
  ];
  return Uint8Array.from(bytes);
}

export type GemmFn = (a: number, aRow: number, aCol: number, b: number, bRow: number, c: number, cRow: number, bias: number, M: number, N: number, K: number) => void;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null when this runtime has no WebAssembly SIMD. */
function gemmWasm(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = gemmModule();
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

export function wasmSimdSupported(): boolean {
  return gemmWasm() !== null;
}

/** A linear memory of `bytes` (rounded up to 64 KiB pages) and the gemm kernel working on it. */
export function instantiateGemm(bytes: number): { memory: WebAssembly.Memory; gemm: GemmFn } {
  const module = gemmWasm();
  if (!module) throw new Error('WebAssembly SIMD is not supported by this runtime');
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return { memory, gemm: instance.exports.gemm as GemmFn };
}
