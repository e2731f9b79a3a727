/// A noise schedule with its parameter values: what a run uses, what traces record.
///
/// A `PluginChoice` of a `ScheduleRegistry` row: `{"schedule": "polynomial", "exponent": 2}`
/// in JSON. The built-in schedules have static members declared in their own files (`.linear`,
/// `.polynomial(exponent: 2)`, `.explicit(counts:)`).
public typealias Schedule = PluginChoice<ScheduleDescriptor>

extension PluginChoice where Descriptor == ScheduleDescriptor {
  /// The schedule object for a run with `settings` (log-linear reads its `eps`).
  func make(settings: DenoisingSettings) -> any NoiseSchedule {
    descriptor.make(values, settings: settings)
  }
}
