// SIMD128 kernels for the gradients of 2-D convolutions (NHWC, float32), run by @burnin/backend
// on tfjs-backend-wasm's own linear memory: every pointer is an offset into that memory, and
// all scratch space is allocated there by the caller. The module has no data segments and
// uses no shadow stack (no arrays or address-taken locals), so instantiating it writes nothing.
// Rebuild with `pnpm --filter @burnin/backend build:wasm` (needs clang and wasm-ld).
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
// Widest register tile (columns of the 4 x N accumulator block): 8 or 12. 12 needs 16 vector
// registers and spills in V8 on x64 (measured 20-30% slower), so 8 is the default.
#ifndef MAX_TILE
#define MAX_TILE 8
#endif
#define INLINE static inline __attribute__((always_inline))


INLINE v128_t madd(v128_t c, v128_t a, v128_t b) { return wasm_f32x4_add(c, wasm_f32x4_mul(a, b)); }

// C[i * cs + j] (i < 4, j < 4 * NV) = (accumulate ? C : 0) + sum_r A[i * ai + r * ar] * B[r * br + j].
// NV (1..3) is a compile-time constant after inlining, so the accumulators stay in registers.
INLINE void mk4(const float *A, int ai, int ar, const float *B, int br, int R, float *C, int cs,
                int accumulate, const int NV) {
  v128_t c[4][3];
#pragma clang loop unroll(full)
  for (int i = 0; i < 4; i++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 3; v++) c[i][v] = wasm_f32x4_splat(0.f);
  for (int r = 0; r < R; r++) {
    v128_t b[3];
#pragma clang loop unroll(full)
    for (int v = 0; v < 3; v++)
      if (v < NV) b[v] = wasm_v128_load(B + 4 * v);
#pragma clang loop unroll(full)
    for (int i = 0; i < 4; i++) {
      const v128_t a = wasm_v128_load32_splat(A + i * ai);
#pragma clang loop unroll(full)
      for (int v = 0; v < 3; v++)
        if (v < NV) c[i][v] = madd(c[i][v], a, b[v]);
    }
    A += ar;
    B += br;
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < 4; i++)
#pragma clang loop unroll(full)
    for (int v = 0; v < 3; v++)
      if (v < NV) {
        float *p = C + i * cs + 4 * v;
        wasm_v128_store(p, accumulate ? wasm_f32x4_add(c[i][v], wasm_v128_load(p)) : c[i][v]);
      }
}

// Runs mk4 over columns [0, cols) of B and C (cols a multiple of 4) in 12-, 8- and 4-wide tiles.
INLINE void mk4_row(const float *A, int ai, int ar, const float *B, int br, int R, float *C, int cs,
                    int accumulate, int cols) {
  int j = 0;
  if (MAX_TILE >= 12)
    for (; j + 12 <= cols; j += 12) mk4(A, ai, ar, B + j, br, R, C + j, cs, accumulate, 3);
  for (; j + 8 <= cols; j += 8) mk4(A, ai, ar, B + j, br, R, C + j, cs, accumulate, 2);
  if (j < cols) mk4(A, ai, ar, B + j, br, R, C + j, cs, accumulate, 1);
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
// ([Kp / 4][mc][4]), multiplied with the chunk's dy rows by the 4x12/4x8/4x4 kernels and added into a
// [Kp, OCp] accumulator (so each partial sum runs over at most `mc` pixels).

INLINE int bpf_kp(int FH, int FW, int IC) { return round_up(FH * FW * IC, 4); }
INLINE int bpf_ocp(int OC) { return round_up(OC, 4); }

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
        const int iw0 = ow * sw - padL;
        if (dwl == 1 && iw0 >= 0 && iw0 + FW <= W) {
          // The whole filter row lies inside the image: one contiguous run of FW * IC floats.
          copy(rk, xr + iw0 * IC, FW * IC);
          continue;
        }
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
      mk4_row(A + kb * mc, 1, 4, Bm, OCp, rows, acc + kb * OCp, OCp, 1, OCp);
  }
  (void)K;
  for (int k = 0; k < K; k++) copy(dw + k * OC, acc + k * OCp, OC);
}

// ---- Conv2DBackpropInput -------------------------------------------------------------------
// cols[m, k] = sum_oc dy[m, oc] * W[k, oc] (W^T packed once as [OC][Kp8]), in chunks of `mc`
// pixels, then scattered into dx (col2im). dx is zeroed first.

INLINE int bpi_kp(int FH, int FW, int IC) { return round_up(FH * FW * IC, 4); }

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
    // Column tiles outside, pixel blocks inside: the [OC][tile] slice of W^T stays in cache.
    for (int kb = 0; kb < Kp;) {
      const int w = MAX_TILE >= 12 && Kp - kb >= 12 ? 12 : Kp - kb >= 8 ? 8 : 4;
      for (int r = 0; r < full; r += 4) {
        const float *Ar = A + r * OC;
        float *Cr = cols + r * Kp + kb;
        if (w == 12) mk4(Ar, OC, 1, wt + kb, Kp, OC, Cr, Kp, 0, 3);
        else if (w == 8) mk4(Ar, OC, 1, wt + kb, Kp, OC, Cr, Kp, 0, 2);
        else mk4(Ar, OC, 1, wt + kb, Kp, OC, Cr, Kp, 0, 1);
      }
      if (full < rows) mk4_row(tail, OC, 1, wt + kb, Kp, OC, cols + full * Kp + kb, Kp, 0, w);
      kb += w;
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

// ---- Depthwise (channel multiplier 1) ------------------------------------------------------
// Output pixels ow whose tap at column offset iw0 = kw * dw - padL lies inside [0, W).
INLINE int ow_min(int iw0, int sw) { return iw0 >= 0 ? 0 : (-iw0 + sw - 1) / sw; }
INLINE int ow_max(int iw0, int sw, int W, int OW) {
  if (W - 1 - iw0 < 0) return 0;
  const int m = (W - 1 - iw0) / sw + 1;
  return m < OW ? m : OW;
}

// dW[kh, kw, c] = sum over n, oh, ow of x[n, ih, iw, c] * dy[n, oh, ow, c]; partial sums run over
// one output row (at most OW pixels) before they are added into dW.
EXPORT(depthwise_backprop_filter)
void depthwise_backprop_filter(const float *x, const float *dy, float *dw, int N, int H, int W,
                               int C, int OH, int OW, int FH, int FW, int sh, int sw, int dh,
                               int dwl, int padT, int padL) {
  zero(dw, FH * FW * C);
  for (int n = 0; n < N; n++) {
    for (int oh = 0; oh < OH; oh++) {
      const float *dyr = dy + (n * OH + oh) * OW * C;
      for (int kh = 0; kh < FH; kh++) {
        const int ih = oh * sh - padT + kh * dh;
        if (ih < 0 || ih >= H) continue;
        const float *xr = x + (n * H + ih) * W * C;
        for (int kw = 0; kw < FW; kw++) {
          const int iw0 = kw * dwl - padL;
          const int o0 = ow_min(iw0, sw), o1 = ow_max(iw0, sw, W, OW);
          if (o1 <= o0) continue;
          float *d = dw + (kh * FW + kw) * C;
          int c = 0;
          for (; c + 16 <= C; c += 16) {
            v128_t a0 = wasm_f32x4_splat(0.f), a1 = a0, a2 = a0, a3 = a0;
            for (int ow = o0; ow < o1; ow++) {
              const float *xp = xr + (ow * sw + iw0) * C + c, *yp = dyr + ow * C + c;
              a0 = madd(a0, wasm_v128_load(xp), wasm_v128_load(yp));
              a1 = madd(a1, wasm_v128_load(xp + 4), wasm_v128_load(yp + 4));
              a2 = madd(a2, wasm_v128_load(xp + 8), wasm_v128_load(yp + 8));
              a3 = madd(a3, wasm_v128_load(xp + 12), wasm_v128_load(yp + 12));
            }
            wasm_v128_store(d + c, wasm_f32x4_add(wasm_v128_load(d + c), a0));
            wasm_v128_store(d + c + 4, wasm_f32x4_add(wasm_v128_load(d + c + 4), a1));
            wasm_v128_store(d + c + 8, wasm_f32x4_add(wasm_v128_load(d + c + 8), a2));
            wasm_v128_store(d + c + 12, wasm_f32x4_add(wasm_v128_load(d + c + 12), a3));
          }
          for (; c + 4 <= C; c += 4) {
            v128_t a0 = wasm_f32x4_splat(0.f);
            for (int ow = o0; ow < o1; ow++)
              a0 = madd(a0, wasm_v128_load(xr + (ow * sw + iw0) * C + c),
                        wasm_v128_load(dyr + ow * C + c));
            wasm_v128_store(d + c, wasm_f32x4_add(wasm_v128_load(d + c), a0));
          }
          for (; c < C; c++) {
            float a = 0.f;
            for (int ow = o0; ow < o1; ow++) a += xr[(ow * sw + iw0) * C + c] * dyr[ow * C + c];
            d[c] += a;
          }
        }
      }
    }
  }
}

// dx[n, ih, iw, c] = sum over taps (kh, kw) with ih = oh * sh - padT + kh * dh (and likewise for
// iw) of dy[n, oh, ow, c] * W[kh, kw, c]: a gather, 16 channels of one pixel in registers at a time.
INLINE int tap_source(int i, int k, int d, int s, int pad, int O) {
  const int t = i + pad - k * d;  // = o * s
  if (t < 0) return -1;
  // Strides 1 and 2 without an integer division (the common cases).
  const int o = s == 1 ? t : s == 2 ? t >> 1 : t / s;
  return o * s == t && o < O ? o : -1;
}

EXPORT(depthwise_backprop_input)
void depthwise_backprop_input(const float *dy, const float *w, float *dx, int N, int H, int W,
                              int C, int OH, int OW, int FH, int FW, int sh, int sw, int dh,
                              int dwl, int padT, int padL) {
  for (int n = 0; n < N; n++) {
    for (int ih = 0; ih < H; ih++) {
      for (int iw = 0; iw < W; iw++) {
        float *d = dx + ((n * H + ih) * W + iw) * C;
        int c = 0;
        for (; c + 16 <= C; c += 16) {
          v128_t a0 = wasm_f32x4_splat(0.f), a1 = a0, a2 = a0, a3 = a0;
          for (int kh = 0; kh < FH; kh++) {
            const int oh = tap_source(ih, kh, dh, sh, padT, OH);
            if (oh < 0) continue;
            for (int kw = 0; kw < FW; kw++) {
              const int ow = tap_source(iw, kw, dwl, sw, padL, OW);
              if (ow < 0) continue;
              const float *yp = dy + ((n * OH + oh) * OW + ow) * C + c;
              const float *wp = w + (kh * FW + kw) * C + c;
              a0 = madd(a0, wasm_v128_load(yp), wasm_v128_load(wp));
              a1 = madd(a1, wasm_v128_load(yp + 4), wasm_v128_load(wp + 4));
              a2 = madd(a2, wasm_v128_load(yp + 8), wasm_v128_load(wp + 8));
              a3 = madd(a3, wasm_v128_load(yp + 12), wasm_v128_load(wp + 12));
            }
          }
          wasm_v128_store(d + c, a0);
          wasm_v128_store(d + c + 4, a1);
          wasm_v128_store(d + c + 8, a2);
          wasm_v128_store(d + c + 12, a3);
        }
        for (; c + 4 <= C; c += 4) {
          v128_t a0 = wasm_f32x4_splat(0.f);
          for (int kh = 0; kh < FH; kh++) {
            const int oh = tap_source(ih, kh, dh, sh, padT, OH);
            if (oh < 0) continue;
            for (int kw = 0; kw < FW; kw++) {
              const int ow = tap_source(iw, kw, dwl, sw, padL, OW);
              if (ow < 0) continue;
              a0 = madd(a0, wasm_v128_load(dy + ((n * OH + oh) * OW + ow) * C + c),
                        wasm_v128_load(w + (kh * FW + kw) * C + c));
            }
          }
          wasm_v128_store(d + c, a0);
        }
        for (; c < C; c++) {
          float a = 0.f;
          for (int kh = 0; kh < FH; kh++) {
            const int oh = tap_source(ih, kh, dh, sh, padT, OH);
            if (oh < 0) continue;
            for (int kw = 0; kw < FW; kw++) {
              const int ow = tap_source(iw, kw, dwl, sw, padL, OW);
              if (ow < 0) continue;
              a += dy[((n * OH + oh) * OW + ow) * C + c] * w[(kh * FW + kw) * C + c];
            }
          }
          d[c] = a;
        }
      }
    }
  }
}
