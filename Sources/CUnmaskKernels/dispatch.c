// Run-time choice of path: CPUID through the compiler's __builtin_cpu_supports (which also
// checks that the OS saves the wide registers), and the switch from a path to its functions.
#include "internal.h"

#ifdef UK_X86
static int uk_has(int feature) {
  __builtin_cpu_init();
  switch (feature) {
    case 0: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case 1:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case 2: return __builtin_cpu_supports("avx512bf16");
    case 3: return __builtin_cpu_supports("avx512vnni");
  }
  return 0;
}
#endif

int uk_path_supported(uk_path path) {
  switch (path) {
    case UK_PATH_SCALAR: return 1;
#ifdef UK_X86
    case UK_PATH_AVX2: return uk_has(0);
    case UK_PATH_AVX512: return uk_has(1);
    case UK_PATH_AVX512_BF16: return uk_has(1) && uk_has(2);
#endif
    default: return 0;
  }
}

int uk_has_avx512_vnni(void) {
#ifdef UK_X86
  return uk_has(1) && uk_has(3);
#else
  return 0;
#endif
}

void uk_gemm_f32(uk_path path, const float *x, long ldx, long rows, long k, const float *w,
                 long n0, long n1, float *y, long ldy) {
  switch (path) {
#ifdef UK_X86
    case UK_PATH_AVX2: uk_avx2_gemm_f32(x, ldx, rows, k, w, n0, n1, y, ldy); return;
    case UK_PATH_AVX512:
    case UK_PATH_AVX512_BF16: uk_avx512_gemm_f32(x, ldx, rows, k, w, n0, n1, y, ldy); return;
#endif
    default: uk_scalar_gemm_f32(x, ldx, rows, k, w, n0, n1, y, ldy); return;
  }
}

void uk_gemm_bf16(uk_path path, const float *x, const uint16_t *xb, long ldx, long rows,
                  long k, const uint16_t *w, long n0, long n1, float *y, long ldy) {
  switch (path) {
#ifdef UK_X86
    case UK_PATH_AVX2: uk_avx2_gemm_bf16(x, ldx, rows, k, w, n0, n1, y, ldy); return;
    case UK_PATH_AVX512: uk_avx512_gemm_bf16(x, ldx, rows, k, w, n0, n1, y, ldy); return;
    case UK_PATH_AVX512_BF16: uk_avx512bf16_gemm_bf16(xb, ldx, rows, k, w, n0, n1, y, ldy); return;
#endif
    default:
      (void)xb;  // only the vdpbf16ps path reads the bf16 copy
      uk_scalar_gemm_bf16(x, ldx, rows, k, w, n0, n1, y, ldy);
      return;
  }
}

int uk_gemm_bf16_panels(uk_path path, uk_bf16_panels *panels, const uint16_t *xb, long ldx,
                        long rows, long k, const uint16_t *w, long n0, long n1, float *y,
                        long ldy) {
#ifdef UK_X86
  if (path == UK_PATH_AVX512_BF16 && panels)
    return uk_avx512bf16_gemm_bf16_panels(panels, xb, ldx, rows, k, w, n0, n1, y, ldy);
#endif
  (void)path, (void)panels, (void)xb, (void)ldx, (void)rows, (void)k, (void)w, (void)n0,
      (void)n1, (void)y, (void)ldy;
  return -1;
}

int uk_bf16_panels_pack(uk_path path, uk_bf16_panels *panels, const uint16_t *w, long n0,
                        long n1) {
#ifdef UK_X86
  if (path == UK_PATH_AVX512_BF16 && panels) return uk_avx512_bf16_panels_pack(panels, w, n0, n1);
#endif
  (void)path, (void)panels, (void)w, (void)n0, (void)n1;
  return -1;
}

static void uk_gemm_q(int q4, uk_path path, const int8_t *xq, const float *xd, long rows, long k,
                      const uint8_t *w, long n0, long n1, float *y, long ldy) {
  switch (path) {
#ifdef UK_X86
    case UK_PATH_AVX512:
    case UK_PATH_AVX512_BF16:
      if (uk_has_avx512_vnni()) {
        uk_avx512vnni_gemm_q(q4, xq, xd, rows, k, w, n0, n1, y, ldy);
        return;
      }
      // fallthrough: AVX-512 without VNNI uses the AVX2 int8 dots.
    case UK_PATH_AVX2: uk_avx2_gemm_q(q4, xq, xd, rows, k, w, n0, n1, y, ldy); return;
#endif
    default: uk_scalar_gemm_q(q4, xq, xd, rows, k, w, n0, n1, y, ldy); return;
  }
}

void uk_gemm_q8_0(uk_path path, const int8_t *xq, const float *xd, long rows, long k,
                  const uint8_t *w, long n0, long n1, float *y, long ldy) {
  uk_gemm_q(0, path, xq, xd, rows, k, w, n0, n1, y, ldy);
}

void uk_gemm_q4_0(uk_path path, const int8_t *xq, const float *xd, long rows, long k,
                  const uint8_t *w, long n0, long n1, float *y, long ldy) {
  uk_gemm_q(1, path, xq, xd, rows, k, w, n0, n1, y, ldy);
}

void uk_gemm_kquant(uk_path path, uk_kquant type, const int8_t *xq, const float *xd,
                    const float *xm, long rows, long k, const uint8_t *w, long n0, long n1,
                    float *y, long ldy) {
  switch (path) {
#ifdef UK_X86
    case UK_PATH_AVX512:
    case UK_PATH_AVX512_BF16:
      if (uk_has_avx512_vnni()) {
        uk_avx512vnni_gemm_kquant(type, xq, xd, xm, rows, k, w, n0, n1, y, ldy);
        return;
      }
      // fallthrough: AVX-512 without VNNI uses the AVX2 kernel (the same bits).
    case UK_PATH_AVX2:
      uk_avx2_gemm_kquant(type, xq, xd, xm, rows, k, w, n0, n1, y, ldy);
      return;
#endif
    default: uk_scalar_gemm_kquant(type, xq, xd, xm, rows, k, w, n0, n1, y, ldy); return;
  }
}

int uk_attention(uk_path path, const float *q, const float *k, const float *v, float *out,
                 long tokens, long heads, long kv_heads, long d, long head, long t0, long t1,
                 float scale) {
  switch (path) {
#ifdef UK_X86
    case UK_PATH_AVX2:
      return uk_avx2_attention(q, k, v, out, tokens, heads, kv_heads, d, head, t0, t1, scale);
    case UK_PATH_AVX512:
    case UK_PATH_AVX512_BF16:
      return uk_avx512_attention(q, k, v, out, tokens, heads, kv_heads, d, head, t0, t1, scale);
#endif
    default:
      return uk_scalar_attention(q, k, v, out, tokens, heads, kv_heads, d, head, t0, t1, scale);
  }
}

static _Thread_local int uk_depth;

int uk_parallel_depth(void) { return uk_depth; }

void uk_set_parallel_depth(int depth) { uk_depth = depth; }
