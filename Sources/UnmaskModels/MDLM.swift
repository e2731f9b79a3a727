import Foundation
import UnmaskCore

// MDLM (Sahoo et al., NeurIPS 2024), as published on the hub (`kuleshov-group/mdlm-owt`:
// `model_type: mdlm`, `MDLM` with `MDLMConfig`): the DiT of `DiT.swift` with adaLN on the noise
// level, bidirectional attention over the canvas. With `time_conditioning: false` (mdlm-owt's
// setting) σ is zeroed before the backbone, as the reference does; the network still applies
// its adaLN modulations, from c = silu(sigma_map(0)).
//
// The mask is `vocab_size - 1` (50257 on GPT-2, vocabulary 50258). BD3-LM's extra fields, if a
// config carries them, are read by nothing in `MDLM` and ignored here.

/// An MDLM checkpoint in its Hugging Face layout.
public final class MDLMModel: TransformerStackModel {
  /// config.json `model_type` values this file reads.
  public static let modelTypes = ["mdlm"]
  /// config.json `architectures` names of this file's checkpoints.
  public static let architectureNames = ["MDLM"]
  /// The decoded config.
  public let configuration: DiTConfiguration
  /// The network.
  public let stack: TransformerStack

  /// Human-readable architecture name.
  public var architecture: String { "MDLM" }
  /// `vocab_size - 1`.
  public var maskTokenID: Int32? { configuration.maskTokenID }
  /// None in config.json (GPT-2's `<|endoftext|>` comes from the tokenizer).
  public var eosTokenID: Int32? { nil }
  /// σ conditions the network with `time_conditioning`, else it is zeroed.
  public var noiseLevelInput: NoiseLevelInput {
    configuration.timeConditioning ? .conditioned : .ignored
  }

  /// Builds the model from config.json and its weights, strictly (see `WeightLoader`).
  public init(configJSON: Data, configPath: String, weights: WeightLoader) throws {
    let config = try ModelError.decode(
      DiTConfiguration.self, from: configJSON, path: configPath)
    try config.validate(path: configPath)
    configuration = config
    stack = try .diffusionTransformer(config, adaLN: true, weights: weights, path: configPath)
    try weights.finish()
  }
}
