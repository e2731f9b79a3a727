#if canImport(Accelerate)
  import Accelerate
#else
  import CBLAS
#endif

/// A weight matrix `W` of shape `[out, in]` (PyTorch's `nn.Linear` layout), used in place from
/// the checkpoint, with an optional bias.
///
/// `apply` computes `y = x · Wᵀ (+ b)` for `x` of shape `[T, in]`. On the kernel paths
/// (`KernelPath.current` other than `.blas`) f32, bf16, q8_0, q4_0 and the K-quants are read as stored
/// by Unmask's own GEMMs (`Linear+Kernels.swift`). On `.blas`, and for f16/f64 weights, float32
/// weights go straight to `cblas_sgemm` and others are widened to float32 one tile of rows at a
/// time into a small buffer (so a tile stays in cache for the GEMM that consumes it and the model
/// never holds a float32 copy of its weights).
public struct Linear: @unchecked Sendable {
  /// The weight as stored.
  public let weight: TensorView
  /// Output features (`W` rows).
  public let outFeatures: Int
  /// Input features (`W` columns).
  public let inFeatures: Int
  /// Bias `[out]`, widened to float32, if the layer has one.
  public let bias: [Float]?

  /// The weight's kept `vdpbf16ps` panels (bf16 weights mapped from a file; see `BF16Panels`).
  let panels: BF16Panels?

  /// Rows of `W` widened per tile: about 4 MiB of float32 (stays in L3 for the GEMM that reads
  /// it; smaller tiles cost more in BLAS thread hand-offs than they save), a multiple of 16.
  let tileRows: Int

  /// A layer over `weight` (`[out, in]`) and an optional `bias` (`[out]`); shapes are checked.
  /// Under `--numerics fast` on a CPU with `vdpbf16ps`, a bf16 weight mapped from a file has its
  /// GEMM panels packed now (`BF16Panels`) unless `packsNow` is false (an expert no token may
  /// pick): then its first product packs them.
  public init(weight: TensorView, bias: TensorView? = nil, packsNow: Bool = true) throws {
    guard weight.shape.count == 2 else {
      throw ShapeError(tensor: weight.name, expected: "2 dimensions [out, in]", found: weight.shape)
    }
    self.weight = weight
    outFeatures = weight.shape[0]
    inFeatures = weight.shape[1]
    if weight.dtype.isQuantized, inFeatures % weight.dtype.blockElements != 0 {
      throw ShapeError(
        tensor: weight.name,
        expected: "rows that are whole blocks of \(weight.dtype.blockElements)", found: weight.shape
      )
    }
    guard weight.dtype.isFloatingPoint else {
      throw ShapeError(
        tensor: weight.name, expected: "a floating-point weight", found: weight.shape)
    }
    if let bias {
      guard bias.shape == [outFeatures] else {
        throw ShapeError(tensor: bias.name, expected: "[\(outFeatures)]", found: bias.shape)
      }
      self.bias = bias.floats()
    } else {
      self.bias = nil
    }
    tileRows = max(16, (1_048_576 / max(1, inFeatures)) / 16 * 16)
    panels = BF16Panels(weight)
    if packsNow, KernelPath.current == .avx512BF16 { panels?.pack(weight) }
  }

  /// Whether float32 weights can be handed to BLAS without a copy (aligned for `Float`).
  var usesWeightsInPlace: Bool {
    weight.dtype == .f32
      && Int(bitPattern: weight.bytes.baseAddress) % MemoryLayout<Float>.alignment == 0
  }

  /// `y[T, out] = x[T, in] · Wᵀ + b`.
  public func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
    guard rows > 0, outFeatures > 0 else { return }
    let path = KernelPath.current
    let kernels = path != .blas && Linear.hasKernel(for: weight.dtype)
    if kernels, let stream = streamedRows {
      // A weight kept compressed (`--resident compressed`): decoded a tile at a time.
      applyStreamed(stream, path, x, rows: rows, into: y)
    } else {
      // A weight decoded on first use (an expert of a compressed .umk): the first product
      // that needs it decodes it; later calls find it ready.
      if weight.readsOnDemand { weight.prepareForReading() }
      if kernels {
        applyThroughKernels(path, x, rows: rows, into: y)
      } else {
        applyThroughBLAS(x, rows: rows, into: y)
      }
    }
    if let bias {
      bias.withUnsafeBufferPointer { b in
        for t in 0..<rows {
          let row = y + t * outFeatures
          for o in 0..<outFeatures { row[o] += b[o] }
        }
      }
    }
  }

  /// `y = x · Wᵀ` through BLAS: the `.blas` path, and f16/f64 weights on every path.
  func applyThroughBLAS(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
    if usesWeightsInPlace, let base = weight.bytes.baseAddress {
      let w = base.assumingMemoryBound(to: Float.self)
      gemmTransposed(x, rows: rows, w, wRows: outFeatures, into: y, ldy: outFeatures)
    } else {
      let tile = UnsafeMutablePointer<Float>.allocate(
        capacity: min(tileRows, outFeatures) * inFeatures)
      defer { tile.deallocate() }
      var start = 0
      while start < outFeatures {
        let end = min(outFeatures, start + tileRows)
        weight.convertRows(start..<end, into: tile)
        gemmTransposed(x, rows: rows, tile, wRows: end - start, into: y + start, ldy: outFeatures)
        start = end
      }
    }
  }

  /// `y[T, wRows] (row stride ldy) = x[T, in] · w[wRows, in]ᵀ`.
  private func gemmTransposed(
    _ x: UnsafePointer<Float>, rows: Int, _ w: UnsafePointer<Float>, wRows: Int,
    into y: UnsafeMutablePointer<Float>, ldy: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(wRows), Int32(inFeatures),
      1, x, Int32(inFeatures), w, Int32(inFeatures), 0, y, Int32(ldy))
  }
}

/// A tensor whose shape or type does not fit where a model puts it.
public struct ShapeError: Error, CustomStringConvertible, Equatable {
  /// The tensor's name in the checkpoint.
  public var tensor: String
  /// What the model needs.
  public var expected: String
  /// The shape the checkpoint has.
  public var found: [Int]

  /// An error about `tensor`.
  public init(tensor: String, expected: String, found: [Int]) {
    self.tensor = tensor
    self.expected = expected
    self.found = found
  }

  /// One line: `'name' has shape [a, b]; expected ...`.
  public var description: String { "tensor '\(tensor)' has shape \(found); expected \(expected)" }
}
