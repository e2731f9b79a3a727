/// Named settings that reproduce a reference implementation exactly.
public enum PresetName: String, CaseIterable, Codable, Sendable {
  /// LLaDA `generate()` (ML-GSAI/LLaDA generate.py): low_confidence, even counts per block.
  case llada
  /// Dream `diffusion_generate()` (HKUNLP/Dream generation_utils.py), with the top_k = 50 it
  /// inherits from transformers' legacy generation attributes.
  case dream
  /// Fast-dLLM `generate(threshold=0.9)` (NVlabs/Fast-dLLM llada/generate.py).
  case fastDLLM = "fast-dllm"
  /// LLaDA2.0 `generate()` (inclusionAI LLaDA2.0-mini; ZHZisZZ/dllm modeling_llada2_moe.py).
  case llada2
  /// LLaDA2.1 `generate()` with token editing (dllm modeling_llada21_moe.py).
  case llada21 = "llada2.1"
  /// SDAR `block_diffusion_generate` (JetAstra/SDAR generate.py), greedy.
  case sdar
  /// Fast-dLLM v2 `batch_sample` (NVlabs/Fast-dLLM v2/generation_functions.py, eval.py).
  case fastDLLMv2 = "fast-dllm-v2"
  /// dllm's `MDLMSampler.sample` (ZHZisZZ/dllm `dllm/core/samplers/mdlm.py`), for its a2d models.
  case mdlm
  /// dllm's `BD3LMSampler.sample` (ZHZisZZ/dllm `dllm/core/samplers/bd3lm.py`), for its a2d
  /// models: MDLM's numerics under a block-causal mask.
  case bd3lm
  /// DiffusionGemma's `generate()` (transformers 5.23 `generation_diffusion_gemma.py`): the
  /// uniform-state entropy-bound sampler with its default generation config; a checkpoint's
  /// `generation_config.json` overrides these (`ModelSession.settings`).
  case diffusiongemma
}

extension DenoisingSettings {
  /// The settings of a reference: start from these, then override fields.
  ///
  /// - `llada`: length 128, steps 128, block 128, confidence, linear schedule, even rounding,
  ///   Gumbel float64 proposal, every step run; mask 126336, EOS 126081, EoT 126348.
  /// - `dream`: Dream `_sample` numerics: float32 `linspace(1, 1e-3, steps + 1)`, truncating
  ///   counts over the whole canvas (one block), float32 filtered softmax with top_k = 50,
  ///   strategy `entropy` (the README's alg), mask 151666, EOS 151643, EoT 151645.
  ///   Called with nothing, `diffusion_generate` would run steps 512, alg 'origin' and the
  ///   temperature 1.0 it also inherits; the preset is greedy (temperature 0), as the goldens
  ///   pass it. Use `--temperature 1 --strategy origin --steps 512` for the bare call.
  /// - `fast-dllm`: LLaDA's numerics with threshold 0.9 and blocks stopped as soon as complete.
  /// - `llada2`: generate()'s defaults: the canvas grid (`BlockLayout.canvasGrid`), blocks of
  ///   32, 32 steps *per block*, `minimal_topk` 1, threshold 0.95 with the quota clamped to the
  ///   masks (`low-confidence-dynamic`, `--topk-over masks`), float32 probabilities (greedy:
  ///   softmax then argmax; sampled: temperature, top-k, top-p, multinomial), a block left as
  ///   soon as it has no mask, the run ended by an EOS in a finished block and returned up to
  ///   its first EOS (`AfterEOS.cut`), length 2048, mask 156895, EOS 156892, and the exact
  ///   block cache (`--cache exact`), which changes no token.
  /// - `llada2.1`: its generate()'s defaults: LLaDA2's grid, blocks and numerics, with token
  ///   editing (`token-editing`): each pass commits every mask above threshold 0.95 (the best
  ///   one when none is: `num_to_transfer` 1) and replaces every generated token of the block
  ///   whose argmax differs with probability above `editing_threshold` 0.9; once the block has
  ///   no mask, up to `max_post_steps` 16 edit-only passes run until one changes nothing. Its
  ///   generate() computes `steps` but never reads it (blocks run until done), and stops at an
  ///   EOS only with `eos_early_stop`, so the run is not ended by one.
  /// - `sdar`: block_diffusion_generate's defaults: the canvas grid, blocks of 4, 4 steps per
  ///   block, `low_confidence_dynamic` at 0.85 with SDAR's top-k over the whole block
  ///   (`--topk-over block`: it may rewrite committed tokens, see `TopKScope`), float32
  ///   probabilities, length 128, mask 151669, EOS 151643, EoT 151645, the exact block cache.
  ///   Greedy (temperature 0: the argmax and its softmax probability); the reference's own
  ///   default is temperature 1.0 with `torch.multinomial`.
  /// - `fast-dllm-v2`: `v2/eval.py`'s defaults: blocks of 32 (`bd_size`) on the canvas grid
  ///   with the next token after the last (`BlockLayout.canvasGridNextToken`), `--length`
  ///   2048 (`max_new_tokens`: `length / 32` blocks after the prompt's whole ones), sub-blocks
  ///   of 8 at threshold 0.9 (`sub-block-threshold`), float32 probabilities, greedy, mask
  ///   151665, stop token 151645 (`<|im_end|>`: a block whose passes commit one ends the run,
  ///   and the rest of the block is returned as pad 151643, `AfterEOS.pad`), the exact cache.
  ///   Its `use_block_cache` (stale keys and values inside a block), an approximation off in
  ///   eval.py, is `useBlockCache` (`--use-block-cache`).
  /// - `mdlm`: `MDLMSamplerConfig`'s defaults: length 128, block 128, steps 128, greedy,
  ///   `low_confidence` (`confidence`), no guidance, no right shift. dllm's tiling
  ///   (`BlockLayout.afterPromptRagged`: `ceil(length / block)` blocks from the prompt's end, the
  ///   last one shorter, `ceil(steps / blocks)` steps each), its counts (`RoundingRule.halfEven`:
  ///   `get_num_transfer_tokens`, steps that commit nothing skipped, so the block ends with its
  ///   last mask), LLaDA's proposals with the confidence from torch's float32 softmax, every pass
  ///   over the whole bidirectional canvas, no EOS handling (the whole canvas is returned). Ids:
  ///   Qwen3's EOS `<|im_end|>` 151645 and mask 151669 (the id a token added to Qwen3's
  ///   vocabulary takes); a model session sets the checkpoint's own.
  /// - `bd3lm`: `BD3LMSamplerConfig`'s defaults: MDLM's settings with blocks of 32 under a
  ///   block-causal mask on the grid through the prompt's end (`blockCausal`; the reference
  ///   left-pads the prompt to whole blocks and masks the padding, with position ids that skip
  ///   it: the same attention without the padding), and the run ended after a block that holds
  ///   an EOS (`endAfterEOSBlock`; later blocks stay masked, the reference never appends them).
  ///   Its `steps_per_block` is `--steps` = `steps_per_block * blocks`. The exact block cache
  ///   (`--cache exact`; `none` gives the same tokens): each step recomputes its block (at a
  ///   block's first step, from the previous block's start) against the cache, the rows of the
  ///   reference's cached block pass; its per-block prefix pass, which only fills its cache, is
  ///   folded into that first step, so the run counts one pass per block fewer than its `nfe`.
  public static func preset(_ name: PresetName) -> DenoisingSettings {
    var s = DenoisingSettings()
    switch name {
    case .llada:
      break
    case .dream:
      s.strategy = .entropy
      s.rounding = .truncate
      s.proposal = .dream
      s.topK = 50
      s.eps = 1e-3
      s.maskID = 151666
      s.eosID = 151643
      s.eotID = 151645
    case .fastDLLM:
      s.strategy = .threshold(0.9)
      s.stopWhenBlockComplete = true
    case .llada2:
      s.blockDiffusion(length: 2048, blockLength: 32, steps: 32)
      s.strategy = .lowConfidenceDynamic(0.95)
      s.endAfterEOSBlock = true
      s.afterEOS = .cut
      s.maskID = 156895
      s.eosID = 156892
      s.eotID = nil
    case .llada21:
      s = preset(.llada2)
      s.strategy = .tokenEditing(
        .init(
          threshold: 0.95, editThreshold: 0.9, maxPostEditSteps: 16, capCheck: .beforePass))
      s.endAfterEOSBlock = false
    case .fastDLLMv2:
      s.blockDiffusion(length: 2048, blockLength: 32, steps: 32)
      s.blockLayout = .canvasGridNextToken
      s.strategy = .subBlockThreshold(.init(threshold: 0.9, subBlockLength: 8))
      s.endAfterEOSBlock = true
      s.afterEOS = .pad
      s.maskID = 151665
      s.eosID = 151645
      s.eotID = nil
      s.padID = 151643  // Qwen2.5's `<|endoftext|>`, Fast_dLLM_v2_7B's pad token
    case .sdar:
      s.blockDiffusion(length: 128, blockLength: 4, steps: 4)
      s.capsStepsAtLength = false  // `denoising_steps` per block, whatever the length
      s.strategy = .lowConfidenceDynamic(0.85)
      s.topKScope = .block
      s.maskID = 151669
      s.eosID = 151643
      s.eotID = 151645
    case .mdlm:
      s.blockLayout = .afterPromptRagged
      s.rounding = .halfEven
      s.confidencePrecision = .float32
      // dllm skips the steps that would commit nothing: a block ends with its last mask.
      s.stopWhenBlockComplete = true
      s.maskID = 151669
      s.eosID = 151645
      s.eotID = nil
    case .bd3lm:
      s = preset(.mdlm)
      s.blockLength = 32
      s.blockCausal = true
      s.endAfterEOSBlock = true
      s.cache = .exact
    case .diffusiongemma:
      // DiffusionGemmaGenerationConfig._get_default_generation_params.
      s.sampler = .uniformState
      s.length = 256
      s.steps = 48
      s.blockLength = 256
      s.strategy = .entropyBounded(gamma: 0.1)
      s.temperature = 1
      s.entropyBound = 0.1
      s.temperatureMax = 0.8
      s.temperatureMin = 0.4
      s.stabilityThreshold = 1
      s.confidenceThreshold = 0.005
      s.maskID = .max  // no mask: the canvas starts as random tokens
      s.eosID = 1
      s.eotID = nil
    }
    return s
  }
}

extension DenoisingSettings {
  /// What the block-diffusion references share: the canvas grid, steps per block, float32
  /// filtered-softmax proposals, blocks left once complete, and the exact cache.
  fileprivate mutating func blockDiffusion(length: Int, blockLength: Int, steps: Int) {
    self.length = length
    self.blockLength = blockLength
    self.steps = steps
    blockLayout = .canvasGrid
    proposal = .dream
    confidencePrecision = .float32
    stopWhenBlockComplete = true
    cache = .exact
  }
}
