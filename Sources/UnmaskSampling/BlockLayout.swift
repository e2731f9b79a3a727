/// Where the semi-autoregressive blocks sit on the canvas.
public enum BlockLayout: String, CaseIterable, Codable, Sendable {
  /// LLaDA, Dream and Fast-dLLM: the blocks tile the generated span, from the prompt's end;
  /// `steps` is the run's total, split evenly across the blocks.
  case afterPrompt = "after-prompt"
  /// dllm's MDLM and BD3LM samplers (`dllm/core/samplers/mdlm.py`, `bd3lm.py`): blocks after
  /// the prompt as `afterPrompt`, but `num_blocks = math.ceil(max_new_tokens / block_size)`, the
  /// last one shorter when `blockLength` does not divide `length` (`end = min(start +
  /// block_size, prompt_lens[j] + max_new_tokens, T)`; BD3LM's `cur_block_len = min(block_size,
  /// max_new_tokens - generated)`), and `steps = math.ceil(steps / num_blocks)` per block, so the
  /// run may take more than `steps` in all. Nothing needs to divide anything.
  case afterPromptRagged = "after-prompt-ragged"
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

  /// The block of the mask Fast-dLLM v2's denoising passes run under: `batch_sample` leaves
  /// `forward`'s `block_size` at its default, 32 (`AttentionMask.blockCausalCapped`).
  public static let nextTokenDenoisingMaskBlock = 32

  /// Whether the blocks tile the generated span from the prompt's end (`afterPrompt`,
  /// `afterPromptRagged`), rather than the canvas from its start.
  public var startsAtPrompt: Bool { self == .afterPrompt || self == .afterPromptRagged }
  /// Whether blocks are counted from the canvas start (the canvas grid).
  public var isGrid: Bool { !startsAtPrompt }
}
