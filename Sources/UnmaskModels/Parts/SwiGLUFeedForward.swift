import UnmaskKernels

/// The gated MLP of Llama-style blocks (LLaDA, Dream/Qwen2, and every expert of LLaDA-MoE and
/// LLaDA2):
///
///     y = Down · (silu(Gate · x) ⊙ (Up · x)),   silu(g) = g / (1 + e⁻ᵍ)
///
/// With `activation: .geluTanh` it is Gemma's GeGLU (`act_fn(gate_proj(x)) * up_proj(x)` with
/// `gelu_pytorch_tanh`: DiffusionGemma's dense MLP, experts and self-conditioning block).
///
/// `[rows, model] -> gate, up [rows, hidden] -> [rows, model]`. The steps are those of
/// `TransformerBlock.finish` (gate, up, `VectorMath.swiglu` in place on the gate, down), so a
/// block built on this part computes bit for bit what the dense block did.
public struct SwiGLUFeedForward: FeedForward {
  /// What the gate's output goes through before it multiplies the up projection's.
  public enum Activation: Sendable, Equatable {
    /// `silu(g) = g / (1 + e⁻ᵍ)` (SwiGLU).
    case silu
    /// GELU, tanh approximation (GeGLU; transformers' `gelu_pytorch_tanh`).
    case geluTanh
  }

  /// The gate's activation.
  public let activation: Activation
  /// Gate projection `[hidden, model]` (`gate_proj` / LLaDA's `ff_proj`).
  public let gate: Linear
  /// Up projection `[hidden, model]` (`up_proj`).
  public let up: Linear
  /// Down projection `[model, hidden]` (`down_proj` / LLaDA's `ff_out`).
  public let down: Linear

  /// An MLP from its three projections; their shapes must chain.
  public init(gate: Linear, up: Linear, down: Linear, activation: Activation = .silu) throws {
    let hidden = gate.outFeatures
    guard up.outFeatures == hidden, up.inFeatures == gate.inFeatures else {
      throw ShapeError(
        tensor: up.weight.name, expected: "[\(hidden), \(gate.inFeatures)] like the gate",
        found: up.weight.shape)
    }
    guard down.inFeatures == hidden, down.outFeatures == gate.inFeatures else {
      throw ShapeError(
        tensor: down.weight.name, expected: "[\(gate.inFeatures), \(hidden)]",
        found: down.weight.shape)
    }
    self.gate = gate
    self.up = up
    self.down = down
    self.activation = activation
  }

  /// Features per row (`model`).
  public var modelDimension: Int { down.outFeatures }

  /// Intermediate features (`hidden`, `intermediate_size`).
  public var hiddenDimension: Int { gate.outFeatures }

  /// The gate and up activations, `[rows, hidden]` each.
  public func scratchCount(rows: Int) -> Int { 2 * rows * hiddenDimension }

  /// `output = down(act(gate x) ⊙ up x)`; scratch holds gate then up `[rows, hidden]`.
  public func apply(
    _ x: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) {
    let g = scratch
    let u = scratch + rows * hiddenDimension
    gate.apply(x, rows: rows, into: g)
    up.apply(x, rows: rows, into: u)
    switch activation {
    case .silu:
      VectorMath.swiglu(g, u, count: rows * hiddenDimension)
    case .geluTanh:
      let count = rows * hiddenDimension
      VectorMath.geluTanh(g, count: count)
      ComputeThreads.forEachSlice(count) { start, end in
        for i in start..<end { g[i] *= u[i] }
      }
    }
    down.apply(g, rows: rows, into: output)
  }

  /// Weights of the three projections.
  public var parameterCount: Int {
    gate.parameterCount + up.parameterCount + down.parameterCount
  }

  /// `3 · model · hidden`.
  public var multiplyAddsPerToken: Int {
    gate.multiplyAddsPerRow + up.multiplyAddsPerRow + down.multiplyAddsPerRow
  }
}
