import Foundation
import UnmaskCore

extension MDLMSampler {
  /// MDLM's semi-autoregressive sampler (kuleshov-group/mdlm diffusion.py
  /// `sample_subs_guidance`, run by main.py with `sampling.semi_ar`, `stride_length`,
  /// `num_strides` and `dt = 1 / sampling.steps`), as its reference runs it:
  ///
  ///     for each window of block_length (the model's length), sliding by stride_length:
  ///       the window's positions before its last stride hold the previous window's tokens
  ///       for i in 0...steps: t = float32(1 - i / steps)
  ///         mdlm's _ddpm_caching_update at t, s = t - 1/steps (reused while nothing changes)
  ///       the argmax of SUBS(model(window, σ = 0)) (every mask left; tokens keep theirs)
  ///
  /// The last step reaches `t = 0`, where the mask's weight `s` is negative and every mask
  /// left takes a token. The canvas is `block_length + num_strides · stride_length`; windows
  /// are read alone, so it may pass the model's length. Draws: float32 `[window, V]` per step
  /// (replay), one per mask otherwise.
  ///
  /// - Throws: `SamplingError.invalidSetting` when the canvas is not `block_length` plus whole
  ///   strides.
  func generateInStrides(
    _ run: inout AncestralRun, strideLength: Int, draws: inout any UniformSource
  ) throws {
    let mask = settings.maskID
    let v = model.vocabularySize
    let window = settings.blockLength
    let canvas = run.canvas.count
    guard canvas >= window, (canvas - window) % strideLength == 0 else {
      throw SamplingError.invalidSetting(
        field: "stride-length",
        message:
          "MDLM's semi-autoregressive sampler fills a window of --block-length \(window), then strides of \(strideLength): the canvas must hold \(window) + \(strideLength)k tokens, not \(canvas)"
      )
    }
    let dt = 1 / Double(settings.steps)
    var logp: [Float] = []
    for (k, start) in stride(from: 0, through: run.canvas.count - window, by: strideLength)
      .enumerated()
    {
      let range = start..<(start + window)
      let fresh = k == 0 ? range : (range.upperBound - strideLength)..<range.upperBound
      var cached: (logits: Matrix, rows: [Int: Int])?
      for i in 0...settings.steps {
        let t = Float(1 - Double(i) * dt)
        let s = t - Float(dt)
        let before = run.canvas
        let masked = range.filter { before[$0] == mask }
        var seconds = 0.0
        if cached == nil && !masked.isEmpty {
          let logits: Matrix
          (logits, seconds) = try run.pass(
            ForwardCanvas(
              tokens: Array(before[range]), rows: .positions(masked.map { $0 - start }),
              sigma: Double(sigma(t))))
          cached = (logits, Dictionary(uniqueKeysWithValues: masked.enumerated().map { ($1, $0) }))
        }
        let uniforms =
          draws.replaysReference
          ? try draws.uniforms(window * v, precision: numerics.draws) : nil
        var next = before
        var scores: [Int: RowScores] = [:]
        for j in masked {
          guard let cached, let k = cached.rows[j] else { continue }
          let p = probabilities(cached.logits, row: k, logp: &logp)
          let row = TransitionRow(
            probabilities: .dense(p), tokenWeight: Double(t - s), maskWeight: Double(s),
            maskColumn: Int(mask))
          let drawn = try row.draw(
            row: j - start, of: uniforms, vocabularySize: v, numerics: numerics, draws: &draws)
          next[j] = Int32(drawn)
          if !run.observers.isEmpty { scores[j] = RowScores(p, drawn: drawn) }
        }
        run.canvas = next
        if next != before || model.conditionsOnNoiseLevel { cached = nil }
        guard
          run.finishStep(
            before: before, time: Double(t), nextTime: Double(s), block: k, stepInBlock: i,
            blockRange: fresh, scores: scores, modelSeconds: seconds)
        else { return }
      }
      try removeNoise(&run, in: range, sigma: 0, time: 0, block: k, blockRange: fresh)
      if run.stopped { return }
    }
  }
}
