/// A remasking strategy's name (`--strategy`, the `strategy` key).
///
/// A strategy decides *which* masked positions are committed at a step; the schedule
/// (`ScheduleName`) decides *how many*. Scores are "higher commits first". The built-in names
/// are declared with their strategies (`.confidence`, `.dreamThreshold`); a plug-in registered
/// in `StrategyRegistry` has its own.
public typealias StrategyName = PluginName<StrategyDescriptor>

/// A noise schedule's name (`--schedule`, the `schedule` key); the built-in ones are declared
/// with their schedules (`.linear`, `.cosineSquared`).
public typealias ScheduleName = PluginName<ScheduleDescriptor>

/// How a schedule's fractional token counts become whole commits per step.
public enum RoundingRule: String, CaseIterable, Codable, Sendable {
  /// LLaDA `get_num_transfer_tokens`: at the start of each block, `M // steps` per step and
  /// the remainder one each to the first steps (for a non-linear schedule: the floor of each
  /// step's expected count, remainder to the first steps).
  case even
  /// Dream: `int(M * (1 - s/t))` in float32 over `linspace(1, eps, steps + 1)` with `M` the
  /// masks left, everything left on the last step.
  case truncate
  /// Binomial: each candidate moves with probability `1 - alpha-ratio`, drawn from the seed;
  /// everything left on the last step.
  case stochastic
  /// dllm's `get_num_transfer_tokens` (`dllm/core/samplers/utils.py`, `stochastic=False`): at
  /// the start of each block with `N` masks, step `j` of `n` takes `torch.round(N_left *
  /// (1 - scheduler.reverse_mask_prob(s, t)))` (round half to even) of the `N_left` still
  /// masked, `t = (n - j) / n`, `s = t - 1 / n`, the alpha ratio `(1 - α(s)) / (1 - α(t))`
  /// evaluated in float32 as its scheduler does; then "we can skip steps with no unmasking":
  /// steps that would commit nothing are dropped, and the block ends with its last mask.
  case halfEven = "half-even"
}

/// How tokens are proposed and scored from logits: the two reference code bases differ.
public enum ProposalRule: String, CaseIterable, Codable, Sendable {
  /// LLaDA `generate()`: Gumbel-max in float64 on the raw logits (`exp(l) / (-log u)^T`),
  /// confidence from a float64 softmax of the logits before noise.
  case llada
  /// Dream `sample_tokens`: logits / T, top-p, top-k (to float32 min), float32 softmax,
  /// categorical sample (argmax at T = 0); scores from those filtered probabilities.
  case dream
}

/// Which ReMDM remasking schedule sets the per-step remasking probability sigma_t.
public enum ReMDMSchedule: String, CaseIterable, Codable, Sendable {
  /// sigma_t = min(eta, (1 - alpha_s) / alpha_t).
  case cap
  /// sigma_t = eta * (1 - alpha_s) / alpha_t.
  case rescale
  /// sigma_t = eta * sigma_max scaled per token by softmax(-confidence) (low confidence first).
  case conf
  /// Remask only inside the loop window [t_on, t_off] with sigma = eta, plain decoding elsewhere.
  case loop
  /// ReMDM's `forward-backward` baseline: sigma_t = (alpha_s - alpha_t) / alpha_t, eta unused.
  case forwardBackward = "forward-backward"
}

/// The floating-point type LLaDA-style confidences are rounded to before ranking.
///
/// LLaDA's `generate()` computed `softmax(logits)` in float64 until 2025-06 (and Fast-dLLM
/// still does); since then it uses the logits' own dtype: float32, or bfloat16 for a bf16 model.
/// Rounding matters only at near ties, but with peaked distributions many confidences round to
/// exactly 1.0 and `torch.topk`'s tie order (see `TorchTopK`) then decides.
public enum ConfidencePrecision: String, CaseIterable, Codable, Sendable {
  /// Keep the float64 softmax (Fast-dLLM, LLaDA before 2025-06). The default.
  case float64
  /// Round each probability to float32 (current LLaDA with float32 logits).
  case float32
  /// Round each probability to bfloat16 (current LLaDA with bf16 logits).
  case bfloat16

  /// `p` rounded to this precision (round to nearest even), back as a `Double`.
  public func round(_ p: Double) -> Double {
    switch self {
    case .float64: return p
    case .float32: return Double(Float(p))
    case .bfloat16:
      let f = Float(p)
      guard f.isFinite else { return Double(f) }
      let bits = f.bitPattern
      let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000
      return Double(Float(bitPattern: rounded))
    }
  }
}
