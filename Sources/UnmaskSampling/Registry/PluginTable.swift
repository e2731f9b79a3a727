import Foundation

/// What the strategy and schedule tables hold: a named plug-in and its parameters.
public protocol PluginDescriptor: Sendable {
  /// The name the CLI, JSON settings and traces use.
  var name: PluginName<Self> { get }
  /// What it does, in one line (`--help`).
  var summary: String { get }
  /// Its parameters.
  var parameterSet: ParameterSet { get }
  /// The table of its kind (`StrategyRegistry`'s, `ScheduleRegistry`'s).
  static var table: PluginTable<Self> { get }
}

extension PluginDescriptor {
  /// Its parameters, in `--help` order.
  public var parameters: [ParameterInfo] { parameterSet.list }
  /// Its `--help` text: the summary, then one line per parameter flag with its range and default.
  public var helpText: String { parameterSet.helpText(summary: summary) }
}

/// The table of one kind of plug-in (`StrategyRegistry`, `ScheduleRegistry`): the built-in rows,
/// then those registered at run time, by name.
///
/// Registration is for plug-ins outside this module (an experiment, a test); a built-in one is a
/// row of the table. Mirrors mlx-swift-lm's model type registry.
public final class PluginTable<Descriptor: PluginDescriptor>: @unchecked Sendable {
  /// The built-in rows, in order.
  public let builtIn: [Descriptor]
  /// What a name chooses, for errors: "strategy", "schedule".
  let kind: String
  private let lock = NSLock()
  private var registered: [Descriptor] = []

  init(kind: String, builtIn: [Descriptor]) {
    self.kind = kind
    self.builtIn = builtIn
  }

  /// Every row: the built-in ones, then the registered ones in the order they came.
  public var all: [Descriptor] {
    lock.lock()
    defer { lock.unlock() }
    return builtIn + registered
  }

  /// The row named `name`, or nil.
  public func descriptor(named name: String) -> Descriptor? {
    all.first { $0.name.rawValue == name }
  }

  /// Every row's name, in order.
  public var names: [String] { all.map(\.name.rawValue) }

  /// Every row's `--help` text (`PluginDescriptor.helpText`) by name.
  public var helpTexts: [String: String] {
    Dictionary(all.map { ($0.name.rawValue, $0.helpText) }) { first, _ in first }
  }

  /// Every row's parameter keys, in table order, each once.
  public var parameterKeys: [String] {
    var seen = Set<String>()
    return all.flatMap(\.parameterSet.keys).filter { seen.insert($0).inserted }
  }

  /// Adds `descriptor`, replacing a registered row of the same name.
  ///
  /// - Throws: `SamplingError.invalidSetting` when the name is a built-in one, a key is in
  ///   `reserved` (a field of every run, another table's parameter), or a key other rows read
  ///   holds another kind of value there (one flag, one kind).
  func register(_ descriptor: Descriptor, reserved: Set<String>) throws {
    lock.lock()
    defer { lock.unlock() }
    let name = descriptor.name.rawValue
    func fail(_ field: String, _ message: String) -> SamplingError {
      .invalidSetting(field: field, message: message)
    }
    if builtIn.contains(where: { $0.name.rawValue == name }) {
      throw fail(kind, "\(name) is a built-in \(kind); register a plug-in under its own name")
    }
    let others = builtIn + registered.filter { $0.name.rawValue != name }
    for parameter in descriptor.parameters {
      if reserved.contains(parameter.key) {
        throw fail(parameter.key, "is already a setting; \(name) needs another key")
      }
      for other in others.flatMap(\.parameters)
      where other.key == parameter.key && other.kind != parameter.kind {
        throw fail(
          parameter.key,
          "is a \(other.kind.valueName) elsewhere; \(name) reads it as \(parameter.kind.valueName)")
      }
    }
    registered.removeAll { $0.name.rawValue == name }
    registered.append(descriptor)
  }
}
