// AVX2/FMA GEMM micro-kernels (16 ymm registers): RT x RN accumulators of 8 lanes; k tails
// (k not a multiple of 8) are summed in scalar code after the vector reduction. bf16 weights
// are widened exactly in registers; int8 dots use vpmaddubsw + vpmaddwd as ggml's AVX2 path.
#include "internal.h"
#include "q_fold.h"

#ifdef UK_X86
#include <immintrin.h>

#define RT 4
#define RN 3
#define KC 512

UK_AVX2 UK_INLINE __m256 a2_load_w(const void *w, long offset, int kind) {
  if (kind == 0) return _mm256_loadu_ps((const float *)w + offset);
  __m128i bits = _mm_loadu_si128((const __m128i *)((const uint16_t *)w + offset));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
}

UK_AVX2 UK_INLINE float a2_w_scalar(const void *w, long offset, int kind) {
  if (kind == 0) return uk_load_f32((const float *)w + offset);
  uint16_t bits;
  memcpy(&bits, (const uint16_t *)w + offset, 2);
  return uk_bf16_to_f32(bits);
}

UK_AVX2 UK_INLINE float a2_hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

UK_AVX2 UK_INLINE void a2_tile(const float *x, long ldx, const void *w, long ldw, int kind,
                               long kc, int rt, int rn, float *y, long ldy, int accumulate) {
  __m256 acc[RT][RN];
  for (int i = 0; i < RT; i++)
    for (int j = 0; j < RN; j++) acc[i][j] = _mm256_setzero_ps();
  long kk = 0;
  for (; kk + 8 <= kc; kk += 8) {
    __m256 wv[RN];
    for (int j = 0; j < RN; j++)
      if (j < rn) wv[j] = a2_load_w(w, j * ldw + kk, kind);
    for (int i = 0; i < RT; i++) {
      if (i >= rt) continue;
      __m256 xv = _mm256_loadu_ps(x + i * ldx + kk);
      for (int j = 0; j < RN; j++)
        if (j < rn) acc[i][j] = _mm256_fmadd_ps(xv, wv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < rt; i++)
    for (int j = 0; j < rn; j++) {
      float s = a2_hsum(acc[i][j]);
      for (long r = kk; r < kc; r++) s += x[i * ldx + r] * a2_w_scalar(w, j * ldw + r, kind);
      float *dst = y + i * ldy + j;
      *dst = accumulate ? *dst + s : s;
    }
}

UK_AVX2 UK_INLINE void a2_gemm(const float *x, long ldx, long rows, long k, const void *w, int kind,
                               long n0, long n1, float *y, long ldy) {
  long size = kind == 0 ? 4 : 2;
  for (long k0 = 0; k0 < k; k0 += KC) {
    long kc = k - k0 < KC ? k - k0 : KC;
    for (long n = n0; n < n1; n += RN) {
      int rn = n1 - n < RN ? (int)(n1 - n) : RN;
      const char *wp = (const char *)w + (n * k + k0) * size;
      for (long t = 0; t < rows; t += RT) {
        int rt = rows - t < RT ? (int)(rows - t) : RT;
        const float *xp = x + t * ldx + k0;
        float *yp = y + t * ldy + n;
        if (rt == RT && rn == RN) {
          if (kind == 0) a2_tile(xp, ldx, wp, k, 0, kc, RT, RN, yp, ldy, k0 > 0);
          else a2_tile(xp, ldx, wp, k, 1, kc, RT, RN, yp, ldy, k0 > 0);
        } else {
          if (kind == 0) a2_tile(xp, ldx, wp, k, 0, kc, rt, rn, yp, ldy, k0 > 0);
          else a2_tile(xp, ldx, wp, k, 1, kc, rt, rn, yp, ldy, k0 > 0);
        }
      }
    }
  }
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

UK_AVX2 UK_INLINE __m256i a2_q_load_w(const uint8_t *block, int q4) {
  if (!q4) return _mm256_loadu_si256((const __m256i *)(block + 2));
  __m128i b = _mm_loadu_si128((const __m128i *)(block + 2));
  __m128i nibble = _mm_set1_epi8(0x0F);
  __m128i lo = _mm_and_si128(b, nibble);
  __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), nibble);
  return _mm256_sub_epi8(_mm256_set_m128i(hi, lo), _mm256_set1_epi8(8));
}

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
      wq[j] = a2_q_load_w(block, q4);
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
      acc[i] = uk_q_fold(d[0], d[1], d[2], d[3], xd[i * blocks + b], wdv, acc[i]);
    }
  }
  uk_q_store(acc, rt, rn, y, ldy);
}

UK_AVX2 void uk_avx2_gemm_q(int q4, const int8_t *xq, const float *xd, long rows, long k,
                            const uint8_t *w, long n0, long n1, float *y, long ldy) {
  long blocks = k / UK_QBLOCK;
  long rowBytes = blocks * (q4 ? UK_Q4_0_BYTES : UK_Q8_0_BYTES);
  for (long n = n0; n < n1; n += QRN) {
    int rn = n1 - n < QRN ? (int)(n1 - n) : QRN;
    for (long t = 0; t < rows; t += QRT) {
      int rt = rows - t < QRT ? (int)(rows - t) : QRT;
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
#endif
