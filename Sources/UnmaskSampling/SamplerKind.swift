/// Which loop runs a generation: Unmask's remasking loop, or one of the Kuleshov group's
/// ancestral samplers, reproduced exactly (`Ancestral/`).
///
/// The remasking loop (`Denoiser`) splits a step into a token proposal, a count from the
/// schedule and a strategy's choice of positions. MDLM's, ReMDM's and BD3-LM's samplers decide
/// "whether" and "what" together, one categorical draw per position over the vocabulary plus
/// the mask (`q(x_s | x_t)`), so their random draws, and the tokens they give, cannot be
/// reproduced through that split; they run in their own small loops (`Ancestral/`; see
/// docs/STRATEGIES.md, "Ancestral samplers", and docs/REPLAY.md).
public enum SamplerKind: String, CaseIterable, Codable, Sendable {
  /// The remasking loop: proposals, the schedule's counts, a remasking strategy (LLaDA, Dream,
  /// Fast-dLLM, the block-diffusion presets, dllm's samplers).
  case remasking
  /// MDLM `_ddpm_update` (kuleshov-group/mdlm diffusion.py): every step runs the model at
  /// σ(t) and draws each masked position from `q(x_s | x_t)` with the schedule's
  /// `1 - exp(-σ)`; any of MDLM's noise schedules.
  case ddpm
  /// MDLM `_ddpm_caching_update` (the reference's default predictor), and ReMDM's samplers
  /// (kuleshov-group/remdm, `--strategy remdm`): the masking probability is `t` itself
  /// (log-linear only, as the reference asserts), and a step whose draws changed nothing
  /// reuses the model's output (unless the model is time-conditioned).
  case ddpmCache = "ddpm-cache"
  /// MDLM `_analytic_update` (`sampling.predictor: analytic`): every step runs the model at
  /// σ(t) and draws each masked position from the staggered score times the reverse
  /// transition over `dσ = σ(t) - σ(t - dt)`, any of MDLM's noise schedules; its noise removal
  /// (`_denoiser_update`) samples the masks left instead of taking their argmax.
  case analytic
  /// BD3-LM `_semi_ar_sampler` (kuleshov-group/bd3lms diffusion.py): block after block of the
  /// model's `block_size`, first-hitting or a fixed grid inside each block, nucleus `--top-p`,
  /// float64 probabilities, the key/value cache of finished blocks (`--cache exact`).
  case semiAR = "semi-ar"
  /// DiffusionGemma's uniform-state sampler (`EntropyBoundSampler` in transformers'
  /// `generation_diffusion_gemma.py`, `UniformState/`): no masks; each step samples a whole
  /// canvas under a linear temperature schedule, accepts positions by the entropy bound,
  /// re-noises the rest with random tokens, and stops once the argmax canvas is stable and the
  /// mean entropy low; canvas after canvas.
  case uniformState = "uniform-state"

  /// The most positions `semi-ar` reads in one pass (bd3lms' `_semi_ar_sampler`
  /// `context_size`): longer canvases slide a window of this many over them.
  public static let semiARContext = 1024

  /// Whether this is one of the ancestral samplers (not the remasking loop).
  public var isAncestral: Bool {
    self == .ddpm || self == .ddpmCache || self == .analytic || self == .semiAR
  }
}
