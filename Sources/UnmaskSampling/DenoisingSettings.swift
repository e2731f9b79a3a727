/// Every setting of a denoising run: what the CLI parses, a config file holds and a trace records.
///
/// A run is fully determined by these settings, the prompt and the model: the seed included.
/// The strategy and the schedule carry their own parameters (`Strategy`, `Schedule`); the
/// fields here are the ones every run reads. Missing keys in a decoded file take the defaults
/// below (LLaDA `generate()`'s defaults); see `DenoisingSettings+JSON.swift` for the format.
public struct DenoisingSettings: Equatable, Sendable {
  /// Number of masks appended to the prompt (`gen_length`).
  public var length: Int = 128
  /// Total denoising steps, split evenly across blocks (`steps`).
  public var steps: Int = 128
  /// Semi-autoregressive block length (`block_length`); equal to `length` for one block.
  public var blockLength: Int = 128
  /// Where the blocks sit: after the prompt (LLaDA), or on the canvas's grid (block diffusion).
  public var blockLayout: BlockLayout = .afterPrompt
  /// LLaDA2 `minimal_topk`: on the canvas grid, steps per block are capped at
  /// `length / minimalTopK`, so that each step commits at least about that many tokens.
  public var minimalTopK: Int = 1
  /// On the canvas grid, cap the steps per block at `length / minimalTopK` (LLaDA2's
  /// `generate()`: `steps = min(steps, gen_length // minimal_topk)`); SDAR's runs its
  /// `denoising_steps` whatever the length.
  public var capsStepsAtLength = true
  /// LLaDA2: once a block is finished, an EOS anywhere in the generated span so far ends the
  /// run, as its `generate()` does even with `eos_early_stop` off (Fast-dLLM v2: an EOS its
  /// passes committed, `Run.endsRun`). Later blocks stay masked in the canvas and are not
  /// returned (`DenoisingResult.generated`).
  public var endAfterEOSBlock: Bool = false
  /// What the returned tokens hold after their first EOS (`AfterEOS`): all of it (default),
  /// nothing (LLaDA2.x), or `padID` once an EOS ended the run (Fast-dLLM v2).
  public var afterEOS: AfterEOS = .keep
  /// Where the block strategies (`low-confidence-static`, `low-confidence-dynamic`,
  /// `sequential`) take their top-k: among the masks (LLaDA2), or over the whole block,
  /// rewriting committed tokens as SDAR's reference does (see `TopKScope`).
  public var topKScope: TopKScope = .masks
  /// Attend block-causally over the sampler's blocks, the grid through the prompt's end
  /// (`AttentionMask.blockCausalAligned`): the mask dllm's BD3LM sampler gives its a2d models,
  /// which attend bidirectionally otherwise. False: the model's own mask.
  public var blockCausal: Bool = false
  /// dllm `right_shift_logits`: position `i` reads the logits of row `i - 1` (the canvas's first
  /// position its own row; `LogitShift.previousRow`), for checkpoints trained with the
  /// autoregressive shift. Applied on top of any shift the model makes itself.
  public var rightShiftLogits: Bool = false
  /// Which loop runs the generation: the remasking loop (default) or one of the Kuleshov
  /// group's ancestral samplers (`SamplerKind`; `--preset mdlm` / `bd3lm` on their checkpoints).
  public var sampler: SamplerKind = .remasking
  /// BD3-LM `first_hitting` (`--sampler semi-ar`): each step commits exactly one uniformly
  /// chosen mask, at a time drawn as `t *= u^(1/masks)` (Zheng et al. 2025); false: the fixed
  /// grid `linspace(1, 0, steps)` with `q(x_s | x_t)` draws.
  public var firstHitting: Bool = true
  /// BD3-LM `var_length` (`--sampler semi-ar`): after each block, once the canvas passes 256
  /// tokens, a second EOS in it (the prompt's count: BD3-LM's BOS is GPT-2's EOS) ends the run
  /// after that EOS, and low entropy (below 4 nats over the last 256 tokens) ends it 256
  /// tokens before the block's end; the result's canvas is cut there. False: low entropy
  /// rejects the sample, which is drawn again (at most 10 times), and an EOS ends nothing.
  public var variableLength: Bool = false
  /// ReMDM `sampling.dfm` (`--sampler ddpm-cache`): its DFM corrector on an adaptive time grid
  /// instead of the sampler's update (`MDLMSampler.correct`); needs `--top-p` below 1, as the
  /// reference does.
  public var dfm: Bool = false
  /// MDLM `sampling.semi_ar` with its `stride_length` (`--sampler ddpm-cache`): windows of
  /// `blockLength` (the model's length), each `steps + 1` steps down to `t = 0` and an argmax
  /// pass, sliding by this many positions (`MDLMSampler.generateInStrides`); nil: one canvas.
  public var strideLength: Int? = nil
  /// Fast-dLLM v2 `use_block_cache` (`--cache exact` with `sub-block-threshold`): inside a
  /// block, a pass may compute the current sub-block alone against keys and values the last
  /// whole-block pass left for the rest (`BlockCausalCache.staleSubBlock`): the reference's
  /// approximation, faster and not exact.
  public var useBlockCache: Bool = false
  /// MDLM `noise_removal` (`ddpm`, `ddpm-cache`): after the last step, one more pass at
  /// `sampling_eps` fills every mask left with its most likely token.
  public var noiseRemoval: Bool = true
  /// MDLM `_sample(eps=1e-5)` (`ddpm`, `ddpm-cache`): the time grid runs
  /// `linspace(1, sampling_eps, steps + 1)`. (`eps` is the log-linear schedule's own.)
  public var samplingEps: Double = 1e-5
  /// A recording of a reference run's uniform draws (`.npy`, see `ReplayedDraws`) that an
  /// ancestral sampler replays instead of drawing from `seed`; nil: Unmask's own generator.
  public var replayDraws: String? = nil
  /// Uniform-state sampler (`uniform-state`, DiffusionGemma): the entropy bound on the accepted
  /// positions' entropies minus their largest (`sampler_config.entropy_bound`). Its settings key,
  /// `entropy_bound`, is also the `entropy-bounded` strategy's parameter (`--entropy-bound`):
  /// one value, read by both.
  public var entropyBound: Double = 0.1
  /// Uniform-state: the temperature at the first step (`t_max`); it falls linearly to
  /// `temperatureMin` over `steps` (`LinearTemperatureScheduleLogitsProcessor`).
  public var temperatureMax: Double = 0.8
  /// Uniform-state: the temperature the schedule ends at (`t_min`).
  public var temperatureMin: Double = 0.4
  /// Uniform-state: steps the argmax canvas must stay unchanged before a canvas may stop
  /// (`stability_threshold`; 0: no stability needed).
  public var stabilityThreshold: Int = 1
  /// Uniform-state: a canvas stops once it is stable and its mean entropy is below this
  /// (`confidence_threshold`).
  public var confidenceThreshold: Double = 0.005
  /// Uniform-state: rows of random tokens (`.npy`, `[rows, canvas]`) replayed in place of the
  /// sampler's random canvases (`--noise-rows`); nil: Unmask's generator.
  public var noiseRows: String? = nil
  /// Which masked positions are committed each step, with its parameters.
  public var strategy: Strategy = .confidence
  /// How the masked fraction falls over time, with its parameters.
  public var schedule: Schedule = .linear
  /// How fractional counts become whole commits.
  public var rounding: RoundingRule = .even
  /// How tokens are proposed and scored (LLaDA's Gumbel float64 or Dream's filtered float32).
  public var proposal: ProposalRule = .llada
  /// Precision of LLaDA-style confidences (`ProposalRule.llada` only).
  public var confidencePrecision: ConfidencePrecision = .float64
  /// Sampling temperature; 0 = greedy argmax.
  public var temperature: Double = 0
  /// Keep only the `topK` largest logits (Dream `top_k_logits`); nil = no filtering.
  public var topK: Int? = nil
  /// Nucleus filtering (Dream `top_p_logits`); nil or 1 = no filtering.
  public var topP: Double? = nil
  /// Classifier-free guidance: `un + (cfgScale + 1) * (cond - un)`, 0 = off (LLaDA).
  public var cfgScale: Double = 0
  /// Sample positions from `softmax(score / algTemperature)` instead of taking the top ones
  /// (Dream `alg_temp`); nil or 0 = take the top ones.
  public var algTemperature: Double? = nil
  /// Final time of the time grid: Dream's `linspace(1, eps, steps + 1)`, MDLM log-linear eps.
  public var eps: Double = 1e-3
  /// Seed of the run's one random generator.
  public var seed: UInt64 = 0
  /// Stop a block as soon as it has no mask left (Fast-dLLM); LLaDA and Dream run every step.
  public var stopWhenBlockComplete: Bool = false
  /// Also score masked positions beyond the current block for the step events (traces, live
  /// views); costs one softmax per such position. Commits and the random stream are unchanged.
  public var scoreAllMasked: Bool = false
  /// Fast-dLLM's key/value cache (`none`, `prefix`, `dual`); see `CacheMode`.
  public var cache: CacheMode = .none
  /// LLaDA `logits_eos_inf`: the EOS logit is -inf before proposing.
  public var logitsEosInf: Bool = false
  /// LLaDA `confidence_eos_eot_inf`, as intended: confidences come from a softmax with the EOS
  /// and EoT logits at -inf, so proposing either scores 0 (see docs/STRATEGIES.md).
  public var confidenceEosEotInf: Bool = false
  /// Reproduce LLaDA issue 137 bit for bit: at temperature > 0 `confidenceEosEotInf` removes
  /// only EoT from the confidence softmax, as the reference's chained assignment does (for
  /// golden tests; the default is the intended behaviour at every temperature).
  public var referenceEOSBug: Bool = false
  /// Cut the returned `generated` tokens before the first EOS or end of turn.
  public var stopAtEOS: Bool = false
  /// Once an EOS is committed in the generated span and every later position of the span is a
  /// mask or EOS, fill them with EOS and end the block (and the run) without more passes.
  public var eosFill: Bool = false
  /// EOS and EoT may not be proposed at the first `minLength` generated positions (their
  /// logits are -inf there), so the text runs at least that long.
  public var minLength: Int = 0
  /// The mask token id.
  public var maskID: Int32 = 126336
  /// The padding id (`pad_token_id`) written after the first EOS: by a uniform-state run in its
  /// last canvas, and by `afterEOS` `.pad`; nil: left as generated.
  public var padID: Int32? = nil
  /// End-of-sequence id (from the tokenizer), used by the EOS controls.
  public var eosID: Int32? = 126081
  /// End-of-turn id (from the tokenizer), used by `confidenceEosEotInf`.
  public var eotID: Int32? = 126348
  /// Further ids that end a run as EOS does, beyond `eosID` and `eotID` (a generation config's
  /// `eos_token_id` may list more than two).
  public var moreEndIDs: [Int32] = []

  /// Every id that ends a run: EOS, EoT and `moreEndIDs`.
  public var endIDs: [Int32] { [eosID, eotID].compactMap { $0 } + moreEndIDs }

  /// EOS and `moreEndIDs`, not EoT: the ids the block references stop on (LLaDA2's
  /// `eos_early_stop` and its cut, SDAR's stop ids, Fast-dLLM v2's stop token).
  public var eosIDs: Set<Int32> { Set([eosID].compactMap { $0 } + moreEndIDs) }

  /// LLaDA `generate()`'s defaults.
  public init() {}

  /// Number of semi-autoregressive blocks after the prompt, `length / blockLength` (rounded up
  /// for `afterPromptRagged`; on the canvas grid the count depends on the prompt: `Run.blocks`).
  public var blockCount: Int {
    guard blockLength > 0 else { return 0 }
    return blockLayout == .afterPromptRagged
      ? (length + blockLength - 1) / blockLength : length / blockLength
  }
  /// Steps inside each block: `steps / blockCount` after the prompt (rounded up for
  /// `afterPromptRagged`); on the canvas grid `steps` itself, capped at `length / minimalTopK` as
  /// LLaDA2's `generate()` does (`capsStepsAtLength`).
  public var stepsPerBlock: Int {
    switch blockLayout {
    case .afterPrompt: return blockCount > 0 ? steps / blockCount : 0
    case .afterPromptRagged: return blockCount > 0 ? (steps + blockCount - 1) / blockCount : 0
    case .canvasGrid, .canvasGridNextToken:
      return capsStepsAtLength ? min(steps, length / max(1, minimalTopK)) : steps
    }
  }

  /// The strategy object for one run (a fresh copy: strategies may keep per-run state).
  public func makeStrategy() -> any RemaskingStrategy { strategy.make(settings: self) }

  /// The schedule object these settings name.
  public func makeSchedule() -> any NoiseSchedule { schedule.make(settings: self) }
}
