/// One draw of a NELBO's randomness for one sequence: the diffusion time of each block and the
/// positions masked at those times.
///
/// MDLM draws one time for the whole sequence (`_sample_t`: one t per batch row); BD3-LM one per
/// block (`_sample_t` over `[batch, blocks]`). `unmask score --t-values/--masks` gives draws
/// explicitly; otherwise the bound makes its own (`DiffusionBound.draws`).
public struct NELBODraw: Equatable, Sendable {
  /// The time `t` of each block, in order (MDLM: one).
  public var times: [Double]
  /// The masked positions, ascending.
  public var masked: [Int]

  /// A draw; `masked` is sorted.
  public init(times: [Double], masked: [Int]) {
    self.times = times
    self.masked = masked.sorted()
  }
}
