import UnmaskKernels

/// Adaptive layer-norm conditioning (adaLN, DiT's `adaLN_modulation`): one linear map from the
/// condition `c` `[cond]` to `chunks` vectors of the model's width, which shift and scale a
/// norm's output and gate a sublayer's output before the residual add:
///
///     modulate(x, shift, scale) = x · (1 + scale) + shift
///     x ← x + gate · sublayer(modulate(norm(x), shift, scale))
///
/// A DiT block has 6 chunks, in the reference's `chunk(6)` order: shift, scale and gate of the
/// attention, then of the MLP (`DDiTBlock`); the final layer has 2, shift and scale
/// (`DDitFinalLayer`). `c` is one vector per canvas (its noise level), so every row of a
/// canvas gets the same vectors; a pass over a batch computes them per canvas (`vectors`).
public struct AdaLNModulation: Sendable {
  /// `[chunks · model, cond]` with bias.
  public let projection: Linear
  /// Vectors produced (6 in a block, 2 in the final layer).
  public let chunks: Int

  /// A modulation from its projection, whose output splits into `chunks` equal parts.
  public init(projection: Linear, chunks: Int) throws {
    guard chunks > 0, projection.outFeatures % chunks == 0 else {
      throw ShapeError(
        tensor: projection.weight.name, expected: "[\(chunks) × model, cond]",
        found: projection.weight.shape)
    }
    self.projection = projection
    self.chunks = chunks
  }

  /// Width of each vector (the model's).
  public var modelDimension: Int { projection.outFeatures / chunks }
  /// Weights and bias.
  public var parameterCount: Int { projection.parameterCount }

  /// The chunks for each canvas from its condition (`conditions`: `[canvases, cond]`).
  public func vectors(for conditions: [Float], canvases: Int) -> ModulationVectors {
    var values = [Float](repeating: 0, count: canvases * projection.outFeatures)
    conditions.withUnsafeBufferPointer { c in
      values.withUnsafeMutableBufferPointer { v in
        guard let cBase = c.baseAddress, let vBase = v.baseAddress else { return }
        projection.apply(cBase, rows: canvases, into: vBase)
      }
    }
    return ModulationVectors(values: values, chunks: chunks, width: modelDimension)
  }
}

/// One pass's adaLN vectors: `chunks` vectors of `width` per canvas, applied to each canvas's
/// rows of the packed stream.
public struct ModulationVectors: Sendable {
  /// `[canvases, chunks · width]`.
  let values: [Float]
  let chunks: Int
  let width: Int

  /// `x ← x · (1 + scale) + shift` on each canvas's rows (`rows[k]`, rows of `x` `[·, width]`),
  /// with chunks `shift` and `scale` of canvas `k`, in the reference's order of operations.
  func modulate(
    _ x: UnsafeMutablePointer<Float>, rows: [Range<Int>], shift: Int, scale: Int
  ) {
    for (canvas, range) in rows.enumerated() {
      let base = canvas * chunks * width
      for r in range {
        let row = x + r * width
        for i in 0..<width {
          let factor = 1 + values[base + scale * width + i]
          row[i] = row[i] * factor + values[base + shift * width + i]
        }
      }
    }
  }

  /// `x ← gate · x` on each canvas's rows, with chunk `gate` of canvas `k` (the gated residual
  /// adds the result).
  func gate(_ x: UnsafeMutablePointer<Float>, rows: [Range<Int>], chunk gate: Int) {
    for (canvas, range) in rows.enumerated() {
      let base = canvas * chunks * width + gate * width
      for r in range {
        let row = x + r * width
        for i in 0..<width { row[i] *= values[base + i] }
      }
    }
  }
}
