// SIMD128 kernels for the gradients of 2-D convolutions (NHWC, float32), run by @burnin/backend
// on tfjs-backend-wasm's own linear memory: every pointer is an offset into that memory, and
// all scratch space is allocated there by the caller. The module has no data segments and
// uses no shadow stack (no arrays or address-taken locals), so instantiating it writes nothing.
// Rebuild with `pnpm --filter @burnin/backend build:wasm` (needs clang and wasm-ld).
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))


INLINE v128_t madd(v128_t c, v128_t a, v128_t b) { return wasm_f32x4_add(c, wasm_f32x4_mul(a, b)); }

// C[i * cs + j] (i < 4, j < 8) = (accumulate ? C : 0) + sum_r A[i * ai + r * ar] * B[r * br + j].
INLINE void mk4x8(const float *A, int ai, int ar, const float *B, int br, int R, float *C, int cs,
                  int accumulate) {
  v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const float *A1 = A + ai, *A2 = A + 2 * ai, *A3 = A + 3 * ai;
  for (int r = 0; r < R; r++) {
    v128_t b0 = wasm_v128_load(B), b1 = wasm_v128_load(B + 4);
    v128_t a = wasm_v128_load32_splat(A);
    c00 = madd(c00, a, b0);
    c01 = madd(c01, a, b1);
    a = wasm_v128_load32_splat(A1);
    c10 = madd(c10, a, b0);
    c11 = madd(c11, a, b1);
    a = wasm_v128_load32_splat(A2);
    c20 = madd(c20, a, b0);
    c21 = madd(c21, a, b1);
    a = wasm_v128_load32_splat(A3);
    c30 = madd(c30, a, b0);
    c31 = madd(c31, a, b1);
    A += ar;
    A1 += ar;
    A2 += ar;
    A3 += ar;
    B += br;
  }
  float *C1 = C + cs, *C2 = C + 2 * cs, *C3 = C + 3 * cs;
  if (accumulate) {
    c00 = wasm_f32x4_add(c00, wasm_v128_load(C));
    c01 = wasm_f32x4_add(c01, wasm_v128_load(C + 4));
    c10 = wasm_f32x4_add(c10, wasm_v128_load(C1));
    c11 = wasm_f32x4_add(c11, wasm_v128_load(C1 + 4));
    c20 = wasm_f32x4_add(c20, wasm_v128_load(C2));
    c21 = wasm_f32x4_add(c21, wasm_v128_load(C2 + 4));
    c30 = wasm_f32x4_add(c30, wasm_v128_load(C3));
    c31 = wasm_f32x4_add(c31, wasm_v128_load(C3 + 4));
  }
  wasm_v128_store(C, c00);
  wasm_v128_store(C + 4, c01);
  wasm_v128_store(C1, c10);
  wasm_v128_store(C1 + 4, c11);
  wasm_v128_store(C2, c20);
  wasm_v128_store(C2 + 4, c21);
  wasm_v128_store(C3, c30);
  wasm_v128_store(C3 + 4, c31);
}

INLINE void zero(float *p, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(p + i, wasm_f32x4_splat(0.f));
  for (; i < n; i++) p[i] = 0.f;
}

INLINE void copy(float *d, const float *s, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
  for (; i < n; i++) d[i] = s[i];
}

INLINE int round_up(int v, int m) { return (v + m - 1) / m * m; }

// ---- Conv2DBackpropFilter ------------------------------------------------------------------
// dW[kh, kw, ic, oc] = sum over n, oh, ow of x[n, oh*sh - padT + kh*dh, ow*sw - padL + kw*dw, ic]
//                      * dy[n, oh, ow, oc]
// Pixels are processed in chunks of `mc`: their im2col rows are packed into 4-wide column blocks
// ([Kp / 4][mc][4]), multiplied with the chunk's dy rows by the 4x8 kernel and added into a
// [Kp, OCp] accumulator (so each partial sum runs over at most `mc` pixels).

INLINE int bpf_kp(int FH, int FW, int IC) { return round_up(FH * FW * IC, 4); }
INLINE int bpf_ocp(int OC) { return round_up(OC, 8); }

EXPORT(bpf_chunk) int bpf_chunk(int FH, int FW, int IC) {
  int mc = 24576 / bpf_kp(FH, FW, IC);
  mc = mc < 32 ? 32 : mc > 256 ? 256 : mc;
  return mc & ~3;
}

// Scratch floats: packed A [Kp * mc] + one im2col row [Kp] + dy pack [mc * OCp] + acc [Kp * OCp].
EXPORT(bpf_scratch_floats) int bpf_scratch_floats(int FH, int FW, int IC, int OC) {
  int Kp = bpf_kp(FH, FW, IC), OCp = bpf_ocp(OC), mc = bpf_chunk(FH, FW, IC);
  return Kp * mc + Kp + mc * OCp + Kp * OCp;
}

EXPORT(conv2d_backprop_filter)
void conv2d_backprop_filter(const float *x, const float *dy, float *dw, float *scratch, int N,
                            int H, int W, int IC, int OH, int OW, int OC, int FH, int FW, int sh,
                            int sw, int dh, int dwl, int padT, int padL) {
  const int K = FH * FW * IC, Kp = bpf_kp(FH, FW, IC), OCp = bpf_ocp(OC);
  const int mc = bpf_chunk(FH, FW, IC);
  float *A = scratch, *row = A + Kp * mc, *B = row + Kp, *acc = B + mc * OCp;
  const int M = N * OH * OW;
  zero(acc, Kp * OCp);
  zero(row, Kp);
  int n = 0, oh = 0, ow = 0;
  for (int m0 = 0; m0 < M; m0 += mc) {
    const int rows = M - m0 < mc ? M - m0 : mc;
    for (int r = 0; r < rows; r++) {
      // im2col row of pixel (n, oh, ow)
      for (int kh = 0; kh < FH; kh++) {
        const int ih = oh * sh - padT + kh * dh;
        float *rk = row + kh * FW * IC;
        if (ih < 0 || ih >= H) {
          zero(rk, FW * IC);
          continue;
        }
        const float *xr = x + (n * H + ih) * W * IC;
        for (int kw = 0; kw < FW; kw++) {
          const int iw = ow * sw - padL + kw * dwl;
          if (iw < 0 || iw >= W)
            zero(rk + kw * IC, IC);
          else
            copy(rk + kw * IC, xr + iw * IC, IC);
        }
      }
      for (int kb = 0; kb < Kp; kb += 4)
        wasm_v128_store(A + kb * mc + r * 4, wasm_v128_load(row + kb));
      if (OCp != OC) {
        copy(B + r * OCp, dy + (m0 + r) * OC, OC);
        zero(B + r * OCp + OC, OCp - OC);
      }
      if (++ow == OW) {
        ow = 0;
        if (++oh == OH) {
          oh = 0;
          n++;
        }
      }
    }
    const float *Bm = OCp != OC ? B : dy + m0 * OC;
    for (int kb = 0; kb < Kp; kb += 4)
      for (int ob = 0; ob < OCp; ob += 8)
        mk4x8(A + kb * mc, 1, 4, Bm + ob, OCp, rows, acc + kb * OCp + ob, OCp, 1);
  }
  (void)K;
  for (int k = 0; k < K; k++) copy(dw + k * OC, acc + k * OCp, OC);
}

// ---- Conv2DBackpropInput -------------------------------------------------------------------
// cols[m, k] = sum_oc dy[m, oc] * W[k, oc] (W^T packed once as [OC][Kp8]), in chunks of `mc`
// pixels, then scattered into dx (col2im). dx is zeroed first.

INLINE int bpi_kp(int FH, int FW, int IC) { return round_up(FH * FW * IC, 8); }

EXPORT(bpi_chunk) int bpi_chunk(int FH, int FW, int IC) {
  int mc = 16384 / bpi_kp(FH, FW, IC);
  mc = mc < 16 ? 16 : mc > 256 ? 256 : mc;
  return mc & ~3;
}

// Scratch floats: W^T [OC * Kp8] + cols [mc * Kp8] + dy tail rows [4 * OC].
EXPORT(bpi_scratch_floats) int bpi_scratch_floats(int FH, int FW, int IC, int OC) {
  int Kp = bpi_kp(FH, FW, IC), mc = bpi_chunk(FH, FW, IC);
  return OC * Kp + mc * Kp + 4 * OC;
}

EXPORT(conv2d_backprop_input)
void conv2d_backprop_input(const float *dy, const float *w, float *dx, float *scratch, int N,
                           int H, int W, int IC, int OH, int OW, int OC, int FH, int FW, int sh,
                           int sw, int dh, int dwl, int padT, int padL) {
  const int K = FH * FW * IC, Kp = bpi_kp(FH, FW, IC), mc = bpi_chunk(FH, FW, IC);
  float *wt = scratch, *cols = wt + OC * Kp, *tail = cols + mc * Kp;
  const int M = N * OH * OW;
  for (int oc = 0; oc < OC; oc++) {
    float *d = wt + oc * Kp;
    for (int k = 0; k < K; k++) d[k] = w[k * OC + oc];
    for (int k = K; k < Kp; k++) d[k] = 0.f;
  }
  zero(dx, N * H * W * IC);
  int n = 0, oh = 0, ow = 0;
  for (int m0 = 0; m0 < M; m0 += mc) {
    const int rows = M - m0 < mc ? M - m0 : mc;
    const int full = rows & ~3;
    const float *A = dy + m0 * OC;
    if (full < rows) {
      copy(tail, A + full * OC, (rows - full) * OC);
      zero(tail + (rows - full) * OC, (4 - (rows - full)) * OC);
    }
    for (int kb = 0; kb < Kp; kb += 8) {
      for (int r = 0; r < full; r += 4)
        mk4x8(A + r * OC, OC, 1, wt + kb, Kp, OC, cols + r * Kp + kb, Kp, 0);
      if (full < rows) mk4x8(tail, OC, 1, wt + kb, Kp, OC, cols + full * Kp + kb, Kp, 0);
    }
    for (int r = 0; r < rows; r++) {
      const float *c = cols + r * Kp;
      for (int kh = 0; kh < FH; kh++) {
        const int ih = oh * sh - padT + kh * dh;
        if (ih < 0 || ih >= H) continue;
        float *xr = dx + (n * H + ih) * W * IC;
        for (int kw = 0; kw < FW; kw++) {
          const int iw = ow * sw - padL + kw * dwl;
          if (iw < 0 || iw >= W) continue;
          float *d = xr + iw * IC;
          const float *s = c + (kh * FW + kw) * IC;
          int i = 0;
          for (; i + 4 <= IC; i += 4)
            wasm_v128_store(d + i, wasm_f32x4_add(wasm_v128_load(d + i), wasm_v128_load(s + i)));
          for (; i < IC; i++) d[i] += s[i];
        }
      }
      if (++ow == OW) {
        ow = 0;
        if (++oh == OH) {
          oh = 0;
          n++;
        }
      }
    }
  }
}
