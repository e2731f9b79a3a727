import UnmaskCore

/// A strategy's or schedule's parameter as a command-line flag (`--verify-threshold 0.9`): the
/// flags a front end declares no line for, since every one comes from the descriptors.
public struct ParameterFlag: Sendable {
  /// The parameter (its key, flag, kind, range, default and help).
  public let parameter: ParameterInfo
  /// What it belongs to: `strategy` or `schedule` (the settings key that chooses its owner).
  public let ownerKey: String
  /// The first strategy or schedule that reads it (the one `choosesItsOwner` chooses).
  public let ownerName: String

  /// Every parameter flag, the strategies' then the schedules', in table order; a flag that
  /// several rows read (`--threshold`) once.
  public static var all: [ParameterFlag] {
    var seen = Set<String>()
    return (flags(of: StrategyRegistry.table) + flags(of: ScheduleRegistry.table))
      .filter { seen.insert($0.parameter.flag).inserted }
  }

  /// The flag `--name` (given without its dashes), or nil when no strategy or schedule has it.
  public static func named(_ name: String) -> ParameterFlag? {
    all.first { $0.parameter.flag == name }
  }

  /// The settings overrides of the flag given with `text`: its key with the value read as its
  /// kind, and its owner's name when the flag chooses it (`--schedule-file` chooses `explicit`;
  /// an explicit `--schedule` replaces that).
  public func overrides(_ text: String) throws -> [String: JSONValue] {
    var o = [parameter.key: try parameter.value(fromArgument: text)]
    if parameter.choosesItsOwner { o[ownerKey] = .string(ownerName) }
    return o
  }

  private static func flags<D: PluginDescriptor>(of table: PluginTable<D>) -> [ParameterFlag] {
    table.all.flatMap { row in
      row.parameters.map {
        ParameterFlag(parameter: $0, ownerKey: table.kind, ownerName: row.name.rawValue)
      }
    }
  }
}
