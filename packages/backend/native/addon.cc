// Node-API entry points of the native conv kernels. Each takes the ArrayBuffer of
// tfjs-backend-wasm's heap, the byte offsets of its tensors in it (inputs, then the output) and
// the Geometry fields in order, checks that every tensor lies inside the heap, and runs the
// widest build the CPU supports (AVX-512, else AVX2 + FMA). `isa()` names that build, or is null
// when the CPU has neither (then nothing else may be called). BURNIN_NATIVE_ISA=avx2 picks the
// AVX2 build on an AVX-512 CPU (tests compare the two).
#include <node_api.h>

#include <cstdlib>
#include <cstring>

#include "geometry.h"

namespace burnin_native {
#define DECLARE(isa)                                                                   \
  namespace isa {                                                                      \
  void conv2d(const float *x, const float *w, float *y, const Geometry &g);            \
  void conv2d_backprop_input(const float *dy, const float *w, float *dx, const Geometry &g); \
  void conv2d_backprop_filter(const float *x, const float *dy, float *dw, const Geometry &g); \
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

enum class Kind { forward, input, filter };

bool throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "BURNIN_NATIVE", message);
  return false;
}

// Reads the heap, three tensor offsets and the geometry; checks the tensors' extents.
bool read_args(napi_env env, napi_callback_info info, Kind kind, char **heap, const float *ptr[2],
               float **out, Geometry *g) {
  size_t argc = 19;
  napi_value argv[19];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 19)
    return throw_error(env, "native conv kernel: expected 19 arguments");
  void *data = nullptr;
  size_t length = 0;
  bool is_ab = false;
  napi_is_arraybuffer(env, argv[0], &is_ab);
  if (!is_ab || napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok)
    return throw_error(env, "native conv kernel: argument 0 must be the wasm heap's ArrayBuffer");
  double v[18];
  for (int i = 0; i < 18; i++) {
    if (napi_get_value_double(env, argv[i + 1], &v[i]) != napi_ok)
      return throw_error(env, "native conv kernel: arguments 1-18 must be numbers");
  }
  int *f = &g->N;
  for (int i = 0; i < 15; i++) {
    const double d = v[3 + i];
    if (!(d >= (i >= 13 ? -1e6 : 0) && d <= 1e8) || d != static_cast<long long>(d))
      return throw_error(env, "native conv kernel: bad geometry");
    f[i] = static_cast<int>(d);
  }
  if (g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1)
    return throw_error(env, "native conv kernel: strides and dilations must be >= 1");
  const double in = double(g->N) * g->H * g->W * g->C;
  const double filter = double(g->FH) * g->FW * g->C * g->OC;
  const double dyv = double(g->N) * g->OH * g->OW * g->OC;
  double sizes[3];
  if (kind == Kind::forward) sizes[0] = in, sizes[1] = filter, sizes[2] = dyv;
  if (kind == Kind::input) sizes[0] = dyv, sizes[1] = filter, sizes[2] = in;
  if (kind == Kind::filter) sizes[0] = in, sizes[1] = dyv, sizes[2] = filter;
  for (int i = 0; i < 3; i++) {
    const double off = v[i];
    if (!(off >= 0) || off != static_cast<long long>(off) ||
        static_cast<long long>(off) % 4 != 0 || off + sizes[i] * 4 > double(length))
      return throw_error(env, "native conv kernel: a tensor lies outside the heap");
  }
  *heap = static_cast<char *>(data);
  ptr[0] = reinterpret_cast<const float *>(*heap + static_cast<size_t>(v[0]));
  ptr[1] = reinterpret_cast<const float *>(*heap + static_cast<size_t>(v[1]));
  *out = reinterpret_cast<float *>(*heap + static_cast<size_t>(v[2]));
  return true;
}

template <Kind K> napi_value run(napi_env env, napi_callback_info info) {
  if (isa == Isa::none) {
    throw_error(env, "native conv kernel: this CPU has neither AVX-512 nor AVX2 + FMA");
    return nullptr;
  }
  char *heap;
  const float *in[2];
  float *out;
  Geometry g;
  if (!read_args(env, info, K, &heap, in, &out, &g)) return nullptr;
  const bool wide = isa == Isa::avx512;
  if (K == Kind::forward) (wide ? avx512::conv2d : avx2::conv2d)(in[0], in[1], out, g);
  if (K == Kind::input)
    (wide ? avx512::conv2d_backprop_input : avx2::conv2d_backprop_input)(in[0], in[1], out, g);
  if (K == Kind::filter)
    (wide ? avx512::conv2d_backprop_filter : avx2::conv2d_backprop_filter)(in[0], in[1], out, g);
  return nullptr;
}

// adamUpdate(heap, w, m, v, g, w1, m1, v1, n, b1, c1, b2, c2, d1, d2, eps, negLr): byte
// offsets of the seven float32 arrays of n elements, then the eight float32 constants.
napi_value adam(napi_env env, napi_callback_info info) {
  size_t argc = 17;
  napi_value argv[17];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 17) {
    throw_error(env, "native adam update: expected 17 arguments");
    return nullptr;
  }
  void *data = nullptr;
  size_t length = 0;
  bool is_ab = false;
  napi_is_arraybuffer(env, argv[0], &is_ab);
  if (!is_ab || napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok) {
    throw_error(env, "native adam update: argument 0 must be the wasm heap's ArrayBuffer");
    return nullptr;
  }
  double a[16];
  for (int i = 0; i < 16; i++) {
    if (napi_get_value_double(env, argv[i + 1], &a[i]) != napi_ok) {
      throw_error(env, "native adam update: arguments 1-16 must be numbers");
      return nullptr;
    }
  }
  const double n = a[7];
  if (!(n >= 0) || n != static_cast<long long>(n)) {
    throw_error(env, "native adam update: bad element count");
    return nullptr;
  }
  float *p[7];
  for (int i = 0; i < 7; i++) {
    const double off = a[i];
    if (!(off >= 0) || off != static_cast<long long>(off) ||
        static_cast<long long>(off) % 4 != 0 || off + n * 4 > double(length)) {
      throw_error(env, "native adam update: an array lies outside the heap");
      return nullptr;
    }
    p[i] = reinterpret_cast<float *>(static_cast<char *>(data) + static_cast<size_t>(off));
  }
  float k[8];
  for (int i = 0; i < 8; i++) k[i] = static_cast<float>(a[8 + i]);
  adam_update(p[0], p[1], p[2], p[3], p[4], p[5], p[6], static_cast<size_t>(n), k);
  return nullptr;
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
      {"conv2dBackpropInput", nullptr, run<Kind::input>, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"conv2dBackpropFilter", nullptr, run<Kind::filter>, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"adamUpdate", nullptr, adam, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
