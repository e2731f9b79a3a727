/// A per-step quantity beside the canvas, recorded as one `<name>.npy` row per step and drawn
/// as `<name>.png`: a `rows x columns` grid of its sum over the run (expert load: rows are the
/// mixture-of-experts layers, columns the experts).
///
/// The provider is called once per step, after the step's pass; it returns `rows * columns`
/// values, row-major (a wrong count records NaN). A series whose sum means nothing (expert ids)
/// sets `drawn` to false and gets its `.npy` alone.
public struct StepSeries {
  /// File stem and figure title (`expert_load`).
  public var name: String
  /// Grid rows (layers) of one step's values.
  public var rows: Int
  /// Grid columns (experts) of one step's values.
  public var columns: Int
  /// The figure's name for the rows.
  public var rowLabel: String
  /// The figure's name for the columns.
  public var columnLabel: String
  /// This step's values.
  public var values: () -> [Float]
  /// Whether `<name>.png` is drawn.
  public var drawn: Bool

  /// A series with every field given.
  public init(
    name: String, rows: Int, columns: Int, rowLabel: String, columnLabel: String,
    drawn: Bool = true, values: @escaping () -> [Float]
  ) {
    self.name = name
    self.rows = rows
    self.columns = columns
    self.rowLabel = rowLabel
    self.columnLabel = columnLabel
    self.values = values
    self.drawn = drawn
  }
}
