// AVX-512 GEMM micro-kernels. f32/bf16 weights against f32 activations: packed panels and
// outer-product tiles (below, as on AVX2). bf16 activations (vdpbf16ps): outer products against
// transposed panels of W (see that section), and for odd k, like int8 (vpdpbusd) below 32 rows,
// dot-product tiles of RT rows of x against RN rows of W as RT x RN accumulators of 16 lanes,
// summed along k, reduced once at the end; k is walked in chunks of KC_BF16 so that the x
// panel [rows, KC_BF16] stays in L2 while every W row is read from memory once.
#include <stdlib.h>

#include "bf16_panels.h"
#include "internal.h"
#include "panel_pack.h"
#include "q_fold.h"

#ifdef UK_X86
#include <immintrin.h>

#define RT 6
#define RN 4
#define KC_BF16 2048

/// Chunk length along k: k split into equal chunks of at most `limit`, a multiple of 32 (so a
/// 2816-wide row is three chunks of 960 + 960 + 896 rather than 1024 + 1024 + 768).
UK_INLINE long uk_chunk(long k, long limit) {
  long chunks = (k + limit - 1) / limit;
  long chunk = (k + chunks - 1) / chunks;
  return (chunk + 31) / 32 * 32;
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

// f32 / bf16 weights on AVX-512: gemm_avx2.c's outer-product form with zmm registers. A panel
// of P5N = 32 weight rows over P5K inputs (16 KiB, within L1) is packed k-major, then every
// tile of P5R = 8 activation rows runs against it: per input, two panel loads and eight
// broadcasts feed sixteen FMAs into 8 x 32 accumulators (16 of the 32 zmm registers). Against
// the dot-product tiles above (kept for the bf16 activations' vdpbf16ps), an activation value
// is loaded once per 32 outputs instead of once per 4, and no horizontal sums are left at the
// end (0.68x of BLAS sgemm on an MDLM pass with those). As on AVX2, every output sums its inputs
// in order in one lane, whatever rows or columns share its tile.
#define P5R 8
#define P5N 32
#define P5K 128

UK_AVX512 UK_INLINE void a5_panel_tile(const float *x, long ldx, const float *panel, long kc,
                                       int rt, int nn, float *y, long ldy, int accumulate) {
  __m512 acc[P5R][2];
  for (int i = 0; i < P5R; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (long kk = 0; kk < kc; kk++) {
    __m512 w0 = _mm512_loadu_ps(panel + kk * P5N), w1 = _mm512_loadu_ps(panel + kk * P5N + 16);
    for (int i = 0; i < P5R; i++) {
      if (i >= rt) continue;
      __m512 xv = _mm512_set1_ps(x[i * ldx + kk]);
      acc[i][0] = _mm512_fmadd_ps(xv, w0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(xv, w1, acc[i][1]);
    }
  }
  __mmask16 m0 = nn >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nn) - 1);
  __mmask16 m1 = nn >= 32 ? (__mmask16)0xFFFF : nn > 16 ? (__mmask16)((1u << (nn - 16)) - 1) : 0;
  for (int i = 0; i < rt; i++) {
    float *dst = y + i * ldy;
    __m512 lo = acc[i][0], hi = acc[i][1];
    if (accumulate) {
      lo = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, dst), lo);
      hi = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, dst + 16), hi);
    }
    _mm512_mask_storeu_ps(dst, m0, lo);
    _mm512_mask_storeu_ps(dst + 16, m1, hi);
  }
}

UK_AVX512 UK_INLINE void a5_panel_gemm(const float *x, long ldx, long rows, long k, const void *w,
                                       int kind, long n0, long n1, float *y, long ldy) {
  UK_PANEL_GEMM(P5R, P5N, P5K, 3, a5_panel_tile, x, ldx, rows, k, w, kind, n0, n1, y, ldy);
}

UK_AVX512 void uk_avx512_gemm_f32(const float *x, long ldx, long rows, long k, const float *w,
                                  long n0, long n1, float *y, long ldy) {
  a5_panel_gemm(x, ldx, rows, k, w, 0, n0, n1, y, ldy);
}

UK_AVX512 void uk_avx512_gemm_bf16(const float *x, long ldx, long rows, long k, const uint16_t *w,
                                   long n0, long n1, float *y, long ldy) {
  a5_panel_gemm(x, ldx, rows, k, w, 1, n0, n1, y, ldy);
}

// ---- AVX512-BF16: vdpbf16ps multiplies 32 bf16 pairs and adds them into 16 f32 lanes.
//
// Two forms. The outer-product form (most calls): a panel of BP_COLS = 64 weight rows over
// BP_PAIRS = 256 pairs of k is transposed once into pair-major order (one 64-byte line per pair
// and 16 weight rows), and every tile of BP_ROWS = 6 activation rows runs against it: per pair
// of k, four panel loads and six broadcasts of an activation pair feed 24 vdpbf16ps into
// 6 x 64 outputs, whose lanes are whole outputs, so nothing is left to reduce at the end. The
// dot-product form (below it: RT x RN tiles of 16-lane partial sums along k, reduced at the
// end) reads W in place and is kept for odd k. The choice depends on k only, never on how many
// rows a call has, so a row's outputs are the same bits in any call (a step's few logit rows
// and the full canvas). Measured on Zen 4 (1 thread, [256 x 4096] x [512 x 4096]^T in work
// items of 128 rows of W): 206-223 GFLOP/s against the dot form's 143-176, the dot
// instruction's peak being 233; 190 against 171 at 32 rows; at 16 both are near 150, where the
// transpose, done once per call whatever its rows, weighs as much as it saves.

#define BP_ROWS 6
#define BP_GROUPS 4
#define BP_COLS (16 * BP_GROUPS)
#define BP_PAIRS 256

/// Transposes the 16 x 16 block of 32-bit values in r: r[j] becomes column j.
UK_AVX512 UK_INLINE void bp_transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
    r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
    r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
    r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  for (int i = 0; i < 4; i++) {
    t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xdd);
  }
  for (int i = 0; i < 4; i++) {
    r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xdd);
    r[i + 4] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0x88);
    r[i + 12] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0xdd);
  }
}

/// panel[p][c] = the pair (W[c, 2p], W[c, 2p + 1]) for `cols` rows of W (w32: their pairs, row
/// stride ldw32) and `pairs` pairs; rows past `cols` and pairs past `pairs` up to a multiple of
/// 16 are zero.
UK_AVX512 UK_INLINE void bp_pack(const uint32_t *w32, long ldw32, int cols, long pairs,
                                 uint32_t *panel) {
  for (int c0 = 0; c0 < BP_COLS; c0 += 16) {
    for (long p0 = 0; p0 < pairs; p0 += 16) {
      __mmask16 m = pairs - p0 >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (pairs - p0)) - 1);
      __m512i r[16];
      for (int i = 0; i < 16; i++)
        r[i] = c0 + i < cols ? _mm512_maskz_loadu_epi32(m, w32 + (c0 + i) * ldw32 + p0)
                             : _mm512_setzero_si512();
      // Sixteen rows 8 KiB or more apart, read 64 bytes at a time: asking for their lines four
      // ahead (on into the next panel's pairs of the same rows) cut a pass on weights mapped
      // from a safetensors file by 4% (2 layers of LLaDA-8B's shape, 607-612 -> 583-589 ms).
      for (int i = 0; i < 16; i++)
        _mm_prefetch((const char *)(w32 + (c0 + i) * ldw32 + p0 + 64), _MM_HINT_T0);
      bp_transpose16(r);
      for (int j = 0; j < 16; j++) _mm512_store_si512(panel + (p0 + j) * BP_COLS + c0, r[j]);
    }
  }
}

/// y[i, 0..<cols] (+)= sum over the panel's `pairs` of x pair · W pair, for rt <= BP_ROWS rows.
UK_AVX512_BF16 UK_INLINE void bp_tile(const uint32_t *x32, long ldx32, const uint32_t *panel,
                                      long pairs, int rt, float *y, long ldy, int cols,
                                      int accumulate) {
  __m512 acc[BP_ROWS][BP_GROUPS];
  for (int i = 0; i < BP_ROWS; i++)
    for (int j = 0; j < BP_GROUPS; j++) acc[i][j] = _mm512_setzero_ps();
  for (long p = 0; p < pairs; p++) {
    __m512i wv[BP_GROUPS];
    for (int j = 0; j < BP_GROUPS; j++) wv[j] = _mm512_load_si512(panel + p * BP_COLS + j * 16);
    for (int i = 0; i < BP_ROWS; i++) {
      if (i >= rt) continue;
      __m512i xv = _mm512_set1_epi32((int)x32[i * ldx32 + p]);
      for (int j = 0; j < BP_GROUPS; j++)
        acc[i][j] = _mm512_dpbf16_ps(acc[i][j], (__m512bh)xv, (__m512bh)wv[j]);
    }
  }
  for (int i = 0; i < rt; i++) {
    for (int j = 0; j < BP_GROUPS; j++) {
      int left = cols - j * 16;
      if (left <= 0) break;
      __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
      float *dst = y + i * ldy + j * 16;
      __m512 v = acc[i][j];
      if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, dst));
      _mm512_mask_storeu_ps(dst, m, v);
    }
  }
}

/// Every tile of `rows` activation rows (x32: their pairs from the panel's first) against one
/// packed panel of `pairs` pairs, into y's `cols` columns at its start.
UK_AVX512_BF16 static void bp_rows(const uint32_t *x32, long ldx32, long rows,
                                   const uint32_t *panel, long pairs, int cols, float *y, long ldy,
                                   int accumulate) {
  for (long t = 0; t < rows; t += BP_ROWS) {
    int rt = rows - t < BP_ROWS ? (int)(rows - t) : BP_ROWS;
    const uint32_t *xp = x32 + t * ldx32;
    float *yp = y + t * ldy;
    if (rt == BP_ROWS) bp_tile(xp, ldx32, panel, pairs, BP_ROWS, yp, ldy, cols, accumulate);
    else bp_tile(xp, ldx32, panel, pairs, rt, yp, ldy, cols, accumulate);
  }
}

/// The outer-product form: k and ldx even. Every output sums its pairs in order within each
/// panel of BP_PAIRS and adds the panels in order, whatever rows or columns share its tile.
UK_AVX512_BF16 static void bp_gemm(const uint16_t *xb, long ldx, long rows, long k,
                                   const uint16_t *w, long n0, long n1, float *y, long ldy,
                                   uint32_t *panel) {
  long pairs = k / 2, ldx32 = ldx / 2;
  const uint32_t *w32 = (const uint32_t *)w, *x32 = (const uint32_t *)xb;
  for (long n = n0; n < n1; n += BP_COLS) {
    int cols = n1 - n < BP_COLS ? (int)(n1 - n) : BP_COLS;
    for (long p0 = 0; p0 < pairs; p0 += BP_PAIRS) {
      long pc = pairs - p0 < BP_PAIRS ? pairs - p0 : BP_PAIRS;
      bp_pack(w32 + n * pairs + p0, pairs, cols, pc, panel);
      bp_rows(x32 + p0, ldx32, rows, panel, pc, cols, y + n, ldy, p0 > 0);
    }
  }
}

/// Packs panel j of `kept` from W (w32: its pairs) if no thread has claimed it: 1 when this call
/// packed it, 0 when it was ready, -1 when another thread is packing it now.
UK_AVX512 static int bp_claim_panel(uk_bf16_panels *kept, uint32_t *data, const uint32_t *w32,
                                    long j) {
  if (atomic_load_explicit(&kept->state[j], memory_order_acquire) == UK_PANEL_READY) return 0;
  unsigned char empty = UK_PANEL_EMPTY;
  if (!atomic_compare_exchange_strong(&kept->state[j], &empty, UK_PANEL_PACKING))
    return empty == UK_PANEL_READY ? 0 : -1;
  long pairs = kept->k / 2, n = j * BP_COLS;
  int width = kept->n - n < BP_COLS ? (int)(kept->n - n) : BP_COLS;
  uint32_t *panel = data + j * kept->stride;
  for (long p0 = 0; p0 < pairs; p0 += BP_PAIRS) {
    long pc = pairs - p0 < BP_PAIRS ? pairs - p0 : BP_PAIRS;
    bp_pack(w32 + n * pairs + p0, pairs, width, pc, panel + p0 * BP_COLS);
  }
  atomic_store_explicit(&kept->state[j], UK_PANEL_READY, memory_order_release);
  return 1;
}

/// Packs the panels of columns n0..<n1 not packed yet (n0 a multiple of 64).
UK_AVX512 int uk_avx512_bf16_panels_pack(uk_bf16_panels *kept, const uint16_t *w, long n0,
                                         long n1) {
  uint32_t *data = uk_bf16_panels_data(kept);
  if (!data || n0 % BP_COLS || n1 > kept->n) return -1;
  int packed = 0;
  for (long n = n0; n < n1; n += BP_COLS)
    if (bp_claim_panel(kept, data, (const uint32_t *)w, n / BP_COLS) == 1) packed = 1;
  return packed;
}

/// bp_gemm through kept panels (uk_bf16_panels): a panel not packed yet is packed whole by the
/// call that claims it, with bp_pack, so its contents, and every output, are bp_gemm's bits.
/// A panel another thread is packing meanwhile is run by bp_gemm from W.
UK_AVX512_BF16 int uk_avx512bf16_gemm_bf16_panels(uk_bf16_panels *kept, const uint16_t *xb,
                                                  long ldx, long rows, long k, const uint16_t *w,
                                                  long n0, long n1, float *y, long ldy) {
  if (k != kept->k || ldx % 2 || n0 % BP_COLS || n1 > kept->n) return -1;
  uint32_t *data = uk_bf16_panels_data(kept);
  if (!data) return -1;
  long pairs = k / 2, ldx32 = ldx / 2;
  const uint32_t *x32 = (const uint32_t *)xb;
  int packed = 0;
  for (long n = n0; n < n1; n += BP_COLS) {
    int cols = n1 - n < BP_COLS ? (int)(n1 - n) : BP_COLS;
    int claim = bp_claim_panel(kept, data, (const uint32_t *)w, n / BP_COLS);
    if (claim < 0) {
      uk_avx512bf16_gemm_bf16(xb, ldx, rows, k, w, n, n + cols, y, ldy);
      continue;
    }
    packed |= claim;
    const uint32_t *panel = data + n / BP_COLS * kept->stride;
    for (long p0 = 0; p0 < pairs; p0 += BP_PAIRS) {
      long pc = pairs - p0 < BP_PAIRS ? pairs - p0 : BP_PAIRS;
      bp_rows(x32 + p0, ldx32, rows, panel + p0 * BP_COLS, pc, cols, y + n, ldy, p0 > 0);
    }
  }
  return packed;
}

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
  // The panel: 64 KiB per thread, allocated on its first call and kept (on the heap: in static
  // TLS it would come out of every thread's stack). Should even that fail, the dot form runs.
  static _Thread_local uint32_t *panel;
  if (!panel) panel = aligned_alloc(64, BP_PAIRS * BP_COLS * sizeof(uint32_t));
  if (k % 2 == 0 && ldx % 2 == 0 && panel) {
    bp_gemm(xb, ldx, rows, k, w, n0, n1, y, ldy, panel);
    return;
  }
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
      wq[j] = uk_q_load_codes(block, q4, 0);
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
      acc[i] = uk_q_fold_whole(d0, d1, d2, d3, xd[i * blocks + b], wdv, acc[i]);
    }
  }
  uk_q_store(acc, rt, rn, y, ldy);
}

// Many rows (a canvas of hundreds of tokens): outer products instead. A panel of Q5N = 32
// weight columns is packed once per call over all of k: per block, its bytes regrouped so that
// one zmm holds 4 consecutive codes of 16 columns (vpdpbusd's 4-byte lanes), with each
// column's block scale and -128 * sum(w) (the start of the x + 128 trick above). A tile of
// Q5R = 4 activation rows broadcasts 4 codes of a row and adds them into 16 columns' int32 dots
// per instruction, 8 instructions per block and pair of vectors; then one convert and one FMA
// by xd * wd per block and 16 columns. No horizontal folds: each output is one lane summing its
// blocks in order, as the scalar kernel does, whatever rows or columns share its tile.
#define Q5R 4
#define Q5N 32

/// Packs weight rows [n, n + nn) (zero past nn) over all `blocks`: codes at
/// codes[((b * 8 + g) * Q5N + j) * 4 + e] (element 4 g + e of block b, column j), scales and
/// starts at [b * Q5N + j]. Each block is unpacked with one vector load (`uk_q_load_codes`)
/// and its eight 4-byte groups stored apart: at a few dozen rows the packing is as long as the
/// products, so it must not go code by code.
UK_AVX512_VNNI static void q5_pack(int q4, const uint8_t *w, long rowBytes, long blocks, long n,
                                   int nn, int8_t *codes, float *scales, int32_t *starts) {
  long blockBytes = q4 ? UK_Q4_0_BYTES : UK_Q8_0_BYTES;
  const __m256i ones = _mm256_set1_epi8(1);
  for (int j = 0; j < Q5N; j++) {
    const uint8_t *row = w + (n + j) * rowBytes;
    for (long b = 0; b < blocks; b++) {
      __m256i v = j < nn ? uk_q_load_codes(row + b * blockBytes, q4, 0) : _mm256_setzero_si256();
      int32_t group[8];
      _mm256_storeu_si256((__m256i *)group, v);
      int8_t *to = codes + (b * 8 * Q5N + j) * 4;
      for (int g = 0; g < 8; g++) memcpy(to + g * Q5N * 4, &group[g], 4);
      // The block's sum: 1 . w per 4-byte lane (vpdpbusd, unsigned ones by signed codes).
      __m256i lanes = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ones, v);
      scales[b * Q5N + j] = j < nn ? uk_block_scale(row + b * blockBytes) : 0.0f;
      starts[b * Q5N + j] = -128 * uk_q_hsum_epi32(lanes);
    }
  }
}

UK_AVX512_VNNI UK_INLINE void q5_tile(const int8_t *xq, const float *xd, long k, long blocks,
                                      const int8_t *codes, const float *scales,
                                      const int32_t *starts, int rt, int nn, float *y, long ldy) {
  __m512 acc[Q5R][2];
  for (int r = 0; r < Q5R; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  const __m512i flip = _mm512_set1_epi8((char)0x80);
  for (long b = 0; b < blocks; b++) {
    __m512i s0 = _mm512_loadu_si512((const void *)(starts + b * Q5N));
    __m512i s1 = _mm512_loadu_si512((const void *)(starts + b * Q5N + 16));
    __m512i dots[Q5R][2];
    for (int r = 0; r < Q5R; r++) dots[r][0] = s0, dots[r][1] = s1;
    const int8_t *cb = codes + b * 8 * Q5N * 4;
    for (int g = 0; g < 8; g++) {
      __m512i w0 = _mm512_loadu_si512((const void *)(cb + g * Q5N * 4));
      __m512i w1 = _mm512_loadu_si512((const void *)(cb + g * Q5N * 4 + 64));
      for (int r = 0; r < Q5R; r++) {
        if (r >= rt) continue;
        int32_t four;
        memcpy(&four, xq + r * k + b * UK_QBLOCK + 4 * g, 4);
        __m512i xu = _mm512_xor_si512(_mm512_set1_epi32(four), flip);
        dots[r][0] = _mm512_dpbusd_epi32(dots[r][0], xu, w0);
        dots[r][1] = _mm512_dpbusd_epi32(dots[r][1], xu, w1);
      }
    }
    __m512 d0 = _mm512_loadu_ps(scales + b * Q5N), d1 = _mm512_loadu_ps(scales + b * Q5N + 16);
    for (int r = 0; r < Q5R; r++) {
      if (r >= rt) continue;
      __m512 xs = _mm512_set1_ps(xd[r * blocks + b]);
      acc[r][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[r][0]), _mm512_mul_ps(xs, d0), acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[r][1]), _mm512_mul_ps(xs, d1), acc[r][1]);
    }
  }
  __mmask16 m0 = nn >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nn) - 1);
  __mmask16 m1 = nn >= 32 ? (__mmask16)0xFFFF : nn > 16 ? (__mmask16)((1u << (nn - 16)) - 1) : 0;
  for (int r = 0; r < rt; r++) {
    _mm512_mask_storeu_ps(y + r * ldy, m0, acc[r][0]);
    _mm512_mask_storeu_ps(y + r * ldy + 16, m1, acc[r][1]);
  }
}

/// Returns 0, or -1 when the panel could not be allocated (nothing written).
UK_AVX512_VNNI static int q5_gemm(int q4, const int8_t *xq, const float *xd, long rows, long k,
                                  const uint8_t *w, long n0, long n1, float *y, long ldy) {
  long blocks = k / UK_QBLOCK;
  long rowBytes = blocks * (q4 ? UK_Q4_0_BYTES : UK_Q8_0_BYTES);
  int8_t *codes = malloc((size_t)(blocks * UK_QBLOCK * Q5N));
  float *scales = malloc(sizeof(float) * (size_t)(blocks * Q5N));
  int32_t *starts = malloc(sizeof(int32_t) * (size_t)(blocks * Q5N));
  if (!codes || !scales || !starts) {
    free(codes), free(scales), free(starts);
    return -1;
  }
  for (long n = n0; n < n1; n += Q5N) {
    int nn = n1 - n < Q5N ? (int)(n1 - n) : Q5N;
    q5_pack(q4, w, rowBytes, blocks, n, nn, codes, scales, starts);
    for (long t = 0; t < rows; t += Q5R) {
      const int8_t *xp = xq + t * k;
      const float *dp = xd + t * blocks;
      float *yp = y + t * ldy + n;
      if (rows - t >= Q5R) q5_tile(xp, dp, k, blocks, codes, scales, starts, Q5R, nn, yp, ldy);
      else q5_tile(xp, dp, k, blocks, codes, scales, starts, (int)(rows - t), nn, yp, ldy);
    }
  }
  free(codes), free(scales), free(starts);
  return 0;
}

UK_AVX512_VNNI void uk_avx512vnni_gemm_q(int q4, const int8_t *xq, const float *xd, long rows,
                                         long k, const uint8_t *w, long n0, long n1, float *y,
                                         long ldy) {
  // Packing a panel reads its weights once per call; from a few dozen rows on, the outer
  // products repay it. Fewer rows (a step's logit rows) take the dot-product tiles below.
  if (rows >= UK_Q_OUTER_MIN_ROWS && q5_gemm(q4, xq, xd, rows, k, w, n0, n1, y, ldy) == 0) return;
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
