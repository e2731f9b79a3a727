import Foundation
import Testing
import UnmaskCore
import UnmaskKernels
@testable import UnmaskFormats

/// `UMKFile.rowTable(named:)`: a compressed tensor decoded a chunk at a time as rows are read,
/// giving the rows `tensor(named:)` gives, checked whole when it is made.
@Suite struct UMKRowTableTests {
  /// A `.umk` with an f32 [200, 64] table in chunks of 1024 elements (16 rows each: 13 chunks).
  func tableFile(codec: UMKCodec = .planes) throws -> (url: URL, values: [Float]) {
    var rng = SplitMix64(seed: 21)
    let values = gaussian(200 * 64, scale: 0.02, rng: &rng)
    let store = InMemoryTensors(location: "synthetic")
    try store.add("wte", shape: [200, 64], values: values, as: .f32)
    let url = try temporaryFolder().appendingPathComponent("table.umk")
    _ = try UMKWriter.convert(
      weights: store, files: [], to: url, options: smallChunkOptions(codec: codec))
    return (url, values)
  }

  func rows(_ view: TensorView, _ range: Range<Int>) -> [Float] {
    var out = [Float](repeating: .nan, count: range.count * view.matrixShape.columns)
    // swift-format-ignore: NeverForceUnwrap
    out.withUnsafeMutableBufferPointer { view.convertRows(range, into: $0.baseAddress!) }
    return out
  }

  @Test func rowsAreDecodedOnFirstReadOnly() throws {
    let (url, _) = try tableFile()
    let file = try UMKFile(url: url)
    let eager = try file.tensor(named: "wte")
    let lazyFile = try UMKFile(url: url)
    let table = try lazyFile.rowTable(named: "wte")
    let lazy = try #require(table.owner as? LazyPlanesTensor)
    #expect(table.shape == [200, 64] && table.dtype == .f32)
    #expect(lazy.decodedChunks == 0)
    // Row 5 is in chunk 0, rows 30...33 span chunks 1 and 2, row 199 is in the last chunk.
    #expect(rows(table, 5..<6) == rows(eager, 5..<6))
    #expect(lazy.decodedChunks == 1)
    #expect(rows(table, 30..<34) == rows(eager, 30..<34))
    #expect(lazy.decodedChunks == 3)
    #expect(rows(table, 199..<200) == rows(eager, 199..<200))
    #expect(lazy.decodedChunks == 4)
    // Reading a row again decodes nothing; reading all of it decodes the rest.
    _ = rows(table, 5..<6)
    #expect(lazy.decodedChunks == 4)
    #expect(table.floats() == eager.floats())
    #expect(lazy.decodedChunks == 13)
  }

  @Test func rawTensorsAreTheMappingItself() throws {
    let (url, values) = try tableFile(codec: .raw)
    let table = try UMKFile(url: url).rowTable(named: "wte")
    #expect(!(table.owner is LazyPlanesTensor))
    #expect(table.floats() == values)
  }

  @Test func aCorruptChunkFailsWhenTheTableIsMade() throws {
    let (url, _) = try tableFile()
    let header = try UMKFile(url: url).header
    let entry = try #require(header.tensors.first { $0.name == "wte" })
    var bytes = Array(try Data(contentsOf: url))
    // A chunk far from the rows a prompt would read: still an error now, not at generation.
    bytes[entry.offset + entry.chunks[11].offset + 3] ^= 0xFF
    let bad = try writeTemporary(bytes)
    do {
      _ = try UMKFile(url: bad).rowTable(named: "wte")
      Issue.record("a corrupt chunk was accepted")
    } catch let error as CheckpointError {
      #expect(error.description.hasPrefix(bad.path) && error.description.contains("chunk 11"))
      #expect(!error.description.contains("\n"))
    }
    #expect(throws: CheckpointError.self) { try UMKFile(url: bad).rowTable(named: "nope") }
  }
}
