import UnmaskKernels

/// A pre-norm transformer block composed of parts:
///
///     h = x + Attention(n₁(x))
///     y = h + FeedForward(n₂(h))
///
/// LLaDA (`LLaDALlamaBlock`) and Qwen2/Dream (`DreamDecoderLayer`) are this block with RMSNorms,
/// separate q/k/v projections and a dense SwiGLU; an architecture file picks the parts and maps
/// its checkpoint's names onto them. The forward pass itself is `TransformerStack`'s.
///
/// With adaLN `modulation` (MDLM's and BD3-LM's `DDiTBlock`), each norm's output is shifted and
/// scaled and each sublayer's output gated by vectors computed from the canvas's noise level:
///
///     h = x + g₁ ⊙ Attention(n₁(x) ⊙ (1 + s₁) + b₁)
///     y = h + g₂ ⊙ FeedForward(n₂(h) ⊙ (1 + s₂) + b₂)
public struct TransformerBlock: Sendable {
  /// Norm before attention (`attn_norm` / `input_layernorm`).
  public var attentionNorm: any RowNorm
  /// Self-attention.
  public var attention: SelfAttention
  /// Norm before the feed-forward layer (`ff_norm` / `post_attention_layernorm`).
  public var feedForwardNorm: any RowNorm
  /// The feed-forward layer (dense SwiGLU, GELU MLP, mixture of experts).
  public var feedForward: any FeedForward
  /// adaLN conditioning with 6 chunks (shift, scale, gate of attention, then of the
  /// feed-forward layer), or nil for a plain pre-norm block. Needs the stack's `conditioning`.
  public var modulation: AdaLNModulation?

  /// A block from its parts.
  public init(
    attentionNorm: any RowNorm, attention: SelfAttention, feedForwardNorm: any RowNorm,
    feedForward: any FeedForward, modulation: AdaLNModulation? = nil
  ) {
    self.attentionNorm = attentionNorm
    self.attention = attention
    self.feedForwardNorm = feedForwardNorm
    self.feedForward = feedForward
    self.modulation = modulation
  }

  /// Weight elements of every part.
  public var parameterCount: Int {
    attentionNorm.parameterCount + attention.parameterCount + feedForwardNorm.parameterCount
      + feedForward.parameterCount + (modulation?.parameterCount ?? 0)
  }

  /// Multiply-adds per token of the projections and the feed-forward layer.
  public var multiplyAddsPerToken: Int {
    attention.projectionMultiplyAddsPerToken + feedForward.multiplyAddsPerToken
  }
}

/// Attention geometry shared by every block of a model.
public struct AttentionShape: Sendable, Equatable {
  /// Query heads.
  public var heads: Int
  /// Key/value heads (equal to `heads` without grouped-query attention).
  public var kvHeads: Int
  /// Dimensions per head.
  public var headDimension: Int

  /// A geometry; `heads` must be a multiple of `kvHeads`.
  public init(heads: Int, kvHeads: Int, headDimension: Int) {
    self.heads = heads
    self.kvHeads = kvHeads
    self.headDimension = headDimension
  }
}

/// Scratch buffers for forward passes over up to `tokens` packed rows (kept between passes by
/// `ForwardBuffers`), sized from what the stack's parts declare.
final class ForwardScratch {
  /// `[rows, model]`: a norm's output, the input of a projection.
  let normed: UnsafeMutablePointer<Float>
  /// `[rows, H·d]` queries and attention outputs; `[rows, Hkv·d]` keys and values.
  let query, key, value, attended: UnsafeMutablePointer<Float>
  /// `[rows, model]`: a sublayer's output before it is added to the residual stream.
  let sublayer: UnsafeMutablePointer<Float>
  /// A fused q/k/v projection's output, `[rows, (H + 2·Hkv)·d]` (empty when none is fused).
  let fused: UnsafeMutablePointer<Float>
  /// What the feed-forward layers ask for over `tokens` rows.
  let feedForward: UnsafeMutablePointer<Float>
  /// Rows each buffer holds; a pass over fewer rows uses the first ones.
  let tokens: Int
  private let buffers: [UnsafeMutablePointer<Float>]

  init(tokens: Int, model: Int, attention: AttentionShape, fusedWidth: Int, feedForward: Int) {
    self.tokens = tokens
    let kv = attention.kvHeads * attention.headDimension
    let q = attention.heads * attention.headDimension
    normed = .allocate(capacity: tokens * model)
    query = .allocate(capacity: tokens * q)
    key = .allocate(capacity: tokens * kv)
    value = .allocate(capacity: tokens * kv)
    attended = .allocate(capacity: tokens * q)
    sublayer = .allocate(capacity: tokens * model)
    fused = .allocate(capacity: max(1, tokens * fusedWidth))
    self.feedForward = .allocate(capacity: max(1, feedForward))
    buffers = [normed, query, key, value, attended, sublayer, fused, self.feedForward]
  }

  deinit {
    for buffer in buffers { buffer.deallocate() }
  }
}
