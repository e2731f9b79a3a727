// uk_bf16_panels' layout, shared by bf16_panels.c (memory, state) and gemm_avx512.c (packing,
// reading). Panel j holds W's rows 64j..<64j+64 (zeros past n) over all of k: k-panel p0 (256
// pairs, fewer at the end) starts at data + j * stride + p0 * 64, one 64-lane line per pair.
#ifndef UK_BF16_PANELS_H
#define UK_BF16_PANELS_H

#include <stdatomic.h>
#include <stdint.h>

#include "unmask_kernels.h"

#define UK_PANEL_COLS 64

/// A panel's state: not packed, being packed by one thread, packed (its data then complete).
enum { UK_PANEL_EMPTY = 0, UK_PANEL_PACKING = 1, UK_PANEL_READY = 2 };

struct uk_bf16_panels {
  long n, k, count, stride;
  _Atomic(uint32_t *) data;
  _Atomic(unsigned char) *state;
};

/// The panels' memory, allocated by the first caller; NULL if it cannot be had.
uint32_t *uk_bf16_panels_data(uk_bf16_panels *panels);

#endif
