// The kernels of conv.h and matmul.h for AVX-512 (16 lanes), with FMA.
#define VW 16
#define ISA avx512
#include "conv.h"
#include "matmul.h"
