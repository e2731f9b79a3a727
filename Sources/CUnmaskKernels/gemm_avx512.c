// AVX-512 GEMM micro-kernels: each tile holds RT rows of x against RN rows of W as RT x RN
// accumulators of 16 lanes, summed along k, reduced once at the end. k is walked in chunks of
// KC so that the x panel [rows, KC] stays in L2 while every W row is read from memory once.
#include "internal.h"
#include "q_fold.h"

#ifdef UK_X86
#include <immintrin.h>

#define RT 6
#define RN 4
#define KC 1024
#define KC_BF16 2048

/// Chunk length along k: k split into equal chunks of at most `limit`, a multiple of 32 (so a
/// 2816-wide row is three chunks of 960 + 960 + 896 rather than 1024 + 1024 + 768).
UK_INLINE long uk_chunk(long k, long limit) {
  long chunks = (k + limit - 1) / limit;
  long chunk = (k + chunks - 1) / chunks;
  return (chunk + 31) / 32 * 32;
}

/// 16 weights from element `offset` as f32: f32 as is, bf16 (kind 1) widened by a shift.
UK_AVX512 UK_INLINE __m512 a5_load_w(const void *w, long offset, int kind, __mmask16 mask) {
  if (kind == 0) return _mm512_maskz_loadu_ps(mask, (const float *)w + offset);
  __m256i bits = _mm256_maskz_loadu_epi16(mask, (const uint16_t *)w + offset);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}

/// Reduces each accumulator to its sum and stores (or adds) it at y[i, j]. A full row of four
/// goes through one hadd tree into one 4-float store, a third of the work of four reductions.
UK_AVX512 UK_INLINE void a5_store(__m512 acc[RT][RN], int rt, int rn, float *y, long ldy,
                                  int accumulate) {
  for (int i = 0; i < rt; i++) {
    if (rn == 4) {
      __m128 s[4];
      for (int j = 0; j < 4; j++) {
        __m256 high =
            _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc[i][j]), 1));
        __m256 h = _mm256_add_ps(_mm512_castps512_ps256(acc[i][j]), high);
        s[j] = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
      }
      __m128 sums = _mm_hadd_ps(_mm_hadd_ps(s[0], s[1]), _mm_hadd_ps(s[2], s[3]));
      float *dst = y + i * ldy;
      if (accumulate) sums = _mm_add_ps(sums, _mm_loadu_ps(dst));
      _mm_storeu_ps(dst, sums);
      continue;
    }
    for (int j = 0; j < rn; j++) {
      float s = _mm512_reduce_add_ps(acc[i][j]);
      float *dst = y + i * ldy + j;
      *dst = accumulate ? *dst + s : s;
    }
  }
}

UK_AVX512 UK_INLINE void a5_tile(const float *x, long ldx, const void *w, long ldw, int kind,
                                 long kc, int rt, int rn, float *y, long ldy, int accumulate) {
  __m512 acc[RT][RN];
  for (int i = 0; i < RT; i++)
    for (int j = 0; j < RN; j++) acc[i][j] = _mm512_setzero_ps();
  for (long kk = 0; kk < kc; kk += 16) {
    __mmask16 mask = kc - kk >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (kc - kk)) - 1);
    __m512 wv[RN];
    for (int j = 0; j < RN; j++)
      if (j < rn) wv[j] = a5_load_w(w, j * ldw + kk, kind, mask);
    for (int i = 0; i < RT; i++) {
      if (i >= rt) continue;
      __m512 xv = _mm512_maskz_loadu_ps(mask, x + i * ldx + kk);
      for (int j = 0; j < RN; j++)
        if (j < rn) acc[i][j] = _mm512_fmadd_ps(xv, wv[j], acc[i][j]);
    }
  }
  a5_store(acc, rt, rn, y, ldy, accumulate);
}

UK_AVX512 UK_INLINE void a5_gemm(const float *x, long ldx, long rows, long k, const void *w,
                                 int kind, long n0, long n1, float *y, long ldy) {
  long size = kind == 0 ? 4 : 2, chunk = uk_chunk(k, KC), mc = uk_row_block(chunk * 4, RT);
  for (long k0 = 0; k0 < k; k0 += chunk) {
    long kc = k - k0 < chunk ? k - k0 : chunk;
    for (long m0 = 0; m0 < rows; m0 += mc) {
      long m1 = rows - m0 < mc ? rows : m0 + mc;
      for (long n = n0; n < n1; n += RN) {
        int rn = n1 - n < RN ? (int)(n1 - n) : RN;
        const char *wp = (const char *)w + (n * k + k0) * size;
        for (long t = m0; t < m1; t += RT) {
          int rt = m1 - t < RT ? (int)(m1 - t) : RT;
          const float *xp = x + t * ldx + k0;
          float *yp = y + t * ldy + n;
          if (rt == RT && rn == RN) {
            if (kind == 0) a5_tile(xp, ldx, wp, k, 0, kc, RT, RN, yp, ldy, k0 > 0);
            else a5_tile(xp, ldx, wp, k, 1, kc, RT, RN, yp, ldy, k0 > 0);
          } else {
            if (kind == 0) a5_tile(xp, ldx, wp, k, 0, kc, rt, rn, yp, ldy, k0 > 0);
            else a5_tile(xp, ldx, wp, k, 1, kc, rt, rn, yp, ldy, k0 > 0);
          }
        }
      }
    }
  }
}

UK_AVX512 void uk_avx512_gemm_f32(const float *x, long ldx, long rows, long k, const float *w,
                                  long n0, long n1, float *y, long ldy) {
  a5_gemm(x, ldx, rows, k, w, 0, n0, n1, y, ldy);
}

UK_AVX512 void uk_avx512_gemm_bf16(const float *x, long ldx, long rows, long k, const uint16_t *w,
                                   long n0, long n1, float *y, long ldy) {
  a5_gemm(x, ldx, rows, k, w, 1, n0, n1, y, ldy);
}

// ---- AVX512-BF16: vdpbf16ps multiplies 32 bf16 pairs and adds them into 16 f32 lanes.

UK_AVX512_BF16 UK_INLINE void bf_tile(const uint16_t *x, long ldx, const uint16_t *w, long ldw,
                                      long kc, int rt, int rn, float *y, long ldy,
                                      int accumulate) {
  __m512 acc[RT][RN];
  for (int i = 0; i < RT; i++)
    for (int j = 0; j < RN; j++) acc[i][j] = _mm512_setzero_ps();
  for (long kk = 0; kk < kc; kk += 32) {
    __mmask32 mask =
        kc - kk >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1ull << (kc - kk)) - 1);
    __m512i wv[RN];
    for (int j = 0; j < RN; j++)
      if (j < rn) wv[j] = _mm512_maskz_loadu_epi16(mask, w + j * ldw + kk);
    for (int i = 0; i < RT; i++) {
      if (i >= rt) continue;
      __m512i xv = _mm512_maskz_loadu_epi16(mask, x + i * ldx + kk);
      for (int j = 0; j < RN; j++)
        if (j < rn) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], (__m512bh)xv, (__m512bh)wv[j]);
    }
  }
  a5_store(acc, rt, rn, y, ldy, accumulate);
}

UK_AVX512_BF16 void uk_avx512bf16_gemm_bf16(const uint16_t *xb, long ldx, long rows, long k,
                                            const uint16_t *w, long n0, long n1, float *y,
                                            long ldy) {
  long chunk = uk_chunk(k, KC_BF16), mc = uk_row_block(chunk * 2, RT);
  for (long k0 = 0; k0 < k; k0 += chunk) {
    long kc = k - k0 < chunk ? k - k0 : chunk;
    for (long m0 = 0; m0 < rows; m0 += mc) {
      long m1 = rows - m0 < mc ? rows : m0 + mc;
      for (long n = n0; n < n1; n += RN) {
        int rn = n1 - n < RN ? (int)(n1 - n) : RN;
        for (long t = m0; t < m1; t += RT) {
          int rt = m1 - t < RT ? (int)(m1 - t) : RT;
          const uint16_t *xp = xb + t * ldx + k0, *wp = w + n * k + k0;
          float *yp = y + t * ldy + n;
          if (rt == RT && rn == RN) bf_tile(xp, ldx, wp, k, kc, RT, RN, yp, ldy, k0 > 0);
          else bf_tile(xp, ldx, wp, k, kc, rt, rn, yp, ldy, k0 > 0);
        }
      }
    }
  }
}

// ---- int8: q8 activations against q8_0 / q4_0 weights, one 32-byte block per ymm, vpdpbusd.

#define QRT 6
#define QRN 4

/// The 32 weights of a block as signed bytes (q4_0 unpacked: low nibbles, then high, minus 8).
UK_AVX512_VNNI UK_INLINE __m256i q_load_w(const uint8_t *block, int q4) {
  if (!q4) return _mm256_loadu_si256((const __m256i *)(block + 2));
  __m128i b = _mm_loadu_si128((const __m128i *)(block + 2));
  __m128i nibble = _mm_set1_epi8(0x0F);
  __m128i lo = _mm_and_si128(b, nibble);
  __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), nibble);
  return _mm256_sub_epi8(_mm256_set_m128i(hi, lo), _mm256_set1_epi8(8));
}

UK_AVX512_VNNI UK_INLINE void q_tile(int q4, const int8_t *xq, const float *xd, long k,
                                     const uint8_t *w, long rowBytes, int rt, int rn, float *y,
                                     long ldy) {
  long blocks = k / UK_QBLOCK, blockBytes = q4 ? UK_Q4_0_BYTES : UK_Q8_0_BYTES;
  __m256 acc[QRT];
  for (int i = 0; i < QRT; i++) acc[i] = _mm256_setzero_ps();
  // vpdpbusd multiplies unsigned by signed bytes. x + 128 is unsigned (x XOR 0x80), and
  // (x + 128) . w = x . w + 128 * sum(w), so each pair's int32 sum starts from -128 * sum(w)
  // per 4-byte lane (one vpdpbusd per W block, shared by the rows of the tile): one
  // instruction per block pair where the sign trick takes three.
  const __m256i flip = _mm256_set1_epi8((char)0x80);
  for (long b = 0; b < blocks; b++) {
    __m256i wq[QRN], start[QRN];
    uint16_t h[8] = {0};
    for (int j = 0; j < QRN; j++) {
      if (j >= rn) {
        wq[j] = start[j] = _mm256_setzero_si256();
        continue;
      }
      const uint8_t *block = w + j * rowBytes + b * blockBytes;
      memcpy(&h[j], block, 2);
      wq[j] = q_load_w(block, q4);
      start[j] = _mm256_sub_epi32(_mm256_setzero_si256(),
                                  _mm256_dpbusd_epi32(_mm256_setzero_si256(), flip, wq[j]));
    }
    __m256 wdv = uk_q_scales4(h);
    for (int i = 0; i < QRT; i++) {
      if (i >= rt) continue;
      __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + i * k + b * UK_QBLOCK));
      __m256i xu = _mm256_xor_si256(xv, flip);
      __m256i d0 = _mm256_dpbusd_epi32(start[0], xu, wq[0]);
      __m256i d1 = _mm256_dpbusd_epi32(start[1], xu, wq[1]);
      __m256i d2 = _mm256_dpbusd_epi32(start[2], xu, wq[2]);
      __m256i d3 = _mm256_dpbusd_epi32(start[3], xu, wq[3]);
      acc[i] = uk_q_fold(d0, d1, d2, d3, xd[i * blocks + b], wdv, acc[i]);
    }
  }
  uk_q_store(acc, rt, rn, y, ldy);
}

UK_AVX512_VNNI void uk_avx512vnni_gemm_q(int q4, const int8_t *xq, const float *xd, long rows,
                                         long k, const uint8_t *w, long n0, long n1, float *y,
                                         long ldy) {
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
          if (q4) q_tile(1, xp, dp, k, wp, rowBytes, QRT, QRN, yp, ldy);
          else q_tile(0, xp, dp, k, wp, rowBytes, QRT, QRN, yp, ldy);
        } else {
          q_tile(q4, xp, dp, k, wp, rowBytes, rt, rn, yp, ldy);
        }
      }
    }
  }
}
#endif
