/// What a run's logits promise (`--numerics`), and the kernel path that keeps the promise on
/// this CPU.
///
/// - `exact` (the default): logits within 1e-5 of the reference code's float32 ones; the
///   fastest exact path (`KernelPath.best`).
/// - `fast`: the fastest path whose logit error stays within the reference model's own
///   bfloat16 error (`model.to(torch.bfloat16)`, as the model cards run it). That is
///   `.avx512BF16` where the CPU has AVX512-BF16, and the exact path elsewhere; int8
///   activations never (their error is the weights' quantization's, not bf16's). The bound is
///   tested on the golden fixtures against the reference's own bf16 gaps
///   (`Tests/Fixtures/golden/bf16-reference-gaps.json`).
public enum Numerics: String, Sendable, CaseIterable {
  case exact
  case fast

  /// The kernel path this CPU runs for these numerics.
  public var kernelPath: KernelPath {
    self == .fast && KernelPath.avx512BF16.isSupported ? .avx512BF16 : .best
  }

  /// The numerics a kernel path gives: `fast` for the one that rounds activations to bf16.
  public init(of path: KernelPath) { self = path.isExact ? .exact : .fast }
}
