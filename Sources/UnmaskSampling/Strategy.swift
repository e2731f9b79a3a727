/// A remasking strategy with its parameter values: what a run uses, what traces record.
///
/// A `PluginChoice` of a `StrategyRegistry` row: `{"strategy": "threshold", "threshold": 0.9}`
/// in JSON. The built-in strategies have static members declared in their own files
/// (`.confidence`, `.threshold(0.9)`, `.wino(parameters)`); any row, a registered plug-in's
/// included, is `Strategy(descriptor)` or `Strategy(descriptor, parameters)`.
public typealias Strategy = PluginChoice<StrategyDescriptor>

extension PluginChoice where Descriptor == StrategyDescriptor {
  /// A fresh strategy object for one run with `settings` (strategies may keep per-run state).
  func make(settings: DenoisingSettings) -> any RemaskingStrategy {
    descriptor.make(values, settings: settings)
  }
}
