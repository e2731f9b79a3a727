#if canImport(Accelerate)
  import Accelerate
#else
  import CBLAS
#endif
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
}
