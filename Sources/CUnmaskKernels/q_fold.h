// The int8 tiles' shared tail (gemm_avx2.c; gemm_avx512.c takes the scales and folds whole
// blocks, see q_fold_whole there): four columns' int32 block dots folded into one vector,
// scaled and accumulated, and the folded sums stored.
#ifndef UNMASK_KERNELS_Q_FOLD_H
#define UNMASK_KERNELS_Q_FOLD_H

#include "internal.h"

#ifdef UK_X86
#include <immintrin.h>

/// The four W scales of a block (f16, columns 0..3) in lanes 0..3, and again in 4..7.
UK_AVX2 UK_INLINE __m256 uk_q_scales4(const uint16_t half[4]) {
  __m128 wd4 = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)half));
  return _mm256_set_m128(wd4, wd4);
}

/// Two hadd levels over four columns' dot vectors: column j's dot over the block's first 16
/// bytes in lane j and over the last 16 in lane j + 4 (exact int32).
UK_AVX2 UK_INLINE __m256i uk_q_halves(__m256i d0, __m256i d1, __m256i d2, __m256i d3) {
  return _mm256_hadd_epi32(_mm256_hadd_epi32(d0, d1), _mm256_hadd_epi32(d2, d3));
}

/// acc + e * (xs * wd): one convert, one scale product and one FMA serve four columns.
UK_AVX2 UK_INLINE __m256 uk_q_scale_add(__m256i e, float xs, __m256 wd, __m256 acc) {
  return _mm256_fmadd_ps(_mm256_cvtepi32_ps(e), _mm256_mul_ps(_mm256_set1_ps(xs), wd), acc);
}

/// acc + fold(d) * (xs * wd), the halves kept apart in lanes j and j + 4.
UK_AVX2 UK_INLINE __m256 uk_q_fold(__m256i d0, __m256i d1, __m256i d2, __m256i d3, float xs,
                                   __m256 wd, __m256 acc) {
  return uk_q_scale_add(uk_q_halves(d0, d1, d2, d3), xs, wd, acc);
}

/// y[i, j] = lane j + lane j + 4 of acc[i], for rt rows and rn columns.
UK_AVX2 UK_INLINE void uk_q_store(const __m256 *acc, int rt, int rn, float *y, long ldy) {
  for (int i = 0; i < rt; i++) {
    float lanes[8];
    _mm256_storeu_ps(lanes, acc[i]);
    for (int j = 0; j < rn; j++) y[i * ldy + j] = lanes[j] + lanes[j + 4];
  }
}
#endif
#endif
