// Elementwise steps between the GEMMs (SwiGLU, and the q8 / bf16 rounding of GEMM inputs), one
// plain-C body compiled per target so the compiler vectorizes it for each path. Swift's generic
// SIMD16 SwiGLU ran at about 16 ns per element, 7% of a 120M model's forward pass; the scalar
// q8 quantization (a libm roundf per element, on one thread) was 9% of a q8_0 pass.
#include "internal.h"

UK_INLINE void uk_swiglu_body(float *gate, const float *up, long count) {
  for (long i = 0; i < count; i++) {
    float g = gate[i];
    gate[i] = g / (1.0f + uk_expf(-g)) * up[i];
  }
}

/// GELU, tanh approximation, as x · sigmoid(2u) with u = β(x + κx³): the same function as
/// 0.5·x·(1 + tanh(u)) (since 1 + tanh(u) = 2 / (1 + e^(-2u))), written so that it vectorizes
/// with the Cephes exp and loses no precision where tanh(u) nears -1. libm's tanhf (through
/// expm1f, one value at a time) took 12% of an MDLM forward pass at 1024 tokens.
UK_INLINE void uk_gelu_tanh_body(float *x, long count, float beta, float kappa) {
  for (long i = 0; i < count; i++) {
    float v = x[i];
    float inner = beta * (v + kappa * (v * v * v));
    x[i] = v / (1.0f + uk_expf(-2.0f * inner));
  }
}

/// roundf (halves away from zero) without a libm call, so that it vectorizes: v - trunc(v) is
/// exact (Sterbenz), so the comparison with 0.5 decides exactly as roundf does.
UK_INLINE float uk_round_half_away(float v) {
  float t = truncf(v);
  return fabsf(v - t) >= 0.5f ? t + copysignf(1.0f, v) : t;
}

/// ggml's quantize_row_q8_0_ref with a float32 scale, one block of 32 at a time. Each path's
/// copy is bit for bit the same (the same IEEE operations in the same order).
UK_INLINE void uk_quantize_q8_body(const float *x, long rows, long k, int8_t *q, float *d) {
  long blocks = k / UK_QBLOCK;
  for (long r = 0; r < rows; r++) {
    for (long b = 0; b < blocks; b++) {
      const float *xb = x + r * k + b * UK_QBLOCK;
      float amax = 0;
      for (int j = 0; j < UK_QBLOCK; j++) amax = fmaxf(amax, fabsf(xb[j]));
      float scale = amax / 127.0f;
      float inverse = scale != 0 ? 1.0f / scale : 0.0f;
      d[r * blocks + b] = scale;
      int8_t *qb = q + r * k + b * UK_QBLOCK;
      for (int j = 0; j < UK_QBLOCK; j++) qb[j] = (int8_t)uk_round_half_away(xb[j] * inverse);
    }
  }
}

/// float32 to bfloat16 bits, nearest even (PyTorch's rule), NaNs kept quiet; branch-free so
/// that it vectorizes.
UK_INLINE void uk_bf16_from_f32_body(const float *x, long count, uint16_t *out) {
  for (long i = 0; i < count; i++) {
    uint32_t bits;
    memcpy(&bits, x + i, 4);
    uint16_t rounded = (uint16_t)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    uint16_t quiet = (uint16_t)((bits >> 16) | 0x0040);
    out[i] = (bits & 0x7FFFFFFFu) > 0x7F800000u ? quiet : rounded;
  }
}

void uk_scalar_swiglu(float *gate, const float *up, long count) {
  uk_swiglu_body(gate, up, count);
}

void uk_scalar_gelu_tanh(float *x, long count, float beta, float kappa) {
  uk_gelu_tanh_body(x, count, beta, kappa);
}

#ifdef UK_X86
UK_AVX2 static void uk_avx2_gelu_tanh(float *x, long count, float beta, float kappa) {
  uk_gelu_tanh_body(x, count, beta, kappa);
}

UK_AVX512 static void uk_avx512_gelu_tanh(float *x, long count, float beta, float kappa) {
  uk_gelu_tanh_body(x, count, beta, kappa);
}

UK_AVX2 void uk_avx2_swiglu(float *gate, const float *up, long count) {
  uk_swiglu_body(gate, up, count);
}

UK_AVX512 void uk_avx512_swiglu(float *gate, const float *up, long count) {
  uk_swiglu_body(gate, up, count);
}

UK_AVX2 static void uk_avx2_bf16_from_f32(const float *x, long count, uint16_t *out) {
  uk_bf16_from_f32_body(x, count, out);
}

UK_AVX512 static void uk_avx512_bf16_from_f32(const float *x, long count, uint16_t *out) {
  uk_bf16_from_f32_body(x, count, out);
}

UK_AVX2 static void uk_avx2_quantize_q8(const float *x, long rows, long k, int8_t *q, float *d) {
  uk_quantize_q8_body(x, rows, k, q, d);
}

UK_AVX512 static void uk_avx512_quantize_q8(const float *x, long rows, long k, int8_t *q,
                                            float *d) {
  uk_quantize_q8_body(x, rows, k, q, d);
}
#endif

void uk_swiglu(uk_path path, float *gate, const float *up, long count) {
  switch (path) {
#ifdef UK_X86
    case UK_PATH_AVX2: uk_avx2_swiglu(gate, up, count); return;
    case UK_PATH_AVX512:
    case UK_PATH_AVX512_BF16: uk_avx512_swiglu(gate, up, count); return;
#endif
    default: uk_scalar_swiglu(gate, up, count); return;
  }
}

void uk_gelu_tanh(uk_path path, float *x, long count, float beta, float kappa) {
  switch (path) {
#ifdef UK_X86
    case UK_PATH_AVX2: uk_avx2_gelu_tanh(x, count, beta, kappa); return;
    case UK_PATH_AVX512:
    case UK_PATH_AVX512_BF16: uk_avx512_gelu_tanh(x, count, beta, kappa); return;
#endif
    default: uk_scalar_gelu_tanh(x, count, beta, kappa); return;
  }
}

void uk_quantize_q8(uk_path path, const float *x, long rows, long k, int8_t *q, float *d) {
  switch (path) {
#ifdef UK_X86
    case UK_PATH_AVX2: uk_avx2_quantize_q8(x, rows, k, q, d); return;
    case UK_PATH_AVX512:
    case UK_PATH_AVX512_BF16: uk_avx512_quantize_q8(x, rows, k, q, d); return;
#endif
    default: uk_quantize_q8_body(x, rows, k, q, d); return;
  }
}

/// 16-bit elements from their byte planes (.umk's `rotateSign` transform undone): v = hi << 8 |
/// lo, rotated right by one bit. Plain loop, so that each path's copy vectorizes.
UK_INLINE void uk_join_rotated16_body(const uint8_t *hi, const uint8_t *lo, long count,
                                      uint16_t *out) {
  for (long i = 0; i < count; i++) {
    uint16_t v = (uint16_t)((uint16_t)hi[i] << 8 | lo[i]);
    out[i] = (uint16_t)((v >> 1) | (v << 15));
  }
}

#ifdef UK_X86
UK_AVX2 static void uk_avx2_join_rotated16(const uint8_t *hi, const uint8_t *lo, long count,
                                           uint16_t *out) {
  uk_join_rotated16_body(hi, lo, count, out);
}

UK_AVX512 static void uk_avx512_join_rotated16(const uint8_t *hi, const uint8_t *lo, long count,
                                               uint16_t *out) {
  uk_join_rotated16_body(hi, lo, count, out);
}
#endif

void uk_join_rotated16(uk_path path, const uint8_t *hi, const uint8_t *lo, long count,
                       uint16_t *out) {
  switch (path) {
#ifdef UK_X86
    case UK_PATH_AVX2: uk_avx2_join_rotated16(hi, lo, count, out); return;
    case UK_PATH_AVX512:
    case UK_PATH_AVX512_BF16: uk_avx512_join_rotated16(hi, lo, count, out); return;
#endif
    default: uk_join_rotated16_body(hi, lo, count, out); return;
  }
}

void uk_bf16_from_f32(uk_path path, const float *x, long count, uint16_t *out) {
  switch (path) {
#ifdef UK_X86
    case UK_PATH_AVX2: uk_avx2_bf16_from_f32(x, count, out); return;
    case UK_PATH_AVX512:
    case UK_PATH_AVX512_BF16: uk_avx512_bf16_from_f32(x, count, out); return;
#endif
    default: uk_bf16_from_f32_body(x, count, out); return;
  }
}
