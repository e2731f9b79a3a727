import UnmaskCore

/// A remasking strategy with its parameters: what a run uses, what traces record.
///
/// Each case carries exactly the parameters its algorithm reads (as mlx-swift-lm's
/// `BlockDiffusionParameters` does), so a setting can never sit unused in a shared struct.
/// In JSON (`--json`, `run.json`, sweep files, server bodies) a strategy is flat: its name under
/// `strategy` and each parameter under its own snake_case key, the same names as the CLI flags:
/// `{"strategy": "threshold", "threshold": 0.9}`.
///
/// Adding a strategy: one file under `Strategies/` and one case here (with its lines in the
/// switches below); see docs/STRATEGIES.md.
public enum Strategy: Equatable, Sendable {
  /// Probability of the proposed token: LLaDA `low_confidence`, Dream `maskgit_plus`.
  case confidence
  /// Top-1 minus top-2 probability: Dream `topk_margin`.
  case margin
  /// Lowest entropy first: Dream `entropy`.
  case entropy
  /// A uniform random score per position: LLaDA `random`.
  case random
  /// Each masked position moves independently with probability `1 - s/t`: Dream `origin`.
  case origin
  /// Fast-dLLM parallel decoding: every candidate with confidence >= threshold, at least one.
  case threshold(Double)
  /// Fast-dLLM's Dream `confidence_threshold`: a per-step budget, the first always committed,
  /// the others if confidence >= threshold.
  case dreamThreshold(Double)
  /// Fast-dLLM's factor rule: commit the n best while the n-th confidence >= 1 - factor/(n+1).
  case factor(Double)
  /// EB-sampler: commit lowest-entropy positions while their summed entropy stays <= gamma.
  case entropyBounded(gamma: Double)
  /// ReMDM: confidence commits plus remasking of committed tokens.
  case remdm(ReMDMParameters)
  /// PC-Sampler: confidence calibrated by token rarity, damped by distance into the block.
  case pcSampler(PCSamplerRemasking.Parameters)
  /// KLASS: every confident position whose distribution stayed stable (low KL) commits.
  case klass(KLASSRemasking.Parameters)
  /// DUS: the dilated unmasking schedule, about log(B) model calls per block.
  case dus(DilatedRemasking.Parameters)
  /// LLaDA 2.1's JointThreshold: mask-to-token by threshold plus token-to-token edits.
  case tokenEditing(TokenEditingRemasking.Parameters)
  /// WINO: wide-in drafting by threshold, narrow-out verification and remasking.
  case wino(WINORemasking.Parameters)

  /// The strategy's name (the `strategy` key, the `--strategy` choice).
  public var name: StrategyName {
    switch self {
    case .confidence: return .confidence
    case .margin: return .margin
    case .entropy: return .entropy
    case .random: return .random
    case .origin: return .origin
    case .threshold: return .threshold
    case .dreamThreshold: return .dreamThreshold
    case .factor: return .factor
    case .entropyBounded: return .entropyBounded
    case .remdm: return .remdm
    case .pcSampler: return .pcSampler
    case .klass: return .klass
    case .dus: return .dus
    case .tokenEditing: return .tokenEditing
    case .wino: return .wino
    }
  }

  /// The strategy `name` with its parameters at their defaults.
  public static func defaults(_ name: StrategyName) -> Strategy {
    // Reading an empty object gives every parameter its default and cannot fail.
    (try? Strategy(name: name, reading: SettingsObject(values: [:]))) ?? .confidence
  }

  /// The JSON keys of the parameters the strategy `name` reads.
  public static func parameterKeys(_ name: StrategyName) -> [String] {
    switch name {
    case .confidence, .margin, .entropy, .random, .origin: return []
    case .threshold, .dreamThreshold: return ["threshold"]
    case .factor: return ["factor"]
    case .entropyBounded: return ["entropy_bound"]
    case .remdm: return ReMDMParameters.keys
    case .pcSampler: return PCSamplerRemasking.Parameters.keys
    case .klass: return KLASSRemasking.Parameters.keys
    case .dus: return DilatedRemasking.Parameters.keys
    case .tokenEditing: return TokenEditingRemasking.Parameters.keys
    case .wino: return WINORemasking.Parameters.keys
    }
  }

  /// Every parameter key of every strategy.
  public static var allParameterKeys: Set<String> {
    Set(StrategyName.allCases.flatMap(parameterKeys))
  }

  /// The strategy `name`, its parameters read from `object` (a missing key keeps its default).
  init(name: StrategyName, reading object: SettingsObject) throws {
    switch name {
    case .confidence: self = .confidence
    case .margin: self = .margin
    case .entropy: self = .entropy
    case .random: self = .random
    case .origin: self = .origin
    case .threshold: self = .threshold(try object.double("threshold") ?? 0.9)
    case .dreamThreshold: self = .dreamThreshold(try object.double("threshold") ?? 0.9)
    case .factor: self = .factor(try object.double("factor") ?? 1)
    case .entropyBounded: self = .entropyBounded(gamma: try object.double("entropy_bound") ?? 0.1)
    case .remdm: self = .remdm(try ReMDMParameters(reading: object))
    case .pcSampler: self = .pcSampler(try PCSamplerRemasking.Parameters(reading: object))
    case .klass: self = .klass(try KLASSRemasking.Parameters(reading: object))
    case .dus: self = .dus(try DilatedRemasking.Parameters(reading: object))
    case .tokenEditing: self = .tokenEditing(try TokenEditingRemasking.Parameters(reading: object))
    case .wino: self = .wino(try WINORemasking.Parameters(reading: object))
    }
  }

  /// The parameters as JSON values under their keys (empty for parameterless strategies).
  public var parameters: [String: JSONValue] {
    switch self {
    case .confidence, .margin, .entropy, .random, .origin: return [:]
    case .threshold(let t), .dreamThreshold(let t): return ["threshold": .number(t)]
    case .factor(let f): return ["factor": .number(f)]
    case .entropyBounded(let gamma): return ["entropy_bound": .number(gamma)]
    case .remdm(let p): return p.json
    case .pcSampler(let p): return p.json
    case .klass(let p): return p.json
    case .dus(let p): return p.json
    case .tokenEditing(let p): return p.json
    case .wino(let p): return p.json
    }
  }

  /// Checks the parameters' ranges; the error names the flag and the allowed range.
  public func validate() throws {
    func fail(_ field: String, _ message: String) -> SamplingError {
      .invalidSetting(field: field, message: message)
    }
    switch self {
    case .confidence, .margin, .entropy, .random, .origin: return
    case .threshold(let t), .dreamThreshold(let t):
      guard t > 0 && t <= 1 else { throw fail("threshold", "must be in (0, 1], got \(t)") }
    case .factor(let f):
      guard f.isFinite, f > 0 else { throw fail("factor", "must be > 0, got \(f)") }
    case .entropyBounded(let gamma):
      guard gamma.isFinite, gamma >= 0 else {
        throw fail("entropy-bound", "must be >= 0, got \(gamma)")
      }
    case .remdm(let p): try p.validate()
    case .pcSampler(let p): try p.validate()
    case .klass(let p): try p.validate()
    case .dus(let p): try p.validate()
    case .tokenEditing(let p): try p.validate()
    case .wino(let p): try p.validate()
    }
  }

  /// A fresh strategy object for one run with `settings`.
  func make(settings: DenoisingSettings) -> any RemaskingStrategy {
    switch self {
    case .confidence: return ConfidenceRemasking()
    case .margin: return MarginRemasking()
    case .entropy: return EntropyRemasking()
    case .random: return RandomRemasking()
    case .origin: return OriginRemasking()
    case .threshold(let t): return ThresholdRemasking(threshold: t)
    case .factor(let f): return FactorRemasking(factor: f)
    case .dreamThreshold(let t):
      // Fast-dLLM's cached Dream block sampler has no budget: top-1 plus all >= threshold.
      if settings.cache != .none { return ThresholdRemasking(threshold: t) }
      return DreamThresholdRemasking(threshold: t, stepsPerBlock: settings.stepsPerBlock)
    case .entropyBounded(let gamma): return EntropyBoundedRemasking(gamma: gamma)
    case .remdm(let p): return ReMDMRemasking(parameters: p, maskID: settings.maskID)
    // The background table is loaded by `Denoiser.init(model:settings:)`, which knows `V`.
    case .pcSampler(let p): return PCSamplerRemasking(parameters: p)
    case .klass(let p): return KLASSRemasking(parameters: p)
    case .dus(let p): return DilatedRemasking(parameters: p)
    case .tokenEditing(let p): return TokenEditingRemasking(parameters: p)
    case .wino(let p): return WINORemasking(parameters: p)
    }
  }
}
