/// The name of a strategy or schedule (`StrategyName`, `ScheduleName`), as the CLI, config files
/// and traces share it: `--strategy dream-threshold`, `"schedule": "cosine"`.
///
/// Names are open: a plug-in registered in its table has its own. The built-in names are static
/// members declared in each strategy's or schedule's file (`.confidence`, `.cosineSquared`).
public struct PluginName<Descriptor: PluginDescriptor>: RawRepresentable, Hashable, Codable,
  Sendable, ExpressibleByStringLiteral, CustomStringConvertible
{
  /// The name as written (`dream-threshold`).
  public let rawValue: String
  /// The name `rawValue`, registered or not.
  public init(rawValue: String) { self.rawValue = rawValue }
  /// A name written as a literal.
  public init(stringLiteral value: String) { rawValue = value }
  /// `rawValue`.
  public var description: String { rawValue }
  /// The built-in rows' names, in table order (registered plug-ins are in the table's `all`).
  public static var allCases: [PluginName] { Descriptor.table.builtIn.map(\.name) }
}
