// Bidirectional attention, one pass over the keys per block of queries with an online
// softmax (Milakov & Gimelshein 2018; FlashAttention's recurrence): scores for a tile of 16
// keys, the running max m and sum l, and the output rescaled by e^(m_old - m_new) when the max
// grows. Memory is O(d) per query instead of a [T, T] score matrix per head.
//
// One plain-C body, compiled three times under different target attributes so the compiler
// vectorizes it for each path: the K tile is transposed to [d, 16] so that scores, exp and the
// V update are loops over contiguous lanes with no horizontal sums.
#include "internal.h"

#define UK_KEYS 16
#define UK_MAX_HEAD 256
#define UK_QUERIES 64

UK_INLINE void uk_attention_body(const float *q, const float *k, const float *v, float *out,
                                 long tokens, long heads, long kv_heads, long d, long head,
                                 long t0, long t1, float scale) {
  long kvh = head / (heads / kv_heads);
  long qs = heads * d, ks = kv_heads * d;
  float kt[UK_MAX_HEAD * UK_KEYS], vtile[UK_KEYS * UK_MAX_HEAD];
  float o[UK_QUERIES][UK_MAX_HEAD];
  float m[UK_QUERIES], l[UK_QUERIES];
  for (long tb = t0; tb < t1; tb += UK_QUERIES) {
    long nq = t1 - tb < UK_QUERIES ? t1 - tb : UK_QUERIES;
    for (long i = 0; i < nq; i++) {
      m[i] = -INFINITY;
      l[i] = 0;
      for (long c = 0; c < d; c++) o[i][c] = 0;
    }
    for (long j0 = 0; j0 < tokens; j0 += UK_KEYS) {
      long nk = tokens - j0 < UK_KEYS ? tokens - j0 : UK_KEYS;
      // K tile [nk, d] -> kt [d, 16], zero-padded; V tile copied contiguous. Rows of K and V
      // are heads * d apart (4 KiB for 16 heads of 64), so read in place they would all fall in
      // one L1 set and miss on every query; copied once, every query of the block reuses them.
      for (long jj = 0; jj < UK_KEYS; jj++) {
        if (jj < nk) {
          const float *kr = k + (j0 + jj) * ks + kvh * d;
          for (long c = 0; c < d; c++) kt[c * UK_KEYS + jj] = kr[c];
          memcpy(vtile + jj * d, v + (j0 + jj) * ks + kvh * d, (size_t)d * sizeof(float));
        } else {
          for (long c = 0; c < d; c++) kt[c * UK_KEYS + jj] = 0.0f;
        }
      }
      // Scores for 4 queries at once: four independent FMA chains instead of one chain
      // whose latency bounds the loop (a missing 4th query repeats the last one, unused).
      for (long i0 = 0; i0 < nq; i0 += 4) {
        const float *qr[4];
        for (int g = 0; g < 4; g++) {
          long i = i0 + g < nq ? i0 + g : nq - 1;
          qr[g] = q + (tb + i) * qs + head * d;
        }
        float s[4][UK_KEYS] = {{0}};
        for (long c = 0; c < d; c++) {
          for (int g = 0; g < 4; g++) {
            float qc = qr[g][c];
            for (int jj = 0; jj < UK_KEYS; jj++) s[g][jj] += qc * kt[c * UK_KEYS + jj];
          }
        }
        // Softmax statistics per query; a repeated 4th query (past nq) is computed, not kept.
        float p[4][UK_KEYS], alpha[4];
        int live = nq - i0 < 4 ? (int)(nq - i0) : 4;
        for (int g = 0; g < 4; g++) {
          long i = g < live ? i0 + g : i0 + live - 1;
          float tileMax = -INFINITY;
          for (int jj = 0; jj < UK_KEYS; jj++) {
            s[g][jj] = jj < nk ? s[g][jj] * scale : -INFINITY;
            tileMax = fmaxf(tileMax, s[g][jj]);
          }
          float newMax = fmaxf(m[i], tileMax);
          alpha[g] = m[i] == -INFINITY ? 0.0f : uk_expf(m[i] - newMax);
          // All 16 lanes through exp (padding lanes hold -inf, which exp clamps), then the
          // padding zeroed: a loop without a branch, so the compiler vectorizes the exp.
          float sum = 0;
#pragma clang loop vectorize(enable)
          for (int jj = 0; jj < UK_KEYS; jj++) p[g][jj] = uk_expf(s[g][jj] - newMax);
          for (int jj = 0; jj < UK_KEYS; jj++) {
            p[g][jj] = jj < nk ? p[g][jj] : 0.0f;
            sum += p[g][jj];
          }
          if (g < live) {
            m[i] = newMax;
            l[i] = l[i] * alpha[g] + sum;
          }
        }
        // o = alpha * o + P V for the four queries together, 16 output lanes each kept in
        // registers over the keys: one load of a V row feeds four FMAs. Each query's sums run
        // in the same order as alone, so a row's output does not depend on its neighbours.
        float *orow[4];
        float spare[UK_MAX_HEAD];
        for (int g = 0; g < 4; g++) orow[g] = g < live ? o[i0 + g] : spare;
        const float *vt = vtile;
        long c0 = 0;
        for (; c0 + 16 <= d; c0 += 16) {
          float acc[4][16];
          for (int g = 0; g < 4; g++)
            for (int cc = 0; cc < 16; cc++)
              acc[g][cc] = g < live ? orow[g][c0 + cc] * alpha[g] : 0.0f;
          for (long jj = 0; jj < nk; jj++) {
            for (int g = 0; g < 4; g++) {
              float pj = p[g][jj];
              for (int cc = 0; cc < 16; cc++) acc[g][cc] += pj * vt[jj * d + c0 + cc];
            }
          }
          for (int g = 0; g < live; g++)
            for (int cc = 0; cc < 16; cc++) orow[g][c0 + cc] = acc[g][cc];
        }
        for (int g = 0; g < live; g++) {
          float *oi = orow[g];
          for (long c = c0; c < d; c++) {
            float acc = oi[c] * alpha[g];
            for (long jj = 0; jj < nk; jj++) acc += p[g][jj] * vt[jj * d + c];
            oi[c] = acc;
          }
        }
      }
    }
    for (long i = 0; i < nq; i++) {
      float inverse = 1.0f / l[i];
      float *dst = out + (tb + i) * qs + head * d;
      for (long c = 0; c < d; c++) dst[c] = o[i][c] * inverse;
    }
  }
}

void uk_scalar_attention(const float *q, const float *k, const float *v, float *out, long tokens,
                         long heads, long kv_heads, long d, long head, long t0, long t1, float scale) {
  uk_attention_body(q, k, v, out, tokens, heads, kv_heads, d, head, t0, t1, scale);
}

#ifdef UK_X86
UK_AVX2 void uk_avx2_attention(const float *q, const float *k, const float *v, float *out,
                               long tokens, long heads, long kv_heads, long d, long head, long t0,
                               long t1, float scale) {
  uk_attention_body(q, k, v, out, tokens, heads, kv_heads, d, head, t0, t1, scale);
}

UK_AVX512 void uk_avx512_attention(const float *q, const float *k, const float *v, float *out,
                                   long tokens, long heads, long kv_heads, long d, long head,
                                   long t0, long t1, float scale) {
  uk_attention_body(q, k, v, out, tokens, heads, kv_heads, d, head, t0, t1, scale);
}
#endif
