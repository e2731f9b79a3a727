import Foundation
import UnmaskCore
import UnmaskKernels

// Fast-dLLM v2 (NVlabs, 2025; Efficient-Large-Model/Fast_dLLM_v2_1.5B and _7B): Qwen2.5 turned
// into a block-diffusion model. Its modeling file (`modeling.py`, class
// `Fast_dLLM_QwenForCausalLM`, config `Fast_dLLM_QwenConfig`) exists only on the model hub; at
// inference its layers are transformers' Qwen2 (`QwenLayout.swift`: q/k/v biases, no o bias, no
// q/k norm, `head_dim` = hidden_size / heads unless config.json sets it) under the eval mask
// `eval_block_diff_mask`: query block >= key block, blocks of the `block_size` the sampler
// passes to `forward` (32 by default, config.json's `bd_size`), counted from position 0 — the
// `.blockCausal` mask (its sampler's denoising passes leave `block_size` at 32, which
// `Denoiser` gives as `.blockCausalCapped` when the sampler's blocks do not divide 32). The goldens (scripts/fixtures/make_block_diffusion_fixtures.py) come from
// transformers' Qwen2 modeling run under that mask, as the sampler of NVlabs/Fast-dLLM's
// `v2/generation_functions.py` (upstream commit 6cf2722, in the fork mgustineli/Fast-dLLM)
// drives it.
//
// Fast-dLLM v2 keeps the autoregressive shift: `batch_sample` reads
// `cat([logits[:, :1], logits[:, :-1]])` over the block it runs, so position p reads row p - 1
// (`.previousRow`), and a block's first position its own row, as a window pass here does too
// (`LogitShift`). Over a whole canvas that position reads the previous block's last row
// instead; it is never masked in the reference (it holds the prompt, or the token predicted
// from the previous block's last row once that block was finished), so no token changes.

/// A Fast-dLLM v2 checkpoint (`Fast_dLLM_QwenForCausalLM`) ready to predict masked tokens.
/// Its `[MASK]` id comes from config.json if it names one, else from the tokenizer (the
/// reference samplers hard-code 151665, `|<MASK>|` in its tokenizer).
public final class FastDLLMv2Model: QwenLayoutModel {
  /// config.json `model_type` values this file reads.
  public static let modelTypes = ["Fast_dLLM_Qwen"]
  /// The decoded config: Qwen2's fields and `bd_size`.
  public let configuration: QwenConfiguration
  /// The network.
  public let stack: TransformerStack

  /// Human-readable architecture name.
  public var architecture: String { "Fast-dLLM v2" }
  /// The block length: `bd_size`, 32 when absent (`forward`'s `block_size` default).
  public var blockLength: Int { configuration.bdSize ?? 32 }
  /// Position p reads row p - 1 (see the file header).
  public var logitShift: LogitShift { .previousRow }
  /// Block-causal over blocks of `bd_size` (a sampler that runs another `block_size` passes
  /// `.blockCausal(blockLength:)` in its request).
  public var attentionMask: AttentionMask { .blockCausal(blockLength: blockLength) }

  /// Builds the model from config.json and its weights, strictly (see `WeightLoader`).
  public init(configJSON: Data, configPath: String, weights: WeightLoader) throws {
    let config = try ModelError.decode(QwenConfiguration.self, from: configJSON, path: configPath)
    configuration = config
    guard config.headDim != nil || config.hiddenSize % max(1, config.numAttentionHeads) == 0 else {
      throw ModelError.invalidConfig(
        path: configPath, field: "num_attention_heads",
        problem: "hidden_size \(config.hiddenSize) must be a multiple of it")
    }
    // Qwen2: `getattr(config, "head_dim", hidden_size // heads)`; q/k/v biases, none on o.
    stack = try .qwen(
      config,
      options: QwenBlockOptions(
        headDimension: config.headDim ?? config.hiddenSize / max(1, config.numAttentionHeads),
        queryKeyNorm: false, qkvBias: true, outputBias: false),
      weights: weights, path: configPath)
    guard blockLength >= 1 else {
      throw ModelError.invalidConfig(
        path: configPath, field: "bd_size", problem: "must be at least 1")
    }
  }
}
