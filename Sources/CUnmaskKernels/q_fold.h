// The int8 GEMMs' shared parts (gemm_avx2.c, gemm_avx2_q_outer.c, gemm_avx512.c): a block's
// codes in one vector, and the dot-product tiles' tail: four columns' int32 block dots folded
// into one vector, scaled and accumulated, and the sums stored.
#ifndef UNMASK_KERNELS_Q_FOLD_H
#define UNMASK_KERNELS_Q_FOLD_H

#include "internal.h"

#ifdef UK_X86
#include <immintrin.h>

/// The 32 codes of a q8_0 block as signed bytes, or of a q4_0 block (low nibbles are elements
/// 0..15, high nibbles 16..31) as signed (w - 8, `unsigned4` 0) or as the unsigned nibbles
/// (0..15, `unsigned4` 1), with one vector load.
UK_AVX2 UK_INLINE __m256i uk_q_load_codes(const uint8_t *block, int q4, int unsigned4) {
  if (!q4) return _mm256_loadu_si256((const __m256i *)(block + 2));
  __m128i b = _mm_loadu_si128((const __m128i *)(block + 2));
  __m128i nibble = _mm_set1_epi8(0x0F);
  __m256i codes =
      _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(b, 4), nibble), _mm_and_si128(b, nibble));
  return unsigned4 ? codes : _mm256_sub_epi8(codes, _mm256_set1_epi8(8));
}

/// The sum of a vector's 8 int32 lanes (exact).
UK_AVX2 UK_INLINE int32_t uk_q_hsum_epi32(__m256i lanes) {
  __m128i half = _mm_add_epi32(_mm256_castsi256_si128(lanes), _mm256_extracti128_si256(lanes, 1));
  half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4E));
  half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0xB1));
  return _mm_cvtsi128_si32(half);
}

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

/// acc + e * (xs * wd): one convert, one scale product and one FMA serve a vector of columns.
UK_AVX2 UK_INLINE __m256 uk_q_scale_add(__m256i e, float xs, __m256 wd, __m256 acc) {
  return _mm256_fmadd_ps(_mm256_cvtepi32_ps(e), _mm256_mul_ps(_mm256_set1_ps(xs), wd), acc);
}

/// acc + dot * (xs * wd) for four columns' whole-block dots: uk_q_halves leaves a block's
/// halves in lanes j and j + 4, and adding the swapped 128-bit halves puts the whole block's
/// int32 dot in both. Each output then sums fma(dot_b, xs_b * wd_b) over its blocks in order,
/// as the outer-product forms do (gemm_avx2_q_outer.c, gemm_avx512.c's q5 tiles), so a row's
/// outputs are the same bits whether it is multiplied with a few rows (a step's logit rows,
/// in the dot-product tiles) or the whole canvas (in the outer products). The extra permute and
/// add cost the tiles 5-10%; summing halves in the outer products instead cost the canvas's
/// GEMMs as much.
UK_AVX2 UK_INLINE __m256 uk_q_fold_whole(__m256i d0, __m256i d1, __m256i d2, __m256i d3, float xs,
                                         __m256 wd, __m256 acc) {
  __m256i e = uk_q_halves(d0, d1, d2, d3);
  return uk_q_scale_add(_mm256_add_epi32(e, _mm256_permute2x128_si256(e, e, 0x01)), xs, wd, acc);
}

/// y[i, j] = lane j of acc[i] (lanes j and j + 4 hold the same sum), for rt rows and rn columns.
UK_AVX2 UK_INLINE void uk_q_store(const __m256 *acc, int rt, int rn, float *y, long ldy) {
  for (int i = 0; i < rt; i++) {
    float lanes[8];
    _mm256_storeu_ps(lanes, acc[i]);
    for (int j = 0; j < rn; j++) y[i * ldy + j] = lanes[j];
  }
}
#endif
#endif
