// Elementwise steps between the GEMMs, one plain-C body compiled per target so the compiler
// vectorizes it for each path (Swift's generic SIMD16 code for the same loop ran at about
// 16 ns per element: 7% of a 120M model's forward pass, as much as attention).
#include "internal.h"

UK_INLINE void uk_swiglu_body(float *gate, const float *up, long count) {
  for (long i = 0; i < count; i++) {
    float g = gate[i];
    gate[i] = g / (1.0f + uk_expf(-g)) * up[i];
  }
}

void uk_scalar_swiglu(float *gate, const float *up, long count) {
  uk_swiglu_body(gate, up, count);
}

#ifdef UK_X86
UK_AVX2 void uk_avx2_swiglu(float *gate, const float *up, long count) {
  uk_swiglu_body(gate, up, count);
}

UK_AVX512 void uk_avx512_swiglu(float *gate, const float *up, long count) {
  uk_swiglu_body(gate, up, count);
}
#endif

void uk_swiglu(uk_path path, float *gate, const float *up, long count) {
  switch (path) {
#ifdef UK_X86
    case UK_PATH_AVX2: uk_avx2_swiglu(gate, up, count); return;
    case UK_PATH_AVX512:
    case UK_PATH_AVX512_BF16: uk_avx512_swiglu(gate, up, count); return;
#endif
    default: uk_scalar_swiglu(gate, up, count); return;
  }
}
