// SIMD128 kernels for pooling gradients and leading-axes reductions (NHWC, float32), run by
// @burnin/backend on tfjs-backend-wasm's own linear memory (see conv_grad.c: every pointer is an
// offset into that memory; no data segments, no shadow stack).
// Rebuild with `pnpm --filter @burnin/backend build:wasm` (needs clang and wasm-ld).
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

INLINE void zero_floats(float *p, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(p + i, wasm_f32x4_splat(0.f));
  for (; i < n; i++) p[i] = 0.f;
}

// ---- MaxPoolGrad ---------------------------------------------------------------------------
// Each output's dy goes to the first maximum of its window (taps in row-major scan order, strict
// `>`: later equal values, NaN and -Infinity never win; a window without a maximum passes
// nothing), exactly as the JS kernel in src/kernels/pool-grad.ts. dx is zeroed first; the
// contributions are added in the same order as the JS kernel's, so results are bit-identical.
// Vectorized over 4 channels: pass 1 finds, per lane, the index of the winning tap; pass 2 adds
// dy (or 0) into every tap of the window with one select, so there is no scalar scatter.
EXPORT(max_pool_grad)
void max_pool_grad(const float *x, const float *dy, float *dx, int N, int H, int W, int C, int OH,
                   int OW, int FH, int FW, int sh, int sw, int dh, int dwl, int padT, int padL) {
  zero_floats(dx, N * H * W * C);
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
  for (int n = 0; n < N; n++) {
    for (int oh = 0; oh < OH; oh++) {
      // In-range taps: kh in [kh0, kh1), kw in [kw0, kw1) (dilated offsets).
      const int ih0 = oh * sh - padT;
      int kh0 = 0, kh1 = FH;
      while (kh0 < FH && ih0 + kh0 * dh < 0) kh0++;
      while (kh1 > kh0 && ih0 + (kh1 - 1) * dh >= H) kh1--;
      for (int ow = 0; ow < OW; ow++) {
        const int iw0 = ow * sw - padL;
        int kw0 = 0, kw1 = FW;
        while (kw0 < FW && iw0 + kw0 * dwl < 0) kw0++;
        while (kw1 > kw0 && iw0 + (kw1 - 1) * dwl >= W) kw1--;
        const float *g = dy + ((n * OH + oh) * OW + ow) * C;
        const int base = ((n * H + ih0) * W + iw0) * C;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
          v128_t best = ninf, where = wasm_i32x4_splat(-1);
          for (int kh = kh0; kh < kh1; kh++)
            for (int kw = kw0; kw < kw1; kw++) {
              const v128_t v = wasm_v128_load(x + base + (kh * dh * W + kw * dwl) * C + c);
              const v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              where = wasm_v128_bitselect(wasm_i32x4_splat(kh * FW + kw), where, gt);
            }
          const v128_t gv = wasm_v128_load(g + c);
          for (int kh = kh0; kh < kh1; kh++)
            for (int kw = kw0; kw < kw1; kw++) {
              const v128_t hit = wasm_i32x4_eq(where, wasm_i32x4_splat(kh * FW + kw));
              float *p = dx + base + (kh * dh * W + kw * dwl) * C + c;
              wasm_v128_store(p, wasm_f32x4_add(wasm_v128_load(p), wasm_v128_and(gv, hit)));
            }
        }
        for (; c < C; c++) {
          float best = -__builtin_inff();
          int where = -1;
          for (int kh = kh0; kh < kh1; kh++)
            for (int kw = kw0; kw < kw1; kw++) {
              const int at = base + (kh * dh * W + kw * dwl) * C + c;
              if (x[at] > best) {
                best = x[at];
                where = at;
              }
            }
          if (where >= 0) dx[where] += g[c];
        }
      }
    }
  }
}

// ---- AvgPoolGrad ---------------------------------------------------------------------------
// The exact adjoint of tfjs's avgPool: dy / (number of in-range taps) added into each in-range tap.
EXPORT(avg_pool_grad)
void avg_pool_grad(const float *dy, float *dx, int N, int H, int W, int C, int OH, int OW, int FH,
                   int FW, int sh, int sw, int dh, int dwl, int padT, int padL) {
  zero_floats(dx, N * H * W * C);
  for (int n = 0; n < N; n++) {
    for (int oh = 0; oh < OH; oh++) {
      const int ih0 = oh * sh - padT;
      int kh0 = 0, kh1 = FH;
      while (kh0 < FH && ih0 + kh0 * dh < 0) kh0++;
      while (kh1 > kh0 && ih0 + (kh1 - 1) * dh >= H) kh1--;
      for (int ow = 0; ow < OW; ow++) {
        const int iw0 = ow * sw - padL;
        int kw0 = 0, kw1 = FW;
        while (kw0 < FW && iw0 + kw0 * dwl < 0) kw0++;
        while (kw1 > kw0 && iw0 + (kw1 - 1) * dwl >= W) kw1--;
        const int count = (kh1 - kh0) * (kw1 - kw0);
        if (count <= 0) continue;
        const float scale = 1.f / (float)count;
        const float *g = dy + ((n * OH + oh) * OW + ow) * C;
        const int base = ((n * H + ih0) * W + iw0) * C;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
          const v128_t gv = wasm_f32x4_mul(wasm_v128_load(g + c), wasm_f32x4_splat(scale));
          for (int kh = kh0; kh < kh1; kh++)
            for (int kw = kw0; kw < kw1; kw++) {
              float *p = dx + base + (kh * dh * W + kw * dwl) * C + c;
              wasm_v128_store(p, wasm_f32x4_add(wasm_v128_load(p), gv));
            }
        }
        for (; c < C; c++) {
          const float gs = g[c] * scale;
          for (int kh = kh0; kh < kh1; kh++)
            for (int kw = kw0; kw < kw1; kw++) dx[base + (kh * dh * W + kw * dwl) * C + c] += gs;
        }
      }
    }
  }
}

// ---- Column sums ([R, C] -> [C]) -----------------------------------------------------------
// out[c] = scale * sum_r x[r * C + c]: the Sum / Mean of an NHWC tensor over its leading axes
// (bias and batch-norm gradients). Rows are summed in blocks of ROWS in registers; each block sum
// is added into the running total with Kahan compensation (`comp`, C floats of scratch), so the
// error stays at a few ulps of the block sums however many rows there are.
#define ROWS 16

INLINE v128_t block4(const float *x, int C, int rows) {
  v128_t a = wasm_v128_load(x), b = wasm_f32x4_splat(0.f);
  int r = 1;
  for (; r + 2 <= rows; r += 2) {
    a = wasm_f32x4_add(a, wasm_v128_load(x + r * C));
    b = wasm_f32x4_add(b, wasm_v128_load(x + (r + 1) * C));
  }
  if (r < rows) a = wasm_f32x4_add(a, wasm_v128_load(x + r * C));
  return wasm_f32x4_add(a, b);
}

INLINE void kahan4(float *sum, float *comp, v128_t v) {
  const v128_t s = wasm_v128_load(sum);
  const v128_t y = wasm_f32x4_sub(v, wasm_v128_load(comp));
  const v128_t t = wasm_f32x4_add(s, y);
  wasm_v128_store(comp, wasm_f32x4_sub(wasm_f32x4_sub(t, s), y));
  wasm_v128_store(sum, t);
}

EXPORT(column_sum)
void column_sum(const float *x, float *out, float *comp, int R, int C, float scale) {
  zero_floats(out, C);
  zero_floats(comp, C);
  for (int r0 = 0; r0 < R; r0 += ROWS) {
    const int rows = R - r0 < ROWS ? R - r0 : ROWS;
    const float *xr = x + r0 * C;
    int c = 0;
    for (; c + 16 <= C; c += 16) {
      const v128_t s0 = block4(xr + c, C, rows), s1 = block4(xr + c + 4, C, rows);
      const v128_t s2 = block4(xr + c + 8, C, rows), s3 = block4(xr + c + 12, C, rows);
      kahan4(out + c, comp + c, s0);
      kahan4(out + c + 4, comp + c + 4, s1);
      kahan4(out + c + 8, comp + c + 8, s2);
      kahan4(out + c + 12, comp + c + 12, s3);
    }
    for (; c + 4 <= C; c += 4) kahan4(out + c, comp + c, block4(xr + c, C, rows));
    for (; c < C; c++) {
      float s = 0.f;
      for (int r = 0; r < rows; r++) s += xr[r * C + c];
      const float y = s - comp[c], t = out[c] + y;
      comp[c] = (t - out[c]) - y;
      out[c] = t;
    }
  }
  if (scale != 1.f) {
    int c = 0;
    for (; c + 4 <= C; c += 4)
      wasm_v128_store(out + c, wasm_f32x4_mul(wasm_v128_load(out + c), wasm_f32x4_splat(scale)));
    for (; c < C; c++) out[c] *= scale;
  }
}
