// One Adam update over float32 arrays, in the exact float32 operation order of tfjs-core's
// AdamOptimizer (each product, sum, quotient and square root rounded to float32; compiled
// without FMA contraction), so its results are bit-identical to tfjs's own update:
//   m1 = b1 m + c1 g,  v1 = b2 v + c2 g^2,
//   w1 = w + negLr * ((m1 / d1) / (sqrt(v1 / d2) + eps))
// with c = 1 - b, d = 1 - b^t and negLr = -lr, all float32.
//
// Subnormal inputs. Late in a run the first moments of units whose gradient stays 0 decay
// by b1 each step into the float32 subnormal range, and x86 runs every float operation on
// a subnormal through a microcode assist (~100x slower): with a tenth of the moments
// subnormal the update took 14x as long. Elements with a subnormal input go through
// `exact_update` instead, which does the same float32 operations on float64 values that
// never leave the normal range (integer bit decoding and encoding at the ends, a
// magic-constant rounding in between) and gives the same bits (see round32).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace burnin_native {

namespace {

inline uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// True for a non-zero float32 whose exponent field is 0 (a subnormal).
inline bool subnormal(uint32_t u) { return (u & 0x7f800000u) == 0 && (u & 0x007fffffu) != 0; }

// The float32 with bits `u` as a float64, decoded without a floating-point operation on a
// subnormal (the integer mantissa times 2^-149 is a normal float64 product, exact).
inline double widen(uint32_t u) {
  if ((u & 0x7f800000u) == 0) {
    const double mag = static_cast<double>(u & 0x007fffffu) * 0x1p-149;
    return (u & 0x80000000u) ? -mag : mag;
  }
  float f;
  std::memcpy(&f, &u, 4);
  return static_cast<double>(f);
}

// Rounds a float64 to the nearest float32 value (ties to even), kept as a float64. In the
// normal float32 range that is the conversion; below 2^-126 it is rounding to a multiple of
// 2^-149, done by adding and subtracting 1.5 * 2^-97 (whose float64 ulp is 2^-149), all on
// normal float64 values; the sign of a result rounded to zero is the input's, as in IEEE.
// Each float32 operation of the update is exact in float64 (products of two floats) or
// rounded once in float64 (sums, quotients, square roots); rounding that to float32 gives
// the correctly rounded float32 result, since 53 >= 2 * 24 + 2 bits makes the double
// rounding innocuous (and fewer than 24 bits remain in the subnormal range).
inline double round32(double x) {
  if (std::fabs(x) < 0x1p-126) {
    const double c = 0x1.8p-97;
    return std::copysign((x + c) - c, x);
  }
  return static_cast<double>(static_cast<float>(x));
}

// The float32 bits of a float64 that holds a float32 value (round32's output).
inline uint32_t narrow(double x) {
  if (std::fabs(x) < 0x1p-126) {
    const uint32_t mantissa = static_cast<uint32_t>(std::fabs(x) * 0x1p149);
    return (std::signbit(x) ? 0x80000000u : 0u) | mantissa;
  }
  return bits_of(static_cast<float>(x));
}

inline void store(float *out, double x) {
  const uint32_t u = narrow(x);
  std::memcpy(out, &u, 4);
}

// One element's update, operation for operation as in the loop below.
void exact_update(const float *w, const float *m, const float *v, const float *g, float *w1,
                  float *m1, float *v1, const double k[8]) {
  const double b1 = k[0], c1 = k[1], b2 = k[2], c2 = k[3];
  const double d1 = k[4], d2 = k[5], eps = k[6], negLr = k[7];
  const double gj = widen(bits_of(*g));
  const double mj = round32(round32(widen(bits_of(*m)) * b1) + round32(gj * c1));
  const double vj =
      round32(round32(widen(bits_of(*v)) * b2) + round32(round32(gj * gj) * c2));
  const double mh = round32(mj / d1);
  const double vh = round32(vj / d2);
  const double q = round32(mh / round32(round32(std::sqrt(vh)) + eps));
  store(m1, mj);
  store(v1, vj);
  store(w1, round32(round32(q * negLr) + widen(bits_of(*w))));
}

}  // namespace

// The outputs are new tensors, never an input: __restrict (with -fno-math-errno, which leaves
// sqrt's result alone) lets the compiler vectorize the block loop; SSE's vector operations
// round each lane as the scalar ones do. In a block of 16 with a subnormal input, the elements
// that have one go through exact_update.
void adam_update(const float *__restrict w, const float *__restrict m, const float *__restrict v,
                 const float *__restrict g, float *__restrict w1, float *__restrict m1,
                 float *__restrict v1, size_t n, const float k[8]) {
  const float b1 = k[0], c1 = k[1], b2 = k[2], c2 = k[3];
  const float d1 = k[4], d2 = k[5], eps = k[6], negLr = k[7];
  double kd[8];
  for (int i = 0; i < 8; i++) kd[i] = static_cast<double>(k[i]);
  // one element of the update, in float32 (vectorized in the block loop below)
  auto update = [=](size_t j) {
    const float gj = g[j];
    const float mj = m[j] * b1 + gj * c1;
    const float vj = v[j] * b2 + (gj * gj) * c2;
    const float mh = mj / d1;
    const float vh = vj / d2;
    m1[j] = mj;
    v1[j] = vj;
    w1[j] = (mh / (std::sqrt(vh) + eps)) * negLr + w[j];
  };
  auto has_subnormal = [=](size_t j) {
    return subnormal(bits_of(m[j])) | subnormal(bits_of(v[j])) | subnormal(bits_of(g[j])) |
           subnormal(bits_of(w[j]));
  };
  constexpr size_t kBlock = 16;
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t end = start + kBlock < n ? start + kBlock : n;
    bool any = false;
    for (size_t j = start; j < end; j++) any |= has_subnormal(j);
    if (!any) {
      for (size_t j = start; j < end; j++) update(j);
      continue;
    }
    // the block on copies of its inputs with each subnormal replaced by 0 (vectorized, no
    // assist; lanes are independent), then the elements with a subnormal input exactly
    float lw[kBlock], lm[kBlock], lv[kBlock], lg[kBlock], ow[kBlock], om[kBlock], ov[kBlock];
    const size_t len = end - start;
    auto zeroed = [](float x) { return subnormal(bits_of(x)) ? 0.0f : x; };
    for (size_t i = 0; i < len; i++) {
      lw[i] = zeroed(w[start + i]);
      lm[i] = zeroed(m[start + i]);
      lv[i] = zeroed(v[start + i]);
      lg[i] = zeroed(g[start + i]);
    }
    for (size_t i = 0; i < len; i++) {
      const float gj = lg[i];
      const float mj = lm[i] * b1 + gj * c1;
      const float vj = lv[i] * b2 + (gj * gj) * c2;
      om[i] = mj;
      ov[i] = vj;
      ow[i] = ((mj / d1) / (std::sqrt(vj / d2) + eps)) * negLr + lw[i];
    }
    for (size_t i = 0; i < len; i++) {
      const size_t j = start + i;
      if (has_subnormal(j)) {
        exact_update(w + j, m + j, v + j, g + j, w1 + j, m1 + j, v1 + j, kd);
      } else {
        w1[j] = ow[i];
        m1[j] = om[i];
        v1[j] = ov[i];
      }
    }
  }
}

}  // namespace burnin_native
