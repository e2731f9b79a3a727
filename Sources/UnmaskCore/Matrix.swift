/// A dense row-major `Float` matrix: the currency between the model and the sampler.
///
/// Logits travel as `Matrix` with shape `[T, V]`: row `i` holds the prediction for canvas
/// position `i`.
public struct Matrix: Sendable, Equatable {
  /// Number of rows (`T` for logits).
  public var rows: Int
  /// Number of columns (`V` for logits).
  public var columns: Int
  /// `rows * columns` values, row after row.
  public var values: [Float]

  /// A matrix of zeros.
  public init(rows: Int, columns: Int) {
    precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
    self.rows = rows
    self.columns = columns
    self.values = [Float](repeating: 0, count: rows * columns)
  }

  /// A matrix over existing values; `values.count` must equal `rows * columns`.
  public init(rows: Int, columns: Int, values: [Float]) {
    precondition(values.count == rows * columns, "matrix values do not match its shape")
    self.rows = rows
    self.columns = columns
    self.values = values
  }

  /// The element at (`row`, `column`).
  @inlinable
  public subscript(row: Int, column: Int) -> Float {
    get { values[row * columns + column] }
    set { values[row * columns + column] = newValue }
  }

  /// One row as a slice of `values`.
  @inlinable
  public func row(_ index: Int) -> ArraySlice<Float> {
    values[(index * columns)..<((index + 1) * columns)]
  }
}
