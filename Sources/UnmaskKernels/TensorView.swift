/// A zero-copy view of one tensor's bytes, typically inside a memory-mapped checkpoint.
///
/// The view does not own its memory: `owner` keeps the mapping (or decoded buffer) alive for as
/// long as the view exists. Readers validate `bytes.count == storageSize(shape)` before making
/// one, so code that receives a `TensorView` may trust its shape.
public struct TensorView: @unchecked Sendable {
  /// The tensor's name in the checkpoint.
  public let name: String
  /// Element type.
  public let dtype: DType
  /// Dimensions, outermost first (`[rows, columns]` for a weight matrix).
  public let shape: [Int]
  /// The raw little-endian bytes.
  public let bytes: UnsafeRawBufferPointer
  /// Whatever keeps `bytes` valid (a mapping, a decoded buffer).
  public let owner: AnyObject?

  /// A view over `bytes`, which must hold exactly `shape`'s elements of `dtype`.
  public init(
    name: String, dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer, owner: AnyObject?
  ) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.bytes = bytes
    self.owner = owner
  }

  /// Number of elements (product of the shape; 1 for a scalar).
  public var elementCount: Int { shape.reduce(1, *) }

  /// The tensor seen as a matrix: `[shape[0], product of the rest]`; a vector is one row.
  public var matrixShape: (rows: Int, columns: Int) {
    switch shape.count {
    case 0: return (1, 1)
    case 1: return (1, shape[0])
    default: return (shape[0], shape.dropFirst().reduce(1, *))
    }
  }
}
