// Portable kernels: the reference every vector path is tested against, and what runs on CPUs
// with no path of their own. Plain loops, one float32 sum per output.
#include "internal.h"

void uk_scalar_gemm_f32(const float *x, long ldx, long rows, long k, const float *w, long n0,
                        long n1, float *y, long ldy) {
  for (long n = n0; n < n1; n++) {
    const float *wr = w + n * k;
    for (long t = 0; t < rows; t++) {
      const float *xr = x + t * ldx;
      float s = 0;
      for (long i = 0; i < k; i++) s += xr[i] * uk_load_f32(wr + i);
      y[t * ldy + n] = s;
    }
  }
}

void uk_scalar_gemm_bf16(const float *x, long ldx, long rows, long k, const uint16_t *w, long n0,
                         long n1, float *y, long ldy) {
  for (long n = n0; n < n1; n++) {
    const uint8_t *wr = (const uint8_t *)w + 2 * n * k;
    for (long t = 0; t < rows; t++) {
      const float *xr = x + t * ldx;
      float s = 0;
      for (long i = 0; i < k; i++) {
        uint16_t bits;
        memcpy(&bits, wr + 2 * i, 2);
        s += xr[i] * uk_bf16_to_f32(bits);
      }
      y[t * ldy + n] = s;
    }
  }
}

/// Element j of a q8_0 (q4 = 0) or q4_0 (q4 = 1) block as a signed integer.
void uk_scalar_gemm_q(int q4, const int8_t *xq, const float *xd, long rows, long k,
                      const uint8_t *w, long n0, long n1, float *y, long ldy) {
  long blocks = k / UK_QBLOCK;
  long rowBytes = blocks * (q4 ? UK_Q4_0_BYTES : UK_Q8_0_BYTES);
  for (long n = n0; n < n1; n++) {
    const uint8_t *wr = w + n * rowBytes;
    for (long t = 0; t < rows; t++) {
      float s = 0;
      for (long b = 0; b < blocks; b++) {
        const uint8_t *block = wr + b * (q4 ? UK_Q4_0_BYTES : UK_Q8_0_BYTES);
        const int8_t *xb = xq + t * k + b * UK_QBLOCK;
        int32_t dot = 0;
        for (int j = 0; j < UK_QBLOCK; j++) dot += xb[j] * uk_block_value(q4, block, j);
        s += (float)dot * (xd[t * blocks + b] * uk_block_scale(block));
      }
      y[t * ldy + n] = s;
    }
  }
}
