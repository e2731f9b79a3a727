import Foundation
import UnmaskCore
import UnmaskKernels

/// The router of a mixture of experts: per token, gate logits `[E] = Gate · x` in float32, a
/// score per expert, the `topK` best experts and the weights their outputs are mixed with.
///
/// How scores become a choice is the `Scoring`, one case per reference:
///
/// | case | reference | selects by | weights |
/// | --- | --- | --- | --- |
/// | `.biasedSoftmax(bias:)` | LLaDA-MoE | `softmax(l) + b` | the same biased values |
/// | `.groupLimitedSigmoid(...)` | LLaDA2 | `σ(l) + b`, best groups first | `σ(l)`, renormalised, × scale |
/// | `.softmax(renormalize:)` | Qwen-MoE, DiffusionGemma | `softmax(l)` | those, optionally / their sum |
///
/// Top-k follows `torch.topk` down to ties (`TorchTopK`). The gate runs in float32 even when
/// the process uses `.avx512BF16` (which rounds activations to bf16): LLaDA2 casts both gate
/// and input to float32 (`F.linear(hidden_states.float(), weight.float())`), and a choice of
/// expert is too discrete to let rounding flip it.
public struct ExpertRouter: Sendable {
  /// From logits to chosen experts and weights.
  public enum Scoring: Sendable, Equatable {
    /// LLaDA-MoE (`LLaDAMoESparseMoeBlock` in dllm's `modeling_lladamoe.py`): `p = softmax(l)`
    /// in float32, `p += expert_bias` when the model has one, then `topk(p)`; the biased values
    /// are the weights. The block sets `norm_topk_prob = False` whatever the config says, so
    /// there is no renormalisation.
    case biasedSoftmax(bias: [Float]?)
    /// LLaDA2 (`LLaDA2MoeGate` in dllm's `modeling_llada2_moe.py`): `s = σ(l)` in float32;
    /// `b = s + selectionBias` is used only to choose: experts split into `groups` contiguous
    /// groups (`n_group`), a group scores the sum of its best two `b`, the best `keptGroups`
    /// (`topk_group`) groups stay and the rest are masked to −∞, then `topk(b)`. The weights
    /// are the unbiased `s` of the chosen experts, divided by `(Σ s + 1e-20)` when
    /// `renormalize`, times `scale` (`routed_scaling_factor`). dllm's gate renormalises
    /// whenever `top_k > 1` (the config has no `norm_topk_prob`), so pass `topK > 1`.
    case groupLimitedSigmoid(
      selectionBias: [Float]?, groups: Int, keptGroups: Int, renormalize: Bool, scale: Float)
    /// Plain `topk(softmax(l))` (Qwen2-MoE, Qwen3-MoE, DiffusionGemma's core), weights divided
    /// by their sum when `renormalize` (`norm_topk_prob`).
    case softmax(renormalize: Bool)
  }

  /// Gate `[E, model]` (`mlp.gate`).
  public let gate: Linear
  /// Experts chosen per token (`num_experts_per_tok`).
  public let topK: Int
  /// How logits become a choice.
  public let scoring: Scoring

  /// A router over `gate.outFeatures` experts choosing `topK` of them. Throws a `ShapeError`
  /// naming the gate when the scoring's sizes do not fit the gate (bias length, `topK`, groups).
  public init(gate: Linear, topK: Int, scoring: Scoring) throws {
    let experts = gate.outFeatures
    func refuse(_ expected: String) -> ShapeError {
      ShapeError(tensor: gate.weight.name, expected: expected, found: gate.weight.shape)
    }
    guard topK >= 1, topK <= experts else { throw refuse("at least top_k = \(topK) experts") }
    switch scoring {
    case .biasedSoftmax(let bias):
      if let bias, bias.count != experts { throw refuse("\(bias.count) experts, as the bias") }
    case .groupLimitedSigmoid(let bias, let groups, let kept, _, _):
      if let bias, bias.count != experts { throw refuse("\(bias.count) experts, as the bias") }
      guard groups >= 1, experts % groups == 0, experts / groups >= 2 else {
        throw refuse("experts that split into n_group = \(groups) groups of 2 or more")
      }
      guard kept >= 1, kept <= groups, topK <= kept * (experts / groups) else {
        throw refuse("top_k = \(topK) experts within topk_group = \(kept) of \(groups) groups")
      }
    case .softmax:
      break
    }
    self.gate = gate
    self.topK = topK
    self.scoring = scoring
  }

  /// Experts to choose from (`E`).
  public var expertCount: Int { gate.outFeatures }

  /// Features per input row (`model`).
  public var modelDimension: Int { gate.inFeatures }

  /// The logits `[rows, E]`.
  public func scratchCount(rows: Int) -> Int { rows * expertCount }

  /// Gate weights and the expert bias, if any.
  public var parameterCount: Int {
    switch scoring {
    case .biasedSoftmax(let bias), .groupLimitedSigmoid(let bias, _, _, _, _):
      return gate.parameterCount + (bias?.count ?? 0)
    case .softmax:
      return gate.parameterCount
    }
  }

  /// `E · model` (the gate; scoring is O(E)).
  public var multiplyAddsPerToken: Int { gate.multiplyAddsPerRow }

  /// Routes `rows` rows of `x` (`[rows, model]`), using `scratch` (`scratchCount(rows:)` floats)
  /// for the logits.
  public func route(_ x: UnsafePointer<Float>, rows: Int, scratch: UnsafeMutablePointer<Float>)
    -> ExpertRouting
  {
    if KernelPath.current.isExact
      || (try? KernelPath.with(.avx512) { gate.apply(x, rows: rows, into: scratch) }) == nil
    {
      gate.apply(x, rows: rows, into: scratch)
    }
    return route(logits: scratch, rows: rows)
  }

  /// The scoring step alone, on float32 logits `[rows, E]` (overwritten with scores).
  public func route(logits: UnsafeMutablePointer<Float>, rows: Int) -> ExpertRouting {
    let e = expertCount
    var experts = [Int]()
    var weights = [Float]()
    experts.reserveCapacity(rows * topK)
    weights.reserveCapacity(rows * topK)
    switch scoring {
    case .biasedSoftmax(let bias):
      VectorMath.softmaxRows(logits, rows: rows, columns: e)
      for t in 0..<rows {
        let p = logits + t * e
        if let bias { for i in 0..<e { p[i] += bias[i] } }
        let chosen = Self.topK(p, count: e, k: topK)
        experts += chosen
        weights += chosen.map { p[$0] }
      }
    case .softmax(let renormalize):
      VectorMath.softmaxRows(logits, rows: rows, columns: e)
      for t in 0..<rows {
        let p = logits + t * e
        let chosen = Self.topK(p, count: e, k: topK)
        var w = chosen.map { p[$0] }
        if renormalize {
          let sum = w.reduce(0, +)
          w = w.map { $0 / sum }
        }
        experts += chosen
        weights += w
      }
    case .groupLimitedSigmoid(let bias, let groups, let kept, let renormalize, let scale):
      for t in 0..<rows {
        let chosen = groupLimitedChoice(
          logits + t * e, bias: bias, groups: groups, keptGroups: kept)
        let s = logits + t * e
        var w = chosen.map { s[$0] }
        if renormalize {
          let sum = w.reduce(0, +) + 1e-20
          w = w.map { $0 / sum }
        }
        experts += chosen
        weights += w.map { $0 * scale }
      }
    }
    return ExpertRouting(
      rows: rows, topK: topK, expertCount: e, experts: experts, weights: weights)
  }

  /// LLaDA2's `group_limited_topk` for one row: turns the logits at `row` into sigmoid scores
  /// (in place) and returns the chosen experts in `torch.topk` order.
  private func groupLimitedChoice(
    _ row: UnsafeMutablePointer<Float>, bias: [Float]?, groups: Int, keptGroups: Int
  ) -> [Int] {
    let e = expertCount
    let size = e / groups
    for i in 0..<e { row[i] = 1 / (1 + expf(-row[i])) }
    var biased = (0..<e).map { row[$0] }
    if let bias { for i in 0..<e { biased[i] += bias[i] } }
    // A group's score: its two best biased scores summed (`topk(2)[0].sum()`).
    let groupScores = (0..<groups).map { g -> Double in
      let best = TorchTopK.indices(of: biased[(g * size)..<((g + 1) * size)].map(Double.init), k: 2)
      return Double(biased[g * size + best[0]] + biased[g * size + best[1]])
    }
    // torch.topk(sorted=False) keeps the same set as sorted=True: only the order differs.
    var kept = [Bool](repeating: false, count: groups)
    for g in TorchTopK.indices(of: groupScores, k: keptGroups) { kept[g] = true }
    let masked = (0..<e).map { i in kept[i / size] ? Double(biased[i]) : -.infinity }
    return TorchTopK.indices(of: masked, k: topK)
  }

  /// `torch.topk(values, k).indices` of `count` float32 values (widened to Double exactly, so
  /// the order and ties are those of the float32 values).
  static func topK(_ values: UnsafePointer<Float>, count: Int, k: Int) -> [Int] {
    TorchTopK.indices(of: (0..<count).map { Double(values[$0]) }, k: k)
  }
}
