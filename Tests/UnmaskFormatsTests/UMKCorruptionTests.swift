import Foundation
import Testing
import UnmaskKernels
@testable import UnmaskFormats

/// Converts the every-dtype store and returns the file's bytes and the parsed header.
func validUMK() throws -> (bytes: [UInt8], header: UMKHeader) {
  let url = try temporaryFolder().appendingPathComponent("valid.umk")
  _ = try UMKWriter.convert(
    weights: try everyDTypeStore(), files: [("config.json", Data(#"{"a":1}"#.utf8))], to: url,
    options: smallChunkOptions())
  return (Array(try Data(contentsOf: url)), try UMKFile(url: url).header)
}

/// Expects opening (or verifying) `bytes` to fail with a one-line error containing `message`.
func expectRejected(
  _ bytes: [UInt8], _ message: String, verify: Bool = false,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let url = try writeTemporary(bytes)
  do {
    let file = try UMKFile(url: url)
    if verify { _ = try file.verify() }
    Issue.record("expected an error containing '\(message)'", sourceLocation: sourceLocation)
  } catch let error as CheckpointError {
    #expect(error.description.hasPrefix(url.path), sourceLocation: sourceLocation)
    #expect(error.description.contains(message), "\(error)", sourceLocation: sourceLocation)
    #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
  }
}

@Test func aFlippedByteInAnyTensorIsReportedByVerifyNamingIt() throws {
  let (bytes, header) = try validUMK()
  for entry in header.tensors where entry.storedLength > 0 {
    var bad = bytes
    bad[entry.offset + entry.storedLength / 2] ^= 0x01
    try expectRejected(bad, entry.name, verify: true)
  }
  for blob in header.blobs {
    var bad = bytes
    bad[blob.offset] ^= 0x80
    try expectRejected(bad, blob.name, verify: true)
  }
}

@Test func flippedBytesInThePreambleOrHeaderAreCaughtAtOpen() throws {
  let (bytes, _) = try validUMK()
  var bad = bytes
  bad[20] ^= 1  // header offset
  try expectRejected(bad, "checksum")
  bad = bytes
  bad[bytes.count - 10] ^= 1  // inside the header
  try expectRejected(bad, "checksum mismatch")
  bad = bytes
  bad[0] = 0x50
  try expectRejected(bad, "bad magic")
}

@Test func truncatedFilesAreClearErrors() throws {
  let (bytes, _) = try validUMK()
  for length in [0, 10, 63, 64, 4096, bytes.count / 2, bytes.count - 1] {
    let url = try writeTemporary(Array(bytes.prefix(length)))
    #expect(throws: CheckpointError.self, "\(length) bytes") { try UMKFile(url: url) }
  }
  try expectRejected(Array(bytes.prefix(bytes.count - 1)), "truncated")
  try expectRejected(Array(bytes.prefix(40)), "truncated")
}

@Test func wrongMajorVersionNamesTheFix() throws {
  var preamble = UMKPreamble(
    headerOffset: 64, headerLength: 8, headerChecksum: XXH64.hash([UInt8](repeating: 0, count: 8)),
    fileLength: 72
  ).serialized()
  preamble[8] = 2
  let checksum = XXH64.hash(Array(preamble[0..<56]))
  withUnsafeBytes(of: checksum.littleEndian) { for k in 0..<8 { preamble[56 + k] = $0[k] } }
  try expectRejected(preamble + [UInt8](repeating: 0, count: 8), "convert the checkpoint again")
}

/// Hand-written headers with valid checksums whose content lies.
@Test func lyingHeadersAreClearErrors() throws {
  func tensor(
    name: String = "t", dtype: UInt8 = 1, encoding: UInt8 = 0, shape: [UInt64] = [4],
    offset: UInt64 = 4096,
    stored: UInt64 = 16, extra: (inout ByteWriter) -> Void = { _ in }
  ) -> ByteWriter {
    var w = ByteWriter()
    w.u32(1)
    w.u32(0)
    w.string16(name)
    w.u8(dtype)
    w.u8(dtype)
    w.u8(encoding)
    w.u8(UInt8(shape.count))
    for d in shape { w.u64(d) }
    w.u64(offset)
    w.u64(stored)
    w.u64(0)
    extra(&w)
    return w
  }
  let data = [UInt8](repeating: 0, count: 4096 - 64 + 16)
  // A valid baseline: one raw f32[4] at 4096.
  let url = try writeTemporary(craftedUMK(header: tensor().bytes, data: data))
  #expect(try UMKFile(url: url).tensor(named: "t").floats() == [0, 0, 0, 0])

  try expectRejected(
    craftedUMK(header: tensor(offset: 1 << 40).bytes, data: data), "outside the data section")
  try expectRejected(
    craftedUMK(header: tensor(offset: UInt64.max - 3).bytes, data: data), "exceeds the limit")
  try expectRejected(
    craftedUMK(header: tensor(stored: 1 << 20).bytes, data: data), "outside the data section")
  try expectRejected(craftedUMK(header: tensor(shape: [5]).bytes, data: data), "needs 20")
  try expectRejected(
    craftedUMK(header: tensor(shape: [1 << 30, 1 << 30]).bytes, data: data), "overflows the limit")
  try expectRejected(
    craftedUMK(header: tensor(shape: [UInt64.max]).bytes, data: data), "exceeds the limit")
  try expectRejected(
    craftedUMK(header: tensor(shape: Array(repeating: 1, count: 9)).bytes, data: data), "rank 9")
  try expectRejected(craftedUMK(header: tensor(dtype: 99).bytes, data: data), "unknown dtype")
  try expectRejected(craftedUMK(header: tensor(encoding: 7).bytes, data: data), "unknown encoding")
  try expectRejected(
    craftedUMK(header: tensor(offset: 4100).bytes, data: data + [0, 0, 0, 0]),
    "not a multiple of 4096")
  try expectRejected(craftedUMK(header: tensor().bytes + [0], data: data), "left over")
  try expectRejected(
    craftedUMK(header: Array(tensor().bytes.dropLast(3)), data: data), "remain in the header")

  // Absurd counts are rejected before anything is allocated from them.
  var absurd = ByteWriter()
  absurd.u32(0xFFFF_FFFF)
  absurd.u32(0)
  try expectRejected(craftedUMK(header: absurd.bytes), "exceeds the limit")
  absurd = ByteWriter()
  absurd.u32(900_000)
  absurd.u32(0)
  try expectRejected(craftedUMK(header: absurd.bytes), "cannot fit")
  absurd = ByteWriter()
  absurd.u32(0)
  absurd.u32(1000)
  try expectRejected(craftedUMK(header: absurd.bytes), "blob count")

  // A planes tensor claiming huge chunk counts or expansion.
  let planes = { (chunkElements: UInt32, chunks: UInt32, length: UInt32) in
    tensor(dtype: 11, encoding: 1, shape: [1 << 20], offset: 64, stored: UInt64(length)) { w in
      w.u8(1)
      w.u8(0)
      w.u16(0)
      w.u32(chunkElements)
      w.u32(chunks)
      for _ in 0..<min(chunks, 4) {
        w.u64(0)
        w.u8(1)
        w.u32(length)
      }
    }.bytes
  }
  try expectRejected(craftedUMK(header: planes(1 << 20, 0xFFFF_FFFF, 1), data: [0]), "chunks")
  try expectRejected(craftedUMK(header: planes(1 << 20, 1, 1), data: [0]), "more than 65536x")
  try expectRejected(craftedUMK(header: planes(1 << 21, 1, 1), data: [0]), "chunk size")
  // Duplicate names.
  var twice = tensor(shape: [0], offset: 64, stored: 0)
  twice.bytes.replaceSubrange(0..<4, with: [2, 0, 0, 0])
  twice.bytes += Array(twice.bytes[8...])
  try expectRejected(craftedUMK(header: twice.bytes), "duplicate")
}

@Test func corruptCompressedChunksAreErrorsOnLoad() throws {
  let (bytes, header) = try validUMK()
  let entry = try #require(header.tensors.first { $0.encoding == .planes && $0.chunks.count > 2 })
  var bad = bytes
  bad[entry.offset + entry.chunks[1].offset + 3] ^= 0xFF
  let url = try writeTemporary(bad)
  let file = try UMKFile(url: url)
  #expect(throws: CheckpointError.self) { try file.tensor(named: entry.name) }
  // Without the chunk checksum, the decoder itself must still fail cleanly or produce bytes
  // that the tensor checksum rejects.
  file.checkChunksOnLoad = false
  if let view = try? file.tensor(named: entry.name) {
    #expect(XXH64.hash(view.bytes) != entry.checksum)
  }
}
