/// Everything the front ends know about a remasking strategy: one row of `StrategyRegistry`.
///
/// Declared once, next to the strategy (`ThresholdRemasking.descriptor`): the name, its typed
/// parameters with their defaults, ranges and help, what it reads, and how a run gets its object.
/// The CLI flags and `--help`, the JSON settings keys, validation, sweep axes, server request
/// fields and trace records all come from here.
///
/// ```swift
/// extension StrategyName { public static var mine: StrategyName { "mine" } }
/// public struct MyRemasking: DescribedStrategy {
///   public struct Parameters: PluginParameters { public var bias = 0.1; public init() {} }
///   public static let descriptor = StrategyDescriptor(
///     name: .mine, summary: "Confidence minus a bias per position.",
///     parameters: [.number("mine_bias", \Parameters.bias, in: .atLeast(0), help: "the bias")],
///     reads: .candidateProposals, make: { p, _ in MyRemasking(parameters: p) })
///   ...
/// }
/// ```
public struct StrategyDescriptor: PluginDescriptor {
  /// The `--strategy` choice and the `strategy` key.
  public let name: StrategyName
  /// What it does, in one line (`--help`).
  public let summary: String
  /// Its parameters.
  public let parameterSet: ParameterSet
  /// What it reads at each step.
  public let reads: StrategyReads
  /// Whether a block may run more steps than it has positions: the extra steps remask and
  /// commit again (ReMDM). Otherwise front ends refuse such runs (`checkEveryStepCanCommit`).
  public let allowsMoreStepsThanPositions: Bool
  /// Builds the strategy object for a run.
  private let build: @Sendable (any PluginParameters, DenoisingSettings) -> any RemaskingStrategy

  /// A strategy with the `parameters` of struct `P`.
  ///
  /// - Parameters:
  ///   - validate: checks beyond each parameter's range, which may read the run's settings
  ///     (several parameters together, the block's shape, the cache); throw
  ///     `SamplingError.invalidSetting` naming the flag.
  ///   - make: a fresh strategy object for one run with these values and settings.
  public init<P: PluginParameters>(
    name: StrategyName, summary: String, parameters: [Parameter<P>], reads: StrategyReads,
    allowsMoreStepsThanPositions: Bool = false,
    validate: @escaping @Sendable (P, DenoisingSettings) throws -> Void = { _, _ in },
    make: @escaping @Sendable (P, DenoisingSettings) -> any RemaskingStrategy
  ) {
    self.name = name
    self.summary = summary
    self.reads = reads
    self.allowsMoreStepsThanPositions = allowsMoreStepsThanPositions
    parameterSet = ParameterSet(parameters, validate: validate)
    build = { values, settings in make(ParameterSet.cast(values, P.self), settings) }
  }

  /// A strategy without parameters.
  public init(
    name: StrategyName, summary: String, reads: StrategyReads,
    make: @escaping @Sendable (DenoisingSettings) -> any RemaskingStrategy
  ) {
    self.init(
      name: name, summary: summary, parameters: [Parameter<NoParameters>](), reads: reads,
      make: { _, settings in make(settings) })
  }

  /// `StrategyRegistry`'s table.
  public static var table: PluginTable<StrategyDescriptor> { StrategyRegistry.table }

  /// A fresh strategy object for one run.
  func make(_ values: any PluginParameters, settings: DenoisingSettings) -> any RemaskingStrategy {
    build(values, settings)
  }
}

/// What a strategy reads at each step, declared in its descriptor.
public struct StrategyReads: Sendable, Equatable {
  /// Which logit rows: with `.candidates` the forward pass computes only those (`LogitRowUse`).
  public var logitRows: LogitRowUse
  /// Which probabilities its choice depends on.
  public var probabilities: ProbabilityUse

  /// Both given.
  public init(logitRows: LogitRowUse, probabilities: ProbabilityUse) {
    self.logitRows = logitRows
    self.probabilities = probabilities
  }

  /// The candidates' rows and their proposals' statistics: most strategies.
  public static let candidateProposals = StrategyReads(
    logitRows: .candidates, probabilities: .proposals)
}

/// Which probabilities a strategy's choice depends on.
public enum ProbabilityUse: Sendable, Equatable {
  /// None: positions are chosen by plan or by chance (the proposals' scores are only recorded).
  case none
  /// The proposals' statistics at the candidates (confidence, margin, entropy), which the
  /// proposer computes once per step.
  case proposals
  /// Whole distributions, a softmax the strategy computes from `StepContext.logits` rows (or
  /// from extra forward passes).
  case distributions
}

/// A strategy with a descriptor (every built-in one): its name and the rows it reads come from
/// there, so they are stated once.
public protocol DescribedStrategy: RemaskingStrategy {
  /// Its row of `StrategyRegistry`.
  static var descriptor: StrategyDescriptor { get }
}

extension DescribedStrategy {
  /// The descriptor's name.
  public var name: StrategyName { Self.descriptor.name }
  /// The descriptor's `reads.logitRows`.
  public var readsLogitRows: LogitRowUse { Self.descriptor.reads.logitRows }
}
