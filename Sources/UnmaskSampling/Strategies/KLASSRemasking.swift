import Foundation
import UnmaskCore

/// KLASS (Kim et al. 2025, "KL-Adaptive Stability Sampling"; shkim0116/KLASS): a masked
/// position is ready when its prediction is confident (`p(x0) > confidence`) and stable (the
/// KL divergence between its distributions at consecutive steps stayed below `kl` for the last
/// `history` steps); every ready position commits. When none is ready, the schedule's count
/// commits by confidence.
///
/// Mirrors `stable_confident_decode(alg="klass", unmask_strategy="all")` in
/// src/model/llada_klass.py at ad87ecbe9fdef4a6e93701afbc150cb9213fbcd7: float64 softmax,
/// `KL = sum p (log(p + 1e-12) - log(q + 1e-12))` with `q` the previous forward pass's
/// distribution at the position (zeros before the first), stability checked from step
/// `history - 1` of a block on, blocks stop once complete (pair with `--early-stop`).
/// Difference: on a block's last step every mask left is committed (the reference can leave
/// masks when ready sets were smaller than the schedule's counts; its goldens skip those runs).
public struct KLASSRemasking: DescribedStrategy {
  /// KLASS's parameters (reference defaults: 0.9, 0.01, 2).
  public struct Parameters: PluginParameters {
    /// Confidence a ready position must exceed, in [0, 1).
    public var confidence: Double = 0.9
    /// KL bound (nats) each of the last `history` steps must stay under, > 0.
    public var kl: Double = 0.01
    /// Steps of KL history, >= 1.
    public var history: Int = 2
    /// The reference defaults.
    public init() {}
    /// Parameters with every field given.
    public init(confidence: Double, kl: Double, history: Int) {
      self.confidence = confidence
      self.kl = kl
      self.history = history
    }
  }

  /// Its row of `StrategyRegistry`: it reads whole distributions of every masked row.
  public static let descriptor = StrategyDescriptor(
    name: .klass,
    summary:
      "KLASS: commit every confident position whose distribution stayed stable (low KL).",
    parameters: [
      .number(
        "klass_confidence", \Parameters.confidence, in: .closedOpen(0, 1),
        help: "KLASS confidence a ready position must exceed"),
      .number(
        "klass_kl", \Parameters.kl, in: .above(0),
        help: "KLASS KL bound (nats) of each of the last steps"),
      .integer("klass_history", \Parameters.history, in: 1...64, help: "KLASS steps of KL history"),
    ],
    reads: StrategyReads(logitRows: .all, probabilities: .distributions),
    make: { p, _ in KLASSRemasking(parameters: p) })

  /// The parameters.
  public var parameters: Parameters
  /// Distribution `[V]` at each tracked position at the previous forward pass.
  private var previous: [Int: [Double]] = [:]
  /// The last `history` KL values at each tracked position, oldest first.
  private var klHistory: [Int: [Double]] = [:]

  /// A KLASS strategy.
  public init(parameters: Parameters) { self.parameters = parameters }

  /// Every ready candidate, or the schedule's count by confidence when none is ready.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    updateHistory(context)
    let h = parameters.history
    var ready: [ScoredPosition] = []
    if context.stepInBlock >= h - 1 {
      for p in context.proposals where p.confidence > parameters.confidence {
        guard let kls = klHistory[p.position], kls.count == h,
          kls.allSatisfy({ $0 < parameters.kl })
        else { continue }
        ready.append(ScoredPosition(position: p.position, score: p.confidence))
      }
    }
    if context.isLastStep {
      return context.pick(
        context.scoreRow { $0.confidence }, k: context.proposals.count, rng: &rng)
    }
    if !ready.isEmpty { return ready }
    return context.pick(context.scoreRow { $0.confidence }, k: context.count, rng: &rng)
  }

  /// KL at every mask up to the end of the next block (the reference tracks all positions; a
  /// position's history only matters once it is a candidate, and then its previous
  /// distribution is from the step before, at most one block back).
  private mutating func updateHistory(_ context: StepContext) {
    guard let logits = context.logits else { return }
    let v = logits.columns
    let end = min(context.canvasLength, context.blockRange.upperBound + context.blockRange.count)
    var tracked: [Int: [Double]] = [:]
    for position in 0..<end where context.canvas[position] == context.settings.maskID {
      var p = [Double](repeating: 0, count: v)
      var maxLogit = -Double.infinity
      for j in 0..<v { maxLogit = max(maxLogit, Double(logits[position, j])) }
      var sum = 0.0
      for j in 0..<v {
        p[j] = exp(Double(logits[position, j]) - maxLogit)
        sum += p[j]
      }
      for j in 0..<v { p[j] /= sum }
      let q = previous[position]
      var kl = 0.0
      for j in 0..<v {
        kl += p[j] * (log(p[j] + 1e-12) - log((q?[j] ?? 0) + 1e-12))
      }
      var history = klHistory[position] ?? []
      history.append(kl)
      if history.count > parameters.history { history.removeFirst() }
      klHistory[position] = history
      tracked[position] = p
    }
    previous = tracked
  }
}

extension StrategyName {
  /// `KLASSRemasking`.
  public static var klass: StrategyName { "klass" }
}

extension Strategy {
  /// `KLASSRemasking` with `parameters`.
  public static func klass(_ parameters: KLASSRemasking.Parameters) -> Strategy {
    Strategy(KLASSRemasking.descriptor, parameters)
  }
}
