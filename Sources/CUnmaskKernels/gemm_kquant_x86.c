// AVX2 and AVX-512 VNNI dot products of Q8_K activations with K-quant weights (Q4_K, Q5_K, Q6_K), as ggml's
// ggml_vec_dot_q4_K_q8_K does them: vpmaddubsw multiplies unsigned weight codes by signed
// activation bytes into int16 pairs, vpmaddwd multiplies those by the sub-block scales into
// int32. Q6_K's codes are signed (q - 32), so its bytes go through the sign trick of the q8_0
// tile: |x| times sign(q, x). The 8 blocks of 32 of a super-block share the activations' one
// scale, so their int32 dots are added lane by lane and one convert and one FMA by xd * d
// serve all 8 (with a scale per 32 they had to be folded apart first: 3 hadd levels and a
// cross-lane add per super-block and row, a third of the kernel's time).
//
// A call decodes QRN = 4 weight rows at a time (uk_a2_kq_decode: bytes and scale lanes as
// kquant.c lays them out, the codes unpacked 32 at a time) and then sweeps every activation
// row against them. From 32 rows on, outer products take over (a5_ko below,
// gemm_kquant_avx2_outer.c). Every output sums its super-blocks in order, so the result depends
// only on k and the path, never on n0, n1 or the thread.
#include <stdlib.h>

#include "internal.h"

#ifdef UK_X86
#include <immintrin.h>

#define QRN 4

/// uk_kq_decode with the codes unpacked 32 at a time (the scales as the scalar decode does).
UK_AVX2 void uk_a2_kq_decode(uk_kquant type, const uint8_t *row, long k, uk_kq_row out) {
  long bytes = uk_kq_block_bytes(type);
  const __m256i low4 = _mm256_set1_epi8(0x0F), three = _mm256_set1_epi8(3);
  for (long b = 0; b < k / UK_QK_K; b++) {
    const uint8_t *block = row + b * bytes;
    int8_t *q = out.q + b * UK_QK_K;
    uk_kq_decode_scales(type, block, out.s + b * 128, out.wd + b * 8, out.wm + b * 8);
    if (type == UK_Q6_K) {
      for (int half = 0; half < 2; half++) {
        __m256i l0 = _mm256_loadu_si256((const __m256i *)(block + 64 * half));
        __m256i l1 = _mm256_loadu_si256((const __m256i *)(block + 64 * half + 32));
        __m256i h = _mm256_loadu_si256((const __m256i *)(block + 128 + 32 * half));
        __m256i nib[4] = {_mm256_and_si256(l0, low4), _mm256_and_si256(l1, low4),
                          _mm256_and_si256(_mm256_srli_epi16(l0, 4), low4),
                          _mm256_and_si256(_mm256_srli_epi16(l1, 4), low4)};
        for (int r = 0; r < 4; r++) {
          __m256i hi = _mm256_and_si256(_mm256_srli_epi16(h, 2 * r), three);
          __m256i code = _mm256_or_si256(nib[r], _mm256_slli_epi16(hi, 4));
          _mm256_storeu_si256((__m256i *)(q + 128 * half + 32 * r),
                              _mm256_sub_epi8(code, _mm256_set1_epi8(32)));
        }
      }
      continue;
    }
    const uint8_t *qs = block + (type == UK_Q5_K ? 48 : 16);
    __m256i qh = _mm256_loadu_si256((const __m256i *)(block + 16));
    for (int p = 0; p < 4; p++) {
      __m256i bytes32 = _mm256_loadu_si256((const __m256i *)(qs + 32 * p));
      __m256i codes[2] = {_mm256_and_si256(bytes32, low4),
                          _mm256_and_si256(_mm256_srli_epi16(bytes32, 4), low4)};
      for (int i = 0; i < 2; i++) {
        int j = 2 * p + i;
        if (type == UK_Q5_K) {
          // 16 where bit j of qh is set: the byte masked to that bit, compared, masked to 16.
          __m256i bit = _mm256_set1_epi8((char)(1 << j));
          __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(qh, bit), bit);
          codes[i] = _mm256_add_epi8(codes[i], _mm256_and_si256(set, _mm256_set1_epi8(16)));
        }
        _mm256_storeu_si256((__m256i *)(q + 32 * j), codes[i]);
      }
    }
  }
}

/// The int32 dot of one activation block with one decoded weight block, by the sub-block
/// scales: 8 lanes whose sum is the block's sum_i xq_i * sc_i * q_i.
UK_AVX2 UK_INLINE __m256i a2_kq_dot(int is_signed, __m256i xv, __m256i ax, const int8_t *q,
                                    const int16_t *s) {
  __m256i w = _mm256_loadu_si256((const __m256i *)q);
  __m256i pairs = is_signed ? _mm256_maddubs_epi16(ax, _mm256_sign_epi8(w, xv))
                            : _mm256_maddubs_epi16(w, xv);
  return _mm256_madd_epi16(pairs, _mm256_loadu_si256((const __m256i *)s));
}

/// One super-block's 8 blocks of TR activation rows (x, x + k, ...) against one decoded weight
/// row: their int32 dots by the sub-block scales, added lane by lane (exact), into sums[r].
/// With Q8_K activations the 8 blocks share one float scale, so nothing needs them apart. Each
/// weight vector and scale vector is loaded once for the TR rows.
UK_AVX2 UK_INLINE void a2_kq_super(int is_signed, int tr, const int8_t *x, long k,
                                   const int8_t *q, const int16_t *sc, __m256i *sums) {
#pragma clang loop unroll(full)
  for (int r = 0; r < 2; r++)
    if (r < tr) sums[r] = _mm256_setzero_si256();
  for (int b = 0; b < 8; b++) {
    __m256i wv = _mm256_loadu_si256((const __m256i *)(q + b * UK_QBLOCK));
    __m256i sv = _mm256_loadu_si256((const __m256i *)(sc + b * 16));
#pragma clang loop unroll(full)
    for (int r = 0; r < 2; r++) {
      if (r >= tr) continue;
      __m256i xv = _mm256_loadu_si256((const __m256i *)(x + r * k + b * UK_QBLOCK));
      __m256i pairs = is_signed
                          ? _mm256_maddubs_epi16(_mm256_sign_epi8(xv, xv), _mm256_sign_epi8(wv, xv))
                          : _mm256_maddubs_epi16(wv, xv);
      sums[r] = _mm256_add_epi32(sums[r], _mm256_madd_epi16(pairs, sv));
    }
  }
}

// The row loops and the driver, once per target (kquant_rows.h is a template over KQ_ATTR,
// KQ_SUPER and KQ_NAME).
#define KQ_ATTR UK_AVX2
#define KQ_SUPER a2_kq_super
#define KQ_NAME(name) a2_##name
#define KQ_ENTRY a2_kq_tiles_gemm
#include "kquant_rows.h"

#define A2_KO_MIN_ROWS 16

UK_AVX2 void uk_avx2_gemm_kquant(uk_kquant type, const int8_t *xq, const float *xd, const float *xm,
                                 long rows, long k, const uint8_t *w, long n0, long n1, float *y,
                                 long ldy) {
  // As on AVX-512 (below): outer products for many rows (gemm_kquant_avx2_outer.c), the tiles
  // for a step's few logit rows, the same bits per row either way. On AVX2 the outer products
  // are as fast as the tiles from 16 rows (Zen 4 with --kernel avx2, a 120M Q4_K_M, ms a pass
  // outer / tiles: 24.1 / 23.9 at 16 rows, 29.5 / 33.7 at 24, 35.1 / 42.1 at 32), so they
  // start there.
  if (rows >= A2_KO_MIN_ROWS &&
      uk_avx2_gemm_kquant_outer(type, xq, xd, xm, rows, k, w, n0, n1, y, ldy) == 0)
    return;
  a2_kq_tiles_gemm(type, xq, xd, xm, rows, k, w, n0, n1, y, ldy);
}

// ---- AVX-512 VNNI: two blocks of 32 per zmm, vpdpwssd for vpmaddwd + vpaddd.

/// a2_kq_super on zmm registers: blocks 2i and 2i + 1 side by side. Q6_K's signed codes take
/// |x| and w negated where x < 0 (AVX-512 has no vpsignb). The halves' int32 lanes are added
/// (exact) into the 8 lanes a2_kq_super gives; kquant_rows.h then adds those too and takes
/// the outer-product kernel's float steps.
UK_AVX512_VNNI UK_INLINE void a5_kq_super(int is_signed, int tr, const int8_t *x, long k,
                                          const int8_t *q, const int16_t *sc, __m256i *sums) {
  __m512i wide[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
  for (int b = 0; b < 8; b += 2) {
    __m512i wv = _mm512_loadu_si512((const void *)(q + b * UK_QBLOCK));
    __m512i sv = _mm512_loadu_si512((const void *)(sc + b * 16));
#pragma clang loop unroll(full)
    for (int r = 0; r < 2; r++) {
      if (r >= tr) continue;
      __m512i xv = _mm512_loadu_si512((const void *)(x + r * k + b * UK_QBLOCK));
      __m512i pairs;
      if (is_signed) {
        __m512i ws = _mm512_mask_sub_epi8(wv, _mm512_movepi8_mask(xv), _mm512_setzero_si512(), wv);
        pairs = _mm512_maddubs_epi16(_mm512_abs_epi8(xv), ws);
      } else {
        pairs = _mm512_maddubs_epi16(wv, xv);
      }
      wide[r] = _mm512_dpwssd_epi32(wide[r], pairs, sv);
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < 2; r++)
    if (r < tr)
      sums[r] = _mm256_add_epi32(_mm512_castsi512_si256(wide[r]),
                                 _mm512_extracti64x4_epi64(wide[r], 1));
}

#undef KQ_ATTR
#undef KQ_SUPER
#undef KQ_NAME
#undef KQ_ENTRY
#define KQ_ATTR UK_AVX512_VNNI
#define KQ_SUPER a5_kq_super
#define KQ_NAME(name) a5_##name
#define KQ_ENTRY a5_kq_tiles_gemm
#include "kquant_rows.h"

// Many activation rows (a canvas): outer products. A panel of 16 weight columns is decoded and
// regrouped once per call so that one zmm holds 4 consecutive codes of 16 columns (unsigned:
// Q4_K/Q5_K codes as they are, Q6_K's plus 32); one vpdpbusd adds a broadcast 4 activation
// bytes of a row into the 16 columns' int32 dots. Per sub-block of 16 the dots are multiplied by
// the columns' integer scales (vpmulld) and summed in int32 over the super-block (exact: at most
// 256 * 127 * 63 * 127 < 2^31); Q6_K's +32 comes off as -32 times the row's sum of those 16
// activations. Then per super-block one convert and one FMA by xd * d, and the 8 min terms
// (xm_b * dmin m_b) one FMA each. Each output is one lane summing its super-blocks in order,
// whatever rows or columns share its tile. The AVX-512 tiles below 32 rows take the same float
// steps (kquant_rows.h), so a row's outputs are the same bits in either form.
#define KO_R 6
#define KO_N 16

typedef struct a5_ko_panel {
  uint8_t *codes;  // [(sb * 16 + h) * 4 + g][16 columns][4]
  int32_t *scales; // [sb * 16 + h][16]
  float *wd;       // [sb][16]
  float *wm;       // [sb * 8 + b][16]
} a5_ko_panel;

/// Decodes weight rows [n, n + nn) into `rows` (KO_N decoded rows) and regroups them into the
/// panel (zero columns past nn): 4 bytes of a column at a time, as 32-bit moves (vectorized by
/// the compiler, this loop became a byte extract per code).
UK_AVX512_VNNI static void a5_ko_pack(uk_kquant type, const uint8_t *w, long rowBytes, long k,
                                      long n, int nn, uk_kq_row *rows, a5_ko_panel panel) {
  long supers = k / UK_QK_K;
  for (int j = 0; j < nn; j++) uk_a2_kq_decode(type, w + (n + j) * rowBytes, k, rows[j]);
  const __m512i offset = _mm512_set1_epi8(type == UK_Q6_K ? 32 : 0);
  for (long sb = 0; sb < supers; sb++) {
    for (int h = 0; h < 16; h++) {
      long block = sb * 8 + h / 2;
      for (int g = 0; g < 4; g++) {
        uint8_t *dst = panel.codes + ((sb * 16 + h) * 4 + g) * KO_N * 4;
        long e = sb * UK_QK_K + h * 16 + g * 4;
#pragma clang loop vectorize(disable)
        for (int j = 0; j < KO_N; j++) {
          uint32_t four = 0;
          if (j < nn) memcpy(&four, rows[j].q + e, 4);
          memcpy(dst + 4 * j, &four, 4);
        }
        __m512i v = _mm512_add_epi8(_mm512_loadu_si512((const void *)dst), offset);
        // Columns past nn stay 0 (their scales are 0 too, so the +32 there is harmless).
        _mm512_storeu_si512((void *)dst, v);
      }
      for (int j = 0; j < KO_N; j++)
        panel.scales[(sb * 16 + h) * KO_N + j] = j < nn ? rows[j].s[block * 16 + (h % 2) * 8] : 0;
    }
    for (int j = 0; j < KO_N; j++) {
      panel.wd[sb * KO_N + j] = j < nn ? rows[j].wd[sb * 8] : 0.0f;
      for (int b = 0; b < 8; b++)
        panel.wm[(sb * 8 + b) * KO_N + j] = j < nn ? rows[j].wm[sb * 8 + b] : 0.0f;
    }
  }
}

/// y[t, n .. n + nn) for rt <= KO_R rows; xs16 the rows' sums per 16 activations (Q6_K only).
UK_AVX512_VNNI UK_INLINE void a5_ko_tile(int is_signed, const int8_t *xq, const float *xd,
                                         const float *xm, const int32_t *xs16, long k,
                                         a5_ko_panel panel, int rt, int nn, float *y, long ldy) {
  long supers = k / UK_QK_K, blocks = k / UK_QBLOCK;
  __m512 acc[KO_R];
  for (int r = 0; r < KO_R; r++) acc[r] = _mm512_setzero_ps();
  for (long sb = 0; sb < supers; sb++) {
    __m512i total[KO_R];
    for (int r = 0; r < KO_R; r++) total[r] = _mm512_setzero_si512();
    for (int h = 0; h < 16; h++) {
      __m512i dot[KO_R];
      for (int r = 0; r < KO_R; r++)
        dot[r] = is_signed && r < rt ? _mm512_set1_epi32(-32 * xs16[r * (k / 16) + sb * 16 + h])
                                     : _mm512_setzero_si512();
      const uint8_t *cg = panel.codes + (sb * 16 + h) * 4 * KO_N * 4;
      for (int g = 0; g < 4; g++) {
        __m512i wv = _mm512_loadu_si512((const void *)(cg + g * KO_N * 4));
        for (int r = 0; r < KO_R; r++) {
          if (r >= rt) continue;
          int32_t four;
          memcpy(&four, xq + r * k + sb * UK_QK_K + h * 16 + g * 4, 4);
          dot[r] = _mm512_dpbusd_epi32(dot[r], wv, _mm512_set1_epi32(four));
        }
      }
      __m512i sc = _mm512_loadu_si512((const void *)(panel.scales + (sb * 16 + h) * KO_N));
      for (int r = 0; r < KO_R; r++)
        if (r < rt) total[r] = _mm512_add_epi32(total[r], _mm512_mullo_epi32(dot[r], sc));
    }
    __m512 wd = _mm512_loadu_ps(panel.wd + sb * KO_N);
    for (int r = 0; r < KO_R; r++) {
      if (r >= rt) continue;
      __m512 scale = _mm512_mul_ps(_mm512_set1_ps(xd[r * blocks + sb * 8]), wd);
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(total[r]), scale, acc[r]);
      if (is_signed) continue;
      for (int b = 0; b < 8; b++)
        acc[r] = _mm512_fnmadd_ps(_mm512_set1_ps(xm[r * blocks + sb * 8 + b]),
                                  _mm512_loadu_ps(panel.wm + (sb * 8 + b) * KO_N), acc[r]);
    }
  }
  __mmask16 mask = nn >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nn) - 1);
  for (int r = 0; r < rt; r++) _mm512_mask_storeu_ps(y + r * ldy, mask, acc[r]);
}

/// Returns 0, or -1 when its buffers could not be allocated (nothing written).
UK_AVX512_VNNI static int a5_ko_gemm(uk_kquant type, const int8_t *xq, const float *xd,
                                     const float *xm, long rows, long k, const uint8_t *w,
                                     long n0, long n1, float *y, long ldy) {
  long supers = k / UK_QK_K, blocks = k / UK_QBLOCK;
  long rowBytes = supers * uk_kq_block_bytes(type);
  int is_signed = type == UK_Q6_K;
  void *decoded = malloc((size_t)(KO_N * uk_kq_row_bytes(k)));
  a5_ko_panel panel = {malloc((size_t)(k * KO_N)), malloc(sizeof(int32_t) * (size_t)(k / 16 * KO_N)),
                       malloc(sizeof(float) * (size_t)(supers * KO_N)),
                       malloc(sizeof(float) * (size_t)(blocks * KO_N))};
  int32_t *xs16 = is_signed ? malloc(sizeof(int32_t) * (size_t)(rows * (k / 16))) : NULL;
  if (!decoded || !panel.codes || !panel.scales || !panel.wd || !panel.wm ||
      (is_signed && !xs16)) {
    free(decoded), free(panel.codes), free(panel.scales), free(panel.wd), free(panel.wm);
    free(xs16);
    return -1;
  }
  if (is_signed)
    for (long t = 0; t < rows; t++)
      for (long h = 0; h < k / 16; h++) {
        int32_t sum = 0;
        for (int i = 0; i < 16; i++) sum += xq[t * k + h * 16 + i];
        xs16[t * (k / 16) + h] = sum;
      }
  uk_kq_row rowsDecoded[KO_N];
  for (int j = 0; j < KO_N; j++) rowsDecoded[j] = uk_kq_row_at(decoded, k, j);
  for (long n = n0; n < n1; n += KO_N) {
    int nn = n1 - n < KO_N ? (int)(n1 - n) : KO_N;
    a5_ko_pack(type, w, rowBytes, k, n, nn, rowsDecoded, panel);
    for (long t = 0; t < rows; t += KO_R) {
      int rt = rows - t < KO_R ? (int)(rows - t) : KO_R;
      const int8_t *xp = xq + t * k;
      const float *dp = xd + t * blocks, *mp = xm + t * blocks;
      const int32_t *sp = is_signed ? xs16 + t * (k / 16) : NULL;
      float *yp = y + t * ldy + n;
      if (rt == KO_R && is_signed) a5_ko_tile(1, xp, dp, mp, sp, k, panel, KO_R, nn, yp, ldy);
      else if (rt == KO_R) a5_ko_tile(0, xp, dp, mp, sp, k, panel, KO_R, nn, yp, ldy);
      else a5_ko_tile(is_signed, xp, dp, mp, sp, k, panel, rt, nn, yp, ldy);
    }
  }
  free(decoded), free(panel.codes), free(panel.scales), free(panel.wd), free(panel.wm);
  free(xs16);
  return 0;
}

UK_AVX512_VNNI void uk_avx512vnni_gemm_kquant(uk_kquant type, const int8_t *xq, const float *xd,
                                              const float *xm, long rows, long k,
                                              const uint8_t *w, long n0, long n1, float *y,
                                              long ldy) {
  // Decoding and regrouping a panel is repaid from a few dozen rows on; fewer (a step's logit
  // rows) take the tiles, which decode 4 weight rows and sweep the activation rows past them.
  if (rows >= UK_Q_OUTER_MIN_ROWS && a5_ko_gemm(type, xq, xd, xm, rows, k, w, n0, n1, y, ldy) == 0)
    return;
  a5_kq_tiles_gemm(type, xq, xd, xm, rows, k, w, n0, n1, y, ldy);
}
#endif
