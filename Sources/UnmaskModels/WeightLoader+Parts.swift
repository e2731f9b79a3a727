import UnmaskFormats
import UnmaskKernels

/// Loading the composable parts (`Parts/`) by checkpoint names, with the same strictness as
/// `linear` and `rmsNorm`: every tensor named here must exist with its shape, and counts as used.
extension WeightLoader {
  /// How a checkpoint names a SwiGLU MLP's three projections under its prefix.
  public enum SwiGLUNames: String, Sendable, CaseIterable {
    /// Hugging Face's Llama/Qwen/MoE names: `gate_proj`, `up_proj`, `down_proj`.
    case huggingFace
    /// LLaDA's (OLMo-derived) names: `ff_proj`, `up_proj`, `ff_out`.
    case llada

    /// The gate, up and down projections' names.
    public var projections: (gate: String, up: String, down: String) {
      switch self {
      case .huggingFace: return ("gate_proj", "up_proj", "down_proj")
      case .llada: return ("ff_proj", "up_proj", "ff_out")
      }
    }
  }

  /// A float vector `name` of `count` elements (an expert bias), widened to float32.
  public func floats(_ name: String, count: Int) throws -> [Float] {
    try tensor(name, shape: [count]).floats()
  }

  /// A SwiGLU MLP `prefix.{gate,up,down}.weight` (no biases): gate and up `[hidden, model]`,
  /// down `[model, hidden]`; `deferred` as for `linear`.
  public func swiGLU(
    _ prefix: String, model: Int, hidden: Int, names: SwiGLUNames = .huggingFace,
    deferred: Bool = false
  ) throws -> SwiGLUFeedForward {
    let name = names.projections
    return try shapeChecked {
      try SwiGLUFeedForward(
        gate: linear(
          "\(prefix).\(name.gate)", out: hidden, in: model, bias: false, deferred: deferred),
        up: linear("\(prefix).\(name.up)", out: hidden, in: model, bias: false, deferred: deferred),
        down: linear(
          "\(prefix).\(name.down)", out: model, in: hidden, bias: false, deferred: deferred))
    }
  }

  /// `count` SwiGLU experts `prefix.0` … `prefix.(count-1)` (`mlp.experts`), each as `swiGLU`.
  /// Only their views are made: nothing reads an expert's weights until a token picks it (from
  /// a compressed `.umk`, its first product decodes it).
  public func experts(
    _ prefix: String, count: Int, model: Int, hidden: Int, names: SwiGLUNames = .huggingFace
  ) throws -> [SwiGLUFeedForward] {
    try (0..<count).map {
      try swiGLU("\(prefix).\($0)", model: model, hidden: hidden, names: names, deferred: true)
    }
  }

  /// `count` gated experts stored stacked, as transformers' fused expert modules keep them:
  /// `gateUp` `[count, 2·hidden, model]` (gate rows, then up rows, as `.chunk(2, dim=-1)` splits
  /// the product) and `down` `[count, model, hidden]`. Each expert's projections are views into
  /// the stacked tensors, so an expert no token picks is never read.
  public func stackedExperts(
    gateUp: String, down: String, count: Int, model: Int, hidden: Int,
    activation: SwiGLUFeedForward.Activation
  ) throws -> [SwiGLUFeedForward] {
    let gateUpTensor = try rowTable(gateUp, shape: [count, 2 * hidden, model])
    let downTensor = try rowTable(down, shape: [count, model, hidden])
    func rows(_ tensor: TensorView, expert: Int, _ rows: Range<Int>, name: String) throws -> Linear
    {
      let perExpert = tensor.shape[1]
      let columns = tensor.shape[2]
      guard let rowBytes = tensor.dtype.storageSize(elements: columns) else {
        throw CheckpointError(
          path: source.location, item: tensor.name,
          "rows of \(columns) \(tensor.dtype.rawValue) elements do not fill whole blocks")
      }
      let first = (expert * perExpert + rows.lowerBound) * rowBytes
      let bytes = UnsafeRawBufferPointer(
        rebasing: tensor.bytes[first..<(first + rows.count * rowBytes)])
      let view = TensorView(
        name: name, dtype: tensor.dtype, shape: [rows.count, columns], bytes: bytes,
        owner: tensor.owner)
      return try shapeChecked { try Linear(weight: view, packsNow: false) }
    }
    return try (0..<count).map { e in
      try shapeChecked {
        try SwiGLUFeedForward(
          gate: rows(gateUpTensor, expert: e, 0..<hidden, name: "\(gateUp)[\(e)].gate"),
          up: rows(gateUpTensor, expert: e, hidden..<(2 * hidden), name: "\(gateUp)[\(e)].up"),
          down: rows(downTensor, expert: e, 0..<model, name: "\(down)[\(e)]"),
          activation: activation)
      }
    }
  }

  /// A GELU MLP (MDLM DiT's `mlp.0` and `mlp.2`): `up` `[hidden, model]`, `down`
  /// `[model, hidden]`, with biases when `bias`.
  public func geluFeedForward(up: String, down: String, model: Int, hidden: Int, bias: Bool)
    throws -> GELUFeedForward
  {
    try shapeChecked {
      try GELUFeedForward(
        up: linear(up, out: hidden, in: model, bias: bias),
        down: linear(down, out: model, in: hidden, bias: bias))
    }
  }

  /// A router over `experts` experts from the gate `gate.weight` `[experts, model]`; any expert
  /// bias in `scoring` is loaded by the caller (`floats(_:count:)`), since its name differs by
  /// model (LLaDA-MoE `mlp.expert_bias`, LLaDA2 `mlp.gate.expert_bias`).
  public func expertRouter(
    _ gate: String, experts: Int, model: Int, topK: Int, scoring: ExpertRouter.Scoring
  ) throws -> ExpertRouter {
    try shapeChecked {
      try ExpertRouter(
        gate: linear(gate, out: experts, in: model, bias: false), topK: topK, scoring: scoring)
    }
  }

  /// A layer norm over `dimension` features from `name.weight` (when `affine`) and `name.bias`
  /// (when `bias`).
  public func layerNorm(
    _ name: String, dimension: Int, epsilon: Float, affine: Bool = true, bias: Bool = false
  ) throws -> LayerNorm {
    let (weight, shift) = try normTensors(name, dimension: dimension, affine: affine, bias: bias)
    return try LayerNorm(weight: weight, bias: shift, dimension: dimension, epsilon: epsilon)
  }

  /// A QK-norm from `name.weight`: `[headDimension]` for `.perHead`, `[heads · headDimension]`
  /// for `.wholeRow`.
  public func qkNorm(
    _ name: String, heads: Int, headDimension: Int, scope: QKNorm.Scope, epsilon: Float
  ) throws -> QKNorm {
    let width = scope == .perHead ? headDimension : heads * headDimension
    return try QKNorm(
      weight: tensor("\(name).weight", shape: [width]), heads: heads,
      headDimension: headDimension, scope: scope, epsilon: epsilon)
  }

  /// `qkNorm` with `.perHead` scope when the config turns QK-norm on (`present`), else nil.
  public func perHeadQKNorm(
    _ name: String, heads: Int, headDimension: Int, epsilon: Float, if present: Bool
  ) throws -> QKNorm? {
    guard present else { return nil }
    return try qkNorm(
      name, heads: heads, headDimension: headDimension, scope: .perHead, epsilon: epsilon)
  }

  /// A fused query/key/value projection `name.weight` `[(heads + 2·kvHeads)·d, model]` (and
  /// `name.bias` when `bias`).
  public func fusedQKV(
    _ name: String, heads: Int, kvHeads: Int, headDimension: Int, model: Int, bias: Bool
  ) throws -> FusedQKV {
    let rows = (heads + 2 * kvHeads) * headDimension
    return try shapeChecked {
      try FusedQKV(
        projection: linear(name, out: rows, in: model, bias: bias), heads: heads,
        kvHeads: kvHeads, headDimension: headDimension)
    }
  }
}
