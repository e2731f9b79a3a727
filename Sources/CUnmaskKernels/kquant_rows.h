// The K-quant GEMM's row loops and driver, included once per target by gemm_kquant_x86.c
// with KQ_ATTR (the target attribute), KQ_SUPER (one super-block's int32 dots, 8 lanes),
// KQ_NAME (a prefix for the helpers) and KQ_ENTRY (the entry point) defined. Everything after
// KQ_SUPER (float scales, FMAs, the final sums) is the same code on every target, so the
// targets' outputs are the same bits.

/// y[t, j] for rows t of xq against rn <= 4 decoded weight rows, tr = 1 or 2 activation rows at
/// a time; `is_signed` for Q6_K.
///
/// Per super-block and weight row, one convert and one FMA by xd * d (equal over the
/// super-block's 8 blocks) apply the float scales. Called with constants rn (4 for all but a
/// tile's last rows) and tr, the loops unroll and the accumulators live in registers (an array
/// indexed at run time sat on the stack, and every FMA waited on a store and a reload).
KQ_ATTR UK_INLINE void KQ_NAME(kq_rows)(int is_signed, int tr, const int8_t *xq, const float *xd,
                                  const float *xm, long rows, long k, const uk_kq_row *w, int rn,
                                  float *y, long ldy) {
  long blocks = k / UK_QBLOCK;
  for (long t = 0; t + tr <= rows; t += tr) {
    const int8_t *x = xq + t * k;
    __m256 acc[2][QRN];
#pragma clang loop unroll(full)
    for (int r = 0; r < 2; r++)
#pragma clang loop unroll(full)
      for (int j = 0; j < QRN; j++) acc[r][j] = _mm256_setzero_ps();
    for (long b0 = 0; b0 < blocks; b0 += 8) {
#pragma clang loop unroll(full)
      for (int j = 0; j < QRN; j++) {
        if (j >= rn) continue;
        __m256i sums[2];
        KQ_SUPER(is_signed, tr, x + b0 * UK_QBLOCK, k, w[j].q + b0 * UK_QBLOCK,
                    w[j].s + b0 * 16, sums);
#pragma clang loop unroll(full)
        for (int r = 0; r < 2; r++) {
          if (r >= tr) continue;
          const float *xdt = xd + (t + r) * blocks, *xmt = xm + (t + r) * blocks;
          __m256 scale = _mm256_set1_ps(xdt[b0] * w[j].wd[b0]);
          acc[r][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums[r]), scale, acc[r][j]);
          // The min term of the same 8 blocks (lanes are blocks; every lane is summed).
          if (!is_signed)
            acc[r][j] = _mm256_fnmadd_ps(_mm256_loadu_ps(xmt + b0),
                                         _mm256_loadu_ps(w[j].wm + b0), acc[r][j]);
        }
      }
    }
    for (int r = 0; r < tr; r++)
      for (int j = 0; j < rn; j++) y[(t + r) * ldy + j] = a2_kq_hsum(acc[r][j]);
  }
}

/// Every activation row against rn decoded weight rows: pairs of rows, then the odd one.
KQ_ATTR UK_INLINE void KQ_NAME(kq_all_rows)(int is_signed, const int8_t *xq, const float *xd,
                                      const float *xm, long rows, long k, const uk_kq_row *w,
                                      int rn, float *y, long ldy) {
  long even = rows - rows % 2;
  KQ_NAME(kq_rows)(is_signed, 2, xq, xd, xm, even, k, w, rn, y, ldy);
  if (even < rows) {
    long blocks = k / UK_QBLOCK;
    KQ_NAME(kq_rows)(is_signed, 1, xq + even * k, xd + even * blocks, xm + even * blocks, 1, k,
                     w, rn,
               y + even * ldy, ldy);
  }
}

KQ_ATTR void KQ_ENTRY(uk_kquant type, const int8_t *xq, const float *xd,
                                 const float *xm, long rows, long k, const uint8_t *w, long n0,
                                 long n1, float *y, long ldy) {
  long rowBytes = (k / UK_QK_K) * uk_kq_block_bytes(type);
  void *buffer = malloc((size_t)(QRN * uk_kq_row_bytes(k)));
  if (!buffer) {
    for (long n = n0; n < n1; n++)
      for (long t = 0; t < rows; t++) y[t * ldy + n] = NAN;
    return;
  }
  uk_kq_row decoded[QRN];
  for (int j = 0; j < QRN; j++) decoded[j] = uk_kq_row_at(buffer, k, j);
  for (long n = n0; n < n1; n += QRN) {
    int rn = n1 - n < QRN ? (int)(n1 - n) : QRN;
    for (int j = 0; j < rn; j++) a2_kq_decode(type, w + (n + j) * rowBytes, k, decoded[j]);
    // Constant row counts, so that each call unrolls (see kq_rows).
    int is_signed = type == UK_Q6_K;
    if (rn == QRN && is_signed)
      KQ_NAME(kq_all_rows)(1, xq, xd, xm, rows, k, decoded, QRN, y + n, ldy);
    else if (rn == QRN)
      KQ_NAME(kq_all_rows)(0, xq, xd, xm, rows, k, decoded, QRN, y + n, ldy);
    else if (is_signed)
      KQ_NAME(kq_all_rows)(1, xq, xd, xm, rows, k, decoded, rn, y + n, ldy);
    else
      KQ_NAME(kq_all_rows)(0, xq, xd, xm, rows, k, decoded, rn, y + n, ldy);
  }
  free(buffer);
}
