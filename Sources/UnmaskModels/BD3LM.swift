import Foundation
import UnmaskCore

// BD3-LM (Arriola et al., ICLR 2025), as published on the hub
// (`kuleshov-group/bd3lm-owt-block_size{4,8,16}`: `model_type: bd3lm`, `BD3LM` with
// `BD3LMConfig`), from kuleshov-group/bd3lms `models/hf/modeling_bd3lm.py`: the DiT of
// `DiT.swift` with BD3-LM's options. What each does at inference, the pass its sampler runs
// (`sample_mode=True`):
//
// - `cross_attn` (default true): training runs on `x_t ⊕ x_0` (2 × model_length rows) under the
//   block-diffusion mask; sampling runs one canvas under that mask's `x_0` quadrant, block-causal
//   over `block_size` (a block sees itself and the blocks before it, counted from position 0).
//   That is this model's `attentionMask`. The reference's KV cache (pre-RoPE q/k/v of finished
//   blocks, the new block's queries against all of them) computes the same rows as a window
//   pass over that block with Unmask's cache (post-RoPE keys and values): the goldens check it.
//   No pass may read more than `model_length` positions (the mask is cut from a
//   `2 · model_length` square). Without its cache the sampler reads at most the last 1024
//   positions up to a block's end, so a checkpoint of `model_length` 1024 (the published ones)
//   samples a longer canvas that way, and so does Unmask (`--cache none`). The reference's cache
//   instead rolls: past `model_length` it drops the oldest block and re-rotates the kept pre-RoPE
//   keys to new positions. RoPE is relative, so that is attention over the last `model_length`
//   positions with the keys and values as stored: Unmask's cached passes hide the dropped
//   positions (`rollingCacheLength`, `BD3LMSampler`).
// - `adaln` (default true): adaLN conditioning on σ; false gives plain pre-norm blocks and a
//   final norm without modulation, and σ is ignored.
// - `time_conditioning` (default false, as published): σ is zeroed before the backbone.
// - `causal` (default false): without `cross_attn`, causal attention (`.blockCausal(1)`); with
//   it, refused: SDPA rejects an explicit mask together with `is_causal`.
// - `attn_backend`: `flex` (the published default) and `sdpa` compute the same attention; the
//   reference's sampler switches a `flex` checkpoint to `sdpa` before sampling (diffusion.py),
//   and `BD3LM.forward` asserts `sdpa` in sample mode. Anything else is refused.
// - `var_min` (default true): the checkpoint holds the scalar buffers `sampling_eps_min` and
//   `sampling_eps_max`, the clipped noise range the sampler and the NELBO read
//   (`samplingEpsilon`).
// - `block_size` matters only with `cross_attn`; `dropout` is off at inference.

/// A BD3-LM checkpoint in its Hugging Face layout.
public final class BD3LMModel: TransformerStackModel {
  /// config.json `model_type` values this file reads.
  public static let modelTypes = ["bd3lm"]
  /// config.json `architectures` names of this file's checkpoints.
  public static let architectureNames = ["BD3LM"]
  /// The decoded config.
  public let configuration: DiTConfiguration
  /// The network.
  public let stack: TransformerStack
  /// The training block length (`block_size`, `BD3LMConfig`'s default 1).
  public let blockLength: Int
  /// The mask of the sampler's pass: block-causal with `cross_attn`, causal with `causal`,
  /// else full.
  public let attentionMask: AttentionMask
  /// `sampling_eps_min ... sampling_eps_max` as saved in the checkpoint (`var_min`), else nil.
  public let samplingEpsilon: ClosedRange<Double>?

  /// Human-readable architecture name.
  public var architecture: String { "BD3-LM" }
  /// `vocab_size - 1`.
  public var maskTokenID: Int32? { configuration.maskTokenID }
  /// None in config.json (GPT-2's `<|endoftext|>` comes from the tokenizer).
  public var eosTokenID: Int32? { nil }
  /// `model_length`: past it the reference's cache drops its oldest block (and re-rotates the
  /// kept pre-RoPE keys to new positions, which leaves their relative positions, and so the
  /// attention, as they were).
  public var rollingCacheLength: Int? { configuration.modelLength }
  /// σ conditions the network with `adaln` and `time_conditioning`; otherwise it is unused.
  public var noiseLevelInput: NoiseLevelInput {
    configuration.timeConditioning && stack.conditioning != nil ? .conditioned : .ignored
  }

  /// Builds the model from config.json and its weights, strictly (see `WeightLoader`).
  public init(configJSON: Data, configPath: String, weights: WeightLoader) throws {
    let config = try ModelError.decode(
      DiTConfiguration.self, from: configJSON, path: configPath)
    try config.validate(path: configPath)
    let checks = ConfigChecks(path: configPath)
    let crossAttention = config.crossAttn ?? true
    let causal = config.causal ?? false
    blockLength = config.blockSize ?? 1
    guard blockLength >= 1 else { throw checks.refuse("block_size", "must be at least 1") }
    let backend = config.attnBackend ?? "flex"
    guard ["flex", "sdpa"].contains(backend) else {
      throw checks.refuse("attn_backend", "'\(backend)' is not supported (flex or sdpa)")
    }
    guard !(causal && crossAttention) else {
      throw checks.refuse(
        "causal", "true with cross_attn: the reference's SDPA refuses a mask with is_causal")
    }
    attentionMask =
      crossAttention
      ? .blockCausal(blockLength: blockLength) : causal ? .blockCausal(blockLength: 1) : .full
    configuration = config
    stack = try .diffusionTransformer(
      config, adaLN: config.adaln ?? true, weights: weights, path: configPath)
    if config.varMin ?? true {
      // Scalars (0-dimensional tensors) in the checkpoint.
      let low = try weights.tensor("sampling_eps_min", shape: []).floats()[0]
      let high = try weights.tensor("sampling_eps_max", shape: []).floats()[0]
      guard low <= high else {
        throw checks.refuse("sampling_eps_min", "the checkpoint's range \(low)...\(high) is empty")
      }
      samplingEpsilon = Double(low)...Double(high)
    } else {
      samplingEpsilon = nil
    }
    try weights.finish()
  }
}
