// K-quant weights (GGUF Q4_K, Q5_K, Q6_K) against q8 activations: the decode every path shares
// and the portable kernel.
//
// Activations are quantized as ggml's Q8_K (uk_quantize_q8_k): one float d per super-block of
// 256, written once per block of 32 so that every kernel reads them as it reads q4_0's q8
// blocks. One d per super-block is what lets a vector kernel add a whole super-block's int32
// dots before a single float multiply, as ggml_vec_dot_q4_K_q8_K does (a d per 32 cost a
// horizontal fold and an FMA per block). A K-quant's sub-blocks are 32 (Q4_K, Q5_K) or 16
// (Q6_K) elements, so each q8 block meets whole sub-blocks, and the dot of one activation block
// with one weight block is
//   x . w = xd * (d * sum_i xq_i * sc_i * q_i) - xd * sum_i xq_i * (dmin * m)
// with exact int32 sums inside (|xq| <= 127, q <= 63, sc <= 127: far from overflow). The second
// term is the min (Q4_K, Q5_K only): the block's activation sum times dmin * m, which is why
// uk_q8_block_mins precomputes xm = xd * sum_i xq_i once per call.
//
// The weights of a few rows are first decoded, once per call, into a layout the dot products
// read with plain vector loads (uk_kq_row): q as bytes, the sub-block scales as int16 lanes
// (8 copies of the scale of elements 0..15 of each 32, 8 of 16..31: a vpmaddwd operand), and
// d and dmin * m as floats per 32. The bytes of the model are never widened as a whole: the
// decoded rows are 2.25 bytes per weight for 4 rows at a time.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

long uk_kq_block_bytes(uk_kquant type) {
  switch (type) {
    case UK_Q4_K: return 144;
    case UK_Q5_K: return 176;
    default: return 210;
  }
}

/// Q4_K/Q5_K sub-block j's 6-bit scale and min (ggml's get_scale_min_k4).
UK_INLINE void uk_kq_scale_min(const uint8_t *q, int j, int *sc, int *m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

void uk_kq_decode_scales(uk_kquant type, const uint8_t *block, int16_t *s, float *wd,
                         float *wm) {
  if (type == UK_Q6_K) {
    const int8_t *sc = (const int8_t *)(block + 192);
    float d = uk_block_scale(block + 208);
    for (int j = 0; j < 8; j++) {
      for (int lane = 0; lane < 8; lane++) {
        s[16 * j + lane] = sc[2 * j];
        s[16 * j + 8 + lane] = sc[2 * j + 1];
      }
      wd[j] = d;
      wm[j] = 0;
    }
    return;
  }
  float d = uk_block_scale(block), dmin = uk_block_scale(block + 2);
  for (int j = 0; j < 8; j++) {
    int sc, m;
    uk_kq_scale_min(block + 4, j, &sc, &m);
    for (int lane = 0; lane < 16; lane++) s[16 * j + lane] = (int16_t)sc;
    wd[j] = d;
    wm[j] = dmin * (float)m;
  }
}

/// One block's 256 codes as bytes: Q4_K/Q5_K 0..31, Q6_K q - 32.
static void uk_kq_decode_codes(uk_kquant type, const uint8_t *block, int8_t *q) {
  if (type == UK_Q6_K) {
    const uint8_t *ql = block, *qh = block + 128;
    for (int half = 0; half < 2; half++)
      for (int r = 0; r < 4; r++)
        for (int l = 0; l < 32; l++) {
          uint8_t low = ql[64 * half + l + 32 * (r & 1)];
          int nibble = r < 2 ? (low & 0x0F) : (low >> 4);
          int high = (qh[32 * half + l] >> (2 * r)) & 3;
          q[128 * half + 32 * r + l] = (int8_t)((nibble | (high << 4)) - 32);
        }
    return;
  }
  const uint8_t *qh = block + 16;
  const uint8_t *qs = block + (type == UK_Q5_K ? 48 : 16);
  for (int j = 0; j < 8; j++)
    for (int l = 0; l < 32; l++) {
      int v = (qs[32 * (j >> 1) + l] >> (4 * (j & 1))) & 0x0F;
      if (type == UK_Q5_K && ((qh[l] >> j) & 1)) v += 16;
      q[32 * j + l] = (int8_t)v;
    }
}

void uk_kq_decode(uk_kquant type, const uint8_t *row, long k, uk_kq_row out) {
  long bytes = uk_kq_block_bytes(type);
  for (long b = 0; b < k / UK_QK_K; b++) {
    const uint8_t *block = row + b * bytes;
    uk_kq_decode_scales(type, block, out.s + b * 128, out.wd + b * 8, out.wm + b * 8);
    uk_kq_decode_codes(type, block, out.q + b * UK_QK_K);
  }
}

uk_kq_row uk_kq_row_at(void *buffer, long k, int i) {
  // Per row: q [k] bytes, s [k / 2] int16, wd and wm [k / 32] floats each.
  uint8_t *base = (uint8_t *)buffer + (long)i * uk_kq_row_bytes(k);
  uk_kq_row row;
  row.q = (int8_t *)base;
  row.s = (int16_t *)(base + k);
  row.wd = (float *)(base + 2 * k);
  row.wm = (float *)(base + 2 * k + 4 * (k / UK_QBLOCK));
  return row;
}

void uk_quantize_q8_k(const float *x, long rows, long k, int8_t *q, float *d) {
  for (long t = 0; t < rows; t++)
    for (long sb = 0; sb < k / UK_QK_K; sb++) {
      const float *v = x + t * k + sb * UK_QK_K;
      int8_t *out = q + t * k + sb * UK_QK_K;
      float *scales = d + t * (k / UK_QBLOCK) + sb * (UK_QK_K / UK_QBLOCK);
      float amax = 0;
      for (int j = 0; j < UK_QK_K; j++) {
        float a = fabsf(v[j]);
        amax = a > amax ? a : amax;
      }
      float scale = 0;
      if (amax == 0) {
        for (int j = 0; j < UK_QK_K; j++) out[j] = 0;
      } else {
        // quantize_row_q8_K_ref: the first element of largest magnitude, signed, maps to -127.
        int first = 0;
        while (fabsf(v[first]) != amax) first++;
        float iscale = -127.f / v[first];
        for (int j = 0; j < UK_QK_K; j++) {
          // nearest_int: round half to even through the float's mantissa.
          float shifted = iscale * v[j] + 12582912.f;
          int32_t bits;
          memcpy(&bits, &shifted, sizeof bits);
          int code = (bits & 0x007fffff) - 0x00400000;
          out[j] = (int8_t)(code < 127 ? code : 127);
        }
        scale = 1 / iscale;
      }
      for (int b = 0; b < UK_QK_K / UK_QBLOCK; b++) scales[b] = scale;
    }
}

void uk_q8_block_mins(const int8_t *q, const float *d, long rows, long k, float *xm) {
  long blocks = k / UK_QBLOCK;
  for (long t = 0; t < rows; t++)
    for (long b = 0; b < blocks; b++) {
      const int8_t *x = q + t * k + b * UK_QBLOCK;
      int32_t sum = 0;
      for (int j = 0; j < UK_QBLOCK; j++) sum += x[j];
      xm[t * blocks + b] = d[t * blocks + b] * (float)sum;
    }
}

void uk_scalar_gemm_kquant(uk_kquant type, const int8_t *xq, const float *xd, const float *xm,
                           long rows, long k, const uint8_t *w, long n0, long n1, float *y,
                           long ldy) {
  long blocks = k / UK_QBLOCK;
  long rowBytes = (k / UK_QK_K) * uk_kq_block_bytes(type);
  void *buffer = malloc((size_t)uk_kq_row_bytes(k));
  if (!buffer) {
    for (long n = n0; n < n1; n++)
      for (long t = 0; t < rows; t++) y[t * ldy + n] = NAN;
    return;
  }
  uk_kq_row row = uk_kq_row_at(buffer, k, 0);
  for (long n = n0; n < n1; n++) {
    uk_kq_decode(type, w + n * rowBytes, k, row);
    for (long t = 0; t < rows; t++) {
      float s = 0, mins = 0;
      for (long b = 0; b < blocks; b++) {
        const int8_t *x = xq + t * k + b * UK_QBLOCK;
        const int8_t *q = row.q + b * UK_QBLOCK;
        const int16_t *sc = row.s + b * 16;
        int32_t dot = 0;
        for (int j = 0; j < UK_QBLOCK; j++) dot += x[j] * q[j] * sc[j < 16 ? 0 : 8];
        s += (float)dot * (xd[t * blocks + b] * row.wd[b]);
        mins += xm[t * blocks + b] * row.wm[b];
      }
      y[t * ldy + n] = s - mins;
    }
  }
  free(buffer);
}
