// The shape every native matrix product takes, shared by the addon and the per-instruction-set
// builds: c [batch, M, N] = op(a) [M, K] x op(b) [K, N] per batch item; a holds batchA matrices
// ([M, K], or [K, M] when transposeA) and b batchB ([K, N], or [N, K] when transposeB), each 1
// (one matrix for every item) or batch.
#pragma once
namespace burnin_native {
struct MatMulShape {
  int batch, M, K, N, batchA, batchB;
  bool transposeA, transposeB;
};
}  // namespace burnin_native
