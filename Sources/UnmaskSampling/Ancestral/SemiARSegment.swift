/// One stretch of the canvas that BD3-LM's semi-autoregressive sampler (`BD3LMSampler`) fills
/// before the next, as kuleshov-group/bd3lms' `_semi_ar_sampler` lays them out.
struct SemiARSegment: Equatable {
  /// The positions new to this segment (its masks, at the start).
  let fresh: Range<Int>
  /// What the model reads each pass (the reference's `fwd_idx`).
  let window: Range<Int>
  /// What a step draws: the window's last `block_size` positions (`x[:, -block_size:]`).
  let update: Range<Int>

  /// The MDLM branch's stride (`_semi_ar_sampler`'s sliding window of 512).
  static let mdlmStride = 512

  /// The segments of a canvas of `canvas` positions.
  ///
  /// - Block-causal (BD3-LM): blocks of `blockLength` from position 0, the last one padded to a
  ///   whole block; each reads at most `contextSize` positions up to its end.
  /// - Bidirectional (bd3lms' MDLM): one segment when the canvas fits in `blockLength`;
  ///   otherwise, as its `mdlm_semi_ar` branch, a first window of `blockLength` and then
  ///   strides of 512 new positions, each read with the `blockLength - 512` before them. That
  ///   needs `512 <= blockLength <= contextSize` and a canvas of `blockLength + 512k`, where
  ///   the reference silently drops (or never fills) the rest: refused here instead. (The
  ///   reference counts its strides from `model.length // 512`, as if the block were 1024: its
  ///   run with `model.length` = canvas + 1024 - block is this layout.)
  ///
  /// - Throws: `SamplingError.invalidSetting` (field `block-length` or `length`) for a layout
  ///   the reference cannot run.
  static func layout(canvas: Int, blockLength b: Int, blockCausal: Bool, contextSize: Int)
    throws -> [SemiARSegment]
  {
    guard b > 0 else {
      throw SamplingError.invalidSetting(
        field: "block-length", message: "must be positive, got \(b)")
    }
    if blockCausal {
      return (0..<((canvas + b - 1) / b)).map { k in
        let block = (k * b)..<((k + 1) * b)
        let start = min(block.lowerBound, max(0, block.upperBound - contextSize))
        return SemiARSegment(fresh: block, window: start..<block.upperBound, update: block)
      }
    }
    if canvas <= b {
      guard canvas <= contextSize else {
        throw SamplingError.invalidSetting(
          field: "length",
          message:
            "semi-ar reads at most \(contextSize) positions at once (bd3lms' context_size); a canvas of \(canvas) needs --block-length 1024 (or 512), which slides over it in strides of \(mdlmStride)"
        )
      }
      return [SemiARSegment(fresh: 0..<canvas, window: 0..<canvas, update: 0..<canvas)]
    }
    let s = mdlmStride
    guard b >= s, b <= contextSize, (canvas - b) % s == 0 else {
      throw SamplingError.invalidSetting(
        field: "block-length",
        message:
          "semi-ar on a bidirectional model slides a window of --block-length over the canvas in strides of \(s) (bd3lms' MDLM branch): it needs \(s) <= block <= \(contextSize) and a canvas of block + \(s)k; got block \(b), canvas \(canvas)"
      )
    }
    var segments = [SemiARSegment(fresh: 0..<b, window: 0..<b, update: 0..<b)]
    for k in 1...((canvas - b) / s) {
      let window = (s * k)..<(s * k + b)
      segments.append(
        SemiARSegment(fresh: (b + s * (k - 1))..<(b + s * k), window: window, update: window))
    }
    return segments
  }
}
