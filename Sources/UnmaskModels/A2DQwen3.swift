import Foundation
import UnmaskCore
import UnmaskKernels

// dllm's "autoregressive to diffusion" Qwen3 (ZHZisZZ/dllm,
// `dllm/pipelines/a2d/models/qwen3/modeling_qwen3.py`: `A2DQwen3LMHeadModel`, config
// `A2DQwen3Config`, model_type `a2d-qwen3`), the family of dllm-hub's
// Qwen3-0.6B-diffusion-mdlm / -bd3lm checkpoints. It is transformers' Qwen3 (v4.57) unchanged
// except for the mask: `A2DQwen3Model.forward` replaces the causal mask with a padding-only one,
// so attention is bidirectional (`.full`) unless the caller passes a 4D mask, as dllm's BD3LM
// sampler does (block-causal: it passes `.blockCausal` in the request). The layers are Qwen3's
// (`QwenLayout.swift`): q/k RMS norm per head with a shared `[head_dim]` weight, `head_dim`
// from the config (default 128). Row i predicts position i (the samplers'
// `right_shift_logits` defaults to false for these checkpoints).

/// An a2d-qwen3 checkpoint (`A2DQwen3LMHeadModel`): Qwen3 with bidirectional attention. Its
/// `[MASK]` id comes from config.json if it names one, else from the tokenizer (`<|mask|>`).
public final class A2DQwen3Model: QwenLayoutModel {
  /// config.json `model_type` values this file reads.
  public static let modelTypes = ["a2d-qwen3"]
  /// The decoded config: `Qwen3Config`'s fields and defaults.
  public let configuration: QwenConfiguration
  /// The network.
  public let stack: TransformerStack

  /// Human-readable architecture name.
  public var architecture: String { "A2D-Qwen3" }

  /// Builds the model from config.json and its weights, strictly (see `WeightLoader`).
  public init(configJSON: Data, configPath: String, weights: WeightLoader) throws {
    configuration = try ModelError.decode(
      QwenConfiguration.self, from: configJSON, path: configPath)
    // Qwen3: q/k norms, `head_dim` 128 when absent, `attention_bias` on q/k/v/o.
    let bias = configuration.attentionBias
    stack = try .qwen(
      configuration,
      options: QwenBlockOptions(
        headDimension: configuration.headDim ?? 128, queryKeyNorm: true, qkvBias: bias,
        outputBias: bias),
      weights: weights, path: configPath)
  }
}
