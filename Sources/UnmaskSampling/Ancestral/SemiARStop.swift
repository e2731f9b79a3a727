import Foundation

/// BD3-LM's `_check_stop_conds` (kuleshov-group/bd3lms diffusion.py), which its
/// semi-autoregressive sampler runs after each block once the canvas passes 256 tokens.
enum SemiARStop: Equatable {
  /// Sampling goes on.
  case goOn
  /// The sample is thrown away and drawn again (low entropy without `var_length`).
  case reject
  /// The run ends with the canvas cut to its first `end` positions (`var_length`).
  case end(Int)

  /// The tokens whose entropy is checked: the canvas's last 256.
  static let window = 256
  /// Below this entropy (nats) of the window's token frequencies, a sample has degenerated.
  static let minimumEntropy: Float = 4

  /// The decision for `canvas` (everything sampled so far, prompt included).
  ///
  /// Low entropy: rejected, or with `variableLength` cut `window` tokens before the end.
  /// With `variableLength`, a second `eosID` anywhere in the canvas also ends the run, cut
  /// after that EOS (BD3-LM's BOS is GPT-2's EOS, so the first one is usually the canvas's
  /// first token); low entropy decides the cut when both hold, as in the reference.
  static func check(_ canvas: ArraySlice<Int32>, eosID: Int32?, variableLength: Bool)
    -> SemiARStop
  {
    let lowEntropy = entropy(canvas.suffix(window)) < minimumEntropy
    guard variableLength else { return lowEntropy ? .reject : .goOn }
    if lowEntropy { return .end(canvas.count - min(window, canvas.count)) }
    if let eosID {
      let ends = canvas.indices.lazy.filter { canvas[$0] == eosID }.prefix(2)
      if let second = ends.dropFirst().first { return .end(second - canvas.startIndex + 1) }
    }
    return .goOn
  }

  /// The entropy (nats) of the tokens' frequencies, in float32 as `torch.special.entr` sums it.
  static func entropy(_ tokens: ArraySlice<Int32>) -> Float {
    var counts: [Int32: Int] = [:]
    for token in tokens { counts[token, default: 0] += 1 }
    let n = Float(tokens.count)
    var h: Float = 0
    for c in counts.values {
      let p = Float(c) / n
      h -= p * Foundation.log(p)
    }
    return h
  }
}
