import Foundation
import Testing
import Unmask

/// Logits from the GGUF files llama.cpp's converter made of the tiny fixtures, against the
/// same fixture's safetensors: f32 bit for bit, bf16 bit for bit against the safetensors
/// rounded as the GGUF stores it (and its gap to f32 printed), q8_0 measured against f32.
@Suite struct GGUFLogitsTests {
  static let fixtures = GGUFTokenizerTests.fixtures

  /// A canvas with text and masks, the kind of input the sampler gives.
  static func tokens(_ mask: Int32) -> [Int32] {
    [12, 57, 3, 101, 250, 7, 399, 42] + [Int32](repeating: mask, count: 6) + [5, 300]
  }

  static func logits(_ bundle: ModelBundle, _ tokens: [Int32]) throws -> [Float] {
    try ModelRegistry.load(bundle).logits(for: tokens).values
  }

  static func gap(_ a: [Float], _ b: [Float]) -> Float {
    let scale = b.map(abs).max() ?? 1
    return (zip(a, b).map { abs($0 - $1) }.max() ?? 0) / scale
  }

  static let cases: [(fixture: String, mask: Int32)] = [
    ("tiny-llada", 444), ("tiny-dream", 442), ("tiny-llada-moe", 444), ("tiny-llada-gqa", 444),
  ]

  @Test(arguments: ["tiny-llada", "tiny-dream", "tiny-llada-moe"])
  func f32LogitsEqualTheSafetensorsBitForBit(fixture: String) throws {
    let tokens = Self.tokens(Self.cases.first { $0.fixture == fixture }!.mask)
    let reference = try Self.logits(
      ModelBundle.open(Self.fixtures.appendingPathComponent(fixture)), tokens)
    let gguf = try Self.logits(
      ModelBundle.open(Self.fixtures.appendingPathComponent("gguf/\(fixture)-f32.gguf")), tokens)
    #expect(gguf == reference, "\(fixture): worst relative gap \(Self.gap(gguf, reference))")
  }

  /// bf16: the GGUF equals the safetensors with each tensor rounded to the type the GGUF
  /// stores it in (the converter keeps norms and the router in f32), bit for bit.
  @Test(arguments: ["tiny-llada", "tiny-dream", "tiny-llada-moe", "tiny-llada-gqa"])
  func bf16LogitsEqualTheRoundedSafetensors(fixture: String) throws {
    let tokens = Self.tokens(Self.cases.first { $0.fixture == fixture }!.mask)
    let folder = try ModelBundle.open(Self.fixtures.appendingPathComponent(fixture))
    let gguf = try ModelBundle.open(
      Self.fixtures.appendingPathComponent("gguf/\(fixture)-bf16.gguf"))
    let rounded = InMemoryTensors(location: "\(fixture) rounded as its bf16 GGUF")
    for name in folder.weights.tensorNames {
      let source = try folder.weights.tensor(named: name)
      let stored = try gguf.weights.tensor(named: name).dtype
      try rounded.add(name, shape: source.shape, values: source.floats(), as: stored)
    }
    var roundedBundle = folder
    roundedBundle.weights = rounded
    let ours = try Self.logits(gguf, tokens)
    let expected = try Self.logits(roundedBundle, tokens)
    #expect(ours == expected, "\(fixture): worst relative gap \(Self.gap(ours, expected))")
    let f32 = try Self.logits(folder, tokens)
    print("\(fixture) bf16 GGUF vs safetensors: worst relative gap \(Self.gap(ours, f32))")
  }

  /// q8_0: the gap to the f32 logits, measured and printed. Two roundings make it: the
  /// converter's of the weights and the kernels' of the activations to q8 (ggml's
  /// `vec_dot_type`, as llama.cpp computes q8_0). Measured on these random tiny models: 4.8%
  /// (tiny-llada), 8.9% (tiny-dream), 16.6% (tiny-llada-moe, where a rounding can flip an
  /// expert choice) of the largest logit; the .umk q8_0 test allows 10% on tiny-llada. The bound
  /// catches a wrong block or a lost scale (gaps of the order of the logits themselves).
  @Test(arguments: ["tiny-llada", "tiny-dream", "tiny-llada-moe"])
  func q8_0LogitsStayCloseToF32(fixture: String) throws {
    let tokens = Self.tokens(Self.cases.first { $0.fixture == fixture }!.mask)
    let f32 = try Self.logits(
      ModelBundle.open(Self.fixtures.appendingPathComponent(fixture)), tokens)
    let q8 = try Self.logits(
      ModelBundle.open(Self.fixtures.appendingPathComponent("gguf/\(fixture)-q8_0.gguf")), tokens)
    let gap = Self.gap(q8, f32)
    print("\(fixture) q8_0 GGUF vs f32 safetensors: worst relative gap \(gap)")
    #expect(gap < 0.3)
  }

  /// A Q4_K_M file written by llama.cpp's own `llama-quantize` (make_gguf_fixtures.py: a d-256
  /// LLaDA, its Q4_K / Q6_K mix) runs from its blocks: on every kernel path the logits stay
  /// within the Q8_K rounding of the activations of the `.blas` path's (weights dequantized to
  /// float32, activations unrounded), and a generation runs to the end from the file alone.
  /// Quantized weights: a step's few logit rows are the full pass's bit for bit, on every path,
  /// over a canvas of 40 (the int8 and K-quant GEMMs change form at 16-32 rows, so the
  /// full pass takes the outer products and the restricted rows the dot-product tiles).
  @Test(arguments: ["tiny-llada-q8_0.gguf", "tiny-llada256-q4_k_m.gguf"])
  func quantizedRowsEqualTheFullPass(file: String) throws {
    let model = try ModelRegistry.load(
      ModelBundle.open(Self.fixtures.appendingPathComponent("gguf/\(file)")))
    let tokens = Self.tokens(444) + Self.tokens(444) + Self.tokens(444).prefix(8)
    #expect(tokens.count == 40)
    for path in KernelPath.available where path != .blas {
      let full = try KernelPath.with(path) { try model.logits(for: tokens) }
      for rows in [[3], Array(14..<30), [0, 17, 39]] {
        let restricted = try KernelPath.with(path) {
          try model.logits(for: tokens, rows: .positions(rows))
        }
        var differing = 0
        for (j, position) in rows.enumerated() {
          for c in 0..<full.columns
          where restricted[j, c].bitPattern != full[position, c].bitPattern {
            differing += 1
          }
        }
        #expect(differing == 0, "\(file) \(path) rows \(rows): \(differing) logits differ")
      }
    }
  }

  @Test func llamaQuantizeQ4KMFileRunsFromItsBlocks() throws {
    let file = Self.fixtures.appendingPathComponent("gguf/tiny-llada256-q4_k_m.gguf")
    let bundle = try ModelBundle.open(file)
    let types = Set(
      try bundle.weights.tensorNames.map { try bundle.weights.tensor(named: $0).dtype })
    #expect(types == [.f32, .q4_K, .q6_K], "\(types)")
    let model = try ModelRegistry.load(bundle)
    let tokens = Self.tokens(444)
    let widened = try KernelPath.with(.blas) { try model.logits(for: tokens).values }
    for path in KernelPath.available where path != .blas {
      let blocks = try KernelPath.with(path) { try model.logits(for: tokens).values }
      let gap = Self.gap(blocks, widened)
      print("Q4_K_M GGUF \(path.rawValue) vs dequantized weights: worst relative gap \(gap)")
      #expect(gap < 0.05 && blocks != widened, "\(path)")
    }
    let session = try ModelSession.open(file.path)
    var settings = session.settings()
    settings.length = 8
    settings.steps = 4
    settings.blockLength = 8
    let generation = try session.generate(prompt: [12, 57, 3], settings: settings)
    #expect(generation.tokens.count == 8 && !generation.tokens.contains(settings.maskID))
  }

  /// A session opened on the GGUF has the special ids of the one opened on the folder
  /// (LLaDA-MoE's converter writes the 7B model's mask id, which is out of range here, so the
  /// tokenizer's `<|mask|>`-style token is used, as for the folder).
  @Test(arguments: ["tiny-llada", "tiny-dream", "tiny-llada-moe"])
  func specialTokensMatchTheFolder(fixture: String) throws {
    let folder = try ModelSession.open(Self.fixtures.appendingPathComponent(fixture).path)
    let gguf = try ModelSession.open(
      Self.fixtures.appendingPathComponent("gguf/\(fixture)-q8_0.gguf").path)
    #expect(gguf.specialTokens == folder.specialTokens)
    #expect(gguf.architecture == folder.architecture)
    #expect(gguf.contextLength == folder.contextLength)
  }
}
