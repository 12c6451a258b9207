// One Adam update over float32 arrays, in the exact float32 operation order of tfjs-core's
// AdamOptimizer (each product, sum, quotient and square root rounded to float32; compiled
// without FMA contraction), so its results are bit-identical to tfjs's own update:
//   m1 = b1 m + c1 g,  v1 = b2 v + c2 g^2,
//   w1 = w + negLr * ((m1 / d1) / (sqrt(v1 / d2) + eps))
// with c = 1 - b, d = 1 - b^t and negLr = -lr, all float32.
#include <cmath>
#include <cstddef>

namespace burnin_native {

// The outputs are new tensors, never an input: __restrict (with -fno-math-errno, which leaves
// sqrt's result alone) lets the compiler vectorize the loop; SSE's vector operations round
// each lane as the scalar ones do.
void adam_update(const float *__restrict w, const float *__restrict m, const float *__restrict v,
                 const float *__restrict g, float *__restrict w1, float *__restrict m1,
                 float *__restrict v1, size_t n, const float k[8]) {
  const float b1 = k[0], c1 = k[1], b2 = k[2], c2 = k[3];
  const float d1 = k[4], d2 = k[5], eps = k[6], negLr = k[7];
  for (size_t j = 0; j < n; j++) {
    const float gj = g[j];
    const float mj = m[j] * b1 + gj * c1;
    const float vj = v[j] * b2 + (gj * gj) * c2;
    const float mh = mj / d1;
    const float vh = vj / d2;
    m1[j] = mj;
    v1[j] = vj;
    w1[j] = (mh / (std::sqrt(vh) + eps)) * negLr + w[j];
  }
}

}  // namespace burnin_native
