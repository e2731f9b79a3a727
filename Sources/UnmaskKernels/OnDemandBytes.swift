/// The owner of a tensor whose bytes are produced on first read, a range at a time: a
/// compressed `.umk` embedding table that a model only ever reads row by row
/// (`TensorSource.rowTable(named:)`), so that only the rows of tokens it sees are decoded
/// and resident.
///
/// `TensorView.convertElements` (and so `convertRows` and `floats()`) asks the owner for each
/// byte range before reading it. Code that reads a view's `bytes` directly must not be handed
/// such a view: the loaders make one only for tables read through `convertRows`.
public protocol OnDemandBytes: AnyObject, Sendable {
  /// Makes the view's bytes `range` readable (offsets into `TensorView.bytes`); thread-safe.
  func prepare(_ range: Range<Int>)
}
