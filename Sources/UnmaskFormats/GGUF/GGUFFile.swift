import Foundation
import UnmaskKernels

/// A GGUF model file, memory-mapped and validated before any tensor is touched, or the parts of
/// a split one (`name-00001-of-00003.gguf`, ...) opened together as one.
///
/// Tensors are used in place: `tensor(named:)` returns a zero-copy view into the mapping for
/// the types the kernels compute (`GGMLType.dtype`); any other type is an error naming the
/// tensor and the type. Names and shapes are GGUF's (`blk.0.attn_q.weight`, PyTorch order);
/// `GGUFTensorNames` maps them back to a checkpoint's Hugging Face names.
public final class GGUFFile: TensorSource {
  /// One file of the model.
  public struct Part {
    /// The mapped file.
    public let file: MappedFile
    /// Its parsed header.
    public let header: GGUFHeader
  }

  /// The parts, in order (one for an unsplit file).
  public let parts: [Part]
  /// Which part holds each tensor, and its table entry.
  private let entries: [String: (part: Int, info: GGUFHeader.TensorInfo)]
  /// Every tensor name, sorted.
  public let tensorNames: [String]

  /// The path of the first part.
  public var location: String { parts[0].file.path }
  /// The first part's header (the model's metadata lives there).
  public var header: GGUFHeader { parts[0].header }
  /// Metadata value `key` (from the first part).
  public func value(_ key: String) -> GGUFValue? { header.value(key) }
  /// `general.architecture`, when present.
  public var architecture: String? { value("general.architecture")?.stringValue }

  /// Opens `url`; a part of a split model opens every part beside it.
  public convenience init(url: URL) throws {
    let first = try Self.openPart(url)
    guard let count = first.header.value("split.count")?.intValue, count > 1 else {
      try self.init(parts: [first])
      return
    }
    let urls = try GGUFSplitName(url: url, count: count).partURLs()
    try self.init(parts: urls.map { $0 == url ? first : try Self.openPart($0) })
  }

  /// Maps and parses one file.
  static func openPart(_ url: URL) throws -> Part {
    let file = try MappedFile(url: url)
    return Part(file: file, header: try GGUFHeader.parse(file.bytes, path: file.path))
  }

  /// The model made of `parts`, checked against each part's `split.*` keys.
  init(parts: [Part]) throws {
    self.parts = parts
    var entries: [String: (part: Int, info: GGUFHeader.TensorInfo)] = [:]
    for (index, part) in parts.enumerated() {
      if parts.count > 1 { try Self.checkSplitKeys(part, index: index, count: parts.count) }
      for info in part.header.tensors {
        if let other = entries[info.name] {
          throw CheckpointError(
            path: part.file.path, item: info.name,
            "tensor also in \(parts[other.part].file.path)")
        }
        entries[info.name] = (index, info)
      }
    }
    if parts.count > 1, let total = parts[0].header.value("split.tensors.count")?.intValue,
      total != entries.count
    {
      throw CheckpointError(
        path: parts[0].file.path, item: "split.tensors.count",
        "says \(total) tensors but the \(parts.count) parts hold \(entries.count)")
    }
    self.entries = entries
    tensorNames = entries.keys.sorted()
  }

  private static func checkSplitKeys(_ part: Part, index: Int, count: Int) throws {
    let path = part.file.path
    guard part.header.value("split.count")?.intValue == count else {
      throw CheckpointError(path: path, item: "split.count", "missing or not \(count)")
    }
    guard part.header.value("split.no")?.intValue == index else {
      throw CheckpointError(path: path, item: "split.no", "missing or not \(index)")
    }
  }

  /// The table entry of `name`.
  public func info(_ name: String) -> GGUFHeader.TensorInfo? { entries[name]?.info }

  /// The raw bytes of tensor `name`, whatever its type (for dequantization tests and tools).
  public func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
    guard let entry = entries[name] else {
      throw CheckpointError(path: location, item: name, "no such tensor")
    }
    return parts[entry.part].file.slice(entry.info.range)
  }

  /// A zero-copy view of tensor `name`; a type without a kernel is an error naming it.
  public func tensor(named name: String) throws -> TensorView {
    guard let entry = entries[name] else {
      throw CheckpointError(path: location, item: name, "no such tensor")
    }
    let part = parts[entry.part]
    guard let dtype = entry.info.type.dtype else {
      throw CheckpointError(
        path: part.file.path, item: name,
        "ggml type \(entry.info.type) is not supported yet (Unmask computes \(GGMLType.supportedNames))"
      )
    }
    return TensorView(
      name: name, dtype: dtype, shape: entry.info.shape, bytes: part.file.slice(entry.info.range),
      owner: part.file)
  }
}
