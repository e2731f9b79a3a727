import Foundation
import UnmaskKernels

/// Memory that a decoded tensor lives in; `TensorView.owner` keeps it alive.
public final class OwnedBytes: @unchecked Sendable {
  /// The buffer (64-byte aligned).
  public let bytes: UnsafeMutableRawBufferPointer

  /// Allocates `count` bytes.
  public init(count: Int) {
    bytes = .allocate(byteCount: max(count, 1), alignment: 64)
  }

  deinit { bytes.deallocate() }
}

/// A `.umk` file opened by mmap: a `TensorSource` whose raw tensors are views into the mapping
/// (zero copy) and whose compressed tensors are decoded on first use, in parallel chunks.
///
/// Opening checks the preamble (magic, version, its checksum, file length), the header's
/// checksum, and every offset, length, shape and count in the header against the file
/// (see `UMKHeader.parse`), so nothing later reads outside the mapping. Loading a compressed
/// tensor checks each chunk's XXH64 before decoding it; `verify()` checks everything.
public final class UMKFile: TensorSource {
  /// The mapping.
  public let file: MappedFile
  /// The fixed first 64 bytes.
  public let preamble: UMKPreamble
  /// The validated header.
  public let header: UMKHeader
  /// Tensor names, sorted.
  public let tensorNames: [String]
  /// Whether `tensor(named:)` checks chunk checksums of compressed tensors (default true).
  public var checkChunksOnLoad = true
  /// How compressed tensors that a model reads through `Linear` or row by row are held: set
  /// before the model loads (`ModelSession.open(residency:)`).
  public var residency = WeightResidency.decoded

  private let index: [String: Int]
  private let lock = NSLock()
  private var decoded: [String: OwnedBytes] = [:]

  /// The file's path.
  public var location: String { file.path }

  /// Maps and validates the file at `url`.
  public convenience init(url: URL) throws {
    try self.init(file: MappedFile(url: url))
  }

  /// Validates an already mapped file.
  public init(file: MappedFile) throws {
    self.file = file
    do {
      let preamble = try UMKPreamble.parse(file.bytes)
      let headerRange = preamble.headerOffset..<(preamble.headerOffset + preamble.headerLength)
      let headerBytes = file.slice(headerRange)
      guard XXH64.hash(headerBytes) == preamble.headerChecksum else {
        throw UMKParseError(field: "header", "checksum mismatch (the tensor table is corrupt)")
      }
      self.preamble = preamble
      header = try UMKHeader.parse(
        headerBytes, data: UMKLayout.preambleSize..<preamble.headerOffset)
    } catch let error as UMKParseError {
      throw CheckpointError(path: file.path, item: error.field, error.problem)
    }
    var index: [String: Int] = [:]
    for (i, t) in header.tensors.enumerated() { index[t.name] = i }
    self.index = index
    tensorNames = index.keys.sorted()
  }

  /// The table entry of tensor `name`.
  public func entry(named name: String) -> UMKTensorEntry? {
    index[name].map { header.tensors[$0] }
  }

  /// Names of the embedded files.
  public var blobNames: [String] { header.blobs.map(\.name) }

  /// The embedded file `name` (e.g. `config.json`), decoded and checked against its XXH64;
  /// nil if the file embeds none by that name.
  public func blob(named name: String) throws -> Data? {
    guard let blob = header.blobs.first(where: { $0.name == name }) else { return nil }
    let stored = file.slice(blob.offset..<(blob.offset + blob.storedLength))
    var data = Data(count: blob.length)
    let ok = data.withUnsafeMutableBytes { out -> Bool in
      switch blob.codec {
      case .raw:
        out.copyMemory(from: stored)
        return true
      case .zstd:
        return ZstdContext().decompress(stored, into: out)
      case .rans, .huffman:  // not blob codecs: the header parser rejects them
        return false
      }
    }
    guard ok, data.withUnsafeBytes({ XXH64.hash($0) }) == blob.checksum else {
      throw CheckpointError(
        path: location, item: name, "embedded file is corrupt (does not decode to its checksum)")
    }
    return data
  }

  /// Tensor `name`: a view into the mapping for raw tensors; for compressed ones, a buffer
  /// decoded on first use and kept (by this file and by every view) while the file lives.
  public func tensor(named name: String) throws -> TensorView {
    guard let i = index[name] else {
      throw CheckpointError(path: location, item: name, "no such tensor")
    }
    let entry = header.tensors[i]
    if entry.encoding == .raw {
      return TensorView(
        name: name, dtype: entry.dtype, shape: entry.shape,
        bytes: file.slice(entry.offset..<(entry.offset + entry.storedLength)), owner: file)
    }
    lock.lock()
    let cached = decoded[name]
    lock.unlock()
    if let cached { return view(entry, cached) }
    // The decoded copy is what the model reads from now on: each chunk's compressed pages are
    // dropped as soon as it is decoded, so even the largest tensor's never all stay resident.
    let owned = try decode(entry, checkChunks: checkChunksOnLoad, releasingCompressedPages: true)
    lock.lock()
    decoded[name] = owned
    lock.unlock()
    return view(entry, owned)
  }

  /// Tensor `name` for row-by-row reading: raw tensors as `tensor(named:)` gives them; a
  /// compressed one decoded a chunk at a time when `convertRows` first reads in it
  /// (`LazyPlanesTensor`; every chunk is still checked here, so a bad file fails now). A tensor
  /// already decoded whole is shared as is.
  public func rowTable(named name: String) throws -> TensorView {
    try onDemand(name, keepingCompressedPages: false)
  }

  /// A linear layer's weight: with `residency == .compressed`, a compressed tensor stays
  /// compressed and `Linear` decodes it a tile at a time (a `StreamedPlanesTensor`, whose
  /// compressed pages stay mapped, since every product reads them); otherwise as
  /// `tensor(named:)`.
  public func linearWeight(named name: String) throws -> TensorView {
    residency == .compressed
      ? try onDemand(name, keepingCompressedPages: true) : try tensor(named: name)
  }

  /// Tensor `name` decoded where it is read: a `StreamedPlanesTensor` under
  /// `residency == .compressed` (which a `Linear` streams), else a `LazyPlanesTensor`; raw and
  /// already decoded tensors as `tensor(named:)` gives them. The compressed pages of the mapping
  /// are dropped once checked (and again after each chunk decoded in place) unless
  /// `keepingCompressedPages`: an embedding table's are read only for the canvas's rows, a
  /// linear weight's at every product.
  private func onDemand(_ name: String, keepingCompressedPages: Bool) throws -> TensorView {
    guard let i = index[name] else {
      throw CheckpointError(path: location, item: name, "no such tensor")
    }
    let entry = header.tensors[i]
    lock.lock()
    let cached = decoded[name]
    lock.unlock()
    if entry.encoding == .raw || cached != nil { return try tensor(named: name) }
    do {
      let release = !keepingCompressedPages
      let lazy =
        residency == .compressed
        ? try StreamedPlanesTensor(
          file: file, entry: entry, checkChunks: checkChunksOnLoad,
          releasingCompressedPages: release)
        : try LazyPlanesTensor(
          file: file, entry: entry, checkChunks: checkChunksOnLoad,
          releasingCompressedPages: release)
      return TensorView(
        name: name, dtype: entry.dtype, shape: entry.shape, bytes: lazy.bytes, owner: lazy)
    } catch let error as UMKParseError {
      throw CheckpointError(path: location, item: error.field, error.problem)
    }
  }

  /// Decodes tensor `entry` into a fresh buffer (not cached), chunks spread over `threads`;
  /// `releasingCompressedPages` drops each chunk's pages of the mapping once it is decoded
  /// (see `MappedFile.release`).
  public func decode(
    _ entry: UMKTensorEntry, checkChunks: Bool, threads: Int = ComputeThreads.count,
    releasingCompressedPages: Bool = false
  ) throws -> OwnedBytes {
    let owned = OwnedBytes(count: entry.byteCount)
    let mapping = file
    let start = entry.offset
    var release: (@Sendable (Range<Int>) -> Void)? = nil
    if releasingCompressedPages {
      release = { (range: Range<Int>) -> Void in
        mapping.release((start + range.lowerBound)..<(start + range.upperBound))
      }
    }
    if let base = owned.bytes.baseAddress {
      do {
        try PlanesDecoder.decode(
          entry, stored: file.slice(entry.offset..<(entry.offset + entry.storedLength)), into: base,
          checkChunks: checkChunks, threads: threads,
          decoded: release)
      } catch let error as UMKParseError {
        throw CheckpointError(path: location, item: error.field, error.problem)
      }
    }
    // Again over the whole tensor: a page fault maps up to 64 KiB of neighbouring pages from the
    // page cache (fault-around), so a worker starting a chunk maps the tail of a chunk another
    // worker had already released, and those pages stayed resident until the file closed
    // (26 MB of 158 MB while loading the 120M model, measured).
    if releasingCompressedPages { file.release(start..<(start + entry.storedLength)) }
    return owned
  }

  private func view(_ entry: UMKTensorEntry, _ owned: OwnedBytes) -> TensorView {
    TensorView(
      name: entry.name, dtype: entry.dtype, shape: entry.shape,
      bytes: UnsafeRawBufferPointer(
        rebasing: UnsafeRawBufferPointer(owned.bytes)[0..<entry.byteCount]), owner: owned)
  }

  /// Whether `url` starts with the `.umk` magic number.
  public static func hasMagic(_ url: URL) -> Bool {
    guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
    defer { try? handle.close() }
    let head = (try? handle.read(upToCount: 8)) ?? Data()
    return Array(head) == UMKLayout.magic
  }
}
