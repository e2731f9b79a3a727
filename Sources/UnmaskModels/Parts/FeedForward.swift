/// A position-wise layer `[rows, model] -> [rows, model]`: the part of a transformer block after
/// attention (a dense SwiGLU or GELU MLP, or a mixture of experts).
///
/// Conformers own their weights and report their size and work (`parameterCount`,
/// `multiplyAddsPerToken`) and the scratch a call needs (`scratchCount(rows:)`), so a block
/// composes them, sizes buffers and prints model summaries without reading their fields.
/// Rows are independent: row `t` of the output depends on row `t` of the input only.
public protocol FeedForward: Sendable {
  /// Features per row of input and output (`model`).
  var modelDimension: Int { get }

  /// Floats of scratch one call over `rows` rows needs.
  func scratchCount(rows: Int) -> Int

  /// Reads x [rows, model], writes output [rows, model] (output never aliases x), using
  /// `scratch` (scratchCount(rows:) floats).
  func apply(
    _ x: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>)

  /// Width of the layer's hidden activation (a dense MLP's `intermediate_size`, one expert's):
  /// the GEMM benchmarks time as their baseline.
  var hiddenDimension: Int { get }

  /// Weight elements (all experts counted).
  var parameterCount: Int { get }

  /// Multiply-adds per token of one call (MoE: the active experts and router only).
  var multiplyAddsPerToken: Int { get }
}
