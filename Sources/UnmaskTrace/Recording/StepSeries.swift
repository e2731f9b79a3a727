/// A per-step quantity beside the canvas, recorded as one `<name>.npy` row per step and drawn
/// as `<name>.png`: a `rows x columns` grid of its sum over the run (expert load: rows are the
/// mixture-of-experts layers, columns the experts).
///
/// The provider is called once per step, after the step's pass; it returns `rows * columns`
/// values, row-major (a wrong count records NaN).
public struct StepSeries {
  /// File stem and figure title (`expert_load`).
  public var name: String
  /// Grid rows (layers) and columns (experts) of one step's values.
  public var rows: Int
  public var columns: Int
  /// Axis names for the figure.
  public var rowLabel: String
  public var columnLabel: String
  /// This step's values.
  public var values: () -> [Float]

  /// A series with every field given.
  public init(
    name: String, rows: Int, columns: Int, rowLabel: String, columnLabel: String,
    values: @escaping () -> [Float]
  ) {
    self.name = name
    self.rows = rows
    self.columns = columns
    self.rowLabel = rowLabel
    self.columnLabel = columnLabel
    self.values = values
  }
}
