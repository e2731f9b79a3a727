import Foundation
import Unmask

/// BD3-LM's block-wise NELBO (Arriola et al., ICLR 2025), as kuleshov-group/bd3lms
/// `diffusion.py` computes the number its evaluation reports: `validation_step` calls
/// `_loss(x0, mask, sampling_eps_min=1e-3, sampling_eps_max=1)` (the interval
/// `_check_val_sampling_intvl` accepts as an ELBO; the checkpoint's clipped `sampling_eps_*` are
/// for training and sampling), with `algo/bd3lm.yaml`'s `ignore_bos: True`.
///
/// For `x₀` of `L` tokens in blocks of `B` (the checkpoint's `block_size`; a last block may be
/// shorter, which the reference, whose lengths are whole blocks, never meets), each block `b`
/// has its own time `t_b`:
///
///     x_t: position j of block b masked when u_j <= t_b        (LogLinearNoise: move chance t)
///     σ = min(-log(1 - t_0), σ_max)                             (_sigma_from_p of block 0's t)
///     loss = (1/N) Σ_{j masked} -log p_θ(x₀_j | x_t, x₀) / t_{block(j)}   (loss_scale = -1/t)
///
/// where p_θ reads the x_t half of the training forward on `x_t ⊕ x₀` (each noisy block sees
/// itself and the clean blocks before it: `BD3LMModel.noisyHalfLogits`), SUBS as in MDLM, σ
/// zeroed without time conditioning (every published checkpoint), and `N = L - 1` with
/// `ignore_bos` (position 0 is never masked and its term is left out of the count) or `L`.
/// At block length 1 the evaluation switches to the exact likelihood (`eval_nll`: t = 1,
/// every position masked, weight 1), and so does this bound.
///
/// Times. The reference draws `u[i, b]` for draw i and block b and stratifies over all
/// `n · blocks` of them at once: `t = (u / (n·blocks) + (i·blocks + b) / (n·blocks)) mod 1`. Then
/// block b's n times only ever fall in every `blocks`-th stratum, so for one sequence, whose
/// blocks have different losses, the mean is not an unbiased estimate of the NELBO (and with
/// time conditioning block 0's t, which sets σ for every block, is tied to the others').
/// `TimeSampling.perBlock`, the default, stratifies each block's n times over all n strata of
/// [0, 1) in an independently shuffled order (a Latin hypercube): every block's times still
/// cover [0, 1) evenly, every draw's times are independent and uniform, and the mean is
/// unbiased. `TimeSampling.reference` is the reference's scheme.
public struct BD3LMBound: DiffusionBound {
  /// How the times of a batch of draws are stratified.
  public enum TimeSampling: String, CaseIterable, Codable, Sendable {
    /// Each block's times stratified over the draws, in a random order per block (unbiased).
    case perBlock = "per-block"
    /// bd3lms `_sample_t`: one stratification over draws × blocks.
    case reference
  }

  /// The checkpoint.
  public var model: BD3LMModel
  /// The mask id (`vocab_size - 1`).
  public var maskID: Int32
  /// The block length (`block_size`).
  public var blockLength: Int
  /// The range of t (`sampling_eps_min ... sampling_eps_max` of the evaluation).
  public var timeRange: ClosedRange<Double>
  /// Position 0 is never masked nor counted (`ignore_bos`).
  public var ignoresFirstToken: Bool
  /// The stratification of a batch's times.
  public var timeSampling: TimeSampling
  /// `LogLinearNoise.sigma_max`, the cap of σ: `-log1p(-(1 - 1e-3))`.
  public static let maximumNoise = LogLinearSchedule(eps: 1e-3).totalNoise(at: Double(1))

  /// BD3-LM's evaluation bound for `model`: t in [1e-3, 1] (exactly 1 at block length 1, the
  /// reference's `eval_nll`), `ignore_bos`, per-block stratification.
  public init(
    model: BD3LMModel, maskID: Int32, ignoresFirstToken: Bool = true,
    timeSampling: TimeSampling = .perBlock
  ) {
    self.model = model
    self.maskID = maskID
    self.blockLength = model.blockLength
    self.timeRange = model.blockLength == 1 ? 1...1 : 1e-3...1
    self.ignoresFirstToken = ignoresFirstToken
    self.timeSampling = timeSampling
  }

  /// `bd3lm`.
  public var kind: ScoreBound { .bd3lm }

  /// The settings, for reports.
  public var settings: NELBOSettings {
    NELBOSettings(
      bound: kind, schedule: "log-linear", scheduleEpsilon: 1e-3,
      timeRange: [timeRange.lowerBound, timeRange.upperBound],
      timeSampling: timeSampling.rawValue, blockLength: blockLength,
      ignoresFirstToken: ignoresFirstToken)
  }

  /// Blocks of `length` tokens (the last may be shorter).
  public func timesPerDraw(length: Int) -> Int { (length + blockLength - 1) / blockLength }

  /// `length`, less position 0 with `ignore_bos`.
  public func countedPositions(length: Int) -> Int { ignoresFirstToken ? length - 1 : length }

  /// Whether this is the exact-likelihood evaluation (t = 1 for every block).
  var exactLikelihood: Bool { timeRange.lowerBound >= 1 }

  /// The times of `count` draws, `[count][blocks]`, scaled into `timeRange`.
  public func sampleTimes(count: Int, length: Int, rng: inout SeededGenerator) -> [[Double]] {
    let blocks = timesPerDraw(length: length)
    var u = (0..<count).map { _ in (0..<blocks).map { _ in rng.nextUniform() } }
    switch timeSampling {
    case .reference:
      let strata = Double(count * blocks)
      for i in 0..<count {
        for b in 0..<blocks {
          u[i][b] = (u[i][b] / strata + Double(i * blocks + b) / strata)
            .truncatingRemainder(dividingBy: 1)
        }
      }
    case .perBlock:
      let n = Double(count)
      for b in 0..<blocks {
        var order = Array(0..<count)
        order.shuffle(using: &rng)
        for i in 0..<count { u[i][b] = (u[i][b] + Double(order[i])) / n }
      }
    }
    guard !exactLikelihood else { return u.map { $0.map { _ in 1 } } }
    let (low, high) = (timeRange.lowerBound, timeRange.upperBound)
    return u.map { $0.map { $0 * (high - low) + low } }
  }

  /// `q_xt`: position j is masked when its uniform is at most its block's t (the reference's
  /// `<=`); position 0 stays clean with `ignore_bos` (its uniform is still drawn).
  public func sampleMasks(times: [Double], length: Int, rng: inout SeededGenerator) -> [Int] {
    (0..<length).filter { j in
      let u = rng.nextUniform()
      return u <= times[j / blockLength] && !(ignoresFirstToken && j == 0)
    }
  }

  /// One time per block in the range, no masked position 0 under `ignore_bos`.
  public func check(_ draw: NELBODraw, length: Int, source: String, index: Int) throws {
    try checkShape(draw, length: length, range: timeRange, source: source, index: index)
    if ignoresFirstToken && draw.masked.first == 0 {
      throw ExperimentError(
        source: source,
        problem:
          "draw \(index) masks position 0, which BD3-LM's evaluation keeps clean (ignore_bos; --no-ignore-bos scores it)"
      )
    }
  }

  /// The x_t half of the training forward for every draw with a masked position, at the σ of
  /// its block 0, reading only the masked rows.
  public func losses(tokens: [Int32], draws: [NELBODraw]) throws -> (
    values: [Double], passes: Int
  ) {
    let run = draws.indices.filter { !draws[$0].masked.isEmpty }
    var values = [Double](repeating: 0, count: draws.count)
    guard !run.isEmpty else { return (values, 0) }
    let noisy = run.map { i -> [Int32] in
      var canvas = tokens
      for j in draws[i].masked { canvas[j] = maskID }
      return canvas
    }
    let sigmas = run.map { i in
      min(-log(1 - draws[i].times[0]), Self.maximumNoise)
    }
    let results = try model.noisyHalfLogits(
      clean: tokens, noisy: noisy, sigmas: sigmas, rows: run.map { draws[$0].masked })
    let counted = Double(countedPositions(length: tokens.count))
    for (i, logits) in zip(run, results) {
      var sum = 0.0
      for (row, j) in draws[i].masked.enumerated() {
        // loss_scale: -1/t, or -1 in the exact-likelihood evaluation (t = 1 there too).
        let weight = exactLikelihood ? 1 : 1 / draws[i].times[j / blockLength]
        sum -= subsLogProbability(logits, row: row, token: tokens[j], mask: maskID) * weight
      }
      values[i] = sum / counted
    }
    // Per draw: one clean pass (shared when σ is unused) and a window per block with a mask.
    return (values, run.count)
  }
}
