import UnmaskKernels

/// The pieces every Hugging Face transformers layout shares (Dream/Qwen2, LLaDA-MoE, LLaDA2):
/// an embedding table, pre-norm blocks with `input_layernorm` and `post_attention_layernorm`,
/// the final `model.norm` and the head `lm_head` unless tied to the embedding.
extension WeightLoader {
  /// The embedding table `name` `[rows, model]`: read a row at a time when untied (a `.umk`
  /// may decode it lazily), whole when the head reuses it (`tied`).
  public func embeddingTable(_ name: String, rows: Int, model: Int, tied: Bool) throws
    -> TensorView
  {
    tied
      ? try tiedTable(name, shape: [rows, model]) : try rowTable(name, shape: [rows, model])
  }

  /// Reads past a tied model's saved head `name`: transformers 4.x ties the head to the
  /// embedding after loading, whatever the file holds under that name (the references pin
  /// 4.x), and a model without the head module (LLaDA) never loads it.
  public func readPastTiedHead(_ name: String) {
    ignore { $0 == name }
  }

  /// Llama-style projections `prefix.q_proj` `[H·d, model]`, `prefix.k_proj` and
  /// `prefix.v_proj` `[Hkv·d, model]`, with biases when `bias`.
  public func separateQKV(_ prefix: String, model: Int, shape: AttentionShape, bias: Bool)
    throws -> QKVProjection
  {
    let (q, kv) = (shape.heads * shape.headDimension, shape.kvHeads * shape.headDimension)
    return .separate(
      query: try linear("\(prefix).q_proj", out: q, in: model, bias: bias),
      key: try linear("\(prefix).k_proj", out: kv, in: model, bias: bias),
      value: try linear("\(prefix).v_proj", out: kv, in: model, bias: bias))
  }

  /// A pre-norm block under `prefix` whose RMS norms are `prefix.input_layernorm` (before
  /// attention) and `prefix.post_attention_layernorm` (before the feed-forward).
  public func preNormBlock(
    _ prefix: String, model: Int, epsilon: Float, attention: SelfAttention,
    feedForward: any FeedForward
  ) throws -> TransformerBlock {
    TransformerBlock(
      attentionNorm: try rmsNorm("\(prefix).input_layernorm", dimension: model, epsilon: epsilon),
      attention: attention,
      feedForwardNorm: try rmsNorm(
        "\(prefix).post_attention_layernorm", dimension: model, epsilon: epsilon),
      feedForward: feedForward)
  }

  /// The stack's end: RMS norm `model.norm`, head `lm_head` `[V, model]` without bias (the
  /// embedding itself when `tied`), then `finish()`: the stack of `embedding` and `blocks`, with
  /// transformers' default RoPE of base `ropeTheta` on the first `partialRotaryFactor` of each
  /// head (`RotaryEmbedding.partial`; 1 turns every dimension).
  public func huggingFaceStack(
    embedding: TensorView, blocks: [TransformerBlock], epsilon: Float, tied: Bool,
    attention: AttentionShape, ropeTheta: Double, partialRotaryFactor: Double = 1
  ) throws -> TransformerStack {
    let (rows, model) = (embedding.shape[0], embedding.shape[1])
    let finalNorm = try rmsNorm("model.norm", dimension: model, epsilon: epsilon)
    if tied { readPastTiedHead("lm_head.weight") }
    let head =
      tied
      ? try Linear(weight: embedding) : try linear("lm_head", out: rows, in: model, bias: false)
    try finish()
    return TransformerStack(
      embedding: embedding, blocks: blocks, finalNorm: finalNorm, head: head,
      attention: attention,
      rope: .partial(
        headDimension: attention.headDimension, theta: ropeTheta, factor: partialRotaryFactor))
  }
}
