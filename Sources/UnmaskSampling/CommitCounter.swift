/// Turns a schedule and a rounding rule into "how many tokens to commit at this step".
///
/// One counter lives for one block: `init` is called when the block starts, with the number of
/// masks in it (`M`), as LLaDA computes `get_num_transfer_tokens(block_mask_index, steps)` once
/// per block.
public struct CommitCounter: Sendable {
  /// The time grid `t_0 = 1 > t_1 > ... > t_n` of this block (n = steps in the block).
  public let times: [Double]
  /// Counts fixed at the start of the block (`even` rounding, explicit lists); nil otherwise.
  public let plan: [Int]?
  private let schedule: any NoiseSchedule
  private let rounding: RoundingRule
  private let steps: Int

  /// A counter for a block with `maskedAtStart` masks, for `schedule` (default: the one the
  /// settings name).
  ///
  /// Time grid: with `truncate` rounding, Dream's `torch.linspace(1, eps, steps + 1)` in float32
  /// (see `dreamTimesteps`); otherwise `t_i = 1 - i / steps`.
  public init(
    settings: DenoisingSettings, maskedAtStart: Int, schedule: (any NoiseSchedule)? = nil
  ) {
    let n = settings.stepsPerBlock
    steps = n
    rounding = settings.rounding
    let schedule = schedule ?? settings.makeSchedule()
    self.schedule = schedule
    if settings.rounding == .truncate {
      times = Self.dreamTimesteps(count: n + 1, eps: Float(settings.eps)).map(Double.init)
    } else {
      times = (0...n).map { 1 - Double($0) / Double(n) }
    }
    if let counts = settings.schedule.explicitCounts {
      plan = counts
    } else if settings.rounding == .even {
      plan = Self.evenPlan(masked: maskedAtStart, times: times, schedule: schedule)
    } else if settings.rounding == .halfEven {
      plan = Self.halfEvenPlan(masked: maskedAtStart, steps: n, schedule: schedule)
    } else {
      plan = nil
    }
  }

  /// Commits at step `i` of the block with `maskedNow` masks left; the last step takes them all.
  /// With a plan, commits of the mask id earlier in the block (`spentOnMaskID`, positions left
  /// masked) are not made up for: LLaDA's last step commits its planned count. Dream's last
  /// step takes every mask.
  ///
  /// - `even`, `half-even`: the plan fixed at block start (clamped to what is left; past the
  ///   end of a `half-even` plan, which drops empty steps, everything left).
  /// - `truncate`: `int(Float(M) * (1 - Float(f(s)) / Float(f(t))))`, every operation in float32
  ///   as Dream's `_sample` does with its float32 timesteps.
  /// - `stochastic`: a Binomial(M, 1 - f(s)/f(t)) draw from `rng`.
  public func count(
    step i: Int, maskedNow: Int, spentOnMaskID: Int = 0, rng: inout SeededGenerator
  ) -> Int {
    if i >= steps - 1 {
      guard let plan, spentOnMaskID > 0, let last = plan.last else { return maskedNow }
      return min(maskedNow, max(last, maskedNow - spentOnMaskID))
    }
    if let plan { return i < plan.count ? min(max(plan[i], 0), maskedNow) : maskedNow }
    let t = times[i]
    let s = times[i + 1]
    guard schedule.maskedFraction(at: t) > 0 else { return maskedNow }
    switch rounding {
    case .truncate:
      let ratio = Float(schedule.maskedFraction(at: s)) / Float(schedule.maskedFraction(at: t))
      let expected = Float(maskedNow) * (1 - ratio)
      return min(max(Int(expected), 0), maskedNow)
    case .stochastic:
      let p = 1 - schedule.maskedFraction(at: s) / schedule.maskedFraction(at: t)
      var n = 0
      for _ in 0..<maskedNow where rng.nextUniform() < p { n += 1 }
      return n
    case .even, .halfEven:
      return maskedNow  // unreachable: `even` and `half-even` always have a plan
    }
  }

  /// LLaDA's `get_num_transfer_tokens` generalised to any schedule.
  ///
  /// Linear: `M // n` per step and the remainder one each to the first steps, in integers, as
  /// the reference. Other schedules: the floor of each step's expected count
  /// `M * (f(t_i) - f(t_{i+1})) / (f(t_0) - f(t_n))`, the remainder one each to the first steps.
  public static func evenPlan(masked: Int, times: [Double], schedule: any NoiseSchedule) -> [Int] {
    let n = times.count - 1
    guard n > 0 else { return [] }
    var counts: [Int]
    if schedule.name == .linear {
      counts = [Int](repeating: masked / n, count: n)
    } else {
      let f = times.map { schedule.maskedFraction(at: $0) }
      let total = f[0] - f[n]
      counts = (0..<n).map { i in
        let expected = total > 0 ? Double(masked) * (f[i] - f[i + 1]) / total : 0
        return max(0, Int((expected + 1e-9).rounded(.down)))
      }
    }
    var remainder = masked - counts.reduce(0, +)
    var i = 0
    while remainder > 0 {
      counts[i % n] += 1
      remainder -= 1
      i += 1
    }
    return counts
  }

  /// dllm's `get_num_transfer_tokens(mask_index, steps, scheduler, stochastic=False)`
  /// (`dllm/core/samplers/utils.py`) for a block of `masked` masks and `steps` steps, with the
  /// steps that commit nothing removed ("this allows us to skip steps with no unmasking").
  ///
  /// Step `j`: `t = (steps - j) / steps`, `s = (steps - j - 1) / steps` as Python floats, then
  /// `reverse_mask_prob(s, t) = (1 - α(s)) / (1 - α(t))` in float32 tensors (`α = 1 - f`, `f`
  /// the schedule's masked fraction: `LinearAlphaScheduler` is `f(u) = u`, bit for bit), and
  /// `torch.round(float64(left) * (1 - ratio))`, half to even, at most `left`. The last step has
  /// `s = 0`, so it takes what is left. A block without masks gets the plan `[0]`.
  public static func halfEvenPlan(masked: Int, steps: Int, schedule: any NoiseSchedule) -> [Int] {
    // 1 - α(u) with u and every operation in float32, as the scheduler's tensors are.
    func unmaskedGap(_ u: Double) -> Float {
      let alpha = Float(1 - schedule.maskedFraction(at: Double(Float(u))))
      return 1 - alpha
    }
    var left = masked
    var counts: [Int] = []
    for j in 0..<steps where left > 0 {
      let t = Double(steps - j) / Double(steps)
      let s = Double(steps - j - 1) / Double(steps)
      let gap = unmaskedGap(t)
      let ratio = gap > 0 ? unmaskedGap(s) / gap : 0
      let expected = (Double(left) * (1 - Double(ratio))).rounded(.toNearestOrEven)
      let n = expected.isFinite ? min(max(Int(expected), 0), left) : left
      if n > 0 { counts.append(n) }
      left -= n
    }
    return counts.isEmpty ? [0] : counts
  }

  /// `torch.linspace(1, eps, count)` in float32 on the CPU, bit for bit.
  ///
  /// ATen's linspace kernel computes `step = (end - start) / (count - 1)` in float32, then
  /// `start + step * i` for the first half and `end - step * (count - 1 - i)` for the second,
  /// each as one fused multiply-add (checked against torch for every count up to 600).
  public static func dreamTimesteps(count: Int, eps: Float) -> [Float] {
    let start: Float = 1
    let end = eps
    guard count > 1 else { return count == 1 ? [start] : [] }
    let step = (end - start) / Float(count - 1)
    let half = count / 2
    return (0..<count).map { i in
      i < half
        ? start.addingProduct(step, Float(i))
        : end.addingProduct(-step, Float(count - i - 1))
    }
  }
}
