import Foundation
import UnmaskKernels

/// A compressed `.umk` tensor decoded a chunk at a time, the first time a reader asks for
/// bytes in that chunk (`OnDemandBytes`): what `UMKFile.rowTable(named:)` gives for an
/// embedding table, of which a generation reads only the rows of the tokens on its canvas.
/// Decoded whole, the 120M model's table is 16 MB resident for the few rows a prompt uses.
///
/// Every chunk is decoded once when the tensor is made (into a scratch chunk that is then
/// dropped), so a corrupt chunk is an error at load time, as with `tensor(named:)`, and the
/// later decodes of the same bytes cannot fail. The decoded tensor lives in anonymous pages
/// that use no memory until a chunk is written into them.
class LazyPlanesTensor: OnDemandBytes, @unchecked Sendable {
  let file: MappedFile
  let entry: UMKTensorEntry
  private let pages: UnsafeMutableRawPointer
  private let mappedLength: Int
  let chunkBytes: Int
  private let lock = NSLock()
  private var ready: [Bool]
  private let decoder = ChunkDecoder()

  /// The decoded tensor's bytes; read a range only after `prepare` has made it readable.
  let bytes: UnsafeRawBufferPointer

  /// Whether the mapping's compressed pages are dropped once decoded (not when they are read
  /// again and again: `StreamedPlanesTensor`).
  let releasesCompressedPages: Bool

  /// Validates every chunk of `entry` (its checksum too, with `checkChunks`), then reserves
  /// the pages for the decoded tensor. Throws a `UMKParseError` naming a bad chunk.
  /// `releasingCompressedPages` drops the chunks' compressed pages of the mapping once each is
  /// decoded (here and in `prepare`).
  init(
    file: MappedFile, entry: UMKTensorEntry, checkChunks: Bool,
    releasingCompressedPages: Bool = true
  ) throws {
    let stored = file.slice(entry.offset..<(entry.offset + entry.storedLength))
    let start = entry.offset
    try PlanesDecoder.validate(entry, stored: stored, checkChunks: checkChunks) { range in
      if releasingCompressedPages {
        file.release((start + range.lowerBound)..<(start + range.upperBound))
      }
    }
    if releasingCompressedPages { file.release(start..<(start + entry.storedLength)) }
    releasesCompressedPages = releasingCompressedPages
    mappedLength = max(entry.byteCount, 1)
    guard
      let mapped = mmap(
        nil, mappedLength, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
      mapped != MAP_FAILED
    else {
      throw UMKParseError(
        field: entry.name, "cannot reserve \(entry.byteCount) bytes for the decoded tensor")
    }
    pages = mapped
    bytes = UnsafeRawBufferPointer(start: mapped, count: entry.byteCount)
    self.file = file
    self.entry = entry
    chunkBytes = entry.chunkElements * entry.planeCount
    ready = Array(repeating: false, count: entry.chunks.count)
  }

  deinit { munmap(pages, mappedLength) }

  var firstByte: UnsafeRawPointer { UnsafeRawPointer(pages) }

  func prepare(_ range: Range<Int>) {
    guard !range.isEmpty, chunkBytes > 0 else { return }
    let first = range.lowerBound / chunkBytes
    let last = min((range.upperBound - 1) / chunkBytes, ready.count - 1)
    guard first <= last else { return }
    lock.lock()
    defer { lock.unlock() }
    for c in first...last where !ready[c] {
      let stored = decodeChunk(c, into: pages + c * chunkBytes, with: decoder)
      if releasesCompressedPages { file.release(stored) }
      ready[c] = true
    }
  }

  /// Decodes chunk `c` into `destination` with `decoder`; returns the chunk's range in the
  /// mapping. Every chunk decoded when the tensor was made, so these are bytes known to be good.
  @discardableResult
  final func decodeChunk(
    _ c: Int, into destination: UnsafeMutableRawPointer, with decoder: ChunkDecoder
  )
    -> Range<Int>
  {
    let chunk = entry.chunks[c]
    let stored = (entry.offset + chunk.offset)..<(entry.offset + chunk.offset + chunk.storedLength)
    let failure = decoder.decode(
      chunk, stored: file.slice(stored), width: entry.planeCount, transform: entry.transform,
      into: destination, checkChecksum: false)
    precondition(
      failure == nil,
      "\(file.path): \(entry.name): chunk \(c) no longer decodes (\(failure ?? "")): "
        + "was the file changed while in use?")
    return stored
  }

  /// Chunks decoded so far.
  var decodedChunks: Int {
    lock.lock()
    defer { lock.unlock() }
    return ready.filter { $0 }.count
  }
}
