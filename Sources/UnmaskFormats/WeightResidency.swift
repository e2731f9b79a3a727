/// How the weights of a compressed (lossless) `.umk` are held while a model runs.
public enum WeightResidency: String, Sendable, CaseIterable, Codable {
  /// Each compressed tensor is decoded once at load into memory of its own: the fastest
  /// products, at the decoded size (bf16 weights take their full size).
  case decoded
  /// Linear weights stay compressed in the mapped file and are decoded a tile at a time inside
  /// each product (`Linear+Streamed.swift`): resident memory near the file's size (about 66% of
  /// bf16), for one more decode of every weight per forward pass. Other tensors (norms,
  /// embedding rows) are decoded as before, and so are weights on the `.blas` kernel path (it
  /// has no tile to decode into) or whose rows cross chunk boundaries (files written before
  /// the writer cut matrices at whole rows). Raw and quantized tensors are read in place either
  /// way, so the choice only matters for lossless compressed files.
  case compressed
}

extension WeightResidency {
  /// The residency `ModelSession.open` picks when none is asked for: `.compressed` when the
  /// decoded copy of `file`'s compressed tensors would take more than half of `memory`
  /// (LLaDA-8B's 16 GB of bf16 on a 24 GB machine), else `.decoded`. `ModelSession` passes
  /// `AvailableMemory.bytes`, so memory other processes hold counts against the decoded copy.
  ///
  /// A full-canvas pass takes about the same time either way (docs/PERFORMANCE.md), but a pass
  /// over a few rows (a cached step) spends most of its time decoding, so the decoded copy is
  /// kept wherever it fits with room to spare.
  public static func automatic(for file: UMKFile, memory: UInt64) -> WeightResidency {
    let decoded = file.header.tensors.filter { $0.encoding == .planes }.reduce(0) {
      $0 + $1.byteCount
    }
    return UInt64(decoded) > memory / 2 ? .compressed : .decoded
  }
}
