// Shared helpers and the per-path entry points the dispatchers in dispatch.c call.
#ifndef UNMASK_KERNELS_INTERNAL_H
#define UNMASK_KERNELS_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "unmask_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#define UK_X86 1
// Per-function targets: the file is compiled for baseline x86-64 and only these functions use
// the wider instructions, so the binary runs anywhere and dispatches at run time.
#define UK_AVX2 __attribute__((target("avx2,fma,f16c")))
#define UK_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))
#define UK_AVX512_VNNI \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))
#define UK_AVX512_BF16 \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma,f16c")))
#endif

#define UK_INLINE static inline __attribute__((always_inline))

#ifdef UK_X86
#include <immintrin.h>

/// Stores the transpose of the 8 x 8 block whose rows are r: column i of r goes to
/// dst[i * stride .. + 8). Unpacks, shuffles and lane permutes: 24 shuffles for 64 floats.
UK_AVX2 UK_INLINE void uk_transpose8_store(const __m256 r[8], float *dst, long stride) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(dst + 0 * stride, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + 1 * stride, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * stride, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * stride, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * stride, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * stride, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * stride, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * stride, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#endif
#define UK_QBLOCK 32
/// Rows from which the q8_0 / q4_0 and K-quant GEMMs take their outer-product form (AVX2 and
/// AVX-512): packing a weight panel once per call is repaid from a few dozen rows on.
#define UK_Q_OUTER_MIN_ROWS 32
#define UK_Q8_0_BYTES 34
#define UK_Q4_0_BYTES 18
#define UK_QK_K 256

/// K-quant weight rows decoded for the dot products (kquant.c): per row, q [k] (Q4_K/Q5_K
/// codes 0..31, Q6_K codes - 32), s [k / 2] (per 32 elements, 16 int16 lanes: 8 copies of the
/// scale of elements 0..15, then 8 of 16..31), wd [k / 32] (the super-block's d) and
/// wm [k / 32] (dmin * m; 0 for Q6_K).
typedef struct uk_kq_row {
  int8_t *q;
  int16_t *s;
  float *wd;
  float *wm;
} uk_kq_row;

/// Bytes of one decoded row of k elements.
UK_INLINE long uk_kq_row_bytes(long k) { return 2 * k + 8 * (k / UK_QBLOCK); }

/// Unaligned float load: safetensors data need not be 4-byte aligned.
// Rows of activations per cache block of a GEMM: as many whole tiles of `tile` rows as keep
// the block's `rowBytes`-wide rows within 192 KiB, so that the block stays in L2 (512 KiB on
// Zen 3) while every weight row of the call streams past it once. Without it a canvas of 1024
// tokens streamed its 2 MiB of activations from L3 once per group of weight rows.
UK_INLINE long uk_row_block(long rowBytes, long tile) {
  long rows = (192L * 1024) / (rowBytes > 0 ? rowBytes : 1);
  rows -= rows % tile;
  return rows < tile ? tile : rows;
}

UK_INLINE float uk_load_f32(const void *p) {
  float f;
  memcpy(&f, p, 4);
  return f;
}

/// bfloat16 bits to float (exact: bf16 is the top half of a float32).
UK_INLINE float uk_bf16_to_f32(uint16_t b) {
  uint32_t u = (uint32_t)b << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/// IEEE half bits to float (exact), portable.
UK_INLINE float uk_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF, bits;
  if (exponent == 0) {
    float f = (float)mantissa * (1.0f / 16777216.0f);  // subnormal: mantissa * 2^-24
    memcpy(&bits, &f, 4);
    bits |= sign;
  } else if (exponent == 31) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  }
  float out;
  memcpy(&out, &bits, 4);
  return out;
}

/// The f16 scale at the start of a GGUF block.
UK_INLINE float uk_block_scale(const uint8_t *block) {
  uint16_t h;
  memcpy(&h, block, 2);
  return uk_f16_to_f32(h);
}

/// Element j of a q8_0 block (int8) or a q4_0 block (low nibbles are elements 0..15, high
/// nibbles 16..31, minus 8).
UK_INLINE int uk_block_value(int q4, const uint8_t *block, int j) {
  if (!q4) return (int8_t)block[2 + j];
  uint8_t byte = block[2 + (j & 15)];
  return (j < 16 ? (byte & 0x0F) : (byte >> 4)) - 8;
}

/// e^x with Cephes' expf polynomial (the same as VectorMath.exp in Swift): within 2 ulp over
/// [-87, 88.4], branch-free so that it vectorizes.
UK_INLINE float uk_expf(float input) {
  float x = fminf(fmaxf(input, -87.0f), 88.3762626647949f);
  const float magic = 12582912.0f;
  float shifted = x * 1.44269504088896341f + magic;
  float n = shifted - magic;
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r2 + r + 1.0f;
  int32_t bits;
  memcpy(&bits, &shifted, 4);
  int32_t e = (int32_t)((uint32_t)((bits - 0x4B400000) + 127) << 23);
  float scale;
  memcpy(&scale, &e, 4);
  return y * scale;
}

void uk_scalar_gemm_f32(const float *x, long ldx, long rows, long k, const float *w, long n0,
                        long n1, float *y, long ldy);
void uk_scalar_gemm_bf16(const float *x, long ldx, long rows, long k, const uint16_t *w, long n0,
                         long n1, float *y, long ldy);
void uk_scalar_gemm_q(int q4, const int8_t *xq, const float *xd, long rows, long k,
                      const uint8_t *w, long n0, long n1, float *y, long ldy);
long uk_kq_block_bytes(uk_kquant type);
uk_kq_row uk_kq_row_at(void *buffer, long k, int i);
void uk_kq_decode(uk_kquant type, const uint8_t *row, long k, uk_kq_row out);
void uk_kq_decode_scales(uk_kquant type, const uint8_t *block, int16_t *s, float *wd, float *wm);
void uk_scalar_gemm_kquant(uk_kquant type, const int8_t *xq, const float *xd, const float *xm,
                           long rows, long k, const uint8_t *w, long n0, long n1, float *y,
                           long ldy);
int uk_scalar_attention(const float *q, const float *k, const float *v, float *out, long tokens,
                        long heads, long kv_heads, long d, long head, long t0, long t1,
                        float scale);

#ifdef UK_X86
void uk_avx2_gemm_f32(const float *x, long ldx, long rows, long k, const float *w, long n0, long n1,
                      float *y, long ldy);
void uk_avx2_gemm_bf16(const float *x, long ldx, long rows, long k, const uint16_t *w, long n0,
                       long n1, float *y, long ldy);
void uk_avx2_gemm_q(int q4, const int8_t *xq, const float *xd, long rows, long k,
                    const uint8_t *w, long n0, long n1, float *y, long ldy);
/// The outer-product form of uk_avx2_gemm_q for many rows; 0, or -1 when its panel could not
/// be allocated (nothing written).
int uk_avx2_gemm_q_outer(int q4, const int8_t *xq, const float *xd, long rows, long k,
                         const uint8_t *w, long n0, long n1, float *y, long ldy);
void uk_avx2_gemm_kquant(uk_kquant type, const int8_t *xq, const float *xd, const float *xm,
                         long rows, long k, const uint8_t *w, long n0, long n1, float *y,
                         long ldy);
/// The outer-product form of uk_avx2_gemm_kquant for many rows; 0, or -1 when its buffers could
/// not be allocated (nothing written).
int uk_avx2_gemm_kquant_outer(uk_kquant type, const int8_t *xq, const float *xd, const float *xm,
                              long rows, long k, const uint8_t *w, long n0, long n1, float *y,
                              long ldy);
/// uk_kq_decode with the codes unpacked 32 at a time (gemm_kquant_x86.c).
void uk_a2_kq_decode(uk_kquant type, const uint8_t *row, long k, uk_kq_row out);
void uk_avx512vnni_gemm_kquant(uk_kquant type, const int8_t *xq, const float *xd, const float *xm,
                               long rows, long k, const uint8_t *w, long n0, long n1, float *y,
                               long ldy);
int uk_avx2_attention(const float *q, const float *k, const float *v, float *out, long tokens,
                      long heads, long kv_heads, long d, long head, long t0, long t1, float scale);
void uk_avx512_gemm_f32(const float *x, long ldx, long rows, long k, const float *w, long n0,
                        long n1, float *y, long ldy);
void uk_avx512_gemm_bf16(const float *x, long ldx, long rows, long k, const uint16_t *w, long n0,
                         long n1, float *y, long ldy);
void uk_avx512bf16_gemm_bf16(const uint16_t *xb, long ldx, long rows, long k, const uint16_t *w,
                             long n0, long n1, float *y, long ldy);
int uk_avx512_bf16_panels_pack(uk_bf16_panels *panels, const uint16_t *w, long n0, long n1);
int uk_avx512bf16_gemm_bf16_panels(uk_bf16_panels *panels, const uint16_t *xb, long ldx,
                                   long rows, long k, const uint16_t *w, long n0, long n1,
                                   float *y, long ldy);
void uk_avx512vnni_gemm_q(int q4, const int8_t *xq, const float *xd, long rows, long k,
                          const uint8_t *w, long n0, long n1, float *y, long ldy);
int uk_avx512_attention(const float *q, const float *k, const float *v, float *out,
                        long tokens, long heads, long kv_heads, long d, long head, long t0,
                        long t1, float scale);
void uk_avx2_swiglu(float *gate, const float *up, long count);
void uk_avx512_swiglu(float *gate, const float *up, long count);
#endif
void uk_scalar_swiglu(float *gate, const float *up, long count);

#endif
