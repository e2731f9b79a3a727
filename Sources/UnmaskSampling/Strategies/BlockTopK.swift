import UnmaskCore

/// Where the block-diffusion strategies (`low-confidence-static`, `low-confidence-dynamic`,
/// `sequential`) take their top `k`.
public enum TopKScope: String, CaseIterable, Codable, Sendable {
  /// Among the block's masks, `k` clamped to them: LLaDA2's `generate()`,
  /// `topk(confidence, k=min(num_to_transfer, mask_count))`.
  case masks
  /// Over all `B` positions of the block, the committed ones scoring `-inf`: SDAR's
  /// `generate.py`, `topk(confidence[j], num_transfer_tokens[step])`. When the quota exceeds the
  /// masks left, the rest of the `k` are committed positions (the prompt's included) and
  /// `cur_x[transfer_index] = x0[transfer_index]` rewrites them with the model's prediction
  /// there. Reproduced as the reference does it, for token-for-token equality.
  case block
}

/// A block strategy's choice: commits at masks, and rewrites of already committed positions
/// (`TopKScope.block` only).
public struct BlockSelection: Sendable {
  /// Masks to commit.
  public var commits: [ScoredPosition] = []
  /// Committed positions to rewrite.
  public var rewrites: [TokenEdit] = []
  /// A selection with both given (by default empty).
  public init(commits: [ScoredPosition] = [], rewrites: [TokenEdit] = []) {
    self.commits = commits
    self.rewrites = rewrites
  }
}

extension StepContext {
  /// The positions a block strategy scores: the block, widened to every candidate (masks in
  /// the prompt join the first block after the prompt, a suffix's the last); on the canvas
  /// grid, exactly the block.
  var scoredRange: Range<Int> {
    let positions = proposals.map(\.position)
    let lower = min(blockRange.lowerBound, positions.min() ?? blockRange.lowerBound)
    let upper = max(blockRange.upperBound, (positions.max() ?? 0) + 1)
    return lower..<upper
  }

  /// `score` at the candidates and `-inf` at the other positions of `scoredRange`: the
  /// references' `where(mask_index, x0_p, -inf)` over the block.
  func blockScores(_ score: (Proposal) -> Double) -> [Double] {
    let range = scoredRange
    var row = [Double](repeating: -.infinity, count: range.count)
    for p in proposals { row[p.position - range.lowerBound] = score(p) }
    return row
  }

  /// Offsets into `scoredRange` chosen by a reference's index set, as commits (masks) and
  /// rewrites (other positions, with the argmax of their logits: the reference's `x0` there,
  /// exact at temperature 0; at temperature > 0 the reference draws it, Unmask takes the
  /// argmax).
  func selection(offsets: [Int], scores: [Double]) -> BlockSelection {
    var selection = BlockSelection()
    let masks = Set(proposals.map(\.position))
    let origin = scoredRange.lowerBound
    for offset in offsets {
      let position = origin + offset
      if masks.contains(position) {
        selection.commits.append(ScoredPosition(position: position, score: scores[offset]))
      } else if let token = argmaxToken(at: position) {
        selection.rewrites.append(TokenEdit(position: position, token: token, score: -.infinity))
      }
    }
    return selection
  }

  /// `torch.topk(scores, k)` over the block (`scope` decides whether `k` is clamped to the
  /// masks), as a selection.
  func blockTopK(_ scores: [Double], k: Int, scope: TopKScope) -> BlockSelection {
    let masks = scores.reduce(0) { $0 + ($1 > -.infinity ? 1 : 0) }
    let k = scope == .masks ? min(k, masks) : min(k, scores.count)
    guard k > 0 else { return BlockSelection() }
    return selection(offsets: TorchTopK.indices(of: scores, k: k), scores: scores)
  }

  /// The first maximum of `position`'s logits (`torch.argmax`), or nil without its row.
  func argmaxToken(at position: Int) -> Int32? {
    guard let logits, logits.columns > 0, let r = logitRow(for: position) else { return nil }
    var best = 0
    for v in 1..<logits.columns where logits[r, v] > logits[r, best] { best = v }
    return Int32(best)
  }
}

/// A block strategy that picks by a reference's index set (`BlockSelection`): its commits
/// are the masks it reached, and the committed positions it reached (`TopKScope.block`) are the
/// step's edits. Conformers write `select` only.
public protocol BlockSelectingStrategy: RemaskingStrategy {
  /// Where the strategy's top-k is taken.
  var scope: TopKScope { get }
  /// The rewrites chosen with this step's commits, returned as its edits.
  var pendingRewrites: [TokenEdit] { get set }
  /// This step's choice.
  func select(_ context: StepContext) -> BlockSelection
}

extension BlockSelectingStrategy {
  /// Rewrites fixed tokens where the reference does (`TopKScope.block`).
  public var rewritesFixedTokens: Bool { scope == .block }

  /// The masks `select` reached; its rewrites wait for `selectEdits`.
  public mutating func selectCommits(_ context: StepContext, rng: inout SeededGenerator)
    -> [ScoredPosition]
  {
    let choice = select(context)
    pendingRewrites = choice.rewrites
    return choice.commits
  }

  /// The committed positions `select` reached.
  public mutating func selectEdits(
    _ context: StepContext, committed: [ScoredPosition], rng: inout SeededGenerator
  ) -> [TokenEdit] { pendingRewrites }
}
