// The kernels of conv.h for AVX2 (8 lanes), with FMA.
#define VW 8
#define ISA avx2
#include "conv.h"
