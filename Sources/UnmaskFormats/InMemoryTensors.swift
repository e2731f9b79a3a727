import Foundation
import UnmaskKernels

/// Tensors held in memory: a `TensorSource` for synthetic models (benchmarks, tests) and for
/// tensors decoded from compressed containers.
public final class InMemoryTensors: TensorSource {
  private struct Stored {
    var dtype: DType
    var shape: [Int]
    var bytes: UnsafeMutableRawBufferPointer
  }

  /// A description for error messages.
  public let location: String
  private var stored: [String: Stored] = [:]

  /// An empty store described as `location`.
  public init(location: String) {
    self.location = location
  }

  deinit {
    for tensor in stored.values { tensor.bytes.deallocate() }
  }

  /// Every tensor name, sorted.
  public var tensorNames: [String] { stored.keys.sorted() }

  /// Adds (or replaces) a tensor from raw little-endian bytes; the byte count must match.
  public func add(_ name: String, dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer) throws
  {
    guard let size = dtype.storageSize(elements: shape.reduce(1, *)), size == bytes.count else {
      throw CheckpointError(
        path: location, item: name,
        "\(bytes.count) bytes do not hold shape \(shape) of \(dtype.rawValue)")
    }
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 64)
    if size > 0 { copy.copyMemory(from: bytes) }
    if let old = stored[name] { old.bytes.deallocate() }
    stored[name] = Stored(dtype: dtype, shape: shape, bytes: copy)
  }

  /// Adds a tensor from float values, stored as `dtype` (f32, f16 or bf16).
  public func add(_ name: String, shape: [Int], values: [Float], as dtype: DType = .f32) throws {
    switch dtype {
    case .f32:
      try values.withUnsafeBytes { try add(name, dtype: .f32, shape: shape, bytes: $0) }
    case .bf16:
      let bits = values.map(FloatConversion.bfloat16(from:))
      try bits.withUnsafeBytes { try add(name, dtype: .bf16, shape: shape, bytes: $0) }
    case .f16:
      let bits = values.map(FloatConversion.float16(from:))
      try bits.withUnsafeBytes { try add(name, dtype: .f16, shape: shape, bytes: $0) }
    default:
      throw CheckpointError(
        path: location, item: name, "cannot store float values as \(dtype.rawValue)")
    }
  }

  /// A view of tensor `name`, kept alive by this store.
  public func tensor(named name: String) throws -> TensorView {
    guard let tensor = stored[name] else {
      throw CheckpointError(path: location, item: name, "no such tensor")
    }
    let count = tensor.dtype.storageSize(elements: tensor.shape.reduce(1, *)) ?? 0
    return TensorView(
      name: name, dtype: tensor.dtype, shape: tensor.shape,
      bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(tensor.bytes)[0..<count]),
      owner: self)
  }
}
