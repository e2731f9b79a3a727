/// What a denoising run produced.
public struct DenoisingResult: Sendable, Equatable {
  /// The final canvas: prompt then generated tokens (masks left where the run was stopped).
  public var canvas: [Int32]
  /// The generated part, `canvas[promptLength...]`.
  public var generated: [Int32]
  /// Model evaluations run (a guided step counts two).
  public var forwardPasses: Int
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
