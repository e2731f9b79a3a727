import Foundation
import UnmaskFormats
import UnmaskCore
import UnmaskKernels

/// A masked-diffusion language model loaded from a checkpoint: a `MaskPredictor` plus what the
/// sampler and tools need to know about it.
public protocol MaskedDiffusionModel: MaskPredictor {
  /// `model_type` values in config.json that this architecture reads (e.g. `llada`).
  static var modelTypes: [String] { get }
  /// Class names in config.json's `architectures` that identify this architecture whatever
  /// `model_type` says (e.g. `LLaDAMoEModelLM`); checked before any `model_type`.
  static var architectureNames: [String] { get }
  /// Whether this architecture reads a config.json with `header` when no architecture's
  /// `architectureNames` matched it (by default: `modelTypes` contains its `model_type`).
  static func claims(_ header: ConfigHeader) -> Bool
  /// Builds the model from `config.json` and its weights (strictly: see `WeightLoader`).
  init(configJSON: Data, configPath: String, weights: WeightLoader) throws
  /// The `[MASK]` token id from config.json, if it names one.
  var maskTokenID: Int32? { get }
  /// The end-of-sequence token id from config.json, if it names one.
  var eosTokenID: Int32? { get }
  /// Architecture name for humans and traces (`LLaDA`, `Dream`).
  var architecture: String { get }
  /// Parameter count (elements of all weights), for reports and FLOP estimates.
  var parameterCount: Int { get }
  /// Multiply-adds per token of one forward pass over `tokens` positions, times two: the FLOP
  /// count the benchmark divides by time.
  func flops(tokens: Int) -> Double
  /// The network's own rows for `request`, before any shift generation applies (`logitShift`):
  /// row `i` is its output at position `i`.
  func rawLogits(for request: ForwardRequest) throws -> [Matrix]
  /// The model width and the hidden width of its first feed-forward layer's largest GEMM: the
  /// shape benchmarks time BLAS's sgemm on as a baseline.
  var baselineGEMMShape: (width: Int, hidden: Int) { get }
  /// How the network reads a canvas's noise level (`ForwardCanvas.sigma`).
  var noiseLevelInput: NoiseLevelInput { get }
  /// The experts its mixture-of-experts layers choose, counted pass by pass (nil: no experts).
  var expertLoad: ExpertLoadMeter? { get }
}

/// How a model reads `ForwardCanvas.sigma`, the noise level MDLM-style networks take.
public enum NoiseLevelInput: Sendable, Equatable {
  /// The network has no noise input (LLaDA, Dream, the block-diffusion families).
  case none
  /// The network takes σ but its output does not depend on it: a DiT checkpoint trained without
  /// time conditioning (its reference zeroes σ before the backbone, and so does Unmask), or
  /// without adaLN (BD3-LM's `adaln: false`).
  case ignored
  /// σ conditions every block (a DiT with `time_conditioning: true`).
  case conditioned
}

extension MaskedDiffusionModel {
  /// None: the architecture is recognised by `model_type` alone.
  public static var architectureNames: [String] { [] }

  /// No experts, unless the architecture has them.
  public var expertLoad: ExpertLoadMeter? { nil }

  /// No noise input, unless the architecture says otherwise.
  public var noiseLevelInput: NoiseLevelInput { .none }

  /// σ conditions the network (`noiseLevelInput` is `.conditioned`).
  public var conditionsOnNoiseLevel: Bool { noiseLevelInput == .conditioned }

  /// `model_type` is one of `modelTypes`.
  public static func claims(_ header: ConfigHeader) -> Bool {
    header.modelType.map(modelTypes.contains) ?? false
  }
}

/// An architecture whose network is a `TransformerStack`: the forward pass, the cache and the
/// bookkeeping come with it; the architecture says which rows generation reads (`logitShift`)
/// and which mask it was trained with (`attentionMask`).
public protocol TransformerStackModel: MaskedDiffusionModel {
  /// The network.
  var stack: TransformerStack { get }
  /// Which network row generation reads for each position.
  var logitShift: LogitShift { get }
}

extension TransformerStackModel {
  /// Row `i` predicts position `i` unless the architecture says otherwise.
  public var logitShift: LogitShift { .none }

  /// Whether `logitShift` reads the row before each position.
  public var readsPreviousRow: Bool {
    if case .previousRow = logitShift { return true }
    return false
  }

  /// The request through the stack under the model's mask, rows read as `logitShift` says.
  public func logits(for request: ForwardRequest) throws -> [Matrix] {
    try logitShift.logits(for: request) { try stack.logits(for: $0, mask: attentionMask) }
  }

  /// The network's own rows, unshifted.
  public func rawLogits(for request: ForwardRequest) throws -> [Matrix] {
    try stack.logits(for: request, mask: attentionMask)
  }

  /// The model width and the first block's feed-forward hidden width.
  public var baselineGEMMShape: (width: Int, hidden: Int) {
    (stack.modelDimension, stack.blocks.first?.feedForward.hiddenDimension ?? 0)
  }

  /// An empty cache of every layer's keys and values for a canvas of `positions` tokens.
  public func makeKVCache(positions: Int) -> KVCache? { stack.makeKVCache(positions: positions) }

  /// Logits per position (rows of the output head).
  public var vocabularySize: Int { stack.vocabularySize }
  /// Weight elements.
  public var parameterCount: Int { stack.parameterCount }
  /// FLOPs of one forward pass over `tokens` positions.
  public func flops(tokens: Int) -> Double { stack.flops(tokens: tokens) }
}
