// Native float32 batched matrix product, compiled per instruction set after conv.h (it reuses
// that file's register-tile step): c[i] = op(a[i]) x op(b[i]) for i < batch, op = transpose or
// not, where a or b may hold one matrix for every i (broadcast). Every lane is one output
// element and its sum runs over k = 0 .. K-1 in order, so both builds and every thread count
// give the same bits.
#include "matmul-shape.h"

namespace burnin_native {
namespace ISA {

// Rows m0 .. m0 + P - 1 (those < M) of one product, output columns n0 .. n0 + NV * VW - 1 (those
// < N): `ar` is op(a) as [M, K] rows, `bp` op(b) as [K, Np] with zeros past N.
template <int NV>
static void matmul_tile(const float *ar, const float *bp, float *c, const MatMulShape &s, int Np,
                        const float *zeros, int m0, int n0) {
  constexpr int P = rows<NV>();
  vf acc[P][NV];
  for (int p = 0; p < P; p++)
    for (int v = 0; v < NV; v++) acc[p][v] = vf{};
  const float *src[P];
  for (int p = 0; p < P; p++)
    src[p] = m0 + p < s.M ? ar + static_cast<size_t>(m0 + p) * s.K : zeros;
  accumulate<P, NV>(acc, src, bp + n0, s.K, Np);
  const int lanes = s.N - n0 < NV * VW ? s.N - n0 : NV * VW;
  for (int p = 0; p < P && m0 + p < s.M; p++)
    store_tile_row<NV>(c + static_cast<size_t>(m0 + p) * s.N + n0, acc[p], lanes);
}

// One row block of one product over every column, in conv.h's groups of vectors.
static void matmul_rows(const float *ar, const float *bp, float *c, const MatMulShape &s, int Np,
                        const float *zeros, int m0) {
#define MATMUL_BODY(nv, n0) matmul_tile<nv>(ar, bp, c, s, Np, zeros, m0, n0)
  FOR_CHANNEL_GROUPS(Np / VW, MATMUL_BODY);
#undef MATMUL_BODY
}

#undef FOR_CHANNEL_GROUPS

void batch_matmul(const float *a, const float *b, float *c, const MatMulShape &s) {
  const int Np = up(s.N, VW);
  const size_t a_size = static_cast<size_t>(s.M) * s.K;
  const size_t b_size = static_cast<size_t>(s.K) * s.N;
  // op(b) as [K, Np] per distinct matrix of b; b itself when it already is (N a multiple of VW)
  std::vector<float> bpad;
  const bool b_direct = !s.transposeB && Np == s.N;
  if (!b_direct) {
    bpad.assign(static_cast<size_t>(s.batchB) * s.K * Np, 0.f);
    for (int i = 0; i < s.batchB; i++) {
      const float *src = b + i * b_size;
      float *dst = bpad.data() + static_cast<size_t>(i) * s.K * Np;
      for (int k = 0; k < s.K; k++)
        for (int n = 0; n < s.N; n++)
          dst[static_cast<size_t>(k) * Np + n] = s.transposeB
                                                     ? src[static_cast<size_t>(n) * s.K + k]
                                                     : src[static_cast<size_t>(k) * s.N + n];
    }
  }
  // op(a) as [M, K] rows per distinct matrix of a; a itself when not transposed
  std::vector<float> arows;
  if (s.transposeA) {
    arows.resize(static_cast<size_t>(s.batchA) * a_size);
    for (int i = 0; i < s.batchA; i++)
      for (int k = 0; k < s.K; k++)
        for (int m = 0; m < s.M; m++)
          arows[i * a_size + static_cast<size_t>(m) * s.K + k] =
              a[i * a_size + static_cast<size_t>(k) * s.M + m];
  }
  std::vector<float> zeros(static_cast<size_t>(s.K) + VW, 0.f);
  constexpr int P = rows<NV_MAX>();
  const int blocks = (s.M + P - 1) / P;
  const int items = s.batch * blocks;
  // row blocks of every product are independent: spread over the pool in chunks
  const int chunk = chunk_size(items);
  parallel_for((items + chunk - 1) / chunk, [&](int task) {
    const int end = (task + 1) * chunk < items ? (task + 1) * chunk : items;
    for (int item = task * chunk; item < end; item++) {
      const int i = item / blocks, m0 = (item % blocks) * P;
      const int ia = s.batchA == 1 ? 0 : i, ib = s.batchB == 1 ? 0 : i;
      const float *ar = (s.transposeA ? arows.data() : a) + ia * a_size;
      const float *bp =
          b_direct ? b + ib * b_size : bpad.data() + static_cast<size_t>(ib) * s.K * Np;
      matmul_rows(ar, bp, c + static_cast<size_t>(i) * s.M * s.N, s, Np, zeros.data(), m0);
    }
  });
}

}  // namespace ISA
}  // namespace burnin_native
