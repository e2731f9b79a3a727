import UnmaskKernels

// The inputs of a forward pass: the residual stream's first rows from the embedding, and RoPE
// angles per packed row.

extension TransformerStack {
  /// Writes the embedding rows of `tokens[p]` for each `p` in `positions`, in order, scaled by
  /// `embeddingScale`, into `x` (`[positions.count, model]`).
  func embed(_ tokens: [Int32], positions: Range<Int>, into x: UnsafeMutablePointer<Float>) {
    let d = modelDimension
    for (row, position) in positions.enumerated() {
      let token = Int(tokens[position])
      embedding.convertRows(token..<(token + 1), into: x + row * d)
    }
    if embeddingScale != 1 {
      for i in 0..<(positions.count * d) { x[i] *= embeddingScale }
    }
  }

  /// RoPE tables for packed rows: the positions of each range in turn, one entry per row (a
  /// batch's canvases at `0..<T_i`, windows at their absolute positions), sliced from the
  /// kept table of the longest canvas, `canvasLength` (kept per length: a window asking for
  /// its canvas's table leaves the full passes' table in place). The whole kept table is
  /// returned uncopied.
  func ropeTables(packing ranges: [Range<Int>], canvasLength: Int) -> (
    cos: [Float], sin: [Float]
  ) {
    let all = buffers.ropeTables(rope, positions: canvasLength)
    if ranges == [0..<canvasLength] { return all }
    let half = rope.rotatedPairs
    var cosines: [Float] = []
    var sines: [Float] = []
    let rows = ranges.reduce(0) { $0 + $1.count }
    cosines.reserveCapacity(rows * half)
    sines.reserveCapacity(rows * half)
    for range in ranges {
      cosines.append(contentsOf: all.cos[(range.lowerBound * half)..<(range.upperBound * half)])
      sines.append(contentsOf: all.sin[(range.lowerBound * half)..<(range.upperBound * half)])
    }
    return (cosines, sines)
  }
}
