import Foundation
import Testing
import UnmaskCore
import UnmaskKernels

@testable import UnmaskFormats

/// `convert --quantize q4_k_m / q5_k_m` against `llama-quantize` on the same weights: the GGUF
/// fixtures `tiny-llada256-q{4,5}_k_m.gguf` (make_gguf_fixtures.py) were quantized by llama.cpp
/// from weights this test rebuilds exactly, so the types and every block must be equal.
@Suite struct KQuantMixTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/gguf")

  /// make_gguf_fixtures.py's `synthetic_weight`: FNV-1a of the name seeds SplitMix64; each
  /// value is four uniforms summed minus 2, times `std`; every 997th times 8; rows r % 41 == 7
  /// made non-negative and rows r % 37 == 5 zero.
  static func syntheticWeight(_ name: String, rows: Int, columns: Int, std: Float) -> [Float] {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    var rng = SplitMix64(seed: hash)
    var values = [Float](repeating: 0, count: rows * columns)
    for e in values.indices {
      let (a, b, c, d) = (rng.nextFloat(), rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
      values[e] = (a + b + c + d - 2) * std
      if e % 997 == 0 { values[e] *= 8 }
    }
    for r in 0..<rows where r % 41 == 7 || r % 37 == 5 {
      for c in 0..<columns {
        values[r * columns + c] = r % 37 == 5 ? 0 : abs(values[r * columns + c])
      }
    }
    return values
  }

  @Test(arguments: [
    ("tiny-llada256-q4_k_m.gguf", UMKQuantization.q4_k_m),
    ("tiny-llada256-q5_k_m.gguf", .q5_k_m),
  ])
  func blocksEqualLlamaQuantizeByteForByte(file: String, quantize: UMKQuantization) throws {
    let gguf = try GGUFFile(url: Self.folder.appendingPathComponent(file))
    let (_, quantized) = try GGUFArchitecture.map(gguf)
    // The source: each GGUF tensor's float weights under its Hugging Face name, in the row
    // order of the safetensors the converter read (q/k rows back from llama.cpp's RoPE order).
    let source = InMemoryTensors(location: "synthetic \(file)")
    for name in quantized.tensorNames {
      let shape = try quantized.tensor(named: name).shape
      let values =
        shape.count == 1
        ? [Float](repeating: 1, count: shape[0])
        : Self.syntheticWeight(
          name, rows: shape[0], columns: shape[1], std: name.contains("wte") ? 1 : 0.05)
      try source.add(name, shape: shape, values: values)
    }
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let output = folder.appendingPathComponent("mix.umk")
    var options = UMKConvertOptions()
    options.quantize = quantize
    options.durable = false
    _ = try UMKWriter.convert(weights: source, files: [], to: output, options: options)
    let umk = try UMKFile(url: output)
    var types: [DType: Int] = [:]
    var blocks = 0
    for name in quantized.tensorNames {
      let theirs = try quantized.tensor(named: name)
      let ours = try umk.tensor(named: name)
      #expect(ours.dtype == theirs.dtype, "\(name): \(ours.dtype) vs llama.cpp's \(theirs.dtype)")
      types[theirs.dtype, default: 0] += 1
      guard ours.dtype == theirs.dtype, theirs.dtype.isQuantized else { continue }
      let size = theirs.dtype.blockBytes
      var differing = 0
      for b in 0..<(theirs.bytes.count / size) {
        let range = (b * size)..<((b + 1) * size)
        if !ours.bytes[range].elementsEqual(theirs.bytes[range]) { differing += 1 }
      }
      blocks += theirs.bytes.count / size
      #expect(differing == 0, "\(name) (\(theirs.dtype)): \(differing) blocks differ")
    }
    print("\(file): \(blocks) blocks compared; tensors by type \(types)")
    let expected: Set<DType> = quantize == .q4_k_m ? [.f32, .q4_K, .q6_K] : [.f32, .q5_K, .q6_K]
    #expect(Set(types.keys) == expected)
  }

  /// The mix on LLaDA-8B's names (32 blocks): Q6_K for the head, and for `v_proj` and the
  /// down projection in the layers `use_more_bits` picks (0-3, 28-31 and every third from 6),
  /// Q4_K elsewhere; norms stay; a tied head moves Q6_K to the embedding; a MoE's router stays
  /// and its experts' down projections follow their layer number.
  @Test func mixFollowsLlamaQuantizeRules() {
    var tensors: [(name: String, dtype: DType, shape: [Int])] = [
      ("model.transformer.wte.weight", .bf16, [126_464, 4096]),
      ("model.transformer.ff_out.weight", .bf16, [126_464, 4096]),
      ("model.transformer.ln_f.weight", .bf16, [4096]),
    ]
    for i in 0..<32 {
      for part in ["q_proj", "k_proj", "v_proj", "attn_out", "ff_proj", "up_proj", "ff_out"] {
        tensors.append(("model.transformer.blocks.\(i).\(part).weight", .bf16, [4096, 4096]))
      }
      tensors.append(("model.transformer.blocks.\(i).attn_norm.weight", .bf16, [4096]))
    }
    let mix = KQuantMix(base: .q4_K, tensors: tensors).types
    let more: Set<Int> = [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]
    #expect(mix["model.transformer.ff_out.weight"] == .q6_K)
    #expect(mix["model.transformer.wte.weight"] == .q4_K)
    #expect(mix["model.transformer.ln_f.weight"] == nil)
    for i in 0..<32 {
      let b = "model.transformer.blocks.\(i)."
      #expect(mix[b + "v_proj.weight"] == (more.contains(i) ? .q6_K : .q4_K), "layer \(i)")
      #expect(mix[b + "ff_out.weight"] == (more.contains(i) ? .q6_K : .q4_K), "layer \(i)")
      #expect(mix[b + "q_proj.weight"] == .q4_K && mix[b + "attn_norm.weight"] == nil)
    }
    let untied = tensors.filter { $0.name != "model.transformer.ff_out.weight" }
    let tied = KQuantMix(base: .q4_K, tensors: untied).types
    #expect(tied["model.transformer.wte.weight"] == .q6_K)
    let moe: [(name: String, dtype: DType, shape: [Int])] = [
      ("model.layers.0.mlp.gate.weight", .bf16, [8, 256]),
      ("model.layers.0.mlp.experts.7.down_proj.weight", .bf16, [256, 512]),
      ("model.layers.0.self_attn.v_proj.weight", .bf16, [256, 256]),
      ("model.layers.0.self_attn.k_proj.weight", .bf16, [256, 256]),
      ("model.layers.0.self_attn.o_proj.weight", .bf16, [256, 256]),
      ("model.layers.1.mlp.experts.0.down_proj.weight", .bf16, [256, 512]),
      ("model.layers.1.mlp.experts.0.up_proj.weight", .bf16, [512, 100]),
    ]
    let eight = KQuantMix(base: .q4_K, tensors: moe).types
    #expect(eight["model.layers.0.mlp.gate.weight"] == nil)
    #expect(eight["model.layers.0.self_attn.v_proj.weight"] == .q8_0)
    #expect(eight["model.layers.0.self_attn.k_proj.weight"] == .q8_0)
    #expect(eight["model.layers.0.self_attn.o_proj.weight"] == .q5_K)
    // Two layers: use_more_bits is false for layer 0 and true for layer 1.
    #expect(eight["model.layers.0.mlp.experts.7.down_proj.weight"] == .q4_K)
    #expect(eight["model.layers.1.mlp.experts.0.down_proj.weight"] == .q6_K)
    // 100 columns are neither whole super-blocks nor blocks of 32: kept as they are.
    #expect(eight["model.layers.1.mlp.experts.0.up_proj.weight"] == nil)
  }

  /// Q4_K rows that are not whole super-blocks fall back to Q4_0, Q6_K ones to Q8_0.
  @Test func rowsOfOddLengthFallBack() {
    let tensors: [(name: String, dtype: DType, shape: [Int])] = [
      ("lm_head.weight", .f32, [10, 96]), ("model.layers.0.mlp.up_proj.weight", .f32, [10, 96]),
    ]
    let mix = KQuantMix(base: .q4_K, tensors: tensors).types
    #expect(mix == ["lm_head.weight": .q8_0, "model.layers.0.mlp.up_proj.weight": .q4_0])
  }
}
