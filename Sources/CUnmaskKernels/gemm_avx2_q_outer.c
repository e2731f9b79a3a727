// AVX2 int8 GEMM for many rows (a canvas of hundreds of tokens): outer products, as
// gemm_avx512.c's q5 form does with vpdpbusd. AVX2 has no int8 dot-product instruction, so the
// block dots come from vpmaddubsw (unsigned by signed bytes, pairs summed to int16) and
// vpmaddwd (pairs of int16 to int32). gemm_avx2.c's dot-product tiles spend three of their
// four integer instructions per 32 products on signs and folds: at LLaDA-8B's size their q4_0
// pass was no faster than the f32 FMA path. Here:
//
// - A panel of Q2N = 16 weight columns is packed once per call over all of k: per block, one
//   ymm holds 4 consecutive codes of 8 columns (the 4-byte lanes vpmaddwd sums into).
// - q4_0: the codes are stored as their unsigned nibbles u = w + 8 (0..15), so vpmaddubsw takes
//   them as its unsigned operand and the activations as they are: no sign instructions. The
//   int16 pair sums (at most 2 * 15 * 128) add up over the block's 8 groups in int16 (at most
//   30,720), then one vpmaddwd per block makes the int32 dot, and w . x = u . x - 8 * sum(x):
//   sum(x) per row and block is computed once per call.
// - q8_0: codes are signed on both sides, so each group takes the sign trick (|x| by
//   sign(w, x), as ggml's AVX2 path) and a vpmaddwd per group (pair sums reach 32,258).
//
// The block dots are exact integers, the same as the dot-product tiles', and each output sums
// fma(dot_b, xd_b * wd_b) over its blocks in order (as q_fold.h's uk_q_fold_whole does for the
// tiles), so a row's outputs are the same bits whichever form multiplies it.
#include <stdlib.h>

#include "internal.h"
#include "q_fold.h"

#ifdef UK_X86
#include <immintrin.h>

#define Q2R 3
#define Q2N 16

/// Packs weight rows [n, n + nn) (zero past nn) over all `blocks`: codes at
/// codes[((b * 8 + g) * Q2N + j) * 4 + e] (element 4 g + e of block b, column j), scales at
/// scales[b * Q2N + j]. Columns past nn are zero codes and scales: for q4_0 their -8 * sum(x)
/// term is then multiplied by a zero scale.
UK_AVX2 static void q2_pack(int q4, const uint8_t *w, long rowBytes, long blocks, long n, int nn,
                            int8_t *codes, float *scales) {
  long blockBytes = q4 ? UK_Q4_0_BYTES : UK_Q8_0_BYTES;
  for (int j = 0; j < Q2N; j++) {
    const uint8_t *row = w + (n + j) * rowBytes;
    for (long b = 0; b < blocks; b++) {
      __m256i v = j < nn ? uk_q_load_codes(row + b * blockBytes, q4, 1) : _mm256_setzero_si256();
      int32_t group[8];
      _mm256_storeu_si256((__m256i *)group, v);
      int8_t *to = codes + (b * 8 * Q2N + j) * 4;
      for (int g = 0; g < 8; g++) memcpy(to + g * Q2N * 4, &group[g], 4);
      scales[b * Q2N + j] = j < nn ? uk_block_scale(row + b * blockBytes) : 0.0f;
    }
  }
}

/// 8 * sum(x) over each block of each row: the q4_0 offset's share of the block dots.
UK_AVX2 static void q2_block_sums(const int8_t *xq, long rows, long k, int32_t *sums) {
  long blocks = k / UK_QBLOCK;
  const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
  for (long r = 0; r < rows; r++) {
    for (long b = 0; b < blocks; b++) {
      __m256i x = _mm256_loadu_si256((const __m256i *)(xq + r * k + b * UK_QBLOCK));
      __m256i lanes = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, x), ones16);
      sums[r * blocks + b] = 8 * uk_q_hsum_epi32(lanes);
    }
  }
}

UK_AVX2 UK_INLINE void q2_tile(int q4, const int8_t *xq, const float *xd, const int32_t *sums,
                               long k, long blocks, const int8_t *codes, const float *scales,
                               int rt, int nn, float *y, long ldy) {
  __m256 acc[Q2R][2];
  for (int r = 0; r < Q2R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  const __m256i ones16 = _mm256_set1_epi16(1);
  for (long b = 0; b < blocks; b++) {
    const int8_t *cb = codes + b * 8 * Q2N * 4;
    // q4_0: int16 pair sums over the block, made int32 at its end; q8_0: int32 per group.
    __m256i pairs[Q2R][2], dots[Q2R][2];
    for (int r = 0; r < Q2R; r++)
      pairs[r][0] = pairs[r][1] = dots[r][0] = dots[r][1] = _mm256_setzero_si256();
    for (int g = 0; g < 8; g++) {
      __m256i w0 = _mm256_loadu_si256((const __m256i *)(cb + g * Q2N * 4));
      __m256i w1 = _mm256_loadu_si256((const __m256i *)(cb + g * Q2N * 4 + 32));
      for (int r = 0; r < Q2R; r++) {
        if (r >= rt) continue;
        int32_t four;
        memcpy(&four, xq + r * k + b * UK_QBLOCK + 4 * g, 4);
        __m256i x = _mm256_set1_epi32(four);
        if (q4) {
          pairs[r][0] = _mm256_add_epi16(pairs[r][0], _mm256_maddubs_epi16(w0, x));
          pairs[r][1] = _mm256_add_epi16(pairs[r][1], _mm256_maddubs_epi16(w1, x));
        } else {
          __m256i ax = _mm256_sign_epi8(x, x);
          __m256i p0 = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(w0, x));
          __m256i p1 = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(w1, x));
          dots[r][0] = _mm256_add_epi32(dots[r][0], _mm256_madd_epi16(p0, ones16));
          dots[r][1] = _mm256_add_epi32(dots[r][1], _mm256_madd_epi16(p1, ones16));
        }
      }
    }
    for (int r = 0; r < Q2R; r++) {
      if (!q4 || r >= rt) continue;
      __m256i offset = _mm256_set1_epi32(sums[r * blocks + b]);
      dots[r][0] = _mm256_sub_epi32(_mm256_madd_epi16(pairs[r][0], ones16), offset);
      dots[r][1] = _mm256_sub_epi32(_mm256_madd_epi16(pairs[r][1], ones16), offset);
    }
    for (int r = 0; r < Q2R; r++) {
      if (r >= rt) continue;
      float xs = xd[r * blocks + b];
      acc[r][0] = uk_q_scale_add(dots[r][0], xs, _mm256_loadu_ps(scales + b * Q2N), acc[r][0]);
      acc[r][1] = uk_q_scale_add(dots[r][1], xs, _mm256_loadu_ps(scales + b * Q2N + 8), acc[r][1]);
    }
  }
  for (int r = 0; r < rt; r++) {
    float lanes[Q2N];
    _mm256_storeu_ps(lanes, acc[r][0]);
    _mm256_storeu_ps(lanes + 8, acc[r][1]);
    memcpy(y + r * ldy, lanes, sizeof(float) * (size_t)nn);
  }
}

UK_AVX2 int uk_avx2_gemm_q_outer(int q4, const int8_t *xq, const float *xd, long rows, long k,
                         const uint8_t *w, long n0, long n1, float *y, long ldy) {
  long blocks = k / UK_QBLOCK;
  long rowBytes = blocks * (q4 ? UK_Q4_0_BYTES : UK_Q8_0_BYTES);
  int8_t *codes = malloc((size_t)(blocks * UK_QBLOCK * Q2N));
  float *scales = malloc(sizeof(float) * (size_t)(blocks * Q2N));
  int32_t *sums = q4 ? malloc(sizeof(int32_t) * (size_t)(rows * blocks)) : NULL;
  if (!codes || !scales || (q4 && !sums)) {
    free(codes), free(scales), free(sums);
    return -1;
  }
  if (q4) q2_block_sums(xq, rows, k, sums);
  for (long n = n0; n < n1; n += Q2N) {
    int nn = n1 - n < Q2N ? (int)(n1 - n) : Q2N;
    q2_pack(q4, w, rowBytes, blocks, n, nn, codes, scales);
    for (long t = 0; t < rows; t += Q2R) {
      int rt = rows - t < Q2R ? (int)(rows - t) : Q2R;
      const int8_t *xp = xq + t * k;
      const float *dp = xd + t * blocks;
      const int32_t *sp = q4 ? sums + t * blocks : NULL;
      float *yp = y + t * ldy + n;
      // Whole tiles of each type get their own copy of the loop (constant q4 and rt).
      if (q4 && rt == Q2R) q2_tile(1, xp, dp, sp, k, blocks, codes, scales, Q2R, nn, yp, ldy);
      else if (!q4 && rt == Q2R) q2_tile(0, xp, dp, sp, k, blocks, codes, scales, Q2R, nn, yp, ldy);
      else q2_tile(q4, xp, dp, sp, k, blocks, codes, scales, rt, nn, yp, ldy);
    }
  }
  free(codes), free(scales), free(sums);
  return 0;
}
#endif
