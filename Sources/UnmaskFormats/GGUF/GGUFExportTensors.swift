import Foundation
import UnmaskCore
import UnmaskKernels

/// The tensor table of a GGUF export: each Hugging Face tensor under its GGUF name (the
/// inverse of the `parts` and `top` tables `GGUFArchitecture` reads with), in llama.cpp's
/// layout. The bytes are produced when written, one tensor at a time.
struct GGUFExportTensors {
  /// The tensors, top-level ones first, then by block.
  var list: [GGUFWriter.Tensor] = []
  /// Rows of `token_embd.weight`: the vocabulary the tokenizer metadata must fill.
  var embeddingRows = 0
  /// `general.file_type` (llama_ftype) from the matrices' types: Q4_K_M 15, Q5_K_M 17, Q8_0 7,
  /// Q4_0 2, BF16 32, F16 1, F32 0.
  var fileType = 0

  init(weights: any TensorSource, architecture: String, config: [String: Any]) throws {
    let path = weights.location
    let llada = architecture == "llada"
    let block = llada ? "model.transformer.blocks." : "model.layers."
    let parts = Self.inverted(llada ? GGUFLLaDA.parts : GGUFArchitecture.huggingFaceParts)
    let top = Self.inverted(llada ? GGUFLLaDA.top : GGUFArchitecture.huggingFaceTop)
    let heads = (config["num_attention_heads"] ?? config["n_heads"]) as? Int ?? 1
    let d = (config["hidden_size"] ?? config["d_model"]) as? Int ?? 0
    let headDimension = d / max(heads, 1)
    // GGUF name -> experts' Hugging Face names by index (LLaDA-MoE's ffn_*_exps).
    var stacked: [String: [Int: String]] = [:]
    var entries: [(layer: Int, name: String, source: Source)] = []
    for name in weights.tensorNames {
      if let gguf = top[name] {
        entries.append((-1, gguf, .whole(name)))
        continue
      }
      guard name.hasPrefix(block),
        case let rest = name.dropFirst(block.count), let dot = rest.firstIndex(of: "."),
        let layer = Int(rest[..<dot])
      else { throw Self.unnamed(name, architecture, path) }
      let tail = String(rest[rest.index(after: dot)...])
      let pieces = tail.split(separator: ".").map(String.init)
      if pieces.count == 5, pieces[0] == "mlp", pieces[1] == "experts", let e = Int(pieces[2]) {
        let part = pieces[3].replacingOccurrences(of: "_proj", with: "")
        stacked["blk.\(layer).ffn_\(part)_exps.weight", default: [:]][e] = name
        continue
      }
      if tail == "mlp.expert_bias" {
        entries.append((layer, "blk.\(layer).exp_probs_b.bias", .whole(name)))
        continue
      }
      guard let suffix = pieces.last, let part = parts[pieces.dropLast().joined(separator: ".")]
      else { throw Self.unnamed(name, architecture, path) }
      let gguf = "blk.\(layer).\(part).\(suffix)"
      let permuted = llada && (part == "attn_q" || part == "attn_k")
      entries.append(
        (layer, gguf, permuted ? .pairwiseRoPERows(name, headDimension) : .whole(name)))
    }
    for (gguf, experts) in stacked {
      let names = (0..<experts.count).compactMap { experts[$0] }
      guard names.count == experts.count, let layer = Int(gguf.split(separator: ".")[1]) else {
        throw CheckpointError(
          path: path, item: gguf, "experts are not numbered 0..<\(experts.count)")
      }
      entries.append((layer, gguf, .experts(names)))
    }
    entries.sort { ($0.layer, $0.name) < ($1.layer, $1.name) }
    var matrixTypes: Set<DType> = []
    for entry in entries {
      let tensor = try Self.tensor(entry.name, entry.source, weights: weights)
      if tensor.shape.count >= 2, let type = tensor.type.dtype { matrixTypes.insert(type) }
      if entry.name == "token_embd.weight" { embeddingRows = tensor.shape[0] }
      list.append(tensor)
    }
    guard embeddingRows > 0 else {
      throw CheckpointError(path: path, item: "token_embd.weight", "the model has no embedding")
    }
    for (type, code) in [
      (DType.q4_K, 15), (.q5_K, 17), (.q8_0, 7), (.q4_0, 2), (.bf16, 32), (.f16, 1),
    ] where matrixTypes.contains(type) {
      fileType = code
      break
    }
  }

  /// Where a GGUF tensor's bytes come from.
  enum Source {
    /// One Hugging Face tensor as it is.
    case whole(String)
    /// A q or k projection whose rows go into ggml's pairwise RoPE order (per head of the
    /// given size: HF row `j * d/2 + i` is written at row `2i + j`, `LlamaModel.permute`).
    case pairwiseRoPERows(String, Int)
    /// Experts 0..<n stacked into `[experts, out, in]`.
    case experts([String])

    var first: String {
      switch self {
      case .whole(let n), .pairwiseRoPERows(let n, _): return n
      case .experts(let names): return names[0]
      }
    }
  }

  /// The table entry and writer for one GGUF tensor. Tensors are read through `rowTable`, and
  /// each writer reads its own view and lets it go: a compressed `.umk` tensor is decoded when
  /// written and released after, never the whole model at once.
  private static func tensor(_ name: String, _ source: Source, weights: any TensorSource) throws
    -> GGUFWriter.Tensor
  {
    let path = weights.location
    let view = try weights.rowTable(named: source.first)
    let readable = { (hf: String) -> TensorView in
      let view = try weights.rowTable(named: hf)
      view.prepareForReading()
      return view
    }
    // Vectors and MoE routers are F32 in the converter's output, whatever the checkpoint's type.
    let keepsFloat32 = view.shape.count == 1 || name.hasSuffix("ffn_gate_inp.weight")
    let widened = keepsFloat32 && view.dtype != .f32
    guard let type = GGMLType(widened ? .f32 : view.dtype) else {
      throw CheckpointError(path: path, item: source.first, "\(view.dtype) has no GGUF type")
    }
    switch source {
    case .whole(let hf):
      let count = widened ? 4 * view.elementCount : view.bytes.count
      return GGUFWriter.Tensor(name: name, type: type, shape: view.shape, byteCount: count) { out in
        let view = try readable(hf)
        guard widened else { return try out.write(view.bytes) }
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: max(view.elementCount, 1))
        defer { floats.deallocate() }
        view.convertElements(0..<view.elementCount, into: floats)
        try out.write(UnsafeRawBufferPointer(start: floats, count: 4 * view.elementCount))
      }
    case .pairwiseRoPERows(let hf, let headDimension):
      // A weight's rows, or a bias's elements (widened to f32 first, as the converter does).
      let rows = view.shape[0]
      guard view.shape.count <= 2, headDimension > 0, headDimension % 2 == 0,
        rows % headDimension == 0
      else {
        throw CheckpointError(
          path: path, item: hf, "\(view.shape) is not whole heads of \(headDimension) rows")
      }
      let count = widened ? 4 * view.elementCount : view.bytes.count
      return GGUFWriter.Tensor(name: name, type: type, shape: view.shape, byteCount: count) { out in
        let view = try readable(hf)
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: widened ? rows : 1)
        defer { floats.deallocate() }
        if widened { view.convertElements(0..<rows, into: floats) }
        let bytes = widened ? UnsafeRawBufferPointer(start: floats, count: 4 * rows) : view.bytes
        let rowBytes = bytes.count / rows
        let half = headDimension / 2
        for r in 0..<rows {
          let (head, within) = (r / headDimension, r % headDimension)
          let source = head * headDimension + (within % 2) * half + within / 2
          try out.write(
            UnsafeRawBufferPointer(
              rebasing: bytes[(source * rowBytes)..<((source + 1) * rowBytes)]))
        }
      }
    case .experts(let names):
      for expert in names.dropFirst() {
        let other = try weights.rowTable(named: expert)
        guard other.dtype == view.dtype, other.shape == view.shape else {
          throw CheckpointError(
            path: path, item: expert,
            "\(other.dtype) \(other.shape) differs from expert 0's \(view.dtype) \(view.shape)")
        }
      }
      return GGUFWriter.Tensor(
        name: name, type: type, shape: [names.count] + view.shape,
        byteCount: names.count * view.bytes.count
      ) { out in
        for expert in names { try out.write(try readable(expert).bytes) }
      }
    }
  }

  private static func inverted(_ table: [String: String]) -> [String: String] {
    Dictionary(table.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
  }

  private static func unnamed(_ name: String, _ architecture: String, _ path: String)
    -> CheckpointError
  {
    CheckpointError(
      path: path, item: name, "has no GGUF name in llama.cpp's \(architecture) layout")
  }
}
