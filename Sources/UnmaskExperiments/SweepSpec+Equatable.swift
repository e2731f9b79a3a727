import Unmask

/// Two specs are equal when every field is, the grid axis by axis in order; so a YAML sweep
/// file and its JSON twin can be checked to mean the same thing.
extension SweepSpec: Equatable {
  /// Field by field; grid axes compared by key and values, in order.
  public static func == (a: SweepSpec, b: SweepSpec) -> Bool {
    a.model == b.model && a.task == b.task && a.data == b.data && a.limit == b.limit
      && a.answerRegex == b.answerRegex && a.preset == b.preset && a.settings == b.settings
      && a.grid.count == b.grid.count
      && zip(a.grid, b.grid).allSatisfy { $0.key == $1.key && $0.values == $1.values }
  }
}
