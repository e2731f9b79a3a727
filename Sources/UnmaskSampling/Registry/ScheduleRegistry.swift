/// Every noise schedule, one row each (as `StrategyRegistry`). Adding a schedule is one file
/// under `Schedules/` and its row below.
public enum ScheduleRegistry: PluginRegistry {
  /// The built-in schedules, in the order `--help` lists them, then registered ones.
  public static let table = PluginTable<ScheduleDescriptor>(
    kind: "schedule",
    builtIn: [
      LinearSchedule.descriptor,
      CosineSchedule.descriptor,
      CosineSquaredSchedule.descriptor,
      LogLinearSchedule.descriptor,
      GeometricSchedule.descriptor,
      PolynomialSchedule.descriptor,
      MDLMCosineSchedule.descriptor,
      MDLMCosineSquaredSchedule.descriptor,
      MDLMLinearSchedule.descriptor,
      ExplicitSchedule.descriptor,
    ])
}
