// AVX2/FMA GEMM micro-kernels (16 ymm registers). f32 and bf16 weights: packed panels and
// outer-product tiles (below); bf16 weights are widened exactly while packed. int8 dots use
// vpmaddubsw + vpmaddwd as ggml's AVX2 path: dot-product tiles for a few rows (below), outer
// products for many (gemm_avx2_q_outer.c).
#include "internal.h"
#include "panel_pack.h"
#include "q_fold.h"

#ifdef UK_X86
#include <immintrin.h>

// f32 / bf16 weights: the outer-product form. A panel of PN = 16 weight rows (output columns)
// over KC inputs is packed k-major ([KC][16], bf16 widened exactly), then every tile of PR = 6
// activation rows runs against it: per input, two panel loads and six broadcasts feed twelve
// FMAs into 6 x 16 accumulators (12 of the 16 ymm registers). Each activation value is loaded
// once per 16 outputs instead of once per 3 (the earlier dot-product tiles, whose activations a
// 1024-token canvas re-streamed from L3 for every 3 weight rows: 0.33x of BLAS sgemm on an
// MDLM pass). Every output sums its inputs in order, k = 0, 1, ..., one lane and one FMA chain
// per output, whatever other rows or columns share its tile: so a row's result does not depend
// on the rows that come with it (LogitRowsTests, BatchedKVCacheTests hold the kernel paths to
// that, bit for bit).
#define PR 6
#define PN 16
#define KC 256

/// y[i][0..nn) (+)= sum over kk of x[i][kk] * panel[kk][0..nn) for rt <= 6 rows.
UK_AVX2 UK_INLINE void a2_panel_tile(const float *x, long ldx, const float *panel, long kc, int rt,
                                     int nn, float *y, long ldy, int accumulate) {
  __m256 acc[PR][2];
  for (int i = 0; i < PR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (long kk = 0; kk < kc; kk++) {
    __m256 w0 = _mm256_loadu_ps(panel + kk * PN), w1 = _mm256_loadu_ps(panel + kk * PN + 8);
    for (int i = 0; i < PR; i++) {
      if (i >= rt) continue;
      __m256 xv = _mm256_broadcast_ss(x + i * ldx + kk);
      acc[i][0] = _mm256_fmadd_ps(xv, w0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(xv, w1, acc[i][1]);
    }
  }
  for (int i = 0; i < rt; i++) {
    float *dst = y + i * ldy;
    if (nn == PN) {
      __m256 lo = acc[i][0], hi = acc[i][1];
      if (accumulate) {
        lo = _mm256_add_ps(_mm256_loadu_ps(dst), lo);
        hi = _mm256_add_ps(_mm256_loadu_ps(dst + 8), hi);
      }
      _mm256_storeu_ps(dst, lo);
      _mm256_storeu_ps(dst + 8, hi);
    } else {
      float lanes[PN];
      _mm256_storeu_ps(lanes, acc[i][0]);
      _mm256_storeu_ps(lanes + 8, acc[i][1]);
      for (int j = 0; j < nn; j++) dst[j] = accumulate ? dst[j] + lanes[j] : lanes[j];
    }
  }
}

UK_AVX2 UK_INLINE void a2_gemm(const float *x, long ldx, long rows, long k, const void *w, int kind,
                               long n0, long n1, float *y, long ldy) {
  UK_PANEL_GEMM(PR, PN, KC, 6, a2_panel_tile, x, ldx, rows, k, w, kind, n0, n1, y, ldy);
}

UK_AVX2 void uk_avx2_gemm_f32(const float *x, long ldx, long rows, long k, const float *w, long n0,
                              long n1, float *y, long ldy) {
  a2_gemm(x, ldx, rows, k, w, 0, n0, n1, y, ldy);
}

UK_AVX2 void uk_avx2_gemm_bf16(const float *x, long ldx, long rows, long k, const uint16_t *w,
                               long n0, long n1, float *y, long ldy) {
  a2_gemm(x, ldx, rows, k, w, 1, n0, n1, y, ldy);
}

// ---- int8

#define QRT 4
#define QRN 4

UK_AVX2 UK_INLINE void a2_q_tile(int q4, const int8_t *xq, const float *xd, long k,
                                 const uint8_t *w, long rowBytes, int rt, int rn, float *y,
                                 long ldy) {
  long blocks = k / UK_QBLOCK, blockBytes = q4 ? UK_Q4_0_BYTES : UK_Q8_0_BYTES;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[QRT];
  for (int i = 0; i < QRT; i++) acc[i] = _mm256_setzero_ps();
  for (long b = 0; b < blocks; b++) {
    __m256i wq[QRN];
    uint16_t h[8] = {0};
    for (int j = 0; j < QRN; j++) {
      if (j >= rn) {
        wq[j] = _mm256_setzero_si256();
        continue;
      }
      const uint8_t *block = w + j * rowBytes + b * blockBytes;
      memcpy(&h[j], block, 2);
      wq[j] = uk_q_load_codes(block, q4, 0);
    }
    __m256 wdv = uk_q_scales4(h);
    for (int i = 0; i < QRT; i++) {
      if (i >= rt) continue;
      __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + i * k + b * UK_QBLOCK));
      __m256i ax = _mm256_sign_epi8(xv, xv);
      __m256i d[QRN];
      for (int j = 0; j < QRN; j++) {
        // |x| * sign(w, x): unsigned x signed bytes, pairs summed to int16 (at most
        // 2 * 127 * 127, no saturation), then pairs of those to int32.
        __m256i pairs = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(wq[j], xv));
        d[j] = _mm256_madd_epi16(pairs, ones);
      }
      acc[i] = uk_q_fold_whole(d[0], d[1], d[2], d[3], xd[i * blocks + b], wdv, acc[i]);
    }
  }
  uk_q_store(acc, rt, rn, y, ldy);
}

UK_AVX2 void uk_avx2_gemm_q(int q4, const int8_t *xq, const float *xd, long rows, long k,
                            const uint8_t *w, long n0, long n1, float *y, long ldy) {
  // Packing a panel reads its weights once per call; from a few dozen rows on, the outer
  // products (gemm_avx2_q_outer.c) repay it. Fewer rows (a step's logit rows) take the
  // dot-product tiles below, with the same bits per row.
  if (rows >= UK_Q_OUTER_MIN_ROWS &&
      uk_avx2_gemm_q_outer(q4, xq, xd, rows, k, w, n0, n1, y, ldy) == 0)
    return;
  long blocks = k / UK_QBLOCK;
  long rowBytes = blocks * (q4 ? UK_Q4_0_BYTES : UK_Q8_0_BYTES);
  long mc = uk_row_block(k + blocks * 4, QRT);
  for (long m0 = 0; m0 < rows; m0 += mc) {
    long m1 = rows - m0 < mc ? rows : m0 + mc;
    for (long n = n0; n < n1; n += QRN) {
      int rn = n1 - n < QRN ? (int)(n1 - n) : QRN;
      for (long t = m0; t < m1; t += QRT) {
        int rt = m1 - t < QRT ? (int)(m1 - t) : QRT;
        const int8_t *xp = xq + t * k;
        const float *dp = xd + t * blocks;
        const uint8_t *wp = w + n * rowBytes;
        float *yp = y + t * ldy + n;
        if (rt == QRT && rn == QRN) {
          if (q4) a2_q_tile(1, xp, dp, k, wp, rowBytes, QRT, QRN, yp, ldy);
          else a2_q_tile(0, xp, dp, k, wp, rowBytes, QRT, QRN, yp, ldy);
        } else {
          a2_q_tile(q4, xp, dp, k, wp, rowBytes, rt, rn, yp, ldy);
        }
      }
    }
  }
}
#endif
