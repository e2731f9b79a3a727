// The K-quant GEMM's row loops and driver, included once per target by gemm_kquant_x86.c
// with KQ_ATTR (the target attribute), KQ_SUPER (one super-block's int32 dots, 8 lanes),
// KQ_NAME (a prefix for the helpers) and KQ_ENTRY (the entry point) defined. Each super-block's
// int32 dots are added across the lanes first, and the float steps are those of the
// outer-product kernels that take over from 16 or 32 rows (gemm_kquant_avx2_outer.c,
// a5_ko_tile: one FMA by xd * d, then the 8 min terms in order), so a row's outputs are the same
// bits with a step's few logit rows as with the whole canvas.

/// y[t, j] for rows t of xq against rn <= 4 decoded weight rows, tr = 1 or 2 activation rows at
/// a time; `is_signed` for Q6_K. `lanes` holds, per super-block, the 4 columns' d twice
/// (8 floats), then per block their dmin * m twice (8 floats each), made once per 4 decoded
/// weight rows (kq_lanes). Called with constants rn and tr, the loops unroll.
KQ_ATTR UK_INLINE void KQ_NAME(kq_rows)(int is_signed, int tr, const int8_t *xq, const float *xd,
                                  const float *xm, long rows, long k, const uk_kq_row *w, int rn,
                                  const float *lanes, float *y, long ldy) {
  long blocks = k / UK_QBLOCK;
  for (long t = 0; t + tr <= rows; t += tr) {
    const int8_t *x = xq + t * k;
    __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    for (long b0 = 0; b0 < blocks; b0 += 8) {
      __m256i sums[QRN][2];
#pragma clang loop unroll(full)
      for (int j = 0; j < QRN; j++) {
        if (j < rn) {
          KQ_SUPER(is_signed, tr, x + b0 * UK_QBLOCK, k, w[j].q + b0 * UK_QBLOCK,
                   w[j].s + b0 * 16, sums[j]);
        } else {
          sums[j][0] = sums[j][1] = _mm256_setzero_si256();
        }
      }
      const float *sl = lanes + (b0 / 8) * 72;
      __m256 wd = _mm256_loadu_ps(sl);
#pragma clang loop unroll(full)
      for (int r = 0; r < 2; r++) {
        if (r >= tr) continue;
        const float *xdt = xd + (t + r) * blocks, *xmt = xm + (t + r) * blocks;
        // Column j's whole super-block dot in lanes j and j + 4 (exact int32).
        __m256i e = _mm256_hadd_epi32(_mm256_hadd_epi32(sums[0][r], sums[1][r]),
                                      _mm256_hadd_epi32(sums[2][r], sums[3][r]));
        e = _mm256_add_epi32(e, _mm256_permute2x128_si256(e, e, 0x01));
        acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(e), _mm256_mul_ps(_mm256_set1_ps(xdt[b0]), wd),
                                 acc[r]);
        if (is_signed) continue;
        for (int b = 0; b < 8; b++)
          acc[r] = _mm256_fnmadd_ps(_mm256_set1_ps(xmt[b0 + b]), _mm256_loadu_ps(sl + 8 + 8 * b),
                                    acc[r]);
      }
    }
    for (int r = 0; r < tr; r++) {
      float out[8];
      _mm256_storeu_ps(out, acc[r]);
      for (int j = 0; j < rn; j++) y[(t + r) * ldy + j] = out[j];
    }
  }
}

/// kq_rows' `lanes` for rn decoded weight rows (zeros past rn): 72 floats per super-block.
KQ_ATTR static void KQ_NAME(kq_lanes)(const uk_kq_row *w, int rn, long k, float *lanes) {
  long blocks = k / UK_QBLOCK;
  for (long b0 = 0; b0 < blocks; b0 += 8) {
    float *sl = lanes + (b0 / 8) * 72;
    for (int j = 0; j < QRN; j++) {
      sl[j] = sl[j + 4] = j < rn ? w[j].wd[b0] : 0.0f;
      for (int b = 0; b < 8; b++)
        sl[8 + 8 * b + j] = sl[8 + 8 * b + j + 4] = j < rn ? w[j].wm[b0 + b] : 0.0f;
    }
  }
}

/// Every activation row against rn decoded weight rows: pairs of rows, then the odd one.
KQ_ATTR UK_INLINE void KQ_NAME(kq_all_rows)(int is_signed, const int8_t *xq, const float *xd,
                                      const float *xm, long rows, long k, const uk_kq_row *w,
                                      int rn, const float *lanes, float *y, long ldy) {
  long even = rows - rows % 2;
  KQ_NAME(kq_rows)(is_signed, 2, xq, xd, xm, even, k, w, rn, lanes, y, ldy);
  if (even < rows) {
    long blocks = k / UK_QBLOCK;
    KQ_NAME(kq_rows)(is_signed, 1, xq + even * k, xd + even * blocks, xm + even * blocks, 1, k,
                     w, rn, lanes, y + even * ldy, ldy);
  }
}

KQ_ATTR void KQ_ENTRY(uk_kquant type, const int8_t *xq, const float *xd,
                                 const float *xm, long rows, long k, const uint8_t *w, long n0,
                                 long n1, float *y, long ldy) {
  long rowBytes = (k / UK_QK_K) * uk_kq_block_bytes(type);
  long laneBytes = (long)sizeof(float) * 72 * (k / UK_QK_K);
  char *buffer = malloc((size_t)(QRN * uk_kq_row_bytes(k) + laneBytes));
  if (!buffer) {
    for (long n = n0; n < n1; n++)
      for (long t = 0; t < rows; t++) y[t * ldy + n] = NAN;
    return;
  }
  // The lanes first: decoded rows are byte arrays and would misalign the floats after them.
  float *lanes = (float *)buffer;
  uk_kq_row decoded[QRN];
  for (int j = 0; j < QRN; j++) decoded[j] = uk_kq_row_at(buffer + laneBytes, k, j);
  for (long n = n0; n < n1; n += QRN) {
    int rn = n1 - n < QRN ? (int)(n1 - n) : QRN;
    for (int j = 0; j < rn; j++) uk_a2_kq_decode(type, w + (n + j) * rowBytes, k, decoded[j]);
    KQ_NAME(kq_lanes)(decoded, rn, k, lanes);
    // Constant row counts, so that each call unrolls (see kq_rows).
    int is_signed = type == UK_Q6_K;
    if (rn == QRN && is_signed)
      KQ_NAME(kq_all_rows)(1, xq, xd, xm, rows, k, decoded, QRN, lanes, y + n, ldy);
    else if (rn == QRN)
      KQ_NAME(kq_all_rows)(0, xq, xd, xm, rows, k, decoded, QRN, lanes, y + n, ldy);
    else if (is_signed)
      KQ_NAME(kq_all_rows)(1, xq, xd, xm, rows, k, decoded, rn, lanes, y + n, ldy);
    else
      KQ_NAME(kq_all_rows)(0, xq, xd, xm, rows, k, decoded, rn, lanes, y + n, ldy);
  }
  free(buffer);
}

