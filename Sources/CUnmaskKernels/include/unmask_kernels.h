// Innermost loops of Unmask's forward pass, in C with intrinsics (as ggml does).
//
// Every function takes the kernel path to run; each path is compiled with its own per-function
// target attribute, so one binary runs on any x86-64 and picks the path at run time
// (uk_path_supported). On other CPUs only UK_PATH_SCALAR exists. Everything above these loops
// (threads, tiling over output rows, choice of path) is Swift: see UnmaskKernels/KernelPath.swift.
//
// Layout: "NT" products as nn.Linear computes them. x is [rows, k] row-major with row stride
// ldx >= k (a stride that is not a multiple of 4 KiB keeps the rows of a tile out of one L1
// set: k + 16 is what UnmaskKernels passes),
// w is [n, k] row-major in its storage type, y is [rows, ldy]; a call fills columns
// [n0, n1) of y: y[t, n] = sum_i x[t, i] * w[n, i]. Calls for disjoint [n0, n1) may run on
// different threads at once. Results are deterministic: the order of the sums depends only on
// k and the path, never on n0, n1 or the thread.
#ifndef UNMASK_KERNELS_H
#define UNMASK_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction sets a kernel may use.
typedef enum uk_path {
  /// Portable C: the reference the vector paths are tested against.
  UK_PATH_SCALAR = 0,
  /// AVX2 + FMA + F16C (Haswell, Zen 1 and later); int8 dots through vpmaddubsw.
  UK_PATH_AVX2 = 1,
  /// AVX-512 F/BW/VL: bf16 widened to f32 in registers (exact); int8 dots through
  /// vpdpbusd when the CPU has AVX512-VNNI, vpmaddubsw otherwise.
  UK_PATH_AVX512 = 2,
  /// As UK_PATH_AVX512, but bf16 weights multiply bf16-rounded activations with vdpbf16ps
  /// (AVX512-BF16). Faster, not exact: activations lose 16 mantissa bits.
  UK_PATH_AVX512_BF16 = 3,
} uk_path;

/// 1 when this CPU (and OS) can run `path`, else 0.
int uk_path_supported(uk_path path);

/// 1 when this CPU has AVX512-VNNI (vpdpbusd), used by UK_PATH_AVX512* for int8 dots.
int uk_has_avx512_vnni(void);

/// y[t, n] = x[t, :] . w[n, :] for float32 weights.
void uk_gemm_f32(uk_path path, const float *x, long ldx, long rows, long k, const float *w,
                 long n0, long n1, float *y, long ldy);

/// y[t, n] = x[t, :] . widen(w[n, :]) for bfloat16 weights (raw bits). On every path but
/// UK_PATH_AVX512_BF16 the weights are widened exactly and the sums are float32 FMAs; on
/// UK_PATH_AVX512_BF16, `xb` must hold x rounded to bf16 (uk_bf16_from_f32), k even.
void uk_gemm_bf16(uk_path path, const float *x, const uint16_t *xb, long ldx, long rows,
                  long k, const uint16_t *w, long n0, long n1, float *y, long ldy);

/// A bf16 weight `[n, k]` as panels in the order UK_PATH_AVX512_BF16's outer-product GEMM reads
/// them (64 rows of W by 256 pairs of k, pair-major), each packed by the first product that
/// reads it and kept, where the plain GEMM transposes every panel again in every call. Memory
/// for the panels (about the weight's size) is taken on first use. NULL when k is odd.
typedef struct uk_bf16_panels uk_bf16_panels;
uk_bf16_panels *uk_bf16_panels_new(long n, long k);
void uk_bf16_panels_free(uk_bf16_panels *panels);

/// uk_gemm_bf16 on UK_PATH_AVX512_BF16 through `panels` of `w`, packing from `w` those of
/// columns n0..<n1 not packed yet: the same bits as uk_gemm_bf16. n0 a multiple of 64, ldx even.
/// Returns 1 when this call packed a panel, 0 when it packed none, and -1 when `path` is not
/// UK_PATH_AVX512_BF16 or the panels' memory cannot be had (then nothing was computed).
int uk_gemm_bf16_panels(uk_path path, uk_bf16_panels *panels, const uint16_t *xb, long ldx,
                        long rows, long k, const uint16_t *w, long n0, long n1, float *y,
                        long ldy);

/// Packs `panels` of `w` for columns n0..<n1 (n0 a multiple of 64) ahead of the products, on
/// UK_PATH_AVX512_BF16: the same panels the GEMM would pack. Returns as uk_gemm_bf16_panels.
int uk_bf16_panels_pack(uk_path path, uk_bf16_panels *panels, const uint16_t *w, long n0,
                        long n1);

/// Rounds `count` floats to bfloat16 bits, nearest even (PyTorch's rule); every path gives
/// the same bits.
void uk_bf16_from_f32(uk_path path, const float *x, long count, uint16_t *out);

/// Joins 16-bit elements from two byte planes: out[i] = rotr1(hi[i] << 8 | lo[i]) (the inverse
/// of .umk's `rotateSign` split for bf16/f16). Every path gives the same bits.
void uk_join_rotated16(uk_path path, const uint8_t *hi, const uint8_t *lo, long count,
                       uint16_t *out);

/// Quantizes activations to q8 per block of 32, as ggml's quantize_row_q8_0 does
/// (d = max|x| / 127, q = round(x / d)) except that `d` stays float32: `q` is [rows, k],
/// `d` is [rows, k / 32]. k must be a multiple of 32. Every path gives the same bits.
void uk_quantize_q8(uk_path path, const float *x, long rows, long k, int8_t *q, float *d);

/// y[t, n] = sum over blocks b of xd[t, b] * wd[n, b] * (xq[t, b] . wq[n, b]) for GGUF q8_0
/// weights (34-byte blocks) and activations from uk_quantize_q8.
void uk_gemm_q8_0(uk_path path, const int8_t *xq, const float *xd, long rows, long k,
                  const uint8_t *w, long n0, long n1, float *y, long ldy);

/// As uk_gemm_q8_0 for GGUF q4_0 weights (18-byte blocks, nibble - 8).
void uk_gemm_q4_0(uk_path path, const int8_t *xq, const float *xd, long rows, long k,
                  const uint8_t *w, long n0, long n1, float *y, long ldy);

/// The K-quant weight types uk_gemm_kquant reads (GGUF's Q4_K, Q5_K, Q6_K super-blocks of 256).
typedef enum uk_kquant {
  /// 144-byte blocks: f16 d, f16 dmin, 6-bit scales and mins per 32, 4-bit codes.
  UK_Q4_K = 0,
  /// 176-byte blocks: Q4_K with a fifth bit per code.
  UK_Q5_K = 1,
  /// 210-byte blocks: 6-bit codes - 32, int8 scales per 16, f16 d.
  UK_Q6_K = 2,
} uk_kquant;

/// Activations for uk_gemm_kquant as ggml's Q8_K (quantize_row_q8_K_ref): per super-block of
/// 256, d = -max / 127 where max is the first element of largest magnitude, q = nearest even of
/// x / d, at most 127; d is written once per block of 32 (8 equal values per super-block,
/// `d[t, k / 32]`), the layout uk_quantize_q8 writes. k a multiple of 256.
void uk_quantize_q8_k(const float *x, long rows, long k, int8_t *q, float *d);

/// xm[t, b] = xd[t, b] * sum of xq[t, 32 b .. 32 b + 32): each activation block's value sum,
/// the factor of a K-quant's min term (see uk_gemm_kquant). k a multiple of 32.
void uk_q8_block_mins(const int8_t *xq, const float *xd, long rows, long k, float *xm);

/// y[t, n] = sum over blocks b of 32 of xd[t, b] * d * (xq[t, b] . (sc * q)[n, b]) minus
/// xm[t, b] * dmin * m for K-quant weights of `type` (k a multiple of 256) and activations
/// from uk_quantize_q8_k and uk_q8_block_mins (the vector kernels rely on xd being equal within
/// each super-block): the weights' dot products read the blocks as stored (a few rows decoded
/// to bytes at a time), never a float copy.
void uk_gemm_kquant(uk_path path, uk_kquant type, const int8_t *xq, const float *xd,
                    const float *xm, long rows, long k, const uint8_t *w, long n0, long n1,
                    float *y, long ldy);

/// Bidirectional attention for query rows [t0, t1) of one head: out[t, h] = softmax(scale *
/// q_t . K_g) V_g for the key/value head g = head / (heads / kv_heads) (scale is 1/sqrt(d) for
/// most models, 1 for Gemma 4's normed queries and keys), an exact softmax over each row of
/// scores, tiled like a GEMM with memory linear in `tokens` (attention.c). q and out have row
/// stride heads * d, k and v kv_heads * d. Returns 0, or -1 when its O(tokens * d) buffers could
/// not be allocated (out is then unwritten).
int uk_attention(uk_path path, const float *q, const float *k, const float *v, float *out,
                 long tokens, long heads, long kv_heads, long d, long head, long t0, long t1,
                 float scale);

/// SwiGLU's elementwise step: gate[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + e^-g),
/// with the same Cephes exp as uk_attention.
void uk_swiglu(uk_path path, float *gate, const float *up, long count);

/// GELU's tanh approximation in place, x[i] = x / (1 + e^(-2u)) with u = beta (x + kappa x^3):
/// 0.5 x (1 + tanh(u)) rewritten to vectorize, with the same Cephes exp as uk_attention.
void uk_gelu_tanh(uk_path path, float *x, long count, float beta, float kappa);

/// The multiply-add instructions the float GEMMs are built on, for measuring their peak rate.
typedef enum uk_peak_instruction {
  /// vfmadd on 8 f32 lanes (the AVX2 paths).
  UK_PEAK_FMA256 = 0,
  /// vfmadd on 16 f32 lanes (the AVX-512 exact path).
  UK_PEAK_FMA512 = 1,
  /// vdpbf16ps: 32 bf16 products into 16 f32 lanes (UK_PATH_AVX512_BF16 on bf16 weights).
  UK_PEAK_DPBF16 = 2,
} uk_peak_instruction;

/// Floating-point operations (a multiply-add counts two) of one iteration of uk_peak_run.
long uk_peak_flops_per_iteration(uk_peak_instruction instruction);

/// Runs `iterations` of independent multiply-adds of `instruction` in registers on the calling
/// thread and returns their sum (to be ignored), or -1 where this CPU lacks the instruction.
float uk_peak_run(uk_peak_instruction instruction, long iterations);

// How deep the calling thread is inside ComputeThreads' parallel loops (0: not inside one).
// A loop started inside another runs on the calling thread alone: thread-local, so that work
// split over experts runs each expert's GEMM tiles serially on its own thread.
int uk_parallel_depth(void);
void uk_set_parallel_depth(int depth);

/// One chunk of a parallel loop: `body(context, chunk)`.
typedef void (*uk_pool_body)(void *context, long chunk);

/// Runs `body(context, i)` for every `i` in `0..<chunks` on the calling thread and up to
/// `threads - 1` kept worker threads, each taking the next chunk when it is done with one
/// (`thread_pool.c`). Returns 1 once every chunk has run, or 0 without running any when another
/// thread is inside it (the caller then runs the loop another way). The body marks its own
/// depth (uk_set_parallel_depth) where loops inside it must run on its thread alone.
int uk_pool_run(int threads, long chunks, uk_pool_body body, void *context);

#ifdef __cplusplus
}
#endif

#endif
