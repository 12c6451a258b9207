// Native float32 NHWC convolution kernels (forward, filter gradient, input gradient), written once
// for a vector of VW lanes and compiled once per instruction set (conv-avx512.cc: VW 16,
// conv-avx2.cc: VW 8, both with FMA). Every lane is one output element and the reduction runs in
// a fixed order (taps, then channels, then pixels for the filter gradient), so both builds give
// bit-identical results, whatever the tiling. Pointers point into tfjs-backend-wasm's heap (the
// caller resolves them); scratch memory is the kernels' own.
#include <cstddef>
#include <cstring>
#include <vector>

#include "geometry.h"
#include "pool.h"

#ifndef VW
#error "define VW (vector lanes) and ISA (namespace) before including conv.h"
#endif

namespace burnin_native {
namespace ISA {

typedef float vf __attribute__((vector_size(VW * 4)));

static inline vf load(const float *p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static inline void store(float *p, vf v) { std::memcpy(p, &v, sizeof v); }
// s - 0 is s for every float (0 + s is not: 0 + -0 = +0), so the compiler folds the subtraction
// and a broadcast is left; `vf{} + s` compiled to a scalar add before the broadcast.
static inline vf splat(float s) { return s - vf{}; }

// Accumulator budget in vector registers (32 zmm with AVX-512, 16 ymm with AVX2).
constexpr int BUDGET = VW == 16 ? 24 : 12;
constexpr int NV_MAX = 3;
// Pixels (rows) of a register tile of NV vectors.
template <int NV> constexpr int rows() { return BUDGET / NV > 8 ? 8 : BUDGET / NV; }

static inline int up(int v, int m) { return (v + m - 1) / m * m; }

// Copies the first `n` lanes of `count` vectors into `dst`.
template <int NV> static inline void store_tile_row(float *dst, const vf *acc, int n) {
  if (n == NV * VW) {
    for (int v = 0; v < NV; v++) store(dst + v * VW, acc[v]);
    return;
  }
  float tmp[NV * VW];
  for (int v = 0; v < NV; v++) store(tmp + v * VW, acc[v]);
  std::memcpy(dst, tmp, sizeof(float) * n);
}

// acc[p][v] += src[p][r] * w[r * stride + v * VW] for r < depth (in order), p < P, v < NV: the
// register-tile step the forward pass (r = input channel) and the input gradient (r = output
// channel) share.
template <int P, int NV>
static inline void accumulate(vf (&acc)[P][NV], const float *const (&src)[P], const float *w,
                              int depth, int stride) {
  // Four steps per pass, so that the P source pointers advance once per four steps (advancing
  // them every step cost 21 instructions per 8 FMAs for NV = 1); every accumulator still adds
  // its products in r order.
  const float *s[P];
  for (int p = 0; p < P; p++) s[p] = src[p];
  int r = 0;
  for (; r + 4 <= depth; r += 4) {
    for (int u = 0; u < 4; u++, w += stride) {
      vf wv[NV];
      for (int v = 0; v < NV; v++) wv[v] = load(w + v * VW);
      for (int p = 0; p < P; p++) {
        const vf sv = splat(s[p][u]);
        for (int v = 0; v < NV; v++) acc[p][v] += sv * wv[v];
      }
    }
    for (int p = 0; p < P; p++) s[p] += 4;
  }
  for (; r < depth; r++, w += stride) {
    vf wv[NV];
    for (int v = 0; v < NV; v++) wv[v] = load(w + v * VW);
    for (int p = 0; p < P; p++) {
      const vf sv = splat(*s[p]++);
      for (int v = 0; v < NV; v++) acc[p][v] += sv * wv[v];
    }
  }
}

// ---- forward -------------------------------------------------------------------------------
// y[n, oy, ox, oc] = sum over ky, kx, ic of x[n, oy*sh - padT + ky*dh, ox*sw - padL + kx*dw, ic]
//                    * w[ky, kx, ic, oc]; taps in the padding read zeros.
// `wp` is w with OC padded to OCp (a multiple of VW) with zeros.
// With an epilogue, the sum then gets `bias[oc]` added (one float32 addition, as tfjs's Add)
// and, with `relu`, tfjs-backend-wasm's relu: the float's bits as an int32, max with 0 (so every
// value with the sign bit set, -0 and negative NaNs included, becomes +0; positive NaNs stay).
struct Epilogue {
  const float *bias = nullptr;  // OCp floats (zeros past OC), or null
  bool relu = false;
};

static inline vf relu_lanes(vf v) {
  typedef int vi __attribute__((vector_size(VW * 4)));
  vi bits;
  std::memcpy(&bits, &v, sizeof v);
  bits &= bits > vi{};  // all ones where the int32 is > 0
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

template <int NV>
static void conv_tile(const float *x, const float *wp, float *y, const Geometry &g, int OCp,
                      const float *zeros, int n, int oy, int ox0, int co0, const Epilogue &e) {
  constexpr int P = rows<NV>();
  vf acc[P][NV];
  for (int p = 0; p < P; p++)
    for (int v = 0; v < NV; v++) acc[p][v] = vf{};
  const float *src[P];
  for (int ky = 0; ky < g.FH; ky++) {
    const int iy = oy * g.sh - g.padT + ky * g.dh;
    if (iy < 0 || iy >= g.H) continue;
    const float *row = x + (static_cast<size_t>(n) * g.H + iy) * g.W * g.C;
    const float *wrow = wp + static_cast<size_t>(ky * g.FW) * g.C * OCp + co0;
    // Undilated taps of a pixel whose whole filter row lies inside the image read FW * C
    // consecutive floats, as the filter row's weights are: one reduction of depth FW * C, in
    // the same order (kx, then c) as the tap by tap loop below.
    bool inside = g.dw == 1;
    for (int p = 0; p < P && inside; p++) {
      const int ox = ox0 + p;
      const int ix = ox * g.sw - g.padL;
      if (ox >= g.OW) src[p] = zeros;
      else if (ix >= 0 && ix + g.FW <= g.W) src[p] = row + static_cast<size_t>(ix) * g.C;
      else inside = false;
    }
    if (inside) {
      accumulate<P, NV>(acc, src, wrow, g.FW * g.C, OCp);
      continue;
    }
    for (int kx = 0; kx < g.FW; kx++) {
      for (int p = 0; p < P; p++) {
        const int ox = ox0 + p;
        const int ix = ox * g.sw - g.padL + kx * g.dw;
        src[p] = (ox < g.OW && ix >= 0 && ix < g.W) ? row + static_cast<size_t>(ix) * g.C : zeros;
      }
      accumulate<P, NV>(acc, src, wrow + static_cast<size_t>(kx) * g.C * OCp, g.C, OCp);
    }
  }
  if (e.bias != nullptr) {
    vf b[NV];
    for (int v = 0; v < NV; v++) b[v] = load(e.bias + co0 + v * VW);
    for (int p = 0; p < P; p++)
      for (int v = 0; v < NV; v++) acc[p][v] += b[v];
  }
  if (e.relu)
    for (int p = 0; p < P; p++)
      for (int v = 0; v < NV; v++) acc[p][v] = relu_lanes(acc[p][v]);
  const int lanes = g.OC - co0 < NV * VW ? g.OC - co0 : NV * VW;
  for (int p = 0; p < P && ox0 + p < g.OW; p++) {
    float *dst = y + ((static_cast<size_t>(n) * g.OH + oy) * g.OW + ox0 + p) * g.OC + co0;
    store_tile_row<NV>(dst, acc[p], lanes);
  }
}

template <int NV>
static void conv_rows(const float *x, const float *wp, float *y, const Geometry &g, int OCp,
                      const float *zeros, int co0, const Epilogue &e) {
  constexpr int P = rows<NV>();
  // output rows (n, oy) are independent: spread over the pool in chunks
  const int rows_total = g.N * g.OH;
  const int chunk = chunk_size(rows_total);
  parallel_for((rows_total + chunk - 1) / chunk, [&](int task) {
    const int end = (task + 1) * chunk < rows_total ? (task + 1) * chunk : rows_total;
    for (int r = task * chunk; r < end; r++)
      for (int ox0 = 0; ox0 < g.OW; ox0 += P)
        conv_tile<NV>(x, wp, y, g, OCp, zeros, r / g.OH, r % g.OH, ox0, co0, e);
  });
}

// Runs `body<NV>(co0)` over the output channels in groups of NV_MAX vectors, then the rest.
#define FOR_CHANNEL_GROUPS(total_vectors, BODY)            \
  do {                                                      \
    int v0 = 0;                                             \
    for (; v0 + NV_MAX <= (total_vectors); v0 += NV_MAX) {  \
      BODY(3, v0 * VW);                                     \
    }                                                       \
    if ((total_vectors) - v0 == 2) BODY(2, v0 * VW);        \
    if ((total_vectors) - v0 == 1) BODY(1, v0 * VW);        \
  } while (0)

void conv2d(const float *x, const float *w, float *y, const Geometry &g, const float *bias,
            bool relu) {
  const int OCp = up(g.OC, VW);
  std::vector<float> wp(static_cast<size_t>(g.FH) * g.FW * g.C * OCp, 0.f);
  for (size_t r = 0; r < static_cast<size_t>(g.FH) * g.FW * g.C; r++)
    std::memcpy(&wp[r * OCp], w + r * g.OC, sizeof(float) * g.OC);
  std::vector<float> zeros(static_cast<size_t>(g.FW) * g.C + VW, 0.f);
  std::vector<float> padded_bias;
  Epilogue e;
  e.relu = relu;
  if (bias != nullptr) {
    padded_bias.assign(OCp, 0.f);
    std::memcpy(padded_bias.data(), bias, sizeof(float) * g.OC);
    e.bias = padded_bias.data();
  }
#define CONV_BODY(nv, co0) conv_rows<nv>(x, wp.data(), y, g, OCp, zeros.data(), co0, e)
  FOR_CHANNEL_GROUPS(OCp / VW, CONV_BODY);
#undef CONV_BODY
}

// ---- input gradient ------------------------------------------------------------------------
// The taps of one input row or one column residue that reach whole output pixels, in order:
// `k` the filter tap and `o` the output row (or, for columns, the output column of the
// residue's first pixel).
struct Taps {
  int count = 0;
  std::vector<int> k, o;
};

// oy * sh = iy + padT - ky * dh: the taps of input row iy (ys.k and ys.o hold FH entries).
static inline void row_taps(const Geometry &g, int iy, Taps &ys) {
  ys.count = 0;
  for (int ky = 0; ky < g.FH; ky++) {
    const int ty = iy + g.padT - ky * g.dh;
    if (ty < 0 || ty % g.sh != 0 || ty / g.sh >= g.OH) continue;
    ys.k[ys.count] = ky;
    ys.o[ys.count++] = ty / g.sh;
  }
}

// Runs tile(n, iy, ys, r, j0, count) for every input row (n, iy), with ys its taps, and column
// residue r, over the residue's pixels ix = r + j * sw in blocks j = j0 .. j0 + count - 1 of at
// most T. The rows are independent (each writes its own row of dx): spread over the pool in
// chunks.
template <class F> static void for_each_input_tile(const Geometry &g, int T, const F &tile) {
  const int rows_total = g.N * g.H;
  const int chunk = chunk_size(rows_total);
  parallel_for((rows_total + chunk - 1) / chunk, [&](int task) {
    const int end = (task + 1) * chunk < rows_total ? (task + 1) * chunk : rows_total;
    Taps ys;
    ys.k.resize(g.FH);
    ys.o.resize(g.FH);
    for (int row = task * chunk; row < end; row++) {
      const int n = row / g.H, iy = row % g.H;
      row_taps(g, iy, ys);
      for (int r = 0; r < g.sw && r < g.W; r++) {
        const int pixels = (g.W - r + g.sw - 1) / g.sw;  // ix = r, r + sw, ...
        for (int j0 = 0; j0 < pixels; j0 += T)
          tile(n, iy, ys, r, j0, pixels - j0 < T ? pixels - j0 : T);
      }
    }
  });
}

// One tile of dx[n, iy, ix, ic] = sum over ky, kx, oc of dy[n, oy, ox, oc] * w[ky, kx, ic, oc]
// where oy*sh = iy + padT - ky*dh and ox*sw = ix + padL - kx*dw (taps that miss a whole output
// pixel are skipped; outputs outside dy read zeros). `wt` is w transposed to [ky, kx, oc, ICp].
// Pixel p of the tile is ix0 + p * sw, block position j + p of its residue.
template <int NV>
static void bpi_tile(const float *dy, const float *wt, float *dx, const Geometry &g, int ICp,
                     const float *zeros, int n, int iy, const Taps &ys, const Taps &xs, int ix0,
                     int j, int count, int ci0) {
  constexpr int P = rows<NV>();
  vf acc[P][NV];
  for (int p = 0; p < P; p++)
    for (int v = 0; v < NV; v++) acc[p][v] = vf{};
  const float *src[P];
  for (int a = 0; a < ys.count; a++) {
    const float *row = dy + (static_cast<size_t>(n) * g.OH + ys.o[a]) * g.OW * g.OC;
    for (int b = 0; b < xs.count; b++) {
      // pixel p of the tile (ix0 + p * sw) reads output column ox0 + p
      const int ox0 = xs.o[b] + j;
      for (int p = 0; p < P; p++) {
        const int ox = ox0 + p;
        src[p] = (p < count && ox >= 0 && ox < g.OW) ? row + static_cast<size_t>(ox) * g.OC : zeros;
      }
      accumulate<P, NV>(acc, src,
                        wt + static_cast<size_t>(ys.k[a] * g.FW + xs.k[b]) * g.OC * ICp + ci0,
                        g.OC, ICp);
    }
  }
  const int lanes = g.C - ci0 < NV * VW ? g.C - ci0 : NV * VW;
  for (int p = 0; p < count; p++) {
    const int ix = ix0 + p * g.sw;
    float *dst = dx + ((static_cast<size_t>(n) * g.H + iy) * g.W + ix) * g.C + ci0;
    store_tile_row<NV>(dst, acc[p], lanes);
  }
}

template <int NV>
static void bpi_rows(const float *dy, const float *wt, float *dx, const Geometry &g, int ICp,
                     const float *zeros, const std::vector<Taps> &columns, int ci0) {
  for_each_input_tile(g, rows<NV>(), [&](int n, int iy, const Taps &ys, int r, int j0, int count) {
    bpi_tile<NV>(dy, wt, dx, g, ICp, zeros, n, iy, ys, columns[r], r + j0 * g.sw, j0, count, ci0);
  });
}

// The input gradient for few input channels (C <= SMALL_C): lanes over the input pixels of one
// row and column residue instead of over the channels (3 channels would leave 13 of 16 lanes
// idle). dy is first laid out as planar rows `dyt` [n, oy, oc] of `L` floats each, output column
// ox at `lead + ox` and zeros around it, so that pixel j of a residue reads tap b's dy at
// `xs.o[b] + j`, consecutive over j. Every output still sums over ky, kx, then oc in order,
// with the same products (zeros where ox falls outside dy) as bpi_tile: the same bits.
constexpr int SMALL_C = VW / 4;
constexpr int SMALL_JV = 4;  // pixel vectors per tile

template <int C>
static void bpi_small_tile(const float *dyt, const float *w, float *dx, const Geometry &g, int L,
                           int lead, int n, int iy, const Taps &ys, const Taps &xs, int r, int j0,
                           int count) {
  vf acc[C][SMALL_JV];
  for (int c = 0; c < C; c++)
    for (int v = 0; v < SMALL_JV; v++) acc[c][v] = vf{};
  for (int a = 0; a < ys.count; a++) {
    const float *plane = dyt + (static_cast<size_t>(n) * g.OH + ys.o[a]) * g.OC * L + lead + j0;
    for (int b = 0; b < xs.count; b++) {
      const float *d = plane + xs.o[b];
      const float *wk = w + static_cast<size_t>(ys.k[a] * g.FW + xs.k[b]) * C * g.OC;
      for (int oc = 0; oc < g.OC; oc++, d += L) {
        vf dv[SMALL_JV];
        for (int v = 0; v < SMALL_JV; v++) dv[v] = load(d + v * VW);
        for (int c = 0; c < C; c++) {
          const vf s = splat(wk[c * g.OC + oc]);
          for (int v = 0; v < SMALL_JV; v++) acc[c][v] += dv[v] * s;
        }
      }
    }
  }
  float out[C][SMALL_JV * VW];
  for (int c = 0; c < C; c++)
    for (int v = 0; v < SMALL_JV; v++) store(out[c] + v * VW, acc[c][v]);
  float *row = dx + (static_cast<size_t>(n) * g.H + iy) * g.W * C;
  for (int j = 0; j < count; j++) {
    float *dst = row + static_cast<size_t>(r + (j0 + j) * g.sw) * C;
    for (int c = 0; c < C; c++) dst[c] = out[c][j];
  }
}

template <int C>
static void bpi_small(const float *dy, const float *w, float *dx, const Geometry &g,
                      const std::vector<Taps> &columns) {
  constexpr int T = SMALL_JV * VW;
  // the columns any tile reads: o + j for every residue's taps, j < its pixels rounded up to T
  int lo = 0, hi = g.OW;
  for (int r = 0; r < g.sw && r < g.W; r++) {
    const int pixels = (g.W - r + g.sw - 1) / g.sw;
    for (int b = 0; b < columns[r].count; b++) {
      const int o = columns[r].o[b];
      if (o < lo) lo = o;
      if (o + up(pixels, T) > hi) hi = o + up(pixels, T);
    }
  }
  const int lead = -lo, L = hi - lo;
  std::vector<float> dyt(static_cast<size_t>(g.N) * g.OH * g.OC * L, 0.f);
  const int planes = g.N * g.OH;
  parallel_for(planes, [&](int p) {
    const float *src = dy + static_cast<size_t>(p) * g.OW * g.OC;
    float *dst = dyt.data() + static_cast<size_t>(p) * g.OC * L + lead;
    for (int ox = 0; ox < g.OW; ox++)
      for (int oc = 0; oc < g.OC; oc++) dst[static_cast<size_t>(oc) * L + ox] = src[ox * g.OC + oc];
  });
  for_each_input_tile(g, T, [&](int n, int iy, const Taps &ys, int r, int j0, int count) {
    bpi_small_tile<C>(dyt.data(), w, dx, g, L, lead, n, iy, ys, columns[r], r, j0, count);
  });
}

template <int C = 1>
static void bpi_small_dispatch(const float *dy, const float *w, float *dx, const Geometry &g,
                               const std::vector<Taps> &columns) {
  if constexpr (C <= SMALL_C) {
    if (g.C == C) return bpi_small<C>(dy, w, dx, g, columns);
    bpi_small_dispatch<C + 1>(dy, w, dx, g, columns);
  }
}

void conv2d_backprop_input(const float *dy, const float *w, float *dx, const Geometry &g) {
  // ox * sw = ix + padL - kx * dw: for the pixels ix = r + j * sw of residue r, the taps whose
  // output column is whole, at ox = (r + padL - kx * dw) / sw + j (an exact division)
  std::vector<Taps> columns(g.sw);
  for (int r = 0; r < g.sw; r++) {
    Taps &t = columns[r];
    for (int kx = 0; kx < g.FW; kx++) {
      const int base = r + g.padL - kx * g.dw;
      if (base % g.sw != 0) continue;
      t.k.push_back(kx);
      t.o.push_back(base / g.sw);
    }
    t.count = static_cast<int>(t.k.size());
  }
  if (g.C <= SMALL_C) return bpi_small_dispatch(dy, w, dx, g, columns);
  const int ICp = up(g.C, VW);
  std::vector<float> wt(static_cast<size_t>(g.FH) * g.FW * g.OC * ICp, 0.f);
  for (int t = 0; t < g.FH * g.FW; t++)
    for (int ic = 0; ic < g.C; ic++)
      for (int oc = 0; oc < g.OC; oc++)
        wt[(static_cast<size_t>(t) * g.OC + oc) * ICp + ic] =
            w[(static_cast<size_t>(t) * g.C + ic) * g.OC + oc];
  std::vector<float> zeros(g.OC + VW, 0.f);
#define BPI_BODY(nv, ci0) bpi_rows<nv>(dy, wt.data(), dx, g, ICp, zeros.data(), columns, ci0)
  FOR_CHANNEL_GROUPS(ICp / VW, BPI_BODY);
#undef BPI_BODY
}

// ---- filter gradient -----------------------------------------------------------------------
// dw[ky, kx, ic, oc] = sum over n, oy, ox (in that order) of x[n, iy, ix, ic] * dy[n, oy, ox, oc]
// with iy = oy*sh - padT + ky*dh, ix = ox*sw - padL + kx*dw; pixels in the padding are skipped.
// `d` is dy with OC padded to OCp (dy itself when OC is a multiple of VW).
template <int CB, int NV>
static void bpf_tile(const float *x, const float *d, float *dw, const Geometry &g, int OCp, int ky,
                     int kx, int ci0, int co0) {
  vf acc[CB][NV];
  for (int c = 0; c < CB; c++)
    for (int v = 0; v < NV; v++) acc[c][v] = vf{};
  for (int n = 0; n < g.N; n++)
    for (int oy = 0; oy < g.OH; oy++) {
      const int iy = oy * g.sh - g.padT + ky * g.dh;
      if (iy < 0 || iy >= g.H) continue;
      // ox range whose ix lies inside the image
      int ox_lo = 0, ox_hi = g.OW;
      const int off = kx * g.dw - g.padL;
      while (ox_lo < g.OW && ox_lo * g.sw + off < 0) ox_lo++;
      while (ox_hi > ox_lo && (ox_hi - 1) * g.sw + off >= g.W) ox_hi--;
      const float *xp =
          x + ((static_cast<size_t>(n) * g.H + iy) * g.W + (ox_lo * g.sw + off)) * g.C + ci0;
      const float *dp = d + ((static_cast<size_t>(n) * g.OH + oy) * g.OW + ox_lo) * OCp + co0;
      const size_t xstep = static_cast<size_t>(g.sw) * g.C;
      for (int ox = ox_lo; ox < ox_hi; ox++, xp += xstep, dp += OCp) {
        vf dv[NV];
        for (int v = 0; v < NV; v++) dv[v] = load(dp + v * VW);
        for (int c = 0; c < CB; c++) {
          const vf s = splat(xp[c]);
          for (int v = 0; v < NV; v++) acc[c][v] += s * dv[v];
        }
      }
    }
  const int lanes = g.OC - co0 < NV * VW ? g.OC - co0 : NV * VW;
  for (int c = 0; c < CB; c++) {
    float *dst = dw + (static_cast<size_t>(ky * g.FW + kx) * g.C + ci0 + c) * g.OC + co0;
    store_tile_row<NV>(dst, acc[c], lanes);
  }
}

// The same sums when dw == 1, for a block of CB consecutive (kx, ic) pairs j = kx * C + ic of one
// filter row ky, j0 <= j < j0 + CB: pixel ox's inputs for them are the CB consecutive floats at
// x[n, iy, ox*sw - padL, 0] + j (small C then fills the register tile: C = 3, FW = 3 is one
// block of 8 and one of 1 instead of three blocks of 2 and 1, each a chain of dependent FMAs).
// Each sum still runs over n, oy, ox in order, skipping the pixels in the padding.
template <int CB, int NV>
static void bpf_row_tile(const float *x, const float *d, float *dw, const Geometry &g, int OCp,
                         int ky, int j0, int co0) {
  vf acc[CB][NV];
  for (int c = 0; c < CB; c++)
    for (int v = 0; v < NV; v++) acc[c][v] = vf{};
  const int kx_lo = j0 / g.C;
  const int kx_hi = (j0 + CB - 1) / g.C;
  // ox range where every tap of the block lies inside the image
  int in_lo = 0, in_hi = g.OW;
  while (in_lo < g.OW && in_lo * g.sw - g.padL + kx_lo < 0) in_lo++;
  while (in_hi > in_lo && (in_hi - 1) * g.sw - g.padL + kx_hi >= g.W) in_hi--;
  for (int n = 0; n < g.N; n++)
    for (int oy = 0; oy < g.OH; oy++) {
      const int iy = oy * g.sh - g.padT + ky * g.dh;
      if (iy < 0 || iy >= g.H) continue;
      const float *row = x + (static_cast<size_t>(n) * g.H + iy) * g.W * g.C + j0;
      const float *dp = d + (static_cast<size_t>(n) * g.OH + oy) * g.OW * OCp + co0;
      for (int ox = 0; ox < g.OW; ox++, dp += OCp) {
        const int ix0 = ox * g.sw - g.padL;
        const float *xp = row + static_cast<ptrdiff_t>(ix0) * g.C;
        vf dv[NV];
        for (int v = 0; v < NV; v++) dv[v] = load(dp + v * VW);
        if (ox >= in_lo && ox < in_hi) {
          for (int c = 0; c < CB; c++) {
            const vf s = splat(xp[c]);
            for (int v = 0; v < NV; v++) acc[c][v] += s * dv[v];
          }
          continue;
        }
        for (int c = 0; c < CB; c++) {
          const int ix = ix0 + (j0 + c) / g.C;
          if (ix < 0 || ix >= g.W) continue;
          const vf s = splat(xp[c]);
          for (int v = 0; v < NV; v++) acc[c][v] += s * dv[v];
        }
      }
    }
  const int lanes = g.OC - co0 < NV * VW ? g.OC - co0 : NV * VW;
  for (int c = 0; c < CB; c++) {
    float *dst = dw + (static_cast<size_t>(ky * g.FW) * g.C + j0 + c) * g.OC + co0;
    store_tile_row<NV>(dst, acc[c], lanes);
  }
}

// Accumulator vectors of one filter-gradient block (more than 12 measured slower: spills).
template <int NV> constexpr int bpf_block_max() { return BUDGET / NV > 12 ? 12 : BUDGET / NV; }

// bpf_row_tile<cb, NV> for a block size known at run time, 1 <= cb <= bpf_block_max<NV>().
template <int NV, int CB = 1>
static void bpf_row_block(int cb, const float *x, const float *d, float *dw, const Geometry &g,
                          int OCp, int ky, int j0, int co0) {
  if constexpr (CB <= bpf_block_max<NV>()) {
    if (cb == CB) return bpf_row_tile<CB, NV>(x, d, dw, g, OCp, ky, j0, co0);
    bpf_row_block<NV, CB + 1>(cb, x, d, dw, g, OCp, ky, j0, co0);
  }
}

template <int NV> constexpr int channel_block() { return BUDGET / NV > 8 ? 8 : BUDGET / NV; }

template <int NV>
static void bpf_channels(const float *x, const float *d, float *dw, const Geometry &g, int OCp,
                         int co0) {
  constexpr int CB = channel_block<NV>();
  // Each block of filter taps sums over every pixel in order, into its own dw entries: the
  // blocks are the pool's tasks (splitting the pixels would change the order of the sums).
  if (g.dw == 1) {
    // J split into equal blocks of at most bpf_block_max (J = 27: 9 + 9 + 9)
    const int J = g.FW * g.C;
    const int blocks = (J + bpf_block_max<NV>() - 1) / bpf_block_max<NV>();
    const int size = (J + blocks - 1) / blocks;
    parallel_for(g.FH * blocks, [&](int task) {
      const int ky = task / blocks, j = (task % blocks) * size;
      if (j < J) bpf_row_block<NV>(J - j < size ? J - j : size, x, d, dw, g, OCp, ky, j, co0);
    });
    return;
  }
  parallel_for(g.FH * g.FW, [&](int task) {
      const int ky = task / g.FW, kx = task % g.FW;
      int ci = 0;
      for (; ci + CB <= g.C; ci += CB) bpf_tile<CB, NV>(x, d, dw, g, OCp, ky, kx, ci, co0);
      if (CB > 4)
        for (; ci + 4 <= g.C; ci += 4) bpf_tile<(CB > 4 ? 4 : 1), NV>(x, d, dw, g, OCp, ky, kx, ci, co0);
      for (; ci + 2 <= g.C; ci += 2) bpf_tile<2, NV>(x, d, dw, g, OCp, ky, kx, ci, co0);
      for (; ci < g.C; ci++) bpf_tile<1, NV>(x, d, dw, g, OCp, ky, kx, ci, co0);
  });
}

// 1x1 filters with few output channels (a detector's heads: 3 or 4), the lanes over VW input
// channels instead of over the output channels (padded to VW, most lanes would idle), and dy read
// in place (no padded copy). Each dw element still sums x * dy over n, oy, ox in order with one
// multiply-add per pixel, skipping the padding: the same bits as bpf_channels.
constexpr int FEW_OC = 8;

template <int OCN>
static void bpf_1x1_few(const float *x, const float *dy, float *dw, const Geometry &g, int c0) {
  vf acc[OCN];
  for (int o = 0; o < OCN; o++) acc[o] = vf{};
  for (int n = 0; n < g.N; n++)
    for (int oy = 0; oy < g.OH; oy++) {
      const int iy = oy * g.sh - g.padT;
      if (iy < 0 || iy >= g.H) continue;
      const float *xrow = x + (static_cast<size_t>(n) * g.H + iy) * g.W * g.C + c0;
      const float *drow = dy + (static_cast<size_t>(n) * g.OH + oy) * g.OW * OCN;
      for (int ox = 0; ox < g.OW; ox++) {
        const int ix = ox * g.sw - g.padL;
        if (ix < 0 || ix >= g.W) continue;
        const vf xv = load(xrow + static_cast<size_t>(ix) * g.C);
        const float *dp = drow + static_cast<size_t>(ox) * OCN;
        for (int o = 0; o < OCN; o++) acc[o] += xv * splat(dp[o]);
      }
    }
  float tmp[OCN][VW];
  for (int o = 0; o < OCN; o++) store(tmp[o], acc[o]);
  for (int l = 0; l < VW; l++)
    for (int o = 0; o < OCN; o++) dw[static_cast<size_t>(c0 + l) * OCN + o] = tmp[o][l];
}

template <int OCN = 1>
static void bpf_1x1_few_dispatch(const float *x, const float *dy, float *dw, const Geometry &g) {
  if constexpr (OCN <= FEW_OC) {
    if (g.OC != OCN) return bpf_1x1_few_dispatch<OCN + 1>(x, dy, dw, g);
    parallel_for(g.C / VW, [&](int t) { bpf_1x1_few<OCN>(x, dy, dw, g, t * VW); });
  }
}

void conv2d_backprop_filter(const float *x, const float *dy, float *dw, const Geometry &g) {
  if (g.FH == 1 && g.FW == 1 && g.OC <= FEW_OC && g.C % VW == 0)
    return bpf_1x1_few_dispatch(x, dy, dw, g);
  const int OCp = up(g.OC, VW);
  std::vector<float> padded;
  const float *d = dy;
  if (OCp != g.OC) {
    const size_t pixels = static_cast<size_t>(g.N) * g.OH * g.OW;
    padded.assign(pixels * OCp, 0.f);
    for (size_t p = 0; p < pixels; p++)
      std::memcpy(&padded[p * OCp], dy + p * g.OC, sizeof(float) * g.OC);
    d = padded.data();
  }
#define BPF_BODY(nv, co0) bpf_channels<nv>(x, d, dw, g, OCp, co0)
  FOR_CHANNEL_GROUPS(OCp / VW, BPF_BODY);
#undef BPF_BODY
}

// (FOR_CHANNEL_GROUPS stays defined for matmul.h, which undefines it)

}  // namespace ISA
}  // namespace burnin_native
