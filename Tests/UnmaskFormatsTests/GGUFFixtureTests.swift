import Foundation
import Testing
import UnmaskKernels

@testable import UnmaskFormats

/// The GGUF files `scripts/fixtures/make_gguf_fixtures.py` made with llama.cpp's converter and
/// the `gguf` package.
@Suite struct GGUFFixtureTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/gguf")

  struct Golden: Decodable {
    struct Tensor: Decodable {
      var type: String
      var shape: [Int]
      var bits: [String]
    }
    var tensors: [String: Tensor]
  }

  /// Every type the kernels compute (now with the K-quants Q4_K, Q5_K, Q6_K) reads back as the
  /// `gguf` package's `dequantize` gives it, bit for bit; a type without a kernel would be
  /// refused naming the tensor and the type.
  @Test func dequantizationEqualsTheGGUFPackage() throws {
    let file = try GGUFFile(url: Self.folder.appendingPathComponent("types.gguf"))
    let golden = try JSONDecoder().decode(
      Golden.self, from: Data(contentsOf: Self.folder.appendingPathComponent("types.json")))
    #expect(golden.tensors.count == 8)
    for (name, expected) in golden.tensors.sorted(by: { $0.key < $1.key }) {
      #expect(file.info(name)?.type.name == expected.type)
      #expect(file.info(name)?.shape == expected.shape)
      guard file.info(name)?.type.dtype != nil else {
        #expect(throws: CheckpointError.self) { try file.tensor(named: name) }
        do { _ = try file.tensor(named: name) } catch {
          #expect("\(error)".contains("'\(name)': ggml type \(expected.type) is not supported yet"))
        }
        continue
      }
      let values = try file.tensor(named: name).floats()
      let bits = values.map { String(format: "%08x", $0.bitPattern) }
      #expect(bits == expected.bits, "\(name): dequantized values differ from gguf's")
    }
  }

  /// A GGUF's quantized tensors (K-quants included) convert to a raw `.umk` and load back with
  /// the same type, shape and bytes; the file records F32 as their source type (what `export`
  /// widens them to), so the reader, which refuses quantized source types, accepts it.
  @Test func quantizedTensorsConvertToUMKAndBack() throws {
    let file = try GGUFFile(url: Self.folder.appendingPathComponent("types.gguf"))
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-gguf-umk-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("types.umk")
    var options = UMKConvertOptions()
    options.codec = .raw
    _ = try UMKWriter.convert(weights: file, files: [], to: url, options: options)
    let umk = try UMKFile(url: url)
    #expect(umk.tensorNames.sorted() == file.tensorNames.sorted())
    for name in file.tensorNames {
      let original = try file.tensor(named: name)
      let loaded = try umk.tensor(named: name)
      #expect(loaded.dtype == original.dtype, "\(name)")
      #expect(loaded.shape == original.shape, "\(name)")
      #expect(Array(loaded.bytes) == Array(original.bytes), "\(name)")
      if original.dtype.isQuantized { #expect(umk.entry(named: name)?.sourceDType == .f32) }
    }
    #expect(
      [DType.q4_K, .q5_K, .q6_K].allSatisfy { t in
        file.tensorNames.contains { (try? file.tensor(named: $0).dtype) == t }
      })
  }

  /// The split conversion opens as one file holding the same tensors, byte for byte.
  @Test func splitFilesLoadAsOne() throws {
    let whole = try GGUFFile(url: Self.folder.appendingPathComponent("tiny-dream-f32.gguf"))
    let split = try GGUFFile(
      url: Self.folder.appendingPathComponent("tiny-dream-f32-00001-of-00003.gguf"))
    #expect(split.parts.count == 3)
    #expect(split.tensorNames == whole.tensorNames)
    for name in whole.tensorNames {
      #expect(Array(try split.rawBytes(name)) == Array(try whole.rawBytes(name)), "\(name)")
    }
    #expect(split.architecture == "dream")
  }

  @Test func aMissingSplitPartIsNamed() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-split-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let name = "tiny-dream-f32-00001-of-00003.gguf"
    try FileManager.default.copyItem(
      at: Self.folder.appendingPathComponent(name), to: folder.appendingPathComponent(name))
    #expect {
      _ = try GGUFFile(url: folder.appendingPathComponent(name))
    } throws: { "\($0)".contains("00002-of-00003.gguf: missing: part 2 of the 3") }
  }

  @Test(arguments: ["tiny-llada", "tiny-dream", "tiny-llada-moe"])
  func everyConversionOpensAsABundle(fixture: String) throws {
    for type in ["f32", "bf16", "q8_0"] {
      let url = Self.folder.appendingPathComponent("\(fixture)-\(type).gguf")
      #expect(try CheckpointKind.of(url) == .gguf)
      let bundle = try ModelBundle.open(url)
      #expect(bundle.tokenizerJSON != nil)
      let config = try #require(
        try JSONSerialization.jsonObject(with: bundle.configJSON) as? [String: Any])
      #expect(config["architectures"] != nil)
      // Every tensor under a name the Hugging Face checkpoint also has.
      let safetensors = try SafetensorsFile(
        url: Self.folder.deletingLastPathComponent().appendingPathComponent(
          "\(fixture)/model.safetensors"))
      #expect(bundle.weights.tensorNames == safetensors.tensorNames, "\(fixture) \(type)")
      for name in safetensors.tensorNames {
        #expect(try bundle.weights.tensor(named: name).shape == safetensors.entries[name]?.shape)
      }
    }
  }

  @Test func anArchitectureUnmaskDoesNotRunIsNamed() throws {
    // types.gguf says `llama`.
    #expect {
      _ = try ModelBundle.open(Self.folder.appendingPathComponent("types.gguf"))
    } throws: { "\($0)".contains("'llama' is not an architecture Unmask runs") }
  }

  @Test func inspectSummarisesArraysAndTypes() throws {
    let file = try GGUFFile(url: Self.folder.appendingPathComponent("tiny-llada-moe-q8_0.gguf"))
    let lines = file.summaryLines()
    #expect(lines.contains { $0.hasPrefix("  tokenizer.ggml.tokens (ARRAY[STRING]) = [") })
    #expect(lines.contains { $0.contains("(448 ARRAY[STRING])") })
    #expect(lines.contains { $0.hasPrefix("Q8_0: ") })
    #expect(lines.count < 200)
  }

  /// `unmask inspect` lists the K-quant tensors by type, with their bytes (210 per Q6_K
  /// super-block), as computed types: nothing in types.gguf is marked "(not computed yet)".
  @Test func inspectShowsKQuantTypes() throws {
    let file = try GGUFFile(url: Self.folder.appendingPathComponent("types.gguf"))
    let lines = file.summaryLines()
    for type in ["Q4_K", "Q5_K", "Q6_K"] {
      #expect(lines.contains { $0.hasPrefix("\(type): ") }, "\(type) total")
    }
    #expect(lines.contains { $0.contains("  Q6_K  ") && $0.contains(" 840 bytes") })
    #expect(!lines.contains { $0.contains("not computed yet") })
  }

  /// LLaDA's q and k rows come back in rotate-half order: the inverse of the converter's
  /// permutation, checked on the f32 file against the safetensors row by row.
  @Test func lladaQueryAndKeyRowsAreRestored() throws {
    let bundle = try ModelBundle.open(Self.folder.appendingPathComponent("tiny-llada-f32.gguf"))
    let safetensors = try SafetensorsFile(
      url: Self.folder.deletingLastPathComponent().appendingPathComponent(
        "tiny-llada/model.safetensors"))
    for name in safetensors.tensorNames {
      let ours = try bundle.weights.tensor(named: name)
      let theirs = try safetensors.tensor(named: name)
      #expect(Array(ours.bytes) == Array(theirs.bytes), "\(name)")
    }
  }
}
