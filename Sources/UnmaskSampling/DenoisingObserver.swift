/// Whether the denoising loop should go on after an observer has seen a step.
public enum ObserverDecision: Sendable {
  /// Keep denoising.
  case proceed
  /// Stop after this step; the canvas is returned as it stands (masks included).
  case stop
}

/// Receives every step of a denoising run: tracing, live views and progress bars plug in here.
///
/// Observers are called on the sampler's thread, after the step's commits, in the order they
/// were registered; any observer returning `.stop` ends the run.
public protocol DenoisingObserver: AnyObject {
  /// Called once before the first step with the starting canvas (prompt then masks).
  func denoisingWillStart(canvas: [Int32], promptLength: Int)
  /// Called after each step.
  func denoisingDidFinish(_ step: DenoisingStep) -> ObserverDecision
  /// Called once when the run ends, with the final canvas.
  func denoisingDidEnd(canvas: [Int32])
  /// Whether it reads the step's per-position scores (`confidence`, `margin`, `entropy`,
  /// commit scores). A sampler that would compute them only for observers may skip that work
  /// when none does (MDLM's reveal-first draws); default true.
  var readsPositionScores: Bool { get }
}

extension DenoisingObserver {
  /// Default: nothing to do before the first step.
  public func denoisingWillStart(canvas: [Int32], promptLength: Int) {}
  /// Default: nothing to do at the end.
  public func denoisingDidEnd(canvas: [Int32]) {}
  /// Default: it reads them.
  public var readsPositionScores: Bool { true }
}
