// AVX2 dot products of q8 activations with K-quant weights (Q4_K, Q5_K, Q6_K), as ggml's
// ggml_vec_dot_q4_K_q8_K does them: vpmaddubsw multiplies unsigned weight codes by signed
// activation bytes into int16 pairs, vpmaddwd multiplies those by the sub-block scales into
// int32, and one float FMA per 32 elements applies xd * d. Q6_K's codes are signed (q - 32), so
// its bytes go through the sign trick of the q8_0 tile: |x| times sign(q, x).
//
// A call decodes QRN = 4 weight rows at a time (uk_kq_decode: bytes and scale lanes, see
// kquant.c) and then sweeps every activation row against them, one activation block load
// serving four rows. Each output's lanes sum its blocks in order and are folded at the end, so
// the result depends only on k and the path, never on n0, n1 or the thread.
#include <stdlib.h>

#include "internal.h"

#ifdef UK_X86
#include <immintrin.h>

#define QRN 4

UK_AVX2 UK_INLINE float a2_kq_hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/// y[t, j] for rows t of xq against rn <= 4 decoded weight rows; `is_signed` for Q6_K.
UK_AVX2 UK_INLINE void a2_kq_rows(int is_signed, const int8_t *xq, const float *xd,
                                  const float *xm, long rows, long k, const uk_kq_row *w, int rn,
                                  float *y, long ldy) {
  long blocks = k / UK_QBLOCK;
  for (long t = 0; t < rows; t++) {
    const int8_t *x = xq + t * k;
    const float *xdt = xd + t * blocks, *xmt = xm + t * blocks;
    __m256 acc[QRN];
    for (int j = 0; j < QRN; j++) acc[j] = _mm256_setzero_ps();
    for (long b0 = 0; b0 < blocks; b0 += 8) {
      for (long b = b0; b < b0 + 8; b++) {
        __m256i xv = _mm256_loadu_si256((const __m256i *)(x + b * UK_QBLOCK));
        __m256i ax = is_signed ? _mm256_sign_epi8(xv, xv) : xv;
        for (int j = 0; j < QRN; j++) {
          if (j >= rn) continue;
          __m256i q = _mm256_loadu_si256((const __m256i *)(w[j].q + b * UK_QBLOCK));
          __m256i s = _mm256_loadu_si256((const __m256i *)(w[j].s + b * 16));
          __m256i pairs = is_signed ? _mm256_maddubs_epi16(ax, _mm256_sign_epi8(q, xv))
                                    : _mm256_maddubs_epi16(q, xv);
          __m256 dot = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, s));
          acc[j] = _mm256_fmadd_ps(dot, _mm256_set1_ps(xdt[b] * w[j].wd[b]), acc[j]);
        }
      }
      if (!is_signed) {
        // The min term of 8 blocks at once: lanes are blocks here, but every lane is summed.
        __m256 m = _mm256_loadu_ps(xmt + b0);
        for (int j = 0; j < QRN; j++) {
          if (j >= rn) continue;
          acc[j] = _mm256_fnmadd_ps(m, _mm256_loadu_ps(w[j].wm + b0), acc[j]);
        }
      }
    }
    for (int j = 0; j < rn; j++) y[t * ldy + j] = a2_kq_hsum(acc[j]);
  }
}

UK_AVX2 void uk_avx2_gemm_kquant(uk_kquant type, const int8_t *xq, const float *xd,
                                 const float *xm, long rows, long k, const uint8_t *w, long n0,
                                 long n1, float *y, long ldy) {
  long rowBytes = (k / UK_QK_K) * uk_kq_block_bytes(type);
  void *buffer = malloc((size_t)(QRN * uk_kq_row_bytes(k)));
  if (!buffer) {
    for (long n = n0; n < n1; n++)
      for (long t = 0; t < rows; t++) y[t * ldy + n] = NAN;
    return;
  }
  uk_kq_row decoded[QRN];
  for (int j = 0; j < QRN; j++) decoded[j] = uk_kq_row_at(buffer, k, j);
  for (long n = n0; n < n1; n += QRN) {
    int rn = n1 - n < QRN ? (int)(n1 - n) : QRN;
    for (int j = 0; j < rn; j++) uk_kq_decode(type, w + (n + j) * rowBytes, k, decoded[j]);
    if (type == UK_Q6_K) a2_kq_rows(1, xq, xd, xm, rows, k, decoded, rn, y + n, ldy);
    else a2_kq_rows(0, xq, xd, xm, rows, k, decoded, rn, y + n, ldy);
  }
  free(buffer);
}
#endif
