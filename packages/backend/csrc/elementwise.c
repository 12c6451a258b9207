// SIMD128 element-wise kernels (float32) run by @burnin/backend on tfjs-backend-wasm's own linear
// memory (see conv_grad.c: every pointer is an offset into that memory; no data segments, no
// shadow stack): binary operations where one operand repeats along the leading axes (a bias or a
// per-channel scale against an NHWC tensor), and the batch-norm forward pass.
// Rebuild with `pnpm --filter @burnin/backend build:wasm` (needs clang and wasm-ld).
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

// ---- binary operations with a repeating operand ----------------------------------------------
// out[r * P + c] = full[r * P + c] op part[c] (part_first == 0) or part[c] op full[r * P + c]
// (part_first != 0), for r < R, c < P; op 0: +, 1: -, 2: *, 3: /. Each element is one IEEE
// float32 operation, as tfjs-backend-wasm's own kernels (XNNPACK) compute it: bit-identical.
INLINE v128_t op4(int op, v128_t a, v128_t b) {
  switch (op) {
    case 0: return wasm_f32x4_add(a, b);
    case 1: return wasm_f32x4_sub(a, b);
    case 2: return wasm_f32x4_mul(a, b);
    default: return wasm_f32x4_div(a, b);
  }
}

INLINE float op1(int op, float a, float b) {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    default: return a / b;
  }
}

INLINE void rows(int op, int part_first, const float *full, const float *part, float *out, int R,
                 int P) {
  for (int r = 0; r < R; r++, full += P, out += P) {
    int c = 0;
    for (; c + 4 <= P; c += 4) {
      const v128_t f = wasm_v128_load(full + c), p = wasm_v128_load(part + c);
      wasm_v128_store(out + c, part_first ? op4(op, p, f) : op4(op, f, p));
    }
    for (; c < P; c++) out[c] = part_first ? op1(op, part[c], full[c]) : op1(op, full[c], part[c]);
  }
}

// Periods of 1 to 3 floats: 4 periods are P vectors (lane j of vector k is part[(4k + j) % P]),
// kept in registers (the kernels use no stack).
INLINE v128_t pattern(const float *part, int P, int k) {
  return wasm_f32x4_make(part[(4 * k) % P], part[(4 * k + 1) % P], part[(4 * k + 2) % P],
                         part[(4 * k + 3) % P]);
}

INLINE void short_rows(int op, int part_first, const float *full, const float *part, float *out,
                       int n, int P) {
  const v128_t p0 = pattern(part, P, 0), p1 = pattern(part, P, P > 1 ? 1 : 0),
               p2 = pattern(part, P, P > 2 ? 2 : 0);
  int i = 0;
  for (; i + 4 * P <= n; i += 4 * P) {
    for (int k = 0; k < P; k++) {
      const v128_t f = wasm_v128_load(full + i + 4 * k);
      const v128_t p = k == 0 ? p0 : k == 1 ? p1 : p2;
      wasm_v128_store(out + i + 4 * k, part_first ? op4(op, p, f) : op4(op, f, p));
    }
  }
  for (; i < n; i++) {
    const float p = part[i % P];
    out[i] = part_first ? op1(op, p, full[i]) : op1(op, full[i], p);
  }
}

EXPORT(binary_repeat)
void binary_repeat(const float *full, const float *part, float *out, int op, int part_first, int R,
                   int P) {
  if (P >= 4) {
    // one body per operation, so the switch is resolved outside the loops
    switch (op) {
      case 0: rows(0, part_first, full, part, out, R, P); break;
      case 1: rows(1, part_first, full, part, out, R, P); break;
      case 2: rows(2, part_first, full, part, out, R, P); break;
      default: rows(3, part_first, full, part, out, R, P); break;
    }
    return;
  }
  switch (op) {
    case 0: short_rows(0, part_first, full, part, out, R * P, P); break;
    case 1: short_rows(1, part_first, full, part, out, R * P, P); break;
    case 2: short_rows(2, part_first, full, part, out, R * P, P); break;
    default: short_rows(3, part_first, full, part, out, R * P, P); break;
  }
}

// ---- FusedBatchNorm (inference form: given mean and variance) --------------------------------
// out[r * P + c] = offset[c] + (x - mean[c]) * scale[c] / sqrt(variance[c] + eps), with the
// roundings of tfjs-backend-wasm's own kernel: x - mean and the product by scale in float32, the
// square root of the float32 sum variance + eps in float32, the division and the addition of
// offset in float64, then one rounding to float32; bit-identical to it. A missing scale is 1,
// a missing offset 0 (has_scale, has_offset == 0: the pointer is not read).
INLINE v128_t hi_half(v128_t v) { return wasm_i32x4_shuffle(v, v, 2, 3, 0, 1); }

EXPORT(batch_norm)
void batch_norm(const float *x, const float *mean, const float *variance, const float *offset,
                const float *scale, float *out, int R, int P, float eps, int has_offset,
                int has_scale) {
  const v128_t e4 = wasm_f32x4_splat(eps);
  for (int r = 0; r < R; r++, x += P, out += P) {
    int c = 0;
    for (; c + 4 <= P; c += 4) {
      const v128_t s4 = has_scale ? wasm_v128_load(scale + c) : wasm_f32x4_splat(1.f);
      const v128_t o4 = has_offset ? wasm_v128_load(offset + c) : wasm_f32x4_splat(0.f);
      const v128_t d = wasm_f32x4_sub(wasm_v128_load(x + c), wasm_v128_load(mean + c));
      const v128_t t = wasm_f32x4_mul(d, s4);
      const v128_t nf = wasm_f32x4_sqrt(wasm_f32x4_add(wasm_v128_load(variance + c), e4));
      const v128_t lo = wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(o4),
                                       wasm_f64x2_div(wasm_f64x2_promote_low_f32x4(t),
                                                      wasm_f64x2_promote_low_f32x4(nf)));
      const v128_t hi = wasm_f64x2_add(
          wasm_f64x2_promote_low_f32x4(hi_half(o4)),
          wasm_f64x2_div(wasm_f64x2_promote_low_f32x4(hi_half(t)),
                         wasm_f64x2_promote_low_f32x4(hi_half(nf))));
      wasm_v128_store(out + c, wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo),
                                                  wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5));
    }
    for (; c < P; c++) {
      const float s = has_scale ? scale[c] : 1.f, o = has_offset ? offset[c] : 0.f;
      const float t = (x[c] - mean[c]) * s;
      const float nf = __builtin_sqrtf(variance[c] + eps);
      out[c] = (float)((double)o + (double)t / (double)nf);
    }
  }
}

// ---- strided block copies (Slice, SplitV, Concat) --------------------------------------------
// For i < n0, j < n1: copies `run` 4-byte elements from src + i*s0 + j*s1 to dst + i*d0 + j*d1
// (strides in elements). Bits are copied as integers: float32 NaN payloads stay as they are.
EXPORT(copy_blocks)
void copy_blocks(const int *src, int *dst, int n0, int n1, int run, int s0, int s1, int d0,
                 int d1) {
  for (int i = 0; i < n0; i++) {
    for (int j = 0; j < n1; j++) {
      const int *s = src + i * s0 + j * s1;
      int *d = dst + i * d0 + j * d1;
      int k = 0;
      for (; k + 4 <= run; k += 4) wasm_v128_store(d + k, wasm_v128_load(s + k));
      for (; k < run; k++) d[k] = s[k];
    }
  }
}

// ---- bias and activation in place (the native _FusedMatMul) --------------------------------
// y[r * P + c] = act(y[r * P + c] + bias[c]) for r < R, c < P; has_bias == 0 skips the addition,
// relu != 0 applies tfjs-backend-wasm's Relu: the int32 maximum of the bits and 0, so every
// value with the sign bit set (negatives, -0, -Inf and negative NaNs, such as the NaN that
// Inf * 0 makes on x86) becomes +0 and the rest (+NaN included) stays: the bits of the product,
// Add and Relu run in turn, as the native convolutions' epilogue (native/conv.h relu_lanes).
EXPORT(bias_activation)
void bias_activation(float *y, const float *bias, int R, int P, int has_bias, int relu) {
  const v128_t zero = wasm_i32x4_splat(0);
  for (int r = 0; r < R; r++, y += P) {
    int c = 0;
    for (; c + 4 <= P; c += 4) {
      v128_t v = wasm_v128_load(y + c);
      if (has_bias) v = wasm_f32x4_add(v, wasm_v128_load(bias + c));
      if (relu) v = wasm_i32x4_max(v, zero);
      wasm_v128_store(y + c, v);
    }
    for (; c < P; c++) {
      float v = y[c];
      if (has_bias) v += bias[c];
      if (relu && __builtin_signbit(v)) v = 0.f;
      y[c] = v;
    }
  }
}

// ---- nearest-neighbour resize gradient (ResizeNearestNeighborGrad, NHWC) ---------------------
// dx [N, H, W, C] = 0, then for n < N, r < OH, c < OW in that order:
// dx[n, rows[r], cols[c], :] += dy[n, r, c, :]. `idx` holds rows (OH ints) then cols (OW ints).
// Each element of dx receives its contributions in dy order, one float32 addition at a time,
// as the JS kernel (resize-nearest-grad.ts) adds them: the same bits.
EXPORT(resize_nearest_grad)
void resize_nearest_grad(const float *__restrict dy, float *__restrict dx, const int *idx, int N,
                         int H, int W, int C, int OH, int OW) {
  const int total = N * H * W * C;
  for (int i = 0; i < total; i++) dx[i] = 0.f;
  const int *rows = idx, *cols = idx + OH;
  for (int n = 0; n < N; n++) {
    for (int r = 0; r < OH; r++) {
      float *row = dx + (n * H + rows[r]) * W * C;
      for (int c = 0; c < OW; c++, dy += C) {
        float *d = row + cols[c] * C;
        int k = 0;
        for (; k + 4 <= C; k += 4)
          wasm_v128_store(d + k, wasm_f32x4_add(wasm_v128_load(d + k), wasm_v128_load(dy + k)));
        for (; k < C; k++) d[k] += dy[k];
      }
    }
  }
}

// ---- relu gradient (the model's conv blocks) -------------------------------------------------
// out[i] = dy[i] * step(y[i]) for i < n, step(v) = v > 0 ? 1 : (v is NaN ? v : 0), as tfjs's
// Step then Multiply compute it (dy * 1 is dy; dy * 0 is a signed zero, or NaN for an infinite
// or NaN dy): the same bits, in one pass.
EXPORT(relu_grad)
void relu_grad(const float *dy, const float *y, float *out, int n) {
  const v128_t zero = wasm_f32x4_splat(0.f), one = wasm_f32x4_splat(1.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_v128_load(y + i);
    const v128_t nan = wasm_f32x4_ne(v, v);
    // 1 where v > 0, v itself where it is NaN, else 0
    v128_t s = wasm_v128_bitselect(one, zero, wasm_f32x4_gt(v, zero));
    s = wasm_v128_bitselect(v, s, nan);
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(dy + i), s));
  }
  for (; i < n; i++) {
    const float v = y[i];
    const float s = v > 0.f ? 1.f : (v != v ? v : 0.f);
    out[i] = dy[i] * s;
  }
}
