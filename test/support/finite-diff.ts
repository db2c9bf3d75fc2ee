/**
 * Central differences of a scalar function of float32 parameter arrays, compared with an analytic gradient:
 * every `stride`-th entry of every array is nudged by ±h. Returns each entry's numeric and analytic value.
 */
export function finiteDiff(
  params: Float32Array[], grads: Float32Array[], f: () => number, h: number, stride: number,
): { numeric: number; analytic: number }[] {
  const out: { numeric: number; analytic: number }[] = [];
  for (let t = 0; t < params.length; t++) {
    const p = params[t]!;
    for (let i = 0; i < p.length; i += stride) {
      const old = p[i]!;
      p[i] = old + h;
      const up = f();
      p[i] = old - h;
      const down = f();
      p[i] = old;
      out.push({ numeric: (up - down) / (2 * h), analytic: grads[t]![i]! });
    }
  }
  return out;
}
