/// What the returned tokens hold after their first EOS: the references differ, and a run is
/// compared with its reference by what it returns.
public enum AfterEOS: String, CaseIterable, Codable, Sendable {
  /// Everything generated (LLaDA's, Dream's, SDAR's and dllm's samplers return their canvas).
  case keep
  /// The tokens end with the first EOS: LLaDA2.x's `generate()` returns
  /// `generated[: first_eos + 1]`, whether or not an EOS ended its run.
  case cut
  /// In a run an EOS ended (`endAfterEOSBlock`), every token after the first EOS is `padID`:
  /// Fast-dLLM v2's `batch_sample` writes `pad_token_id` there before returning the finished
  /// row. A run that reached its length is returned as generated.
  case pad

  /// `generated` as the reference returns it; `ends` are the EOS ids, `endedByEOS` whether an
  /// EOS ended the run.
  func returned(_ generated: [Int32], ends: Set<Int32>, padID: Int32?, endedByEOS: Bool)
    -> [Int32]
  {
    guard let first = generated.firstIndex(where: ends.contains) else { return generated }
    switch self {
    case .keep:
      return generated
    case .cut:
      return Array(generated[...first])
    case .pad:
      guard endedByEOS, let padID else { return generated }
      var padded = generated
      for i in (first + 1)..<padded.count { padded[i] = padID }
      return padded
    }
  }
}
