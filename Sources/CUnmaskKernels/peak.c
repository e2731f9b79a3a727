// The multiply-add rate a GEMM's inner instruction can reach on one core: independent
// accumulators in registers, no memory. `unmask bench forward` divides a pass's GFLOP/s by it,
// measured in the same run, because the machine's clock and the VM's neighbours move both
// together (a ratio to BLAS moves with BLAS's own kernel).
#include "internal.h"

/// The float accumulators the peak loops keep in flight: enough for a 4-cycle latency at two
/// instructions a cycle, and more than any tile here keeps.
#define PEAK_CHAINS 12

#ifdef UK_X86
/// `iterations` rounds of acc[i] = STEP(acc[i]) over PEAK_CHAINS accumulators of TYPE; `a` is an
/// operand the empty asm pretends to change, so that the loop is not folded away.
#define PEAK_LOOP(TYPE, ZERO, STEP, CONSTRAINT)                             \
  TYPE acc[PEAK_CHAINS];                                                   \
  for (int i = 0; i < PEAK_CHAINS; i++) acc[i] = ZERO;                     \
  for (long n = 0; n < iterations; n++) {                                  \
    for (int i = 0; i < PEAK_CHAINS; i++) acc[i] = STEP;                   \
    __asm__ volatile("" : CONSTRAINT(a));                                  \
  }

UK_AVX2 static float peak_fma256(long iterations) {
  __m256 a = _mm256_set1_ps(1e-9f), b = _mm256_set1_ps(1.0f);
  PEAK_LOOP(__m256, _mm256_setzero_ps(), _mm256_fmadd_ps(a, b, acc[i]), "+x")
  float out[8], sum = 0;
  for (int i = 0; i < PEAK_CHAINS; i++) {
    _mm256_storeu_ps(out, acc[i]);
    for (int j = 0; j < 8; j++) sum += out[j];
  }
  return sum;
}

UK_AVX512 static float peak_fma512(long iterations) {
  __m512 a = _mm512_set1_ps(1e-9f), b = _mm512_set1_ps(1.0f);
  PEAK_LOOP(__m512, _mm512_setzero_ps(), _mm512_fmadd_ps(a, b, acc[i]), "+v")
  float sum = 0;
  for (int i = 0; i < PEAK_CHAINS; i++) sum += _mm512_reduce_add_ps(acc[i]);
  return sum;
}

UK_AVX512_BF16 static float peak_dpbf16(long iterations) {
  __m512i a = _mm512_set1_epi16(0x3000), b = _mm512_set1_epi16(0x3f80);
  PEAK_LOOP(__m512, _mm512_setzero_ps(),
            _mm512_dpbf16_ps(acc[i], (__m512bh)a, (__m512bh)b), "+v")
  float sum = 0;
  for (int i = 0; i < PEAK_CHAINS; i++) sum += _mm512_reduce_add_ps(acc[i]);
  return sum;
}
#endif

long uk_peak_flops_per_iteration(uk_peak_instruction instruction) {
  switch (instruction) {
    case UK_PEAK_FMA256: return PEAK_CHAINS * 16;
    case UK_PEAK_FMA512: return PEAK_CHAINS * 32;
    case UK_PEAK_DPBF16: return PEAK_CHAINS * 64;
  }
  return 0;
}

float uk_peak_run(uk_peak_instruction instruction, long iterations) {
#ifdef UK_X86
  switch (instruction) {
    case UK_PEAK_FMA256:
      if (uk_path_supported(UK_PATH_AVX2)) return peak_fma256(iterations);
      break;
    case UK_PEAK_FMA512:
      if (uk_path_supported(UK_PATH_AVX512)) return peak_fma512(iterations);
      break;
    case UK_PEAK_DPBF16:
      if (uk_path_supported(UK_PATH_AVX512_BF16)) return peak_dpbf16(iterations);
      break;
  }
#endif
  (void)instruction;
  (void)iterations;
  return -1;
}
