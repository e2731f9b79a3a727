import Foundation
import UnmaskFormats
import UnmaskKernels

/// A masked-diffusion language model loaded from a checkpoint: a `MaskPredictor` plus what the
/// sampler and tools need to know about it.
public protocol MaskedDiffusionModel: MaskPredictor {
  /// `model_type` values in config.json that this architecture reads (e.g. `llada`).
  static var modelTypes: [String] { get }
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
}

/// An architecture whose network is a `TransformerStack`: the bookkeeping comes with it.
public protocol TransformerStackModel: MaskedDiffusionModel {
  /// The network.
  var stack: TransformerStack { get }
}

extension TransformerStackModel {
  /// Logits per position (rows of the output head).
  public var vocabularySize: Int { stack.vocabularySize }
  /// Weight elements.
  public var parameterCount: Int { stack.parameterCount }
  /// FLOPs of one forward pass over `tokens` positions.
  public func flops(tokens: Int) -> Double { stack.flops(tokens: tokens) }
}
