// Weight panels for the outer-product f32/bf16 GEMMs (gemm_avx2.c, gemm_avx512.c): `pn` weight
// rows (output columns) over `kc` inputs packed k-major, panel[kk * pn + j], bf16 widened
// exactly, so that a micro-kernel reads one contiguous vector of outputs per input.
#ifndef UNMASK_KERNELS_PANEL_PACK_H
#define UNMASK_KERNELS_PANEL_PACK_H

#include "internal.h"

#ifdef UK_X86
/// 8 weights from element `offset` as f32: f32 as is, bf16 (kind 1) widened by a shift.
UK_AVX2 UK_INLINE __m256 uk_panel_load_w(const void *w, long offset, int kind) {
  if (kind == 0) return _mm256_loadu_ps((const float *)w + offset);
  __m128i bits = _mm_loadu_si128((const __m128i *)((const uint16_t *)w + offset));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
}

UK_AVX2 UK_INLINE float uk_panel_w_scalar(const void *w, long offset, int kind) {
  if (kind == 0) return uk_load_f32((const float *)w + offset);
  uint16_t bits;
  memcpy(&bits, (const uint16_t *)w + offset, 2);
  return uk_bf16_to_f32(bits);
}

/// Packs weight rows [n, n + nn) over inputs [k0, k0 + kc) into panel[kk * pn + j] (zero rows
/// past nn; pn a multiple of 8), 8 x 8 blocks transposed in registers.
UK_AVX2 UK_INLINE void uk_pack_panel(const void *w, int kind, long ldw, long n, int nn, int pn,
                                     long k0, long kc, float *panel) {
  for (int j0 = 0; j0 < pn; j0 += 8) {
    long kk = 0;
    for (; kk + 8 <= kc; kk += 8) {
      __m256 r[8];
      for (int j = 0; j < 8; j++)
        r[j] = j0 + j < nn ? uk_panel_load_w(w, (n + j0 + j) * ldw + k0 + kk, kind)
                           : _mm256_setzero_ps();
      uk_transpose8_store(r, panel + kk * pn + j0, pn);
    }
    for (; kk < kc; kk++)
      for (int j = 0; j < 8; j++)
        panel[kk * pn + j0 + j] =
            j0 + j < nn ? uk_panel_w_scalar(w, (n + j0 + j) * ldw + k0 + kk, kind) : 0.0f;
  }
}
/// The loop nest of the panel GEMMs, y[rows, n0..n1) = x W^T over k, for a micro-kernel
/// TILE(xp, ldx, panel, kc, rt, nn, yp, ldy, accumulate) of up to PR rows x PN columns:
/// up to G panels of the column range are packed per chunk of KC inputs; a block of rows (its
/// x chunk within 192 KiB, in L2) runs against each of them; the chunks of k go inside the row
/// block, so its y block stays in L2 across them while the panels are re-packed (a few percent
/// of the FMAs) per block. A full tile gets literal sizes, so the compiler specializes it.
#define UK_PANEL_GEMM(PR, PN, KC, G, TILE, x, ldx, rows, k, w, kind, n0, n1, y, ldy)          \
  do {                                                                                        \
    float panels_[G][(KC) * (PN)] __attribute__((aligned(64)));                               \
    long mc_ = uk_row_block((KC) * 4, PR);                                                    \
    for (long nb_ = (n0); nb_ < (n1); nb_ += (G) * (PN)) {                                    \
      long ne_ = (n1) - nb_ < (G) * (PN) ? (n1) : nb_ + (G) * (PN);                           \
      for (long m0_ = 0; m0_ < (rows); m0_ += mc_) {                                          \
        long m1_ = (rows) - m0_ < mc_ ? (rows) : m0_ + mc_;                                   \
        for (long k0_ = 0; k0_ < (k); k0_ += (KC)) {                                          \
          long kc_ = (k) - k0_ < (KC) ? (k) - k0_ : (KC);                                     \
          for (long n_ = nb_, p_ = 0; n_ < ne_; n_ += (PN), p_++) {                           \
            int nn_ = ne_ - n_ < (PN) ? (int)(ne_ - n_) : (PN);                               \
            uk_pack_panel((w), (kind), (k), n_, nn_, (PN), k0_, kc_, panels_[p_]);            \
          }                                                                                   \
          for (long n_ = nb_, p_ = 0; n_ < ne_; n_ += (PN), p_++) {                           \
            int nn_ = ne_ - n_ < (PN) ? (int)(ne_ - n_) : (PN);                               \
            for (long t_ = m0_; t_ < m1_; t_ += (PR)) {                                       \
              const float *xp_ = (x) + t_ * (ldx) + k0_;                                      \
              float *yp_ = (y) + t_ * (ldy) + n_;                                             \
              if (m1_ - t_ >= (PR) && nn_ == (PN))                                            \
                TILE(xp_, (ldx), panels_[p_], kc_, (PR), (PN), yp_, (ldy), k0_ > 0);          \
              else                                                                            \
                TILE(xp_, (ldx), panels_[p_], kc_, (int)(m1_ - t_ < (PR) ? m1_ - t_ : (PR)),  \
                     nn_, yp_, (ldy), k0_ > 0);                                               \
            }                                                                                 \
          }                                                                                   \
        }                                                                                     \
      }                                                                                       \
    }                                                                                         \
  } while (0)
#endif

#endif
