import Foundation
import Unmask

/// A masked-diffusion NELBO as its paper's code computes it: MDLM's (`MDLMBound`) and
/// BD3-LM's block-wise one (`BD3LMBound`), behind `unmask score --preset mdlm|bd3lm`.
///
/// A bound turns a sequence `x₀` and draws (times and masked positions) into one loss per draw,
/// `_loss`'s reduction: the per-token terms `-log p_θ(x₀_j | x_t) · w(t)` of the masked
/// positions, summed, divided by the positions counted (`loss_per_t`). Their mean estimates the
/// NELBO per token, an upper bound on the negative log-likelihood per token.
///
/// Random draws follow one documented order so that a seed reproduces a run: per group of draws,
/// first every time (`sampleTimes`), then for each draw in turn one uniform per position, `0`
/// first (`sampleMasks`).
public protocol DiffusionBound {
  /// Which bound this is.
  var kind: ScoreBound { get }
  /// The mask id (the model's `vocab_size - 1`).
  var maskID: Int32 { get }
  /// Every setting the bound uses, for reports and `--json`.
  var settings: NELBOSettings { get }
  /// Times in one draw for a sequence of `length` (MDLM 1, BD3-LM one per block).
  func timesPerDraw(length: Int) -> Int
  /// Positions whose terms count in the reduction (`attention_mask.sum()` in `_loss`).
  func countedPositions(length: Int) -> Int
  /// The times of `count` draws, stratified across them as the bound's `_sample_t` is.
  func sampleTimes(count: Int, length: Int, rng: inout SeededGenerator) -> [[Double]]
  /// The masked positions of one draw at `times` (`q_xt`).
  func sampleMasks(times: [Double], length: Int, rng: inout SeededGenerator) -> [Int]
  /// Refuses a draw given from outside that this bound cannot have made (a time outside its
  /// range, a position it never masks); `source` and `index` name it in the error.
  func check(_ draw: NELBODraw, length: Int, source: String, index: Int) throws
  /// `loss_per_t` of each draw for `tokens`, and the forward passes that took.
  func losses(tokens: [Int32], draws: [NELBODraw]) throws -> (values: [Double], passes: Int)
}

extension DiffusionBound {
  /// `count` draws: their times, then each one's masks (the documented order).
  public func draws(count: Int, length: Int, rng: inout SeededGenerator) -> [NELBODraw] {
    let times = sampleTimes(count: count, length: length, rng: &rng)
    return times.map {
      NELBODraw(times: $0, masked: sampleMasks(times: $0, length: length, rng: &rng))
    }
  }

  /// The bound of `tokens` at the given draws (`score --t-values/--masks`).
  ///
  /// - Throws: `ExperimentError` naming `source` for an empty sequence, a mask token in it, no
  ///   draws, or a draw this bound cannot have made.
  public func estimate(tokens: [Int32], draws: [NELBODraw], source: String) throws
    -> NELBOEstimate
  {
    try checkSequence(tokens, source: source)
    guard !draws.isEmpty else {
      throw ExperimentError(source: source, problem: "has no draws (t values); nothing to average")
    }
    for (i, draw) in draws.enumerated() {
      try check(draw, length: tokens.count, source: source, index: i)
    }
    let (values, passes) = try losses(tokens: tokens, draws: draws)
    return NELBOEstimate(
      settings: settings, tokens: tokens.count,
      countedTokens: countedPositions(length: tokens.count), draws: draws, lossPerT: values,
      forwardPasses: passes, seed: nil)
  }

  /// The bound of `tokens` over its own draws: `samples / batch` groups of `batch` draws, each
  /// group stratified as the reference stratifies a batch, drawn from `rng`.
  ///
  /// - Throws: `ExperimentError` naming `--mc` unless `samples >= batch >= 1`, or `source` for a
  ///   sequence it cannot score.
  public func estimate(
    tokens: [Int32], samples: Int, batch: Int, rng: inout SeededGenerator, source: String
  ) throws -> NELBOEstimate {
    guard batch >= 1, samples >= batch else {
      throw ExperimentError(
        source: "--mc", problem: "needs --mc >= --batch >= 1 (got \(samples) and \(batch))")
    }
    try checkSequence(tokens, source: source)
    var draws: [NELBODraw] = []
    var values: [Double] = []
    var passes = 0
    for _ in 0..<(samples / batch) {
      let group = self.draws(count: batch, length: tokens.count, rng: &rng)
      let (losses, calls) = try losses(tokens: tokens, draws: group)
      draws += group
      values += losses
      passes += calls
    }
    return NELBOEstimate(
      settings: settings, tokens: tokens.count,
      countedTokens: countedPositions(length: tokens.count), draws: draws, lossPerT: values,
      forwardPasses: passes, seed: nil)
  }

  /// A sequence the bound can score: not empty, no mask token, something counted.
  public func checkSequence(_ tokens: [Int32], source: String) throws {
    guard !tokens.isEmpty else {
      throw ExperimentError(source: source, problem: "is empty; nothing to score")
    }
    if let index = tokens.firstIndex(of: maskID) {
      throw ExperimentError(
        source: source,
        problem: "token \(index) is the mask token (id \(maskID)); it cannot be scored")
    }
    // The vocabulary is the mask and the ids below it; a tokenizer may name more (chat markup
    // a checkpoint never had rows for), which is refused only where a text uses them.
    if let index = tokens.firstIndex(where: { $0 < 0 || $0 > maskID }) {
      throw ExperimentError(
        source: source,
        problem:
          "token \(index) (id \(tokens[index])) is past the model's vocabulary (vocab_size \(Int(maskID) + 1), the mask \(maskID) last): it has no embedding row"
      )
    }
    guard countedPositions(length: tokens.count) > 0 else {
      throw ExperimentError(
        source: source,
        problem:
          "has \(tokens.count) token(s) and none is scored (BD3-LM's evaluation keeps position 0 out, ignore_bos)"
      )
    }
  }

  /// Checks that `draw` has one time per block, each in `range`, and masked positions that are
  /// distinct and inside the sequence.
  func checkShape(
    _ draw: NELBODraw, length: Int, range: ClosedRange<Double>, source: String, index: Int
  ) throws {
    let expected = timesPerDraw(length: length)
    guard draw.times.count == expected else {
      throw ExperimentError(
        source: source,
        problem:
          "draw \(index) has \(draw.times.count) t value(s); a sequence of \(length) tokens needs \(expected) (one per block)"
      )
    }
    if let t = draw.times.first(where: { !range.contains($0) }) {
      throw ExperimentError(
        source: source,
        problem: "draw \(index): t = \(t) is outside \(range.lowerBound)...\(range.upperBound)")
    }
    if let p = draw.masked.first(where: { !(0..<length).contains($0) }) {
      throw ExperimentError(
        source: source,
        problem: "draw \(index): masked position \(p) is outside the sequence 0..<\(length)")
    }
    if Set(draw.masked).count != draw.masked.count {
      throw ExperimentError(
        source: source, problem: "draw \(index) lists a masked position twice")
    }
  }
}

/// SUBS (`_subs_parameterization`): the log-probability of `token` in `row` of `logits` with the
/// mask's column removed, in float64. The reference adds -1e6 to the mask's logit before its
/// log-softmax, which removes it to float32 precision.
func subsLogProbability(_ logits: Matrix, row: Int, token: Int32, mask: Int32) -> Double {
  let maskColumn = Int(mask)
  var maximum = -Double.infinity
  for c in 0..<logits.columns where c != maskColumn {
    maximum = max(maximum, Double(logits[row, c]))
  }
  var sum = 0.0
  for c in 0..<logits.columns where c != maskColumn {
    sum += exp(Double(logits[row, c]) - maximum)
  }
  return Double(logits[row, Int(token)]) - maximum - log(sum)
}
