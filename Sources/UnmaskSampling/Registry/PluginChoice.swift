import UnmaskCore

/// A chosen strategy or schedule with its parameter values (`Strategy`, `Schedule`): what a run
/// uses, what traces record.
///
/// It holds the descriptor (a row of its table) and the values of exactly the parameters that
/// descriptor declares, so a setting never sits unused in a shared struct. In JSON (`--json`,
/// `run.json`, sweep files, server bodies) it is flat: the name under `strategy` (or
/// `schedule`) and each parameter under its own snake_case key, the same names as the CLI
/// flags: `{"strategy": "threshold", "threshold": 0.9}`.
public struct PluginChoice<Descriptor: PluginDescriptor>: Equatable, Sendable {
  /// The row of `StrategyRegistry` or `ScheduleRegistry`.
  public let descriptor: Descriptor
  /// Values of the descriptor's parameter struct.
  let values: any PluginParameters

  /// The choice of `descriptor` with every parameter at its default.
  public init(_ descriptor: Descriptor) {
    self.descriptor = descriptor
    values = descriptor.parameterSet.defaults
  }

  /// The choice of `descriptor` with `parameters`, which must be of its parameter struct.
  public init<P: PluginParameters>(_ descriptor: Descriptor, _ parameters: P) {
    self.descriptor = descriptor
    values = descriptor.parameterSet.checked(parameters, name: descriptor.name.rawValue)
  }

  /// The choice of `descriptor`, its parameters read from `object` (a missing key keeps its
  /// default).
  init(_ descriptor: Descriptor, reading object: SettingsObject) throws {
    self.descriptor = descriptor
    values = try descriptor.parameterSet.read(object)
  }

  /// The name (the `strategy` or `schedule` key, the flag's choice).
  public var name: PluginName<Descriptor> { descriptor.name }

  /// The registered `name` with its parameters at their defaults (the table's first row when
  /// no row has that name).
  public static func defaults(_ name: PluginName<Descriptor>) -> PluginChoice {
    let table = Descriptor.table
    return PluginChoice(table.descriptor(named: name.rawValue) ?? table.builtIn[0])
  }

  /// The parameters as JSON values under their keys (empty when there are none).
  public var parameters: [String: JSONValue] { descriptor.parameterSet.write(values) }

  /// The parameter values, when the parameter struct is `type`.
  public func parameters<P: PluginParameters>(as type: P.Type) -> P? { values as? P }

  /// Checks each parameter's range, then the descriptor's own rules against `settings`: the one
  /// validation of a strategy's or schedule's values. The error names the flag and the allowed
  /// range.
  public func validate(for settings: DenoisingSettings) throws {
    try descriptor.parameterSet.check(
      values, name: name.rawValue, owners: Descriptor.table.all.map(\.parameterSet),
      settings: settings)
  }

  /// The same descriptor with the same values.
  public static func == (a: PluginChoice, b: PluginChoice) -> Bool {
    a.name == b.name && a.values.isEqual(to: b.values)
  }
}
