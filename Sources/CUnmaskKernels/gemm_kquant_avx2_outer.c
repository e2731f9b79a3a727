// AVX2 K-quant GEMM for many activation rows (a canvas): outer products, as gemm_kquant_x86.c's
// a5_ko form does with vpdpbusd. The dot-product tiles there spend a vpmaddwd by the sub-block
// scales on every 32 products. Here the int16 pair sums of vpmaddubsw add up over a sub-block
// of 16 elements first (4 groups of 4 codes: at most 4 * 2 * 31 * 127 = 31,496 for Q5_K's
// unsigned codes, 4 * 2 * 127 * 32 = 32,512 for Q6_K's signed ones by the sign trick, with Q8_K
// activations in -127..127), and one vpmaddwd by the scale then serves the sub-block.
//
// A panel of K2_N = 8 weight columns is decoded (uk_a2_kq_decode) and regrouped once per call:
// one ymm holds 4 consecutive codes of the 8 columns (vpmaddwd's 4-byte lanes), and each
// column's sub-block scale sits in both int16 halves of its lane. A tile of K2_R activation rows
// broadcasts 4 codes of a row per group. Per super-block the int32 dots (exact) take one
// convert and one FMA by xd * d, then the 8 min terms (xm_b * dmin m_b) one FMA each: the float
// steps of kquant_rows.h's tiles, so a row's outputs are the same bits in either form.
#include <stdlib.h>

#include "internal.h"

#ifdef UK_X86
#include <immintrin.h>

#define K2_R 4
#define K2_N 8

typedef struct a2_ko_panel {
  int8_t *codes;   // [(sb * 16 + h) * 4 + g][8 columns][4]
  int32_t *scales; // [sb * 16 + h][8]: the scale in both int16 halves
  float *wd;       // [sb][8]
  float *wm;       // [sb * 8 + b][8]
} a2_ko_panel;

/// Decodes weight rows [n, n + nn) into `rows` and regroups them into the panel (zero codes and
/// scales past nn).
UK_AVX2 static void a2_ko_pack(uk_kquant type, const uint8_t *w, long rowBytes, long k, long n,
                               int nn, uk_kq_row *rows, a2_ko_panel panel) {
  long supers = k / UK_QK_K;
  for (int j = 0; j < nn; j++) uk_a2_kq_decode(type, w + (n + j) * rowBytes, k, rows[j]);
  for (long sb = 0; sb < supers; sb++) {
    for (int h = 0; h < 16; h++) {
      long block = sb * 8 + h / 2;
      for (int g = 0; g < 4; g++) {
        int8_t *dst = panel.codes + ((sb * 16 + h) * 4 + g) * K2_N * 4;
        long e = sb * UK_QK_K + h * 16 + g * 4;
        for (int j = 0; j < K2_N; j++) {
          uint32_t four = 0;
          if (j < nn) memcpy(&four, rows[j].q + e, 4);
          memcpy(dst + 4 * j, &four, 4);
        }
      }
      for (int j = 0; j < K2_N; j++) {
        uint16_t s = j < nn ? (uint16_t)rows[j].s[block * 16 + (h % 2) * 8] : 0;
        uint32_t pair = (uint32_t)s | ((uint32_t)s << 16);
        memcpy(panel.scales + (sb * 16 + h) * K2_N + j, &pair, 4);
      }
    }
    for (int j = 0; j < K2_N; j++) {
      panel.wd[sb * K2_N + j] = j < nn ? rows[j].wd[sb * 8] : 0.0f;
      for (int b = 0; b < 8; b++)
        panel.wm[(sb * 8 + b) * K2_N + j] = j < nn ? rows[j].wm[sb * 8 + b] : 0.0f;
    }
  }
}

/// y[t, n .. n + nn) for rt <= K2_R rows; `is_signed` for Q6_K.
UK_AVX2 UK_INLINE void a2_ko_tile(int is_signed, const int8_t *xq, const float *xd,
                                  const float *xm, long k, a2_ko_panel panel, int rt, int nn,
                                  float *y, long ldy) {
  long supers = k / UK_QK_K, blocks = k / UK_QBLOCK;
  __m256 acc[K2_R];
  for (int r = 0; r < K2_R; r++) acc[r] = _mm256_setzero_ps();
  for (long sb = 0; sb < supers; sb++) {
    __m256i total[K2_R];
    for (int r = 0; r < K2_R; r++) total[r] = _mm256_setzero_si256();
    for (int h = 0; h < 16; h++) {
      __m256i pairs[K2_R];
      for (int r = 0; r < K2_R; r++) pairs[r] = _mm256_setzero_si256();
      const int8_t *cg = panel.codes + (sb * 16 + h) * 4 * K2_N * 4;
      for (int g = 0; g < 4; g++) {
        __m256i wv = _mm256_loadu_si256((const __m256i *)(cg + g * K2_N * 4));
        for (int r = 0; r < K2_R; r++) {
          if (r >= rt) continue;
          int32_t four;
          memcpy(&four, xq + r * k + sb * UK_QK_K + h * 16 + g * 4, 4);
          __m256i x = _mm256_set1_epi32(four);
          __m256i p = is_signed
                          ? _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(wv, x))
                          : _mm256_maddubs_epi16(wv, x);
          pairs[r] = _mm256_add_epi16(pairs[r], p);
        }
      }
      __m256i sc = _mm256_loadu_si256((const __m256i *)(panel.scales + (sb * 16 + h) * K2_N));
      for (int r = 0; r < K2_R; r++)
        if (r < rt) total[r] = _mm256_add_epi32(total[r], _mm256_madd_epi16(pairs[r], sc));
    }
    __m256 wd = _mm256_loadu_ps(panel.wd + sb * K2_N);
    for (int r = 0; r < K2_R; r++) {
      if (r >= rt) continue;
      __m256 scale = _mm256_mul_ps(_mm256_set1_ps(xd[r * blocks + sb * 8]), wd);
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total[r]), scale, acc[r]);
      if (is_signed) continue;
      for (int b = 0; b < 8; b++)
        acc[r] = _mm256_fnmadd_ps(_mm256_set1_ps(xm[r * blocks + sb * 8 + b]),
                                  _mm256_loadu_ps(panel.wm + (sb * 8 + b) * K2_N), acc[r]);
    }
  }
  for (int r = 0; r < rt; r++) {
    float lanes[K2_N];
    _mm256_storeu_ps(lanes, acc[r]);
    memcpy(y + r * ldy, lanes, sizeof(float) * (size_t)nn);
  }
}

UK_AVX2 int uk_avx2_gemm_kquant_outer(uk_kquant type, const int8_t *xq, const float *xd,
                                      const float *xm, long rows, long k, const uint8_t *w,
                                      long n0, long n1, float *y, long ldy) {
  long supers = k / UK_QK_K, blocks = k / UK_QBLOCK;
  long rowBytes = supers * uk_kq_block_bytes(type);
  int is_signed = type == UK_Q6_K;
  void *decoded = malloc((size_t)(K2_N * uk_kq_row_bytes(k)));
  a2_ko_panel panel = {malloc((size_t)(k * K2_N)),
                       malloc(sizeof(int32_t) * (size_t)(k / 16 * K2_N)),
                       malloc(sizeof(float) * (size_t)(supers * K2_N)),
                       malloc(sizeof(float) * (size_t)(blocks * K2_N))};
  if (!decoded || !panel.codes || !panel.scales || !panel.wd || !panel.wm) {
    free(decoded), free(panel.codes), free(panel.scales), free(panel.wd), free(panel.wm);
    return -1;
  }
  uk_kq_row rowsDecoded[K2_N];
  for (int j = 0; j < K2_N; j++) rowsDecoded[j] = uk_kq_row_at(decoded, k, j);
  for (long n = n0; n < n1; n += K2_N) {
    int nn = n1 - n < K2_N ? (int)(n1 - n) : K2_N;
    a2_ko_pack(type, w, rowBytes, k, n, nn, rowsDecoded, panel);
    for (long t = 0; t < rows; t += K2_R) {
      int rt = rows - t < K2_R ? (int)(rows - t) : K2_R;
      const int8_t *xp = xq + t * k;
      const float *dp = xd + t * blocks, *mp = xm + t * blocks;
      float *yp = y + t * ldy + n;
      if (rt == K2_R && is_signed) a2_ko_tile(1, xp, dp, mp, k, panel, K2_R, nn, yp, ldy);
      else if (rt == K2_R) a2_ko_tile(0, xp, dp, mp, k, panel, K2_R, nn, yp, ldy);
      else a2_ko_tile(is_signed, xp, dp, mp, k, panel, rt, nn, yp, ldy);
    }
  }
  free(decoded), free(panel.codes), free(panel.scales), free(panel.wd), free(panel.wm);
  return 0;
}
#endif
