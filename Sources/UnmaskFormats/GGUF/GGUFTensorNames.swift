import UnmaskKernels

/// A GGUF's tensors under the Hugging Face names an architecture's loader asks for, undoing
/// what `convert_hf_to_gguf.py` did to them, so the same model code runs on both.
///
/// Three kinds of entry: a tensor used as it is (renamed only, zero-copy); one expert of a
/// stacked `ffn_*_exps` tensor `[experts, out, in]` (a zero-copy slice); and a q or k projection
/// whose rows the converter permuted for ggml's pairwise RoPE (LLaDA: `undo_permute`), whose
/// rows are put back into rotate-half order in a copy of the same type (bytes moved, never
/// widened). A GGUF tensor no rule names keeps its GGUF name, so the loader's strict check
/// reports it as unexpected.
public final class GGUFTensorNames: TensorSource {
  /// Where a Hugging Face name's data comes from.
  public enum Origin: Sendable, Equatable {
    /// The GGUF tensor, as it is.
    case whole(String)
    /// Expert `index` of a stacked `[experts, out, in]` GGUF tensor.
    case expert(String, index: Int)
    /// A GGUF tensor whose rows, per head of `headDimension`, were permuted by llama.cpp's
    /// `LlamaModel.permute` (HF row `j * d/2 + i` stored at row `2i + j`).
    case pairwiseRoPERows(String, headDimension: Int)
  }

  /// The GGUF file.
  public let file: GGUFFile
  /// Hugging Face name -> origin.
  public let origins: [String: Origin]
  /// Every (Hugging Face) name, sorted.
  public let tensorNames: [String]
  private let copies = InMemoryTensors(location: "GGUF rows restored to rotate-half order")

  /// The file's path.
  public var location: String { file.location }

  /// `file`'s tensors under `origins`' names; GGUF tensors no origin uses keep their name.
  public init(file: GGUFFile, origins: [String: Origin]) {
    var all = origins
    let used = Set(
      origins.values.map {
        switch $0 {
        case .whole(let n), .expert(let n, _), .pairwiseRoPERows(let n, _): return n
        }
      })
    for name in file.tensorNames where !used.contains(name) && all[name] == nil {
      all[name] = .whole(name)
    }
    self.file = file
    self.origins = all
    tensorNames = all.keys.sorted()
  }

  /// The tensor the loader calls `name`.
  public func tensor(named name: String) throws -> TensorView {
    guard let origin = origins[name] else {
      throw CheckpointError(path: location, item: name, "no such tensor")
    }
    switch origin {
    case .whole(let source):
      return rename(try file.tensor(named: source), to: name)
    case .expert(let source, let index):
      let stacked = try file.tensor(named: source)
      guard stacked.shape.count == 3, index < stacked.shape[0] else {
        throw CheckpointError(
          path: location, item: source, "expected [experts, out, in], got \(stacked.shape)")
      }
      let size = stacked.bytes.count / stacked.shape[0]
      return TensorView(
        name: name, dtype: stacked.dtype, shape: Array(stacked.shape.dropFirst()),
        bytes: UnsafeRawBufferPointer(
          rebasing: stacked.bytes[(index * size)..<((index + 1) * size)]),
        owner: stacked.owner)
    case .pairwiseRoPERows(let source, let headDimension):
      if copies.tensorNames.contains(name) { return try copies.tensor(named: name) }
      let permuted = try file.tensor(named: source)
      try Self.rotateHalfRows(permuted, headDimension: headDimension, path: location) {
        try copies.add(name, dtype: permuted.dtype, shape: permuted.shape, bytes: $0)
      }
      // The file's rows are not read again: without this, LLaDA-8B's q and k projections
      // counted twice in the resident set (Q8_0: 9.3 GB against llama.cpp's 8.2).
      (permuted.owner as? MappedFile)?.release(permuted.bytes)
      return try copies.tensor(named: name)
    }
  }

  private func rename(_ view: TensorView, to name: String) -> TensorView {
    TensorView(
      name: name, dtype: view.dtype, shape: view.shape, bytes: view.bytes, owner: view.owner)
  }

  /// The rows of `view` (a weight `[H·d, in]` or a bias `[H·d]`) in rotate-half order: HF row
  /// `h·d + j·d/2 + i` is GGUF row `h·d + 2i + j` (the inverse of `LlamaModel.permute`, which
  /// reshapes each head to `[2, d/2]` and swaps the axes).
  /// `use` receives the reordered bytes, valid only during the call.
  static func rotateHalfRows(
    _ view: TensorView, headDimension d: Int, path: String,
    _ use: (UnsafeRawBufferPointer) throws -> Void
  ) throws {
    let rows = view.shape.count == 1 ? view.shape[0] : view.matrixShape.rows
    guard d > 0, d % 2 == 0, rows % d == 0, rows > 0 else {
      throw CheckpointError(
        path: path, item: view.name, "\(rows) rows are not whole heads of \(d) (even) values")
    }
    let rowBytes = view.bytes.count / rows
    guard rowBytes * rows == view.bytes.count,
      view.shape.count == 2 || rowBytes == view.dtype.blockBytes
    else {
      throw CheckpointError(path: path, item: view.name, "rows cannot be permuted in \(view.dtype)")
    }
    let out = UnsafeMutableRawBufferPointer.allocate(byteCount: view.bytes.count, alignment: 64)
    defer { out.deallocate() }
    let half = d / 2
    for r in 0..<rows {
      let (head, within) = (r / d, r % d)
      let source = head * d + 2 * (within % half) + within / half
      let target = UnsafeMutableRawBufferPointer(
        rebasing: out[(r * rowBytes)..<((r + 1) * rowBytes)])
      target.copyMemory(
        from: UnsafeRawBufferPointer(
          rebasing: view.bytes[(source * rowBytes)..<((source + 1) * rowBytes)]))
    }
    try use(UnsafeRawBufferPointer(out))
  }
}
