// Nearest-neighbour upsampling of NHWC float32 by whole factors: output pixel (r, c) is the
// input pixel (r / fy, c / fx). Pure copies, so the values are the input's bits.
#include "resize.h"

#include <cstring>

namespace burnin_native {

void resize_nearest_up(const float *x, float *y, int N, int H, int W, int C, int fy, int fx) {
  const int OH = H * fy, OW = W * fx;
  const size_t pixel = sizeof(float) * static_cast<size_t>(C);
  const size_t out_row = static_cast<size_t>(OW) * C;
  for (int n = 0; n < N; n++) {
    for (int r = 0; r < OH; r++) {
      float *dst = y + (static_cast<size_t>(n) * OH + r) * out_row;
      if (r % fy != 0) {
        // the same source row as the output row above
        std::memcpy(dst, dst - out_row, out_row * sizeof(float));
        continue;
      }
      const float *src = x + (static_cast<size_t>(n) * H + r / fy) * W * static_cast<size_t>(C);
      for (int c = 0; c < W; c++, src += C)
        for (int k = 0; k < fx; k++, dst += C) std::memcpy(dst, src, pixel);
    }
  }
}

}  // namespace burnin_native
