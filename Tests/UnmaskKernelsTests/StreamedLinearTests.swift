import Foundation
import Testing

@testable import UnmaskKernels

/// A weight held as blocks that are "decoded" by copying, standing in for a compressed `.umk`
/// tensor: it counts what `Linear` asks of it, blocks streamed into a tile or bytes prepared in
/// place.
final class CopiedBlocks: BlockDecodable, @unchecked Sendable {
  let source: [UInt8]
  let blockBytes: Int
  let pages: OwnedBytes
  private let lock = NSLock()
  private(set) var streamedBlocks = 0
  private(set) var preparedBytes = 0

  init(_ view: TensorView, blockBytes: Int) {
    source = Array(view.bytes)
    self.blockBytes = blockBytes
    pages = OwnedBytes(count: view.bytes.count)
  }

  var byteCount: Int { source.count }
  // swift-format-ignore: NeverForceUnwrap
  var firstByte: UnsafeRawPointer { UnsafeRawPointer(pages.buffer.baseAddress!) }

  /// A view of rows `rows` of the `[n, k]` weight, owned by these blocks.
  func view(_ dtype: DType, rows: Range<Int>, k: Int) -> TensorView {
    let rowBytes = k * dtype.blockBytes
    return TensorView(
      name: "w", dtype: dtype, shape: [rows.count, k],
      bytes: UnsafeRawBufferPointer(
        start: firstByte + rows.lowerBound * rowBytes, count: rows.count * rowBytes),
      owner: self)
  }

  func prepare(_ range: Range<Int>) {
    lock.lock()
    defer { lock.unlock() }
    for i in range { pages.buffer[i] = source[i] }
    preparedBytes += range.count
  }

  func decodeBlock(_ b: Int, into destination: UnsafeMutableRawPointer) {
    let start = b * blockBytes
    let end = min(start + blockBytes, source.count)
    source[start..<end].withUnsafeBytes {
      // swift-format-ignore: NeverForceUnwrap
      destination.copyMemory(from: $0.baseAddress!, byteCount: $0.count)
    }
    lock.lock()
    streamedBlocks += 1
    lock.unlock()
  }
}

/// A weight kept compressed is multiplied a tile of blocks at a time (`Linear+Streamed.swift`),
/// never decoded in place, and gives the decoded weight's product bit for bit on every kernel
/// path; a view of part of the tensor (an expert of a stack) streams when it starts on a block.
@Test(arguments: [DType.bf16, .f32])
func streamedWeightsGiveTheDecodedProduct(dtype: DType) throws {
  let (n, k, rows) = (300, 96, 37)
  let (plain, _) = randomWeight(dtype, n: n, k: k, seed: 11)
  let x = randomActivations(rows: rows, k: k, seed: 12)
  let rowBytes = k * dtype.blockBytes
  for path in KernelPath.available where path != .blas {
    let blocks = CopiedBlocks(plain, blockBytes: 32 * rowBytes)
    let whole = try Linear(weight: blocks.view(dtype, rows: 0..<n, k: k))
    #expect(whole.streamedRows?.rowsPerBlock == 32)
    #expect(
      try run(whole, x, rows: rows, on: path)
        == run(Linear(weight: plain), x, rows: rows, on: path), "\(path)")
    #expect(blocks.streamedBlocks == 10, "\(path): 300 rows are 10 blocks of 32")
    #expect(blocks.preparedBytes == 0, "\(path)")

    let part = try Linear(weight: blocks.view(dtype, rows: 64..<160, k: k))
    let expected = try Linear(
      weight: TensorView(
        name: "w", dtype: dtype, shape: [96, k],
        bytes: UnsafeRawBufferPointer(rebasing: plain.bytes[(64 * rowBytes)..<(160 * rowBytes)]),
        owner: nil))
    #expect(part.streamedRows?.firstBlock == 2)
    #expect(
      try run(part, x, rows: rows, on: path) == run(expected, x, rows: rows, on: path))
    #expect(blocks.preparedBytes == 0)
  }
}

/// Blocks that cut rows, or a view that starts inside a block, cannot be tiled by rows: the
/// weight is then prepared in place once (decoded whole, as before) and the product is the same.
@Test func weightsWhoseRowsCrossBlocksAreDecodedInPlace() throws {
  let (n, k, rows) = (64, 96, 5)
  let (plain, _) = randomWeight(.bf16, n: n, k: k, seed: 21)
  let x = randomActivations(rows: rows, k: k, seed: 22)
  let path = KernelPath.best
  let expected = try run(Linear(weight: plain), x, rows: rows, on: path)

  let cut = CopiedBlocks(plain, blockBytes: 1000)
  let cutLinear = try Linear(weight: cut.view(.bf16, rows: 0..<n, k: k))
  #expect(cutLinear.streamedRows == nil)
  #expect(try run(cutLinear, x, rows: rows, on: path) == expected)
  #expect(cut.streamedBlocks == 0)
  #expect(cut.preparedBytes == n * k * 2)

  let offset = CopiedBlocks(plain, blockBytes: 32 * k * 2)
  let inside = try Linear(weight: offset.view(.bf16, rows: 16..<48, k: k))
  #expect(inside.streamedRows == nil)
  _ = try run(inside, x, rows: rows, on: path)
  #expect(offset.streamedBlocks == 0)
  #expect(offset.preparedBytes == 32 * k * 2)
}
