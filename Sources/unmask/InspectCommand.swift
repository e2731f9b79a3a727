import ArgumentParser
import Foundation
import Unmask

/// `unmask inspect`: the tensor table of a safetensors or `.umk` file.
struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract:
      "List tensors, dtypes, shapes, encodings, sizes and compression ratio of a .safetensors or .umk file; metadata, tensor types and bytes of a .gguf file."
  )

  @Argument(
    help: "A .safetensors, .umk or .gguf file, a model folder, or a name from `unmask models`.")
  var file: String

  func run() throws {
    let url = try ModelReference.resolve(file)
    switch try CheckpointKind.of(url) {
    case .umk:
      try inspect(UMKFile(url: url))
    case .gguf:
      // The file as it is, GGUF names and ggml types, including types Unmask cannot compute.
      for line in try GGUFFile(url: url).summaryLines() { print(line) }
    default:
      try inspect(ConversionInput.open(url).weights)
    }
    try printExperts(url)
  }

  /// For a mixture-of-experts model: experts, parameters in all and per token, and the weight
  /// bytes one token's pass reads (active parameters at the file's bytes per parameter).
  private func printExperts(_ url: URL) throws {
    guard let model = try? ModelRegistry.load(contentsOf: url),
      let stack = (model as? any TransformerStackModel)?.stack,
      let summary = ExpertSummary(stack)
    else { return }
    let weights = try ConversionInput.open(url).weights
    let bytes = try weights.tensorNames.reduce(0) {
      $0 + (try weights.tensor(named: $1).bytes.count)
    }
    let perParameter = Double(bytes) / Double(max(summary.totalParameters, 1))
    print(
      "experts: \(summary.experts) routed per MoE layer, top \(summary.topK) per token"
        + (summary.hasSharedExpert ? " + a shared expert" : "")
        + "; \(summary.moeLayers) of \(summary.layers) layers are MoE")
    print(
      String(
        format:
          "parameters: %ld in all, %ld active per token (%.1f%%); about %.0f weight bytes read per token",
        summary.totalParameters, summary.activeParameters,
        100 * Double(summary.activeParameters) / Double(max(summary.totalParameters, 1)),
        Double(summary.activeParameters) * perParameter))
  }

  private func inspect(_ umk: UMKFile) {
    print(
      "\(umk.location): .umk version \(UMKLayout.majorVersion).\(umk.preamble.minorVersion), \(umk.file.count) bytes"
    )
    for blob in umk.header.blobs {
      print(
        "  file \(blob.name): \(blob.length) bytes, stored \(blob.storedLength) (\(blob.codec.name))"
      )
    }
    print(
      pad("tensor", 48), pad("dtype", 10), pad("shape", 16), pad("encoding", 24), pad("bytes", -12),
      pad("stored", -12), pad("ratio", -7))
    var decoded = 0
    var stored = 0
    for t in umk.header.tensors {
      var encoding = t.encoding.name
      if t.encoding == .planes {
        var counts: [String: Int] = [:]
        for chunk in t.chunks { for codec in chunk.codecs { counts[codec.name, default: 0] += 1 } }
        encoding +=
          " " + counts.keys.sorted().map { "\($0):\(counts[$0] ?? 0)" }.joined(separator: ",")
      }
      let dtype =
        t.dtype == t.sourceDType
        ? t.dtype.rawValue : "\(t.sourceDType.rawValue)>\(t.dtype.rawValue)"
      print(
        pad(t.name, 48), pad(dtype, 10), pad("\(t.shape)", 16), pad(encoding, 24),
        pad("\(t.byteCount)", -12),
        pad("\(t.storedLength)", -12),
        pad(
          String(format: "%.1f%%", 100 * Double(t.storedLength) / Double(max(t.byteCount, 1))), -7))
      decoded += t.byteCount
      stored += t.storedLength
    }
    print(
      String(
        format:
          "%d tensors: %d bytes decoded, %d stored (%.2f%%); file %d bytes (%.2f%% of the tensor bytes)",
        umk.header.tensors.count, decoded, stored, 100 * Double(stored) / Double(max(decoded, 1)),
        umk.file.count,
        100 * Double(umk.file.count) / Double(max(decoded, 1))))
  }

  private func inspect(_ source: any TensorSource) throws {
    print("\(source.location): safetensors")
    print(pad("tensor", 48), pad("dtype", 10), pad("shape", 16), pad("bytes", -12))
    var total = 0
    for name in source.tensorNames {
      let t = try source.tensor(named: name)
      print(
        pad(name, 48), pad(t.dtype.rawValue, 10), pad("\(t.shape)", 16),
        pad("\(t.bytes.count)", -12))
      total += t.bytes.count
    }
    print("\(source.tensorNames.count) tensors, \(total) bytes")
  }
}

/// `text` padded with spaces to `width` columns: left-aligned for a positive width,
/// right-aligned for a negative one; never truncated.
func pad(_ text: String, _ width: Int) -> String {
  let gap = String(repeating: " ", count: max(0, abs(width) - text.count))
  return width < 0 ? gap + text : text + gap
}
