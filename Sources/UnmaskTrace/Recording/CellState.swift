/// Codes of `state.npy`: each cell is the step at which the token there was committed (>= 0),
/// or one of these negative codes.
public enum CellState {
  /// Still masked after this step.
  public static let masked: Int32 = -1
  /// Re-masked at this step (masked after it).
  public static let remasked: Int32 = -2
  /// Part of the prompt.
  public static let prompt: Int32 = -3
}
