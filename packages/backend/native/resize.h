// Nearest-neighbour resizing kernels of the addon (resize.cc).
#pragma once

namespace burnin_native {

/**
 * `y` [N, H * fy, W * fx, C] = `x` [N, H, W, C] upsampled by whole factors fy, fx >= 1: output
 * pixel (r, c) copies input pixel (r / fy, c / fx).
 */
void resize_nearest_up(const float *x, float *y, int N, int H, int W, int C, int fy, int fx);

}  // namespace burnin_native
