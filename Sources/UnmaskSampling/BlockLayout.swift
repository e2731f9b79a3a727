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
}
