import Foundation
import Testing
import UnmaskCore
import UnmaskKernels
@testable import UnmaskFormats

@Test(arguments: [UMKCodec.raw, .planes], [0, 1, 3])
func everyDTypeRoundTripsBitExact(codec: UMKCodec, level: Int) throws {
  let store = try everyDTypeStore()
  let url = try temporaryFolder().appendingPathComponent("all.umk")
  let summary = try UMKWriter.convert(
    weights: store, files: [("config.json", Data("{}".utf8))], to: url,
    options: smallChunkOptions(codec: codec, level: level))
  #expect(summary.tensors == store.tensorNames.count)
  let umk = try UMKFile(url: url)
  #expect(umk.tensorNames == store.tensorNames)
  for name in store.tensorNames {
    let a = try store.tensor(named: name)
    let b = try umk.tensor(named: name)
    #expect(a.dtype == b.dtype && a.shape == b.shape, "\(name)")
    #expect(Array(a.bytes) == Array(b.bytes), "\(name) differs after \(codec) level \(level)")
    if codec == .raw || b.bytes.isEmpty {
      #expect(
        Int(bitPattern: b.bytes.baseAddress) % UMKLayout.alignment == 0 || b.bytes.isEmpty,
        "\(name) is aligned")
    }
  }
  let report = try umk.verify()
  #expect(report.tensors == store.tensorNames.count && report.blobs == 1)
  #expect(try umk.blob(named: "config.json") == Data("{}".utf8))
  if codec == .planes {
    let weight = try #require(umk.entry(named: "layers.0.mlp.weight"))
    // [64, 96] in chunks of whole rows within 1024 elements: 10 rows, so 7 chunks.
    #expect(weight.encoding == .planes && weight.chunks.count == 7)
    #expect(weight.storedLength < weight.byteCount * 3 / 4, "gaussian bf16 compresses")
    #expect(weight.chunks.allSatisfy { $0.codecs[0] != .raw }, "exponent plane is compressed")
  }

  // Export and read back as safetensors.
  let exported = url.deletingLastPathComponent().appendingPathComponent("back.safetensors")
  #expect(try umk.exportSafetensors(to: exported) == .canonical)
  let back = try SafetensorsFile(url: exported)
  for name in store.tensorNames {
    #expect(
      Array(try back.tensor(named: name).bytes) == Array(try store.tensor(named: name).bytes),
      "\(name)")
  }
}

@Test func singleSafetensorsFileExportsByteIdentical() throws {
  let folder = try temporaryFolder()
  var rng = SplitMix64(seed: 3)
  let values = gaussian(2048, scale: 0.1, rng: &rng)
  let floats = values.withUnsafeBytes { Array($0) }
  let header =
    #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[32,64],"data_offsets":[0,8192]}}"#
  let source = folder.appendingPathComponent("model.safetensors")
  try safetensorsBytes(header: header, data: floats).write(to: source)
  try Data(#"{"model_type":"llada"}"#.utf8).write(to: folder.appendingPathComponent("config.json"))
  let input = try ConversionInput.open(source)
  let umkURL = folder.appendingPathComponent("m.umk")
  _ = try UMKWriter.convert(
    weights: input.weights, files: input.files, to: umkURL, options: smallChunkOptions())
  let exported = folder.appendingPathComponent("out.safetensors")
  #expect(try UMKFile(url: umkURL).exportSafetensors(to: exported) == .original)
  #expect(try Data(contentsOf: exported) == Data(contentsOf: source))

  // The .umk is a whole model: ModelBundle opens it with its embedded config.
  let bundle = try ModelBundle.open(umkURL)
  #expect(bundle.configJSON == Data(#"{"model_type":"llada"}"#.utf8))
  #expect(try bundle.weights.tensor(named: "w").floats() == values)
}

@Test(arguments: [UMKQuantization.q8_0, .q4_0])
func quantizedWeightsStayWithinTheBlockErrorBound(quantize: UMKQuantization) throws {
  let store = try everyDTypeStore()
  var options = smallChunkOptions()
  options.quantize = quantize
  let url = try temporaryFolder().appendingPathComponent("q.umk")
  let summary = try UMKWriter.convert(weights: store, files: [], to: url, options: options)
  #expect(summary.quantized == 2)
  let umk = try UMKFile(url: url)
  for name in ["layers.0.mlp.weight", "layers.0.attn.weight"] {
    let q = try umk.tensor(named: name)
    let original = try store.tensor(named: name).floats()
    let originalShape = try store.tensor(named: name).shape
    #expect(q.dtype == quantize.dtype && q.shape == originalShape)
    #expect(
      Int(bitPattern: q.bytes.baseAddress) % UMKLayout.alignment == 0,
      "quantized tensors are used in place")
    let restored = q.floats()
    // The file holds exactly the kernels' blocks, which QuantizationTests pins byte for byte to
    // ggml's (the gguf package): no second quantizer, no rounding difference.
    var expected = [UInt8](repeating: 0, count: q.bytes.count)
    original.withUnsafeBufferPointer { source in
      expected.withUnsafeMutableBytes { destination in
        guard let x = source.baseAddress, let out = destination.baseAddress else { return }
        if quantize == .q8_0 {
          Quantization.quantizeQ8_0(x, blocks: original.count / 32, into: out)
        } else {
          Quantization.quantizeQ4_0(x, blocks: original.count / 32, into: out)
        }
      }
    }
    #expect(Array(q.bytes) == expected, "\(name): stored blocks differ from Quantization's")
    var worst: Float = 0
    for block in 0..<(original.count / 32) {
      let slice = original[(block * 32)..<(block * 32 + 32)]
      let amax = slice.map(abs).max() ?? 0
      // Half a quantization step (a whole one for q4_0's clamped side, which it cannot
      // represent: its range is d * [-8, 7]), plus the f16 rounding of the scale (at most
      // 127 or 8 levels times 2^-11 of the step).
      let step = quantize == .q8_0 ? amax / 127 : amax / 8
      let clamped: Float = quantize == .q8_0 ? 0.5 : 1.0
      for j in slice.indices {
        let gap = abs(restored[j] - original[j])
        worst = max(worst, gap / max(step, 1e-12))
        #expect(
          gap <= step * (clamped + 0.063) + 1e-7,
          "\(name)[\(j)]: \(restored[j]) vs \(original[j])")
      }
    }
    print("\(quantize) \(name): worst error \(worst) quantization steps")
  }
  // Norms, embeddings and non-matrix tensors are untouched.
  #expect(try umk.tensor(named: "layers.0.norm.weight").dtype == .bf16)
  #expect(
    UMKQuantization.applies(name: "model.embed_tokens.weight", dtype: .bf16, shape: [64, 64])
      == false)
  #expect(UMKQuantization.applies(name: "x.weight", dtype: .bf16, shape: [64, 33]) == false)
  #expect(try umk.verify().tensors == store.tensorNames.count)
  // Export dequantizes to the source type.
  let exported = url.deletingLastPathComponent().appendingPathComponent("deq.safetensors")
  #expect(try umk.exportSafetensors(to: exported) == .canonical)
  #expect(try SafetensorsFile(url: exported).tensor(named: "layers.0.mlp.weight").dtype == .bf16)
}

@Test func dtypeCastIsAppliedToFloatsOnly() throws {
  let store = try everyDTypeStore()
  var options = smallChunkOptions()
  options.dtype = .bf16
  let url = try temporaryFolder().appendingPathComponent("cast.umk")
  _ = try UMKWriter.convert(weights: store, files: [], to: url, options: options)
  let umk = try UMKFile(url: url)
  #expect(try umk.tensor(named: "layers.0.attn.weight").dtype == .bf16)
  #expect(try umk.tensor(named: "random.I32").dtype == .i32)
  let a = try store.tensor(named: "layers.0.attn.weight").floats().map(
    FloatConversion.bfloat16(from:))
  let view = try umk.tensor(named: "layers.0.attn.weight")  // keeps the decoded buffer alive
  #expect(a == Array(view.bytes.bindMemory(to: UInt16.self)))
}

/// A source that fails on its third tensor, like a disk error or an interrupt mid-run.
final class FailingSource: TensorSource {
  let inner: InMemoryTensors
  var calls = 0
  init(_ inner: InMemoryTensors) { self.inner = inner }
  var location: String { "failing" }
  var tensorNames: [String] { inner.tensorNames }
  func tensor(named name: String) throws -> TensorView {
    calls += 1
    if calls == 3 { throw CheckpointError(path: "failing", item: name, "read error") }
    return try inner.tensor(named: name)
  }
}

@Test func anInterruptedConversionLeavesNoFileBehind() throws {
  let folder = try temporaryFolder()
  let url = folder.appendingPathComponent("x.umk")
  #expect(throws: CheckpointError.self) {
    try UMKWriter.convert(
      weights: FailingSource(try everyDTypeStore()), files: [], to: url,
      options: smallChunkOptions())
  }
  #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
}
