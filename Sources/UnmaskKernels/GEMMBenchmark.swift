#if canImport(Accelerate)
  import Accelerate
#else
  import CBLAS
#endif
import CUnmaskKernels
import Foundation

/// Measures the BLAS baseline that forward-pass speed is reported against, in the same run.
public enum GEMMBenchmark {
  /// GFLOP/s of `cblas_sgemm` computing `[m, k] · [n, k]ᵀ` (the Linear layout), best of
  /// `repetitions` runs after one warm-up.
  public static func sgemmGFLOPS(m: Int, n: Int, k: Int, repetitions: Int = 5) -> Double {
    let a = [Float](repeating: 0.5, count: m * k)
    let b = [Float](repeating: 0.25, count: n * k)
    var c = [Float](repeating: 0, count: m * n)
    var best = Double.infinity
    for run in 0...repetitions {
      let start = DispatchTime.now().uptimeNanoseconds
      cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b,
        Int32(k), 0, &c, Int32(n))
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      if run > 0 { best = min(best, seconds) }
    }
    return 2 * Double(m) * Double(n) * Double(k) / best / 1e9
  }

  /// The multiply-add instructions under the float GEMMs, for their peak rate.
  public enum MultiplyAdd: String, Sendable {
    case fmaYMM = "fma ymm"
    case fmaZMM = "fma zmm"
    case vdpbf16ps

    var c: uk_peak_instruction {
      switch self {
      case .fmaYMM: UK_PEAK_FMA256
      case .fmaZMM: UK_PEAK_FMA512
      case .vdpbf16ps: UK_PEAK_DPBF16
      }
    }

    /// The instruction under `path`'s GEMM for weights of `dtype`: vdpbf16ps for bf16 weights
    /// on `.avx512BF16`, FMA on 16 or 8 lanes otherwise; nil for the scalar and BLAS paths and
    /// for quantized weights (integer dot products).
    public init?(_ path: KernelPath, _ dtype: DType) {
      guard dtype == .f32 || dtype == .bf16 else { return nil }
      switch path {
      case .avx512BF16 where dtype == .bf16: self = .vdpbf16ps
      case .avx512, .avx512BF16: self = .fmaZMM
      case .avx2: self = .fmaYMM
      default: return nil
      }
    }
  }

  /// GFLOP/s of `instruction` with every one of `ComputeThreads.count` threads running its
  /// register-only loop at once (about 0.1 s each), best of `repetitions`; nil where the CPU
  /// lacks it.
  public static func peakGFLOPS(_ instruction: MultiplyAdd, repetitions: Int = 3) -> Double? {
    let iterations = 20_000_000
    guard uk_peak_run(instruction.c, 1) >= 0 else { return nil }
    let threads = ComputeThreads.count
    var best = Double.infinity
    for _ in 0..<repetitions {
      let start = DispatchTime.now().uptimeNanoseconds
      ComputeThreads.parallelFor(threads) { _ in _ = uk_peak_run(instruction.c, iterations) }
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let flops = Double(uk_peak_flops_per_iteration(instruction.c)) * Double(iterations)
    return flops * Double(threads) / best / 1e9
  }
}
