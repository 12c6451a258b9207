// The geometry every native conv kernel takes (NHWC input [N, H, W, C], filter [FH, FW, C, OC],
// output [N, OH, OW, OC]), shared by the addon and the per-instruction-set builds.
#pragma once
namespace burnin_native {
struct Geometry {
  int N, H, W, C, OH, OW, OC, FH, FW, sh, sw, dh, dw, padT, padL;
};
}  // namespace burnin_native
