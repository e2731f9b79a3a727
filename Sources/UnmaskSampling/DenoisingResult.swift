/// What a denoising run produced.
public struct DenoisingResult: Sendable, Equatable {
  /// The final canvas: prompt then generated tokens (masks left where the run was stopped).
  public var canvas: [Int32]
  /// The generated span `canvas[promptLength..<promptLength + length]` (a suffix excluded) as
  /// the reference returns it: ending with the block whose EOS ended the run
  /// (`endAfterEOSBlock`), then `afterEOS` (cut after the first EOS, or padded); with
  /// `stopAtEOS`, cut before its first EOS or end of turn.
  public var generated: [Int32]
  /// Length of the prompt at the start of `canvas`.
  public var promptLength = 0
  /// Positions `eosFill` set to EOS without the model.
  public var eosFilled = 0
  /// Forward passes `eosFill` saved: the scheduled steps left when it filled, times the passes
  /// per step (two with guidance). Threshold-style strategies have no schedule: 0 for them.
  public var forwardPassesSaved = 0
  /// Model evaluations run (a guided step counts two).
  public var forwardPasses: Int
  /// Positions the passes computed (a cached pass computes its window only).
  public var positionsComputed = 0
  /// Positions the same passes would have computed over their whole canvases: with
  /// `positionsComputed`, what a cache saved, in rows.
  public var positionsWithoutCache = 0
  /// Denoising steps run.
  public var steps: Int
  /// Wall-clock seconds for the whole run.
  public var seconds: Double
  /// Whether an observer stopped the run before it finished.
  public var stoppedEarly: Bool

  /// A result with every field given.
  public init(
    canvas: [Int32], generated: [Int32], forwardPasses: Int, steps: Int, seconds: Double,
    stoppedEarly: Bool
  ) {
    self.canvas = canvas
    self.generated = generated
    self.forwardPasses = forwardPasses
    self.steps = steps
    self.seconds = seconds
    self.stoppedEarly = stoppedEarly
  }
}
