import Foundation
import Testing
import UnmaskKernels
@testable import UnmaskFormats

/// Issue 15, defect 1: converting a quantized `.umk` again (with or without `--quantize` or
/// `--dtype`) wrote tensors whose *source* type was Q8_0, which the Swift reader rejects
/// ("unknown dtype code 13") and python/umk.py accepted; `--quantize q4_0` of q8_0 input kept
/// q8_0. Now the recorded source type carries over and quantized input is requantized or
/// dequantized as asked.
@Suite struct ReconvertTests {
  /// A q8_0 `.umk` of the synthetic store, opened.
  func quantizedFile(in folder: URL) throws -> UMKFile {
    var options = smallChunkOptions()
    options.quantize = .q8_0
    let url = folder.appendingPathComponent("q8.umk")
    _ = try UMKWriter.convert(weights: try everyDTypeStore(), files: [], to: url, options: options)
    return try UMKFile(url: url)
  }

  func reconvert(_ input: UMKFile, _ options: UMKConvertOptions, in folder: URL) throws
    -> UMKFile
  {
    let url = folder.appendingPathComponent("again-\(UUID().uuidString).umk")
    _ = try UMKWriter.convert(weights: input, files: [], to: url, options: options)
    return try UMKFile(url: url)  // threw "unknown dtype code 13" before the fix
  }

  @Test func reconvertingKeepsQuantizedTensorsAndTheirSourceType() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let q8 = try quantizedFile(in: folder)
    let again = try reconvert(q8, smallChunkOptions(), in: folder)
    #expect(try again.verify().tensors == q8.tensorNames.count)
    for name in q8.tensorNames {
      let before = try #require(q8.entry(named: name))
      let after = try #require(again.entry(named: name))
      #expect(after.dtype == before.dtype, "\(name)")
      #expect(after.sourceDType == before.sourceDType, "\(name)")
      #expect(Array(try again.tensor(named: name).bytes) == Array(try q8.tensor(named: name).bytes))
    }
  }

  @Test func quantizeQ4OfQ8InputDequantizesThenRequantizes() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let q8 = try quantizedFile(in: folder)
    var options = smallChunkOptions()
    options.quantize = .q4_0
    let q4 = try reconvert(q8, options, in: folder)
    let quantized = q8.tensorNames.filter { q8.entry(named: $0)?.dtype == .q8_0 }
    #expect(!quantized.isEmpty)
    for name in quantized {
      let entry = try #require(q4.entry(named: name))
      #expect(entry.dtype == .q4_0, "\(name) was not requantized")
      #expect(entry.sourceDType == q8.entry(named: name)?.sourceDType)
      // Expected bytes: q8_0 dequantized, then quantized to q4_0 by the same kernels.
      let values = try q8.tensor(named: name).floats()
      var expected = [UInt8](repeating: 0, count: values.count / 32 * DType.q4_0.blockBytes)
      values.withUnsafeBufferPointer { v in
        expected.withUnsafeMutableBytes { out in
          Quantization.quantizeQ4_0(
            v.baseAddress!, blocks: values.count / 32, into: out.baseAddress!)
        }
      }
      #expect(Array(try q4.tensor(named: name).bytes) == expected, "\(name)")
    }
  }

  @Test func dtypeF32OfQ8InputDequantizes() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let q8 = try quantizedFile(in: folder)
    var options = smallChunkOptions()
    options.dtype = .f32
    let f32 = try reconvert(q8, options, in: folder)
    for name in q8.tensorNames where q8.entry(named: name)?.dtype == .q8_0 {
      let entry = try #require(f32.entry(named: name))
      #expect(entry.dtype == .f32)
      #expect(try f32.tensor(named: name).floats() == q8.tensor(named: name).floats(), "\(name)")
    }
  }

  /// Both readers refuse a quantized *source* type, so they agree on such a file.
  @Test func bothReadersRejectAQuantizedSourceType() throws {
    let entry = UMKTensorEntry(
      name: "w", dtype: .q8_0, sourceDType: .q8_0, encoding: .raw, shape: [1, 32],
      offset: UMKLayout.preambleSize, storedLength: 34,
      checksum: XXH64.hash([UInt8](repeating: 0, count: 34)))
    let header = UMKHeader(blobs: [], tensors: [entry]).serialized()
    let url = try writeTemporary(craftedUMK(header: header, data: [UInt8](repeating: 0, count: 34)))
    #expect(throws: CheckpointError.self) { try UMKFile(url: url) }
    guard pythonReaderAvailable() else {
      Issue.record("python3 with numpy and zstandard is needed to check python/umk.py")
      return
    }
    let python = umkFixtures.deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("python").path
    let (status, output) = try runPython([
      "-c",
      "import sys; sys.path.insert(0, sys.argv[1]); import umk\n"
        + "try:\n  umk.UMKFile(sys.argv[2]); print('accepted')\n"
        + "except umk.UMKError as e:\n  print('rejected', e)",
      python, url.path,
    ])
    #expect(status == 0 && output.hasPrefix("rejected"), "\(output)")
  }
}
