import Foundation
import UnmaskCore
import UnmaskFormats
import UnmaskKernels

// The diffusion transformer (DiT) of the Kuleshov group's masked diffusion models, MDLM and
// BD3-LM: kuleshov-group/mdlm `models/dit.py` (`DIT`) and its Hugging Face form, the hub's
// `modeling_mdlm.py` (`MDLM`, whose `backbone` is `DITBackbone`), and kuleshov-group/bd3lms
// `models/hf/modeling_bd3lm.py` (`BD3LM`, the same backbone with BD3-LM's options).
//
//     tokens -> vocab_embed                                       [T, d]
//     c = silu(sigma_map(σ))                                      [cond]   (σ zeroed without
//                                                                           time conditioning)
//     per block (DDiTBlock), with (b₁ s₁ g₁ b₂ s₂ g₂) = adaLN_modulation(c), 6 × [d]:
//       x += g₁ ⊙ attn_out(Attention(RoPE(attn_qkv(norm1(x) ⊙ (1 + s₁) + b₁))))
//       x += g₂ ⊙ mlp(norm2(x) ⊙ (1 + s₂) + b₂)
//     (b s) = output_layer.adaLN_modulation(c);  logits = linear(norm_final(x) ⊙ (1 + s) + b)
//
// The parts: `TimestepEmbedder` (256 sinusoidal features, `Linear`, SiLU, `Linear`), the adaLN
// modulations (`AdaLNModulation`), LayerNorm without bias (`F.layer_norm` in float32 then times
// the weight; eps 1e-5), a fused `attn_qkv` without bias whose row is `[q | k | v]`, heads of
// `d / n_heads`, rotary embedding rotate-half over the whole head with base 10000 (mdlm applies
// it through flash-attn's `apply_rotary_emb_qkv_`, non-interleaved, to q and k; bd3lms as
// `qkv * cos + rotate_half(qkv) * sin` with cos 1 and sin 0 on v: the same map), attention
// scaled by 1/sqrt(head_dim), an MLP `Linear(d, 4d)`, GELU(tanh), `Linear(4d, d)` with biases,
// and an untied output `linear` with bias. The output is every column of the vocabulary, the
// mask's (`vocab_size - 1`) included: MDLM's SUBS parameterization (mask logit -inf,
// log-softmax, unmasked rows copied) belongs to the sampler and the likelihood, not here.
//
// Tensor names (the state dict under `backbone.`), with where they were read: BD3-LM's from
// `modeling_bd3lm.py` itself; mdlm-owt's from the copies of the hub's `modeling_mdlm.py` and
// `configuration_mdlm.py` in public repositories (CPU ports that keep every parameter name),
// which are `dit.py`'s `DIT` with `config.model.hidden_size` renamed `hidden_dim` and σ zeroed
// inside the backbone when `time_conditioning` is false. scripts/fixtures/make_dit_fixtures.py
// lists them, and Tests/Fixtures/README.md ("DiT"):
//
//     backbone.vocab_embed.embedding, backbone.sigma_map.mlp.{0,2}.{weight,bias},
//     backbone.rotary_emb.inv_freq (a persistent buffer; checked against base 10000),
//     backbone.blocks.{i}.{norm1,norm2}.weight, .attn_qkv.weight, .attn_out.weight,
//     .mlp.{0,2}.{weight,bias}, .adaLN_modulation.{weight,bias},
//     backbone.output_layer.{norm_final.weight, linear.{weight,bias}, adaLN_modulation.*}
//
// The references run their blocks under a CUDA bfloat16 autocast (MDLM; BD3-LM's is float32);
// Unmask computes in float32, as the references do on a CPU. Dropout is off at inference.

/// The config.json of an MDLM (`MDLMConfig`) or BD3-LM (`BD3LMConfig`) checkpoint, with the
/// classes' defaults for absent keys. BD3-LM's own fields are nil when absent (MDLM has none of
/// them; `BD3LMModel` applies `BD3LMConfig`'s defaults).
public struct DiTConfiguration: Codable, Sendable {
  /// Rows of the embedding and of the output: the tokenizer's vocabulary plus the mask, last.
  public var vocabSize: Int
  /// The training length (1024 for OpenWebText).
  public var modelLength: Int
  /// Model width.
  public var hiddenDim: Int
  /// Width of the noise-level condition `c`.
  public var condDim: Int
  /// Blocks.
  public var nBlocks: Int
  /// Attention heads (`head_dim = hidden_dim / n_heads`).
  public var nHeads: Int
  /// Dropout (off at inference).
  public var dropout: Double
  /// Whether σ reaches the network; when false the reference zeroes it first.
  public var timeConditioning: Bool
  /// BD3-LM: the block length the checkpoint was trained with (`BD3LMConfig` default 1).
  public var blockSize: Int?
  /// BD3-LM: trained on `x_t ⊕ x_0` with the block-diffusion mask (default true).
  public var crossAttn: Bool?
  /// BD3-LM: adaLN conditioning on σ (default true).
  public var adaln: Bool?
  /// BD3-LM: `flex` (default) or `sdpa`; the same attention at inference.
  public var attnBackend: String?
  /// BD3-LM: causal attention (the autoregressive baseline; default false).
  public var causal: Bool?
  /// BD3-LM: the checkpoint holds `sampling_eps_min` / `sampling_eps_max` (default true).
  public var varMin: Bool?
  /// BD3-LM: the lower end of the clipped noise range it was trained on.
  public var samplingEpsMin: Double?
  /// BD3-LM: the upper end.
  public var samplingEpsMax: Double?

  enum CodingKeys: String, CodingKey {
    case vocabSize = "vocab_size", modelLength = "model_length", hiddenDim = "hidden_dim"
    case condDim = "cond_dim", nBlocks = "n_blocks", nHeads = "n_heads", dropout
    case timeConditioning = "time_conditioning", blockSize = "block_size"
    case crossAttn = "cross_attn", adaln, attnBackend = "attn_backend", causal
    case varMin = "var_min", samplingEpsMin = "sampling_eps_min"
    case samplingEpsMax = "sampling_eps_max"
  }

  /// Decodes with `MDLMConfig`'s defaults (those of `BD3LMConfig` for the shared fields).
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 50_258
    modelLength = try c.decodeIfPresent(Int.self, forKey: .modelLength) ?? 1024
    hiddenDim = try c.decodeIfPresent(Int.self, forKey: .hiddenDim) ?? 768
    condDim = try c.decodeIfPresent(Int.self, forKey: .condDim) ?? 129
    nBlocks = try c.decodeIfPresent(Int.self, forKey: .nBlocks) ?? 12
    nHeads = try c.decodeIfPresent(Int.self, forKey: .nHeads) ?? 12
    dropout = try c.decodeIfPresent(Double.self, forKey: .dropout) ?? 0.1
    timeConditioning = try c.decodeIfPresent(Bool.self, forKey: .timeConditioning) ?? false
    blockSize = try c.decodeIfPresent(Int.self, forKey: .blockSize)
    crossAttn = try c.decodeIfPresent(Bool.self, forKey: .crossAttn)
    adaln = try c.decodeIfPresent(Bool.self, forKey: .adaln)
    attnBackend = try c.decodeIfPresent(String.self, forKey: .attnBackend)
    causal = try c.decodeIfPresent(Bool.self, forKey: .causal)
    varMin = try c.decodeIfPresent(Bool.self, forKey: .varMin)
    samplingEpsMin = try c.decodeIfPresent(Double.self, forKey: .samplingEpsMin)
    samplingEpsMax = try c.decodeIfPresent(Double.self, forKey: .samplingEpsMax)
  }

  /// Dimensions per head.
  public var headDimension: Int { hiddenDim / max(1, nHeads) }

  /// The mask id: the last row (`vocab_size - 1`, GPT-2's 50257 in mdlm-owt). It is the
  /// model's: a tokenizer naming another mask token does not change it.
  public var maskTokenID: Int32 { Int32(vocabSize - 1) }

  /// Refuses sizes the reference cannot build, naming the field.
  func validate(path: String) throws {
    let checks = ConfigChecks(path: path)
    try checks.positive([
      "vocab_size": vocabSize, "model_length": modelLength, "hidden_dim": hiddenDim,
      "cond_dim": condDim, "n_blocks": nBlocks, "n_heads": nHeads,
    ])
    guard vocabSize >= 2 else {
      throw checks.refuse("vocab_size", "\(vocabSize) leaves no token besides the mask")
    }
    guard hiddenDim % nHeads == 0, headDimension % 2 == 0 else {
      throw checks.refuse(
        "n_heads", "hidden_dim \(hiddenDim) / \(nHeads) heads must be a whole, even head width")
    }
  }
}

extension TransformerStack {
  /// The DiT backbone of `config` from its `backbone.*` tensors, with adaLN conditioning on the
  /// noise level when `adaLN` (always for MDLM; BD3-LM's `adaln`). Does not call `finish()`:
  /// the caller reads its own extra tensors first.
  static func diffusionTransformer(
    _ config: DiTConfiguration, adaLN: Bool, weights: WeightLoader, path: String
  ) throws -> TransformerStack {
    let (d, cond, p) = (config.hiddenDim, config.condDim, "backbone")
    let headDimension = config.headDimension
    let shape = AttentionShape(
      heads: config.nHeads, kvHeads: config.nHeads, headDimension: headDimension)
    let epsilon: Float = 1e-5  // F.layer_norm's default
    func modulation(_ name: String, chunks: Int) throws -> AdaLNModulation? {
      guard adaLN else { return nil }
      return try weights.shapeChecked {
        try AdaLNModulation(
          projection: weights.linear(name, out: chunks * d, in: cond, bias: true), chunks: chunks)
      }
    }
    var conditioning: NoiseConditioning?
    if adaLN {
      let embedder = try weights.shapeChecked {
        try TimestepEmbedder(
          first: weights.linear("\(p).sigma_map.mlp.0", out: cond, in: 256, bias: true),
          second: weights.linear("\(p).sigma_map.mlp.2", out: cond, in: cond, bias: true))
      }
      conditioning = NoiseConditioning(
        embedder: embedder, timeConditioned: config.timeConditioning)
    }
    let rope = RotaryEmbedding(headDimension: headDimension, theta: 10_000)
    try checkInverseFrequencies(rope, weights: weights, name: "\(p).rotary_emb.inv_freq")

    var blocks: [TransformerBlock] = []
    for i in 0..<config.nBlocks {
      let b = "\(p).blocks.\(i)"
      let attention = SelfAttention(
        projection: .fused(
          try weights.fusedQKV(
            "\(b).attn_qkv", heads: shape.heads, kvHeads: shape.kvHeads,
            headDimension: headDimension, model: d, bias: false)),
        output: try weights.linear("\(b).attn_out", out: d, in: d, bias: false), shape: shape)
      blocks.append(
        TransformerBlock(
          attentionNorm: try weights.layerNorm("\(b).norm1", dimension: d, epsilon: epsilon),
          attention: attention,
          feedForwardNorm: try weights.layerNorm("\(b).norm2", dimension: d, epsilon: epsilon),
          feedForward: try weights.geluFeedForward(
            up: "\(b).mlp.0", down: "\(b).mlp.2", model: d, hidden: 4 * d, bias: true),
          modulation: try modulation("\(b).adaLN_modulation", chunks: 6)))
    }
    let out = "\(p).output_layer"
    return TransformerStack(
      embedding: try weights.rowTable("\(p).vocab_embed.embedding", shape: [config.vocabSize, d]),
      blocks: blocks,
      finalNorm: try weights.layerNorm("\(out).norm_final", dimension: d, epsilon: epsilon),
      head: try weights.linear("\(out).linear", out: config.vocabSize, in: d, bias: true),
      attention: shape, rope: rope, conditioning: conditioning,
      finalModulation: try modulation("\(out).adaLN_modulation", chunks: 2))
  }

  /// The checkpoint's `inv_freq` buffer, when saved, must be base 10000's (`Rotary(dim)`), the
  /// frequencies Unmask computes; the reference recomputes it at construction, so a file with
  /// other values was not made by the reference code.
  private static func checkInverseFrequencies(
    _ rope: RotaryEmbedding, weights: WeightLoader, name: String
  ) throws {
    guard weights.source.tensorNames.contains(name) else { return }
    let saved = try weights.floats(name, count: rope.rotatedPairs)
    for (i, (a, b)) in zip(saved, rope.inverseFrequencies).enumerated()
    where abs(a - b) > 1e-6 * max(abs(b), 1e-30) {
      throw CheckpointError(
        path: weights.source.location, item: name,
        "entry \(i) is \(a), not base 10000's \(b): the reference rotates with base 10000")
    }
  }
}
