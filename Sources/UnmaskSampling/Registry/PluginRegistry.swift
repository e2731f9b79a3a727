/// A table of one kind of plug-in, by the name front ends use: `StrategyRegistry`,
/// `ScheduleRegistry`. What they share is written once here.
public protocol PluginRegistry {
  /// What the table holds.
  associatedtype Descriptor: PluginDescriptor
  /// The table: the built-in rows, then those registered at run time.
  static var table: PluginTable<Descriptor> { get }
}

extension PluginRegistry {
  /// The built-in rows, in the order `--help` lists them.
  public static var builtIn: [Descriptor] { table.builtIn }

  /// Every row: the built-in ones, then those registered.
  public static var all: [Descriptor] { table.all }

  /// The row named `name`, or nil.
  public static func descriptor(named name: PluginName<Descriptor>) -> Descriptor? {
    table.descriptor(named: name.rawValue)
  }

  /// Every row's parameter keys, in table order, each once.
  public static var parameterKeys: [String] { table.parameterKeys }

  /// Adds a plug-in (or replaces the one registered under its name): from then on the CLI,
  /// JSON settings, sweeps and the server accept its name and its parameters.
  ///
  /// - Throws: `SamplingError.invalidSetting` when it takes a built-in name, a key of a setting
  ///   every run reads or of the other kind of plug-in (strategies and schedules share one flat
  ///   settings object), or a key another row reads as another kind of value.
  public static func register(_ descriptor: Descriptor) throws {
    let keys = Set(StrategyRegistry.parameterKeys + ScheduleRegistry.parameterKeys)
    try table.register(
      descriptor,
      reserved: DenoisingSettings.fieldKeys.union(keys.subtracting(parameterKeys)))
  }
}
