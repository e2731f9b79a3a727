/// The owner of a tensor whose bytes are produced on first read, a range at a time: a
/// compressed `.umk` tensor that is decoded only where it is read (an embedding table's rows,
/// a mixture-of-experts expert that some token picked), or a generated random tensor.
///
/// Readers ask the owner for each byte range before reading it: `TensorView.convertElements`
/// (and so `convertRows` and `floats()`) for the range it converts, `Linear` for its whole
/// weight before each product (`TensorView.prepareForReading()`). Views of part of such a
/// tensor (one expert of a stacked tensor) share its owner.
public protocol OnDemandBytes: AnyObject, Sendable {
  /// The tensor's first byte: offset 0 of `prepare`'s ranges.
  var firstByte: UnsafeRawPointer { get }
  /// Makes bytes `range` of the tensor (offsets from `firstByte`) readable; thread-safe.
  func prepare(_ range: Range<Int>)
}

extension TensorView {
  /// Makes bytes `range` of this view (offsets into `bytes`) readable: asks an on-demand owner
  /// for them; nothing to do for a view of mapped or owned memory.
  public func prepare(_ range: Range<Int>) {
    guard let onDemand = owner as? OnDemandBytes, let base = bytes.baseAddress, !range.isEmpty
    else { return }
    let offset = base - onDemand.firstByte
    onDemand.prepare((offset + range.lowerBound)..<(offset + range.upperBound))
  }

  /// Makes every byte of this view readable (see `prepare(_:)`).
  public func prepareForReading() {
    prepare(0..<bytes.count)
  }

  /// Whether this view's bytes are produced on first read (`OnDemandBytes`).
  public var readsOnDemand: Bool { owner is OnDemandBytes }
}
