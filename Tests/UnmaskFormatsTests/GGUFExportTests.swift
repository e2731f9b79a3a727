import Foundation
import Testing
import UnmaskKernels

@testable import UnmaskFormats

/// `export model out.gguf` against llama.cpp's own converter: exporting a fixture writes the
/// GGUF `convert_hf_to_gguf.py` wrote for it (make_gguf_fixtures.py), tensor for tensor and key
/// for key.
@Suite struct GGUFExportTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

  /// Keys that name the file rather than the model (the converter derives them from the
  /// folder's name and generation_config.json), and LLaDA-MoE's mask id, which its converter
  /// hard-codes to the 7B model's 156895 while the export writes the tokenizer's.
  static let ignoredKeys: Set<String> = [
    "general.name", "general.size_label", "general.basename", "general.sampling.temp",
  ]

  static func export(_ source: URL) throws -> (GGUFFile, URL) {
    let input = try ConversionInput.open(source)
    let folder = try temporaryFolder()
    let out = folder.appendingPathComponent("export.gguf")
    _ = try GGUFExport.write(weights: input.weights, files: input.files, to: out)
    return (try GGUFFile(url: out), folder)
  }

  @Test(arguments: [
    ("tiny-llada", "tiny-llada-f32.gguf"), ("tiny-dream", "tiny-dream-f32.gguf"),
    ("tiny-llada-moe", "tiny-llada-moe-bf16.gguf"), ("tiny-llada-gqa", "tiny-llada-gqa-bf16.gguf"),
  ])
  func exportIsWhatLlamaCppsConverterWrites(fixture: String, converted: String) throws {
    let (ours, folder) = try Self.export(Self.fixtures.appendingPathComponent(fixture))
    defer { try? FileManager.default.removeItem(at: folder) }
    let theirs = try GGUFFile(url: Self.fixtures.appendingPathComponent("gguf/\(converted)"))
    #expect(Set(ours.tensorNames) == Set(theirs.tensorNames))
    for name in theirs.tensorNames {
      guard let a = ours.info(name), let b = theirs.info(name) else { continue }
      #expect(
        a.type == b.type && a.shape == b.shape,
        "\(name): \(a.type) \(a.shape) vs \(b.type) \(b.shape)")
      #expect(try ours.rawBytes(name).elementsEqual(try theirs.rawBytes(name)), "\(name) bytes")
    }
    let mine = Dictionary(uniqueKeysWithValues: ours.header.metadata.map { ($0.key, $0.value) })
    var compared = 0
    for (key, value) in theirs.header.metadata where !Self.ignoredKeys.contains(key) {
      if fixture == "tiny-llada-moe", key == "tokenizer.ggml.mask_token_id" {
        #expect(mine[key] == .unsigned(444, bits: 32))  // the tokenizer's <|mask|>
        continue
      }
      #expect(mine[key] == value, "\(key): \(mine[key]?.summary ?? "missing") vs \(value.summary)")
      compared += 1
    }
    let extra = Set(mine.keys).subtracting(theirs.header.metadata.map(\.key))
    #expect(
      extra.subtracting(Self.ignoredKeys).isEmpty, "keys the converter does not write: \(extra)")
    print(
      "\(fixture): \(theirs.tensorNames.count) tensors and \(compared) keys equal to \(converted)")
  }

  /// Through a `.umk` (lossless, then q8_0): the same GGUF, with the stored blocks as they are.
  @Test func exportFromAUMKKeepsItsTensors() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let source = try ConversionInput.open(Self.fixtures.appendingPathComponent("tiny-dream"))
    let umk = folder.appendingPathComponent("q8.umk")
    var options = UMKConvertOptions()
    options.quantize = .q8_0
    _ = try UMKWriter.convert(
      weights: source.weights, files: source.files, to: umk, options: options)
    let (gguf, out) = try Self.export(umk)
    defer { try? FileManager.default.removeItem(at: out) }
    let stored = try UMKFile(url: umk)
    let (_, names) = try GGUFArchitecture.map(gguf)
    for name in stored.tensorNames {
      let a = try stored.tensor(named: name)
      let b = try names.tensor(named: name)
      #expect(b.dtype == (a.shape.count == 1 ? .f32 : a.dtype), "\(name)")
      if b.dtype == a.dtype { #expect(a.bytes.elementsEqual(b.bytes), "\(name)") }
    }
    #expect(gguf.value("general.file_type") == .unsigned(7, bits: 32))  // MOSTLY_Q8_0
  }

  /// An architecture llama.cpp does not run as a diffusion model is refused by name, and
  /// nothing is written.
  @Test func otherArchitecturesAreRefused() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = try ConversionInput.open(Self.fixtures.appendingPathComponent("tiny-sdar"))
    let out = folder.appendingPathComponent("sdar.gguf")
    #expect {
      try GGUFExport.write(weights: input.weights, files: input.files, to: out)
    } throws: { "\($0)".contains("has no GGUF form llama.cpp runs") }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
  }
}
