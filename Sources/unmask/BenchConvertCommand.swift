import ArgumentParser
import Foundation
import Unmask

/// `unmask bench convert`: .umk size and speed next to plain zstd and byte-split zstd, and
/// model load time from .umk next to safetensors, all measured in the same run.
struct BenchConvertCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "convert",
    abstract:
      "Compression ratio and speed of .umk against plain and byte-split zstd, and load time against safetensors.",
    discussion: """
      PATH is a .safetensors file, e.g. all-MiniLM-L6-v2 cast to bf16 with \
      notebooks/cast_safetensors_bf16.py. Ratios are of the safetensors file size. Speeds are \
      per core (one thread) unless noted; conversion is timed without the final fsync. The load benchmark builds a random-weight bf16 LLaDA \
      and times open + first forward pass from a folder and from a lossless .umk.
      """)

  @Argument(help: "A .safetensors file.")
  var path: String?

  @Option(help: "Scratch folder (default: a temporary one).")
  var scratch: String?

  @Flag(help: "Skip the load-time benchmark.")
  var skipLoad = false

  func validate() throws {
    if path == nil && skipLoad {
      throw ValidationError(
        "nothing to measure: --skip-load without a PATH; give a .safetensors file or drop "
          + "--skip-load")
    }
  }

  func run() throws {
    let folder = URL(fileURLWithPath: scratch ?? NSTemporaryDirectory()).appendingPathComponent(
      "unmask-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    if let path { try compression(URL(fileURLWithPath: path), folder: folder) }
    if !skipLoad { try load(folder: folder) }
  }

  private func compression(_ url: URL, folder: URL) throws {
    let source = try SafetensorsFile(url: url)
    let fileSize = source.file.count
    let headerBytes = fileSize - source.entries.values.reduce(0) { $0 + $1.range.count }
    print("\(url.path): \(source.tensorNames.count) tensors, \(fileSize) bytes")
    print("codec                                   ratio   compress MB/s   decompress MB/s")
    func row(_ f: UMKBenchmark.Figures) {
      print(
        pad(f.name, 38),
        String(
          format: "%6.2f%%   %13.0f   %15.0f", 100 * Double(f.bytes) / Double(fileSize),
          f.compressMBps, f.decompressMBps))
    }
    row(try UMKBenchmark.plainZstd(source, level: 3, headerBytes: headerBytes))
    var split = UMKConvertOptions()
    split.durable = false
    split.encode.policy = .zstdOnly
    split.encode.level = 1
    split.encode.threads = 1
    row(
      try UMKBenchmark.umk(
        source, to: folder.appendingPathComponent("split1.umk"), options: split,
        name: "byte-split zstd-1 (.umk, 1 thread)", threads: 1))
    split.encode.level = 19
    row(
      try UMKBenchmark.umk(
        source, to: folder.appendingPathComponent("split19.umk"), options: split,
        name: "byte-split zstd-19 (.umk, 1 thread)", threads: 1))
    var ours = UMKConvertOptions()
    ours.durable = false
    ours.encode.threads = 1
    row(
      try UMKBenchmark.umk(
        source, to: folder.appendingPathComponent("ours1.umk"), options: ours,
        name: "umk default: Huffman/zstd-3 (1 thread)", threads: 1))
    ours.encode.entropy = .rans
    row(
      try UMKBenchmark.umk(
        source, to: folder.appendingPathComponent("oursRANS.umk"), options: ours,
        name: "umk --entropy rans (1 thread)", threads: 1))
    ours = UMKConvertOptions()
    ours.durable = false
    let all = ComputeThreads.count
    row(
      try UMKBenchmark.umk(
        source, to: folder.appendingPathComponent("ours.umk"), options: ours,
        name: "umk default (\(all) threads)", threads: all))
  }

  private func load(folder: URL) throws {
    let model = folder.appendingPathComponent("llada")
    try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
    let (store, config) = try BenchLLaDA.checkpoint(
      dModel: 512, layers: 4, heads: 8, mlp: 1408, vocabulary: 8192)
    try config.write(to: model.appendingPathComponent("config.json"))
    // Write safetensors through a raw .umk and export (the export path is the same code users get).
    var raw = UMKConvertOptions()
    raw.codec = .raw
    let staging = folder.appendingPathComponent("staging.umk")
    _ = try UMKWriter.convert(weights: store, files: [], to: staging, options: raw)
    _ = try UMKFile(url: staging).exportSafetensors(
      to: model.appendingPathComponent("model.safetensors"))
    let input = try ConversionInput.open(model)
    let umkURL = folder.appendingPathComponent("llada.umk")
    _ = try UMKWriter.convert(
      weights: input.weights, files: input.files, to: umkURL, options: UMKConvertOptions())
    let canvas = (0..<64).map { Int32(($0 * 7919) % 8192) }
    func timeLoad(_ url: URL) throws -> (Double, [Float]) {
      var best = Double.infinity
      var logits: [Float] = []
      for _ in 0..<3 {
        let t = UMKBenchmark.now()
        let m = try ModelRegistry.load(contentsOf: url)
        logits = try m.logits(for: canvas).values
        best = min(best, UMKBenchmark.now() - t)
      }
      return (best, logits)
    }
    let (safetensorsTime, a) = try timeLoad(model)
    let (umkTime, b) = try timeLoad(umkURL)
    let size = (try? FileManager.default.attributesOfItem(atPath: umkURL.path)[.size] as? Int) ?? 0
    let original =
      (try? FileManager.default.attributesOfItem(
        atPath: model.appendingPathComponent("model.safetensors").path)[.size] as? Int) ?? 1
    print(
      String(
        format:
          "load + first forward (random bf16 LLaDA d512 x4, %.1f MB, warm page cache, best of 3): safetensors %.1f ms, .umk %.1f ms (%.2fx; file %.1f%%); logits identical: %@",
        Double(original) / 1e6, safetensorsTime * 1000, umkTime * 1000, umkTime / safetensorsTime,
        100 * Double(size) / Double(original), a == b ? "yes" : "NO"))
  }
}

/// A LLaDA-layout random checkpoint as tensors and config (names and shapes as the engine's
/// `SyntheticCheckpoint.llada`), with weights roughly Gaussian like trained ones.
enum BenchLLaDA {
  static func checkpoint(dModel: Int, layers: Int, heads: Int, mlp: Int, vocabulary: Int) throws
    -> (InMemoryTensors, Data)
  {
    let config: [String: Any] = [
      "model_type": "llada", "d_model": dModel, "n_heads": heads, "n_kv_heads": heads,
      "n_layers": layers, "mlp_hidden_size": mlp, "vocab_size": vocabulary,
      "embedding_size": vocabulary, "block_type": "llama", "activation_type": "silu",
      "layer_norm_type": "rms", "rope": true, "rope_theta": 500_000.0, "weight_tying": false,
      "include_bias": false, "rms_norm_eps": 1e-5, "mask_token_id": vocabulary - 1,
    ]
    let store = InMemoryTensors(location: "bench LLaDA")
    var generator = SplitMix64(seed: 1)
    func add(_ name: String, _ shape: [Int], constant: Float? = nil) throws {
      let count = shape.reduce(1, *)
      // Sum of four uniforms: close enough to a Gaussian for realistic exponent statistics.
      let values = (0..<count).map { _ in
        constant ?? (0..<4).reduce(Float(0)) { s, _ in s + generator.nextUniform(scale: 0.02) }
      }
      try store.add(name, shape: shape, values: values, as: .bf16)
    }
    try add("model.transformer.wte.weight", [vocabulary, dModel])
    for i in 0..<layers {
      let p = "model.transformer.blocks.\(i)"
      try add("\(p).attn_norm.weight", [dModel], constant: 1)
      try add("\(p).ff_norm.weight", [dModel], constant: 1)
      for name in ["q_proj", "k_proj", "v_proj", "attn_out"] {
        try add("\(p).\(name).weight", [dModel, dModel])
      }
      try add("\(p).ff_proj.weight", [mlp, dModel])
      try add("\(p).up_proj.weight", [mlp, dModel])
      try add("\(p).ff_out.weight", [dModel, mlp])
    }
    try add("model.transformer.ln_f.weight", [dModel], constant: 1)
    try add("model.transformer.ff_out.weight", [vocabulary, dModel])
    return (store, try JSONSerialization.data(withJSONObject: config))
  }
}
