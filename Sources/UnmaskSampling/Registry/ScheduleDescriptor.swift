/// Everything the front ends know about a noise schedule: one row of `ScheduleRegistry`.
///
/// As `StrategyDescriptor`: the name, typed parameters with defaults, ranges and help, and how a
/// run gets its schedule object; flags, `--help`, JSON keys, validation, sweep axes and server
/// fields come from here.
public struct ScheduleDescriptor: PluginDescriptor {
  /// The `--schedule` choice and the `schedule` key.
  public let name: ScheduleName
  /// What it does, in one line (`--help`).
  public let summary: String
  /// Its parameters.
  public let parameterSet: ParameterSet
  /// Builds the schedule object for a run.
  private let build: @Sendable (any PluginParameters, DenoisingSettings) -> any NoiseSchedule

  /// A schedule with the `parameters` of struct `P` (a stateless schedule may be its own
  /// parameter struct); `validate` and `make` as for `StrategyDescriptor`.
  public init<P: PluginParameters>(
    name: ScheduleName, summary: String, parameters: [Parameter<P>],
    validate: @escaping @Sendable (P, DenoisingSettings) throws -> Void = { _, _ in },
    make: @escaping @Sendable (P, DenoisingSettings) -> any NoiseSchedule
  ) {
    self.name = name
    self.summary = summary
    parameterSet = ParameterSet(parameters, validate: validate)
    build = { values, settings in make(ParameterSet.cast(values, P.self), settings) }
  }

  /// A schedule without parameters.
  public init(
    name: ScheduleName, summary: String,
    make: @escaping @Sendable (DenoisingSettings) -> any NoiseSchedule
  ) {
    self.init(
      name: name, summary: summary, parameters: [Parameter<NoParameters>](),
      make: { _, settings in make(settings) })
  }

  /// `ScheduleRegistry`'s table.
  public static var table: PluginTable<ScheduleDescriptor> { ScheduleRegistry.table }

  /// The schedule object for a run.
  func make(_ values: any PluginParameters, settings: DenoisingSettings) -> any NoiseSchedule {
    build(values, settings)
  }
}

/// A schedule with a descriptor (every built-in one): its name comes from there.
public protocol DescribedSchedule: NoiseSchedule {
  /// Its row of `ScheduleRegistry`.
  static var descriptor: ScheduleDescriptor { get }
}

extension DescribedSchedule {
  /// The descriptor's name.
  public var name: ScheduleName { Self.descriptor.name }
}
