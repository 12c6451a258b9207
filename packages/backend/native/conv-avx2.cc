// The kernels of conv.h and matmul.h for AVX2 (8 lanes), with FMA.
#define VW 8
#define ISA avx2
#include "conv.h"
#include "matmul.h"
