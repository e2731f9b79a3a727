import UnmaskCore
import UnmaskKernels

/// Embedding, blocks, final norm and output head: the network every architecture file builds.
///
///     tokens [T] -> embed [T, model] · embeddingScale -> blocks -> final norm
///       -> head [T, V] · logitScale -> softcap
///
/// A DiT (MDLM, BD3-LM) adds a noise-level `conditioning` whose output `c` drives each block's
/// adaLN `modulation` and the `finalModulation` of the final norm (shift and scale).
///
/// Its one forward pass, `logits(for:mask:)`, is in `TransformerStack+Forward.swift`.
public struct TransformerStack: Sendable {
  /// Token embedding table `[V, model]`, used in place.
  public var embedding: TensorView
  /// The blocks, in order.
  public var blocks: [TransformerBlock]
  /// Norm after the last block.
  public var finalNorm: any RowNorm
  /// Output projection `[V, model]` (the embedding itself when weights are tied).
  public var head: Linear
  /// Attention geometry.
  public var attention: AttentionShape
  /// Rotary embedding.
  public var rope: RotaryEmbedding
  /// Multiplier on embeddings before the first block (LLaDA's `input_emb_norm`: sqrt(model)).
  public var embeddingScale: Float
  /// Multiplier on logits (LLaDA's `scale_logits`: 1/sqrt(model)).
  public var logitScale: Float
  /// Final logit soft-capping `c · tanh(l / c)` (Gemma's `final_logit_softcapping`), if any.
  public var logitSoftcap: Float?
  /// The noise-level embedding `c = silu(e(σ))` the adaLN modulations read (DiT), if any.
  public var conditioning: NoiseConditioning?
  /// adaLN shift and scale of the final norm's output (DiT's `output_layer`), if any.
  public var finalModulation: AdaLNModulation?
  /// The mixture-of-experts meter this stack tells, before each feed-forward layer, which
  /// canvas position each row is (`ExpertLoadMeter.label(positions:)`), if any.
  public private(set) var expertLoad: ExpertLoadMeter?
  /// Scratch and RoPE tables kept from one pass to the next.
  let buffers = ForwardBuffers()

  /// A stack from its parts.
  public init(
    embedding: TensorView, blocks: [TransformerBlock], finalNorm: any RowNorm, head: Linear,
    attention: AttentionShape, rope: RotaryEmbedding, embeddingScale: Float = 1,
    logitScale: Float = 1, logitSoftcap: Float? = nil, conditioning: NoiseConditioning? = nil,
    finalModulation: AdaLNModulation? = nil
  ) {
    precondition(
      conditioning != nil || (finalModulation == nil && blocks.allSatisfy { $0.modulation == nil }),
      "adaLN modulation needs a noise conditioning")
    self.embedding = embedding
    self.blocks = blocks
    self.finalNorm = finalNorm
    self.head = head
    self.attention = attention
    self.rope = rope
    self.embeddingScale = embeddingScale
    self.logitScale = logitScale
    self.logitSoftcap = logitSoftcap
    self.conditioning = conditioning
    self.finalModulation = finalModulation
  }

  /// This stack, labelling its feed-forward rows with positions for `meter` (nil: none).
  public func labelling(_ meter: ExpertLoadMeter?) -> TransformerStack {
    var copy = self
    copy.expertLoad = meter
    meter?.tracksPositions = true
    return copy
  }

  /// Model width.
  public var modelDimension: Int { embedding.shape[1] }
  /// Rows of the embedding table: the ids a canvas may hold.
  public var embeddingRows: Int { embedding.shape[0] }
  /// Logits per position.
  public var vocabularySize: Int { head.outFeatures }

  /// An empty cache for a canvas of `positions` tokens: every layer's rotated keys and values.
  public func makeKVCache(positions: Int) -> KVCache {
    KVCache(
      layers: blocks.count, positions: positions,
      width: attention.kvHeads * attention.headDimension)
  }

  /// Weight elements in the stack (the embedding counted once when tied).
  public var parameterCount: Int {
    var total = embedding.elementCount + finalNorm.parameterCount
    total += (conditioning?.embedder.parameterCount ?? 0) + (finalModulation?.parameterCount ?? 0)
    if head.weight.name != embedding.name { total += head.weight.elementCount }
    return blocks.reduce(total) { $0 + $1.parameterCount }
  }

  /// FLOPs of one forward pass over `tokens` positions: 2 per multiply-add in every projection
  /// and feed-forward layer, plus the attention products `QKᵀ` and `PV` (full attention).
  public func flops(tokens: Int) -> Double {
    let perToken = blocks.reduce(head.multiplyAddsPerRow) {
      $0 + $1.multiplyAddsPerToken
    }
    let attentionProducts = blocks.count * 2 * tokens * attention.heads * attention.headDimension
    return 2 * Double(tokens) * Double(perToken + attentionProducts)
  }

  /// Scratch for `tokens` packed rows, as the parts declare it.
  func makeScratch(tokens: Int) -> ForwardScratch {
    ForwardScratch(
      tokens: tokens, model: modelDimension, attention: attention,
      fusedWidth: blocks.map(\.attention.fusedWidth).max() ?? 0,
      feedForward: blocks.map { $0.feedForward.scratchCount(rows: tokens) }.max() ?? 0)
  }
}
