/// Every remasking strategy, one row each: the table `--strategy` and its parameter flags,
/// `--help`, JSON settings, validation, sweep axes, server request fields and traces all read.
///
/// Adding a strategy is one file under `Strategies/` (the strategy and its descriptor) and its
/// row below; see docs/STRATEGIES.md. A plug-in outside this module calls `register(_:)`.
public enum StrategyRegistry: PluginRegistry {
  /// The built-in strategies, in the order `--help` lists them, then registered ones.
  public static let table = PluginTable<StrategyDescriptor>(
    kind: "strategy",
    builtIn: [
      ConfidenceRemasking.descriptor,
      MarginRemasking.descriptor,
      EntropyRemasking.descriptor,
      RandomRemasking.descriptor,
      OriginRemasking.descriptor,
      ThresholdRemasking.descriptor,
      DreamThresholdRemasking.descriptor,
      FactorRemasking.descriptor,
      EntropyBoundedRemasking.descriptor,
      ReMDMRemasking.descriptor,
      PCSamplerRemasking.descriptor,
      KLASSRemasking.descriptor,
      DilatedRemasking.descriptor,
      TokenEditingRemasking.descriptor,
      WINORemasking.descriptor,
      LowConfidenceStaticRemasking.descriptor,
      LowConfidenceDynamicRemasking.descriptor,
      SequentialRemasking.descriptor,
      SubBlockThresholdRemasking.descriptor,
    ])
}
