import Foundation
import UnmaskCore
import UnmaskKernels

// SDAR (JetAstra, 2025), as in JetAstra/SDAR's `training/model/SDAR-4B-Chat/modeling_sdar.py`
// and `configuration_sdar.py`: transformers' Qwen3 (v4.52.4) turned into a block-diffusion
// model. The layers are Qwen3's (`QwenLayout.swift`): q/k RMS norm per head with a shared
// `[head_dim]` weight before RoPE, `head_dim` from the config (128 in every released SDAR, not
// hidden_size / heads), biases on q/k/v/o only with `attention_bias`. What differs from Qwen3:
// attention at inference is block-causal, and row i predicts position i (no shift: generate.py
// reads the logits as they come).
//
// Where the block length comes from. `generate.py`'s `block_diffusion_generate` builds its SDPA
// mask from its own `block_length` argument (`tril(ones(blocks, blocks))` repeated per token,
// blocks counted from position 0), and `modeling_sdar.py` never reads a block size at
// inference; config.json's `block_size` is the block the checkpoint was trained with (read by
// `prepare_for_bd_training` only). This model's own mask (`attentionMask`) uses `block_size`
// (4 when absent: SDAR-*-Chat's value and generate.py's `--block_length` default), so a plain
// pass and `--cache exact` see the training geometry. A sampler that runs another block length,
// as generate.py allows, passes `.blockCausal(blockLength: B)` in its `ForwardRequest`.
//
// Also not modelled because it does not change the numbers: the reference normalises with
// flash-attn's Triton `rms_norm_fn` (the same float32 formula as its commented-out torch code)
// and runs an all-true mask through `flash_attn_func`, a block-causal one through SDPA.

/// An SDAR checkpoint (`SDARForCausalLM`) ready to predict masked tokens block by block.
public final class SDARModel: QwenLayoutModel {
  /// config.json `model_type` values this file reads.
  public static let modelTypes = ["sdar"]
  /// The decoded config: Qwen3's fields with `SDARConfig`'s defaults, and `block_size`.
  public let configuration: QwenConfiguration
  /// The network.
  public let stack: TransformerStack

  /// Human-readable architecture name.
  public var architecture: String { "SDAR" }
  /// The training block length: `block_size`, 4 when absent (see the file header).
  public var blockLength: Int { configuration.blockSize ?? 4 }
  /// Block-causal over blocks of `blockLength` (see the file header).
  public var attentionMask: AttentionMask { .blockCausal(blockLength: blockLength) }

  /// Builds the model from config.json and its weights, strictly (see `WeightLoader`).
  public init(configJSON: Data, configPath: String, weights: WeightLoader) throws {
    let config = try ModelError.decode(QwenConfiguration.self, from: configJSON, path: configPath)
    configuration = config
    // Qwen3's q/k norms; `head_dim` defaults to `SDARConfig`'s 128; biases on q/k/v/o together.
    stack = try .qwen(
      config,
      options: QwenBlockOptions(
        headDimension: config.headDim ?? 128, queryKeyNorm: true, qkvBias: config.attentionBias,
        outputBias: config.attentionBias),
      weights: weights, path: configPath)
    guard blockLength >= 1 else {
      throw ModelError.invalidConfig(
        path: configPath, field: "block_size", problem: "must be at least 1")
    }
  }
}
