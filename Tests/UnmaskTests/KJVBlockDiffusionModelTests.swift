import Foundation
import Testing
import Unmask

/// models/kjv-llada2-bd, the shipped block-diffusion model (kjv-llada converted to LLaDA2 and
/// fine-tuned with the block-diffusion loss, scripts/train/train_kjv_block_diffusion.py): it
/// loads as a dense LLaDA2 with a block-causal mask, and `--preset llada2` generates with it at
/// each of the sweep's block sizes. No timing.
@Suite struct KJVBlockDiffusionModelTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../models/kjv-llada2-bd").standardized.path

  @Test func loadsAsBlockCausalLLaDA2() throws {
    let session = try ModelSession.open(Self.folder)
    #expect(session.architecture == "LLaDA2")
    #expect(session.defaultPreset == .llada2)
    guard case .blockCausal = session.model.attentionMask else {
      Issue.record("expected a block-causal mask, got \(session.model.attentionMask)")
      return
    }
    #expect(session.model.vocabularySize == 2048)
    #expect(session.specialTokens.mask == 2044)
    #expect(session.specialTokens.eos == 1985)

    // The mask matters: position 0 sees only its own block under blocks of 4, everything
    // under the full mask; the first block's rows under blocks of 4 are those of the block
    // alone.
    let tokens = try session.encode("And God said, Let there be light: and there was light.")
    #expect(tokens.count > 8)
    let full = try session.logits(for: tokens, mask: .full)
    let blocks = try session.logits(for: tokens, mask: .blockCausal(blockLength: 4))
    let alone = try session.logits(for: Array(tokens.prefix(4)), mask: .full)
    let v = full.columns
    var fullGap: Float = 0
    var aloneGap: Float = 0
    for i in 0..<4 {
      for j in 0..<v {
        fullGap = max(fullGap, abs(full[i, j] - blocks[i, j]))
        aloneGap = max(aloneGap, abs(alone[i, j] - blocks[i, j]))
      }
    }
    #expect(fullGap > 1e-3)
    #expect(aloneGap < 1e-3)
  }

  @Test(arguments: [4, 8, 16, 32])
  func generatesWithTheLLaDA2Preset(blockLength: Int) throws {
    let session = try ModelSession.open(Self.folder)
    var settings = session.settings(preset: .llada2)
    settings.length = 32
    settings.blockLength = blockLength
    settings.steps = blockLength / 2  // per block, as the preset counts them
    let generation = try session.generate(
      prompt: session.encode("And God said"), settings: settings)
    #expect(generation.tokens.count == 32)
    #expect(!generation.tokens.contains(settings.maskID))
    #expect(!generation.text.isEmpty)
  }
}
