import UnmaskCore

/// Stops a denoising run after the current step once Ctrl-C or SIGTERM has arrived (see
/// `Interruption.cooperating`), so the caller can finish its trace and restore the terminal
/// instead of dying mid-write.
public final class InterruptionObserver: DenoisingObserver {
  /// An observer reading the process-wide `Interruption.requested`.
  public init() {}

  /// It reads only whether a stop was requested.
  public var readsPositionScores: Bool { false }

  /// `.stop` once a stop was requested.
  public func denoisingDidFinish(_ step: DenoisingStep) -> ObserverDecision {
    Interruption.requested ? .stop : .proceed
  }
}
