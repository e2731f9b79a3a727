// Bidirectional attention for a range of queries of one head, tiled like a GEMM: the head's
// keys are copied once per call, transposed to [d, T], and its values to column panels
// [d / LW][T][LW]; then for each sub-block of queries
//   1. scores S = scale * Q K^T as outer-product tiles of 6 queries x LW keys (one panel load
//      feeds six FMAs), into a [queries, T] buffer;
//   2. an exact softmax per row: its max, e^(s - max), and their sum, over contiguous lanes;
//   3. O = P V / l as outer-product tiles of 6 queries x LW output columns.
// Memory per call is O(T (d + queries)): linear in the canvas, never [T, T]. The earlier
// kernel (an online softmax over tiles of 16 keys, FlashAttention's recurrence) rescaled its
// outputs and ran scalar bookkeeping for every 16 keys: about a third of the FMA peak at d 64.
//
// Each query's sums run in its own lanes in a fixed order (scores over c = 0, 1, ..., the
// output over j = 0, 1, ...), so a query's result does not depend on the queries computed
// with it (LogitRowsTests and the cache tests hold the paths to that, bit for bit).
//
// One plain-C body, compiled three times under different target attributes; LW (the lanes of a
// tile: 32 = two zmm on AVX-512, 16 = two ymm elsewhere) keeps the 6 x LW accumulators within
// the register file, and the compiler vectorizes the loops over them.
#include <stdlib.h>

#include "internal.h"

#define UK_TILE_QUERIES 6
#define UK_SUB_QUERIES 24
#define UK_MAX_LANES 32

/// s[i][j0 + jj] = scale * q_i . k_j for the queries `qr` (rows of q) and keys j0..j0+LW.
UK_INLINE void uk_score_tile(const float *const qr[UK_TILE_QUERIES], const float *kt, long keys,
                             long d, long j0, float scale, float *s[UK_TILE_QUERIES], int live,
                             const int LW) {
  float acc[UK_TILE_QUERIES][UK_MAX_LANES] = {{0}};
  for (long c = 0; c < d; c++) {
    const float *kc = kt + c * keys + j0;
    for (int g = 0; g < UK_TILE_QUERIES; g++) {
      float qc = qr[g][c];
      for (int jj = 0; jj < LW; jj++) acc[g][jj] += qc * kc[jj];
    }
  }
  for (int g = 0; g < live; g++)
    for (int jj = 0; jj < LW; jj++) s[g][j0 + jj] = acc[g][jj] * scale;
}

/// o_i[c0 .. c0 + LW) = sum over j of p_i[j] v_j[c0 ..] / l_i, for the queries' rows of P.
UK_INLINE void uk_value_tile(const float *const p[UK_TILE_QUERIES], const float *panel,
                             long tokens, const float inverse[UK_TILE_QUERIES],
                             float *const o[UK_TILE_QUERIES], long c0, int live, const int LW) {
  float acc[UK_TILE_QUERIES][UK_MAX_LANES] = {{0}};
  for (long j = 0; j < tokens; j++) {
    const float *vj = panel + j * LW;
    for (int g = 0; g < UK_TILE_QUERIES; g++) {
      float pj = p[g][j];
      for (int cc = 0; cc < LW; cc++) acc[g][cc] += pj * vj[cc];
    }
  }
  for (int g = 0; g < live; g++)
    for (int cc = 0; cc < LW; cc++) o[g][c0 + cc] = acc[g][cc] * inverse[g];
}

/// Softmax of one row of scores in place (p = e^(s - max)); returns the sum of p. The max and
/// the sum run over 16 lanes, then across them, in an order fixed by `tokens` alone.
UK_INLINE float uk_softmax_row(float *s, long tokens) {
  float lanes[16];
  for (int l = 0; l < 16; l++) lanes[l] = -INFINITY;
  long j = 0;
  for (; j + 16 <= tokens; j += 16)
    for (int l = 0; l < 16; l++) lanes[l] = fmaxf(lanes[l], s[j + l]);
  float top = -INFINITY;
  for (int l = 0; l < 16; l++) top = fmaxf(top, lanes[l]);
  for (; j < tokens; j++) top = fmaxf(top, s[j]);
#pragma clang loop vectorize(enable)
  for (j = 0; j < tokens; j++) s[j] = uk_expf(s[j] - top);
  for (int l = 0; l < 16; l++) lanes[l] = 0;
  for (j = 0; j + 16 <= tokens; j += 16)
    for (int l = 0; l < 16; l++) lanes[l] += s[j + l];
  float sum = 0;
  for (int l = 0; l < 16; l++) sum += lanes[l];
  for (; j < tokens; j++) sum += s[j];
  return sum;
}

/// kt[c * keys + j] = k_j[c] for the head's keys (zero past `tokens`), where k_j starts at
/// k + j * ks. One copy per call, so a scalar loop (left as written: vectorized, it became
/// scatters, a third of the kernel's time); the x86 paths use 8 x 8 register transposes.
typedef void (*uk_pack_keys)(const float *k, long ks, long tokens, long d, long keys, float *kt);

static void uk_pack_keys_scalar(const float *k, long ks, long tokens, long d, long keys,
                                float *kt) {
  for (long j = 0; j < keys; j++) {
#pragma clang loop vectorize(disable)
    for (long c = 0; c < d; c++) kt[c * keys + j] = j < tokens ? k[j * ks + c] : 0.0f;
  }
}

#ifdef UK_X86
UK_AVX2 static void uk_pack_keys_avx2(const float *k, long ks, long tokens, long d, long keys,
                                      float *kt) {
  long j0 = 0;
  for (; j0 + 8 <= tokens; j0 += 8) {
    long c0 = 0;
    for (; c0 + 8 <= d; c0 += 8) {
      __m256 r[8];
      for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_ps(k + (j0 + j) * ks + c0);
      uk_transpose8_store(r, kt + c0 * keys + j0, keys);
    }
    for (; c0 < d; c0++)
      for (long j = j0; j < j0 + 8; j++) kt[c0 * keys + j] = k[j * ks + c0];
  }
  for (long c = 0; c < d; c++)
    for (long j = j0; j < keys; j++) kt[c * keys + j] = j < tokens ? k[j * ks + c] : 0.0f;
}
#endif

/// Returns 0, or -1 when its buffers could not be allocated.
UK_INLINE int uk_attention_body(const float *q, const float *k, const float *v, float *out,
                                long tokens, long heads, long kv_heads, long d, long head,
                                long t0, long t1, float scale, uk_pack_keys pack, const int LW) {
  long kvh = head / (heads / kv_heads);
  long qs = heads * d, ks = kv_heads * d;
  if (t0 >= t1) return 0;
  if (tokens <= 0) {  // no keys: nothing to attend to, an output of zeros
    for (long t = t0; t < t1; t++) memset(out + t * qs + head * d, 0, (size_t)d * sizeof(float));
    return 0;
  }
  long keys = (tokens + LW - 1) / LW * LW;  // padded to whole tiles (the padding is zero)
  long panels = (d + LW - 1) / LW;
  float *kt = malloc(sizeof(float) * (size_t)(d * keys));
  float *vp = malloc(sizeof(float) * (size_t)(panels * tokens * LW));
  float *scores = malloc(sizeof(float) * (size_t)(UK_SUB_QUERIES * keys));
  float *rows = malloc(sizeof(float) * (size_t)(UK_SUB_QUERIES * panels * LW));
  if (!kt || !vp || !scores || !rows) {
    free(kt), free(vp), free(scores), free(rows);
    return -1;
  }
  // Rows of K and V are heads * d apart (kilobytes): read in place, a head's rows alias in a
  // few cache sets. Copied once per call, every query of the call reads them from L1/L2.
  pack(k + kvh * d, ks, tokens, d, keys, kt);
  for (long b = 0; b < panels; b++)
    for (long j = 0; j < tokens; j++) {
      const float *vr = v + j * ks + kvh * d;
      float *dst = vp + (b * tokens + j) * LW;
      for (int cc = 0; cc < LW; cc++) dst[cc] = b * LW + cc < d ? vr[b * LW + cc] : 0.0f;
    }
  for (long s0 = t0; s0 < t1; s0 += UK_SUB_QUERIES) {
    long nq = t1 - s0 < UK_SUB_QUERIES ? t1 - s0 : UK_SUB_QUERIES;
    float inverse[UK_SUB_QUERIES];
    for (long i0 = 0; i0 < nq; i0 += UK_TILE_QUERIES) {
      // A tile past the last query repeats it (computed, not stored).
      int live = nq - i0 < UK_TILE_QUERIES ? (int)(nq - i0) : UK_TILE_QUERIES;
      const float *qr[UK_TILE_QUERIES];
      float *sr[UK_TILE_QUERIES];
      for (int g = 0; g < UK_TILE_QUERIES; g++) {
        long i = i0 + (g < live ? g : live - 1);
        qr[g] = q + (s0 + i) * qs + head * d;
        sr[g] = scores + i * keys;
      }
      for (long j0 = 0; j0 < keys; j0 += LW) uk_score_tile(qr, kt, keys, d, j0, scale, sr, live, LW);
    }
    for (long i = 0; i < nq; i++) inverse[i] = 1.0f / uk_softmax_row(scores + i * keys, tokens);
    for (long i0 = 0; i0 < nq; i0 += UK_TILE_QUERIES) {
      int live = nq - i0 < UK_TILE_QUERIES ? (int)(nq - i0) : UK_TILE_QUERIES;
      const float *pr[UK_TILE_QUERIES];
      float *orow[UK_TILE_QUERIES];
      float inv[UK_TILE_QUERIES];
      for (int g = 0; g < UK_TILE_QUERIES; g++) {
        long i = i0 + (g < live ? g : live - 1);
        pr[g] = scores + i * keys;
        orow[g] = rows + i * panels * LW;
        inv[g] = inverse[i];
      }
      for (long b = 0; b < panels; b++)
        uk_value_tile(pr, vp + b * tokens * LW, tokens, inv, orow, b * LW, live, LW);
    }
    for (long i = 0; i < nq; i++)
      memcpy(out + (s0 + i) * qs + head * d, rows + i * panels * LW, (size_t)d * sizeof(float));
  }
  free(kt), free(vp), free(scores), free(rows);
  return 0;
}

int uk_scalar_attention(const float *q, const float *k, const float *v, float *out, long tokens,
                        long heads, long kv_heads, long d, long head, long t0, long t1,
                        float scale) {
  return uk_attention_body(q, k, v, out, tokens, heads, kv_heads, d, head, t0, t1, scale,
                           uk_pack_keys_scalar, 16);
}

#ifdef UK_X86
UK_AVX2 int uk_avx2_attention(const float *q, const float *k, const float *v, float *out,
                              long tokens, long heads, long kv_heads, long d, long head, long t0,
                              long t1, float scale) {
  return uk_attention_body(q, k, v, out, tokens, heads, kv_heads, d, head, t0, t1, scale,
                           uk_pack_keys_avx2, 16);
}

UK_AVX512 int uk_avx512_attention(const float *q, const float *k, const float *v, float *out,
                                  long tokens, long heads, long kv_heads, long d, long head,
                                  long t0, long t1, float scale) {
  return uk_attention_body(q, k, v, out, tokens, heads, kv_heads, d, head, t0, t1, scale,
                           uk_pack_keys_avx2, 32);
}
#endif
