import UnmaskKernels

/// A position-wise feed-forward layer, `[rows, model] -> [rows, model]`: the part of a block
/// after attention (dense SwiGLU in LLaDA and Dream, a GELU MLP in MDLM's DiT, a mixture of
/// experts in LLaDA-MoE and LLaDA2).
///
/// A part declares its scratch, parameters and work, so the block and the stack that hold it
/// never look at its fields.
public protocol FeedForward: Sendable {
  /// Input and output width.
  var modelDimension: Int { get }
  /// Floats of scratch one call over `rows` rows needs (non-decreasing in `rows`).
  func scratchCount(rows: Int) -> Int
  /// Reads `x` `[rows, model]` and writes the layer's output `[rows, model]` to `output`
  /// (`output` never aliases `x`), using `scratch` (`scratchCount(rows:)` floats).
  func apply(
    _ x: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>)
  /// Width of the layer's largest hidden activation (a dense MLP's hidden size, an expert's).
  var hiddenDimension: Int { get }
  /// Weight elements (every expert counted).
  var parameterCount: Int { get }
  /// Multiply-adds per token of one call (a mixture of experts: the router and the experts a
  /// token runs).
  var multiplyAddsPerToken: Int { get }
}
