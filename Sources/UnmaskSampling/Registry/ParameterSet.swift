import UnmaskCore

/// A descriptor's parameters: typed inside (one `PluginParameters` struct), erased outside, so
/// one table holds strategies (or schedules) whose parameter structs differ.
public struct ParameterSet: Sendable {
  /// The parameters, in the order `--help` lists them.
  public let list: [ParameterInfo]
  /// Every parameter at its default.
  let defaults: any PluginParameters
  /// The parameter struct's type.
  let type: any PluginParameters.Type
  /// The defaults with every key present in the object read over them.
  let read: @Sendable (SettingsObject) throws -> any PluginParameters
  /// The values under their keys.
  let write: @Sendable (any PluginParameters) -> [String: JSONValue]
  /// The first value out of its range: the parameter and the value as written.
  let outOfRange: @Sendable (any PluginParameters) -> (ParameterInfo, String)?
  /// Checks that need several values or the run's settings (the descriptor's `validate`).
  let validate: @Sendable (any PluginParameters, DenoisingSettings) throws -> Void

  /// The set of `parameters`, with `validate` for the rules a single range cannot state.
  init<P: PluginParameters>(
    _ parameters: [Parameter<P>],
    validate: @escaping @Sendable (P, DenoisingSettings) throws -> Void
  ) {
    list = parameters.map(\.info)
    defaults = P()
    type = P.self
    read = { object in
      var values = P()
      for parameter in parameters { try parameter.read(&values, object) }
      return values
    }
    write = { values in
      let values = Self.cast(values, P.self)
      var object: [String: JSONValue] = [:]
      for parameter in parameters { object[parameter.info.key] = parameter.write(values) }
      return object
    }
    outOfRange = { values in
      let values = Self.cast(values, P.self)
      for parameter in parameters {
        if let got = parameter.outOfRange(values) { return (parameter.info, got) }
      }
      return nil
    }
    self.validate = { values, settings in try validate(Self.cast(values, P.self), settings) }
  }

  /// The settings keys, in order.
  public var keys: [String] { list.map(\.key) }

  /// `values` as `P`: a `Strategy` or `Schedule` only ever holds its descriptor's type (their
  /// initializers check it), so the defaults are never used.
  static func cast<P: PluginParameters>(_ values: any PluginParameters, _ type: P.Type) -> P {
    values as? P ?? P()
  }

  /// `values` if they are of this set's type; stops the program otherwise (a programming error:
  /// a descriptor given another strategy's parameters).
  func checked<P: PluginParameters>(_ values: P, name: String) -> any PluginParameters {
    precondition(
      P.self == type, "\(name) takes \(type) parameters, not \(P.self)")
    return values
  }

  /// Checks every range, then `validate`: the one place a strategy's or schedule's values are
  /// validated. A range error names the flag and the range and, when several rows of `owners`
  /// read the key (`threshold`: each with its own range), which one it is for (`for wino`).
  func check(
    _ values: any PluginParameters, name: String, owners: [ParameterSet],
    settings: DenoisingSettings
  ) throws {
    if let (parameter, got) = outOfRange(values) {
      let shared = owners.filter { $0.keys.contains(parameter.key) }.count > 1
      throw SamplingError.invalidSetting(
        field: parameter.flag,
        message:
          "must be in \(parameter.range ?? "range")\(shared ? " for \(name)" : ""), got \(got)")
    }
    try validate(values, settings)
  }

  /// The `--help` text of a strategy or schedule: its summary, then one line per parameter.
  func helpText(summary: String) -> String {
    ([summary] + list.map(\.helpLine)).joined(separator: "\n")
  }
}
