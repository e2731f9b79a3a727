// The packed panels of a bf16 weight (uk_bf16_panels, unmask_kernels.h): their memory and the
// state of each panel. The GEMM that packs and reads them is in gemm_avx512.c.
#include <stdlib.h>

#include "bf16_panels.h"

#ifdef __linux__
#include <sys/mman.h>
#endif

uk_bf16_panels *uk_bf16_panels_new(long n, long k) {
  if (n <= 0 || k <= 0 || k % 2) return NULL;
  uk_bf16_panels *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->n = n;
  p->k = k;
  p->count = (n + UK_PANEL_COLS - 1) / UK_PANEL_COLS;
  // A panel's last k-panel is packed with its pairs rounded up to 16, zeros past k.
  p->stride = (k / 2 + 15) / 16 * 16 * UK_PANEL_COLS;
  p->state = calloc((size_t)p->count, sizeof *p->state);
  if (!p->state) {
    free(p);
    return NULL;
  }
  return p;
}

void uk_bf16_panels_free(uk_bf16_panels *p) {
  if (!p) return;
  free(atomic_load(&p->data));
  free(p->state);
  free(p);
}

uint32_t *uk_bf16_panels_data(uk_bf16_panels *p) {
  uint32_t *data = atomic_load_explicit(&p->data, memory_order_acquire);
  if (data) return data;
  // Taken on first use, 2 MiB aligned: the kernel backs untouched pages with nothing, and on
  // Linux may back the rest with huge pages (one TLB entry per 2 MiB of a 16 GB model).
  size_t bytes = (size_t)p->count * (size_t)p->stride * sizeof(uint32_t);
  size_t huge = (size_t)1 << 21;
  uint32_t *fresh = aligned_alloc(huge, (bytes + huge - 1) / huge * huge);
  if (!fresh) return NULL;
#ifdef __linux__
  madvise(fresh, (bytes + huge - 1) / huge * huge, MADV_HUGEPAGE);
#endif
  uint32_t *expected = NULL;
  if (atomic_compare_exchange_strong(&p->data, &expected, fresh)) return fresh;
  free(fresh);  // another thread's came first
  return expected;
}
