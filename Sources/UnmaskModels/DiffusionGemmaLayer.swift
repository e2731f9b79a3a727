import UnmaskCore
import UnmaskKernels

/// One DiffusionGemma layer (`DiffusionGemmaDecoderTextLayer`; the encoder's layer has the same
/// weights and its own `layer_scalar`), on rows `[n, model]`:
///
///     h = x + n_pa(Attention(n_in(x)))
///     a = n_ff1(MLP(n_ff(h)))                      dense GeGLU
///     b = n_ff2(MoE(n_ff2pre(h); route(h)))        128 experts, top 8
///     y = (h + n_pf(a + b)) · layer_scalar
///
/// Attention has RMS-normed queries and keys (per head, with weights) and weight-free-normed
/// values, RoPE after the norms, and scale 1 (`scaling = 1.0`). Full layers have their own head
/// width and key/value heads, and K = V: the values are the keys' projection before its norm.
/// The router reads the residual stream `h` itself: `w = softmax(P · (rms(h) ⊙ s / sqrt(model)))`,
/// top-k, divided by their sum, times `per_expert_scale` of the chosen experts.
struct DiffusionGemmaLayer: Sendable {
  var kind: DiffusionGemmaConfiguration.LayerKind
  var inputNorm: RMSNorm
  var attention: SelfAttention
  var rope: RotaryEmbedding
  var postAttentionNorm: RMSNorm
  var preFeedForwardNorm: RMSNorm
  var mlp: SwiGLUFeedForward
  var postFeedForwardNorm1: RMSNorm
  /// The router's weight-free norm of `h`.
  var routerNorm: RMSNorm
  /// `router.scale · hidden_size^-0.5`'s first factor, `[model]`.
  var routerScale: [Float]
  /// `router.per_expert_scale`, `[E]`.
  var perExpertScale: [Float]
  /// The router's projection (`router.proj`, scoring `softmax`, renormalised) and the experts.
  var experts: MixtureOfExperts
  var preFeedForwardNorm2: RMSNorm
  var postFeedForwardNorm2: RMSNorm
  var postFeedForwardNorm: RMSNorm
  /// The decoder's `layer_scalar`.
  var decoderScalar: Float
  /// The encoder's `layer_scalar` (a buffer, so not tied to the decoder's).
  var encoderScalar: Float

  var shape: AttentionShape { attention.shape }
  var keyWidth: Int { shape.kvHeads * shape.headDimension }
  var queryWidth: Int { shape.heads * shape.headDimension }
  var modelDimension: Int { inputNorm.dimension }

  /// Floats of scratch the feed-forward half needs over `rows` rows.
  func feedForwardScratch(rows: Int) -> Int {
    max(mlp.scratchCount(rows: rows), experts.scratchCount(rows: rows))
  }

  /// The feed-forward half on `x` `[rows, model]` in place (`x` is `h` on entry, `y` on exit,
  /// before the layer scalar). `buffers` needs 3 · rows · model floats; `scratch` holds
  /// `feedForwardScratch(rows:)`. Reports the routing it used.
  func feedForward(
    _ x: UnsafeMutablePointer<Float>, rows: Int, buffers: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) -> ExpertRouting {
    let d = modelDimension
    let count = rows * d
    let normed = buffers
    let dense = buffers + count
    let routed = buffers + 2 * count
    preFeedForwardNorm.apply(x, rows: rows, into: normed)
    mlp.apply(normed, rows: rows, into: dense, scratch: scratch)
    postFeedForwardNorm1.apply(dense, rows: rows, into: dense)
    // Route on h itself: rms(h) ⊙ scale · d^-0.5, in that order (the reference's).
    routerNorm.apply(x, rows: rows, into: normed)
    let rootSize = Float(1 / Double(d).squareRoot())
    for r in 0..<rows {
      let row = normed + r * d
      for c in 0..<d { row[c] = row[c] * routerScale[c] * rootSize }
    }
    let chosen = experts.router.route(normed, rows: rows, scratch: scratch)
    let routing = ExpertRouting(
      rows: chosen.rows, topK: chosen.topK, expertCount: chosen.expertCount,
      experts: chosen.experts,
      weights: zip(chosen.experts, chosen.weights).map { $1 * perExpertScale[$0] })
    preFeedForwardNorm2.apply(x, rows: rows, into: normed)
    experts.mix(normed, routing: routing, into: routed, scratch: scratch)
    postFeedForwardNorm2.apply(routed, rows: rows, into: routed)
    for i in 0..<count { dense[i] += routed[i] }
    postFeedForwardNorm.apply(dense, rows: rows, into: dense)
    for i in 0..<count { x[i] += dense[i] }
    return routing
  }
}
