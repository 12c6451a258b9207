// Node-API entry points of the native conv kernels. Each takes the ArrayBuffer of
// tfjs-backend-wasm's heap, the byte offsets of its tensors in it (inputs, then the output) and
// the Geometry fields in order, checks that every tensor lies inside the heap, and runs the
// widest build the CPU supports (AVX-512, else AVX2 + FMA; AVX2 also where its 8 lanes fit the
// channels better). `isa()` names that build, or is null
// when the CPU has neither (then nothing else may be called). BURNIN_NATIVE_ISA=avx2 picks the
// AVX2 build on an AVX-512 CPU (tests compare the two).
#include <node_api.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "geometry.h"
#include "matmul-shape.h"
#include "pool.h"
#include "resize.h"

namespace burnin_native {
#define DECLARE(isa)                                                                   \
  namespace isa {                                                                      \
  void conv2d(const float *x, const float *w, float *y, const Geometry &g, const float *bias, \
              bool relu);                                                              \
  void conv2d_backprop_input(const float *dy, const float *w, float *dx, const Geometry &g); \
  void conv2d_backprop_filter(const float *x, const float *dy, float *dw, const Geometry &g); \
  void batch_matmul(const float *a, const float *b, float *c, const MatMulShape &s);          \
  }
DECLARE(avx512)
DECLARE(avx2)
#undef DECLARE
void adam_update(const float *w, const float *m, const float *v, const float *g, float *w1,
                 float *m1, float *v1, size_t n, const float k[8]);

namespace {

enum class Isa { none, avx2, avx512 };

Isa detect() {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f");
  const char *force = std::getenv("BURNIN_NATIVE_ISA");
  if (force != nullptr && std::strcmp(force, "avx2") == 0) return avx2 ? Isa::avx2 : Isa::none;
  if (avx512) return Isa::avx512;
  return avx2 ? Isa::avx2 : Isa::none;
}

const Isa isa = detect();

// Whether a kernel whose vector lanes run over `lanes` values uses the 16-lane AVX-512 build.
// Where the count is 8 modulo 16, 16-lane vectors leave 8 lanes of the last one idle and the
// 8-lane build has none (a 3 -> 8 channel first layer: forward 0.40 -> 0.30 ms, filter gradient
// 0.41 -> 0.19 ms); both builds give the same bits.
bool wide_lanes(int lanes) { return isa == Isa::avx512 && lanes % 16 != 8; }

enum class Kind { forward, input, filter };

// The most numbers a call takes after the heap (conv2dBiasActivation: 4 offsets, 15 geometry
// fields and the relu flag).
constexpr int MAX_NUMBERS = 20;

bool throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "BURNIN_NATIVE", message);
  return false;
}

bool throw_error(napi_env env, const char *what, const char *message) {
  std::string text = std::string(what) + ": " + message;
  return throw_error(env, text.c_str());
}

// A call's arguments: the wasm heap (an ArrayBuffer) and `count` numbers after it, exactly.
struct Call {
  char *heap = nullptr;
  size_t length = 0;
  double v[MAX_NUMBERS];
};

bool read_call(napi_env env, napi_callback_info info, const char *what, int count, Call *call) {
  size_t argc = MAX_NUMBERS + 1;
  napi_value argv[MAX_NUMBERS + 1];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok ||
      argc != static_cast<size_t>(count + 1)) {
    return throw_error(env, what, ("expected " + std::to_string(count + 1) + " arguments").c_str());
  }
  void *data = nullptr;
  bool is_ab = false;
  napi_is_arraybuffer(env, argv[0], &is_ab);
  if (!is_ab || napi_get_arraybuffer_info(env, argv[0], &data, &call->length) != napi_ok)
    return throw_error(env, what, "argument 0 must be the wasm heap's ArrayBuffer");
  call->heap = static_cast<char *>(data);
  for (int i = 0; i < count; i++) {
    if (napi_get_value_double(env, argv[i + 1], &call->v[i]) != napi_ok) {
      const std::string range = "arguments 1-" + std::to_string(count) + " must be numbers";
      return throw_error(env, what, range.c_str());
    }
  }
  return true;
}

// The float32 array of `count` elements at byte offset `off` of the heap, or null when it does
// not lie inside it (or the offset is not a non-negative multiple of 4).
float *heap_floats(const Call &call, double off, double count) {
  if (!(off >= 0) || off != static_cast<long long>(off) || static_cast<long long>(off) % 4 != 0 ||
      off + count * 4 > double(call.length))
    return nullptr;
  return reinterpret_cast<float *>(call.heap + static_cast<size_t>(off));
}

// Reads the heap, three tensor offsets, the geometry and `extra` more numbers (into `call`);
// checks the tensors' extents.
bool read_args(napi_env env, napi_callback_info info, Kind kind, const float *ptr[2], float **out,
               Geometry *g, Call &call, int extra = 0) {
  const char *what = "native conv kernel";
  if (!read_call(env, info, what, 18 + extra, &call)) return false;
  const double *v = call.v;
  int *f = &g->N;
  for (int i = 0; i < 15; i++) {
    const double d = v[3 + i];
    if (!(d >= (i >= 13 ? -1e6 : 0) && d <= 1e8) || d != static_cast<long long>(d))
      return throw_error(env, what, "bad geometry");
    f[i] = static_cast<int>(d);
  }
  if (g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1)
    return throw_error(env, what, "strides and dilations must be >= 1");
  const double in = double(g->N) * g->H * g->W * g->C;
  const double filter = double(g->FH) * g->FW * g->C * g->OC;
  const double dyv = double(g->N) * g->OH * g->OW * g->OC;
  double sizes[3];
  if (kind == Kind::forward) sizes[0] = in, sizes[1] = filter, sizes[2] = dyv;
  if (kind == Kind::input) sizes[0] = dyv, sizes[1] = filter, sizes[2] = in;
  if (kind == Kind::filter) sizes[0] = in, sizes[1] = dyv, sizes[2] = filter;
  float *p[3];
  for (int i = 0; i < 3; i++) {
    p[i] = heap_floats(call, v[i], sizes[i]);
    if (p[i] == nullptr) return throw_error(env, what, "a tensor lies outside the heap");
  }
  ptr[0] = p[0];
  ptr[1] = p[1];
  *out = p[2];
  return true;
}

// A conv call's operands: inputs, output, geometry and the numbers after it.
struct ConvCall {
  const float *in[2];
  float *out;
  Geometry g;
  Call call;
};

// Reads a conv kernel's call (`extra` numbers after the geometry); false (an exception pending)
// when the CPU has no build or the arguments are bad.
bool conv_call(napi_env env, napi_callback_info info, Kind kind, ConvCall &c, int extra = 0) {
  if (isa == Isa::none)
    return throw_error(env, "native conv kernel: this CPU has neither AVX-512 nor AVX2 + FMA");
  return read_args(env, info, kind, c.in, &c.out, &c.g, c.call, extra);
}

template <Kind K> napi_value run(napi_env env, napi_callback_info info) {
  ConvCall c;
  if (!conv_call(env, info, K, c)) return nullptr;
  const float *const *in = c.in;
  float *out = c.out;
  const Geometry &g = c.g;
  // vector lanes run over output channels (input channels for the input gradient)
  const bool wide = wide_lanes(K == Kind::input ? g.C : g.OC);
  if (K == Kind::forward)
    (wide ? avx512::conv2d : avx2::conv2d)(in[0], in[1], out, g, nullptr, false);
  if (K == Kind::input)
    (wide ? avx512::conv2d_backprop_input : avx2::conv2d_backprop_input)(in[0], in[1], out, g);
  if (K == Kind::filter)
    (wide ? avx512::conv2d_backprop_filter : avx2::conv2d_backprop_filter)(in[0], in[1], out, g);
  return nullptr;
}

// conv2dBiasActivation(heap, x, w, y, geometry..., bias, relu): the forward convolution with
// `bias` (byte offset of OC floats, or -1 for none) added to each output pixel and, with relu = 1,
// tfjs's relu applied, in the register tile before it is stored (conv.h's Epilogue).
napi_value conv_bias_activation(napi_env env, napi_callback_info info) {
  const char *what = "native conv2dBiasActivation";
  ConvCall c;
  if (!conv_call(env, info, Kind::forward, c, 2)) return nullptr;
  const Geometry &g = c.g;
  const double b = c.call.v[18], relu = c.call.v[19];
  const float *bias = nullptr;
  if (b != -1) {
    bias = heap_floats(c.call, b, g.OC);
    if (bias == nullptr) {
      throw_error(env, what, "the bias lies outside the heap");
      return nullptr;
    }
  }
  if (relu != 0 && relu != 1) {
    throw_error(env, what, "relu must be 0 or 1");
    return nullptr;
  }
  const bool wide = wide_lanes(g.OC);
  (wide ? avx512::conv2d : avx2::conv2d)(c.in[0], c.in[1], c.out, g, bias, relu == 1);
  return nullptr;
}

// resizeNearestUp(heap, x, y, N, H, W, C, fy, fx): byte offsets of x [N, H, W, C] and y
// [N, H * fy, W * fx, C] (float32), then the shape and the whole upsampling factors (>= 1).
napi_value resize_up(napi_env env, napi_callback_info info) {
  const char *what = "native resizeNearestUp";
  Call call;
  if (!read_call(env, info, what, 8, &call)) return nullptr;
  const double *a = call.v;
  int d[6];
  for (int i = 0; i < 6; i++) {
    const double v = a[2 + i];
    if (!(v >= (i >= 4 ? 1 : 0) && v <= 1e8) || v != static_cast<long long>(v)) {
      throw_error(env, what, "bad shape or factor");
      return nullptr;
    }
    d[i] = static_cast<int>(v);
  }
  const double in = double(d[0]) * d[1] * d[2] * d[3];
  const float *x = heap_floats(call, a[0], in);
  float *y = heap_floats(call, a[1], in * d[4] * d[5]);
  if (x == nullptr || y == nullptr) {
    throw_error(env, what, "a tensor lies outside the heap");
    return nullptr;
  }
  resize_nearest_up(x, y, d[0], d[1], d[2], d[3], d[4], d[5]);
  return nullptr;
}

// batchMatMul(heap, a, b, c, batch, M, K, N, batchA, batchB, transposeA, transposeB): byte
// offsets of a, b and the output c [batch, M, N] in the heap, then the shape (matmul-shape.h;
// batchA and batchB are 1 or batch, the transposes 0 or 1).
napi_value batch_matmul(napi_env env, napi_callback_info info) {
  const char *what = "native batchMatMul";
  if (isa == Isa::none) {
    throw_error(env, "native batchMatMul: this CPU has neither AVX-512 nor AVX2 + FMA");
    return nullptr;
  }
  Call call;
  if (!read_call(env, info, what, 11, &call)) return nullptr;
  const double *v = call.v;
  int f[8];
  for (int i = 0; i < 8; i++) {
    const double d = v[3 + i];
    const double most = i >= 6 ? 1 : 1e8;
    if (!(d >= (i >= 6 ? 0 : 1) && d <= most) || d != static_cast<long long>(d)) {
      throw_error(env, what, "bad shape");
      return nullptr;
    }
    f[i] = static_cast<int>(d);
  }
  const MatMulShape s{f[0], f[1], f[2], f[3], f[4], f[5], f[6] == 1, f[7] == 1};
  if ((s.batchA != 1 && s.batchA != s.batch) || (s.batchB != 1 && s.batchB != s.batch)) {
    throw_error(env, what, "batchA and batchB must be 1 or batch");
    return nullptr;
  }
  const double sizes[3] = {double(s.batchA) * s.M * s.K, double(s.batchB) * s.K * s.N,
                           double(s.batch) * s.M * s.N};
  float *p[3];
  for (int i = 0; i < 3; i++) {
    p[i] = heap_floats(call, v[i], sizes[i]);
    if (p[i] == nullptr) {
      throw_error(env, what, "a tensor lies outside the heap");
      return nullptr;
    }
  }
  // lanes run over the output columns
  const bool wide = wide_lanes(s.N);
  (wide ? avx512::batch_matmul : avx2::batch_matmul)(p[0], p[1], p[2], s);
  return nullptr;
}

// adamUpdate(heap, w, m, v, g, w1, m1, v1, n, b1, c1, b2, c2, d1, d2, eps, negLr): byte
// offsets of the seven float32 arrays of n elements, then the eight float32 constants.
napi_value adam(napi_env env, napi_callback_info info) {
  const char *what = "native adam update";
  Call call;
  if (!read_call(env, info, what, 16, &call)) return nullptr;
  const double *a = call.v;
  const double n = a[7];
  if (!(n >= 0) || n != static_cast<long long>(n)) {
    throw_error(env, what, "bad element count");
    return nullptr;
  }
  float *p[7];
  for (int i = 0; i < 7; i++) {
    p[i] = heap_floats(call, a[i], n);
    if (p[i] == nullptr) {
      throw_error(env, what, "an array lies outside the heap");
      return nullptr;
    }
  }
  float k[8];
  for (int i = 0; i < 8; i++) k[i] = static_cast<float>(a[8 + i]);
  adam_update(p[0], p[1], p[2], p[3], p[4], p[5], p[6], static_cast<size_t>(n), k);
  return nullptr;
}

// addInto(dst, src): dst[i] += src[i] over two Float32Arrays of one length (any buffer: the
// wasm heap, a SharedArrayBuffer); each sum rounded to float32, as JavaScript's `+=` on them.
napi_value add_into(napi_env env, napi_callback_info info) {
  const char *what = "native addInto";
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 2) {
    throw_error(env, what, "expected 2 arguments");
    return nullptr;
  }
  float *p[2];
  size_t n[2];
  for (int i = 0; i < 2; i++) {
    bool is_ta = false;
    napi_typedarray_type type;
    void *data = nullptr;
    if (napi_is_typedarray(env, argv[i], &is_ta) != napi_ok || !is_ta ||
        napi_get_typedarray_info(env, argv[i], &type, &n[i], &data, nullptr, nullptr) != napi_ok ||
        type != napi_float32_array) {
      throw_error(env, what, "dst and src must be Float32Arrays");
      return nullptr;
    }
    p[i] = static_cast<float *>(data);
  }
  if (n[0] != n[1]) {
    throw_error(env, what, "dst and src must have the same length");
    return nullptr;
  }
  // the caller passes views that do not overlap (addFloat32Into runs overlapping ones in JS)
  float *__restrict dst = p[0];
  const float *__restrict src = p[1];
  for (size_t j = 0; j < n[0]; j++) dst[j] += src[j];
  return nullptr;
}

// setThreads(n): the threads the conv and matmul kernels may use (the calling thread included),
// an integer 1 .. 64; returns it.
napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double n = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 1 ||
      napi_get_value_double(env, argv[0], &n) != napi_ok || !(n >= 1 && n <= 64) ||
      n != static_cast<int>(n)) {
    throw_error(env, "native setThreads", "expected one integer from 1 to 64");
    return nullptr;
  }
  napi_value result;
  napi_create_int32(env, set_pool_threads(static_cast<int>(n)), &result);
  return result;
}

napi_value isa_name(napi_env env, napi_callback_info) {
  napi_value result;
  if (isa == Isa::none) {
    napi_get_null(env, &result);
  } else {
    const char *name = isa == Isa::avx512 ? "avx512" : "avx2";
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result);
  }
  return result;
}

}  // namespace
}  // namespace burnin_native

NAPI_MODULE_INIT() {
  using namespace burnin_native;
  const napi_property_descriptor props[] = {
      {"isa", nullptr, isa_name, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2d", nullptr, run<Kind::forward>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2dBiasActivation", nullptr, conv_bias_activation, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"conv2dBackpropInput", nullptr, run<Kind::input>, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"conv2dBackpropFilter", nullptr, run<Kind::filter>, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"batchMatMul", nullptr, batch_matmul, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adamUpdate", nullptr, adam, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"resizeNearestUp", nullptr, resize_up, nullptr, nullptr, nullptr, napi_enumerable,
       nullptr},
      {"addInto", nullptr, add_into, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, set_threads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
