/// Where the semi-autoregressive blocks sit on the canvas.
public enum BlockLayout: String, CaseIterable, Codable, Sendable {
  /// LLaDA, Dream and Fast-dLLM: the blocks tile the generated span, from the prompt's end;
  /// `steps` is the run's total, split evenly across the blocks.
  case afterPrompt = "after-prompt"
  /// Block diffusion (LLaDA2's `generate()`, SDAR's `block_diffusion_generate`): blocks of
  /// `blockLength` counted from the canvas's first position, the grid block-causal attention
  /// uses. The canvas is rounded up to whole blocks (positions past `length` are generated,
  /// then dropped), blocks wholly inside the prompt are skipped (on a cached run, prefilled),
  /// `steps` counts steps *per block* (capped at `length / minimalTopK`), and each block's
  /// commit quota splits `blockLength` evenly over its steps (`get_num_transfer_tokens(
  /// block_length, steps)`), however many of its positions the prompt holds.
  case canvasGrid = "canvas-grid"
  /// Fast-dLLM v2's `batch_sample`: the canvas grid with `length / blockLength` blocks after
  /// the prompt's whole blocks (the first holding the prompt's tail), then one more position:
  /// the next token, which the last block's final pass predicts (as every block's first
  /// position after the first is, `SubBlockThresholdRemasking`). The generated span runs to
  /// the canvas end.
  case canvasGridNextToken = "canvas-grid-next-token"

  /// Whether blocks are counted from the canvas start.
  public var isGrid: Bool { self != .afterPrompt }
}
