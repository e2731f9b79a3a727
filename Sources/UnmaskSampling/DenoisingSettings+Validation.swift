extension DenoisingSettings {
  /// Checks every setting; throws `SamplingError.invalidSetting` with a one-line reason.
  ///
  /// The rules mirror the references' asserts (`gen_length % block_length == 0`,
  /// `steps % num_blocks == 0`) plus range checks the references leave implicit.
  public func validate() throws {
    func fail(_ field: String, _ message: String) -> SamplingError {
      .invalidSetting(field: field, message: message)
    }
    guard length >= 1 else { throw fail("length", "must be at least 1, got \(length)") }
    guard steps >= 1 else { throw fail("steps", "must be at least 1, got \(steps)") }
    guard blockLength >= 1 else {
      throw fail("block-length", "must be at least 1, got \(blockLength)")
    }
    // MDLM's and ReMDM's samplers run the whole canvas at every step: no blocks to check.
    // BD3-LM's lays out its own (`SemiARSegment`, which refuses what its reference cannot run),
    // and the uniform-state sampler's canvases are the model's own.
    let layout: BlockLayout? = sampler.isAncestral || sampler == .uniformState ? nil : blockLayout
    switch layout {
    case nil:
      break
    case .afterPrompt:
      guard length % blockLength == 0 else {
        throw fail("block-length", "\(blockLength) does not divide length \(length)")
      }
      guard steps % blockCount == 0 else {
        throw fail(
          "steps", "\(steps) is not divisible by the \(blockCount) blocks (length / block-length)")
      }
    case .afterPromptRagged:
      break  // dllm's tiling: the last block may be shorter, steps per block round up.
    case .canvasGrid, .canvasGridNextToken:
      // The grid needs no divisibility: the canvas is rounded up to whole blocks; Fast-dLLM
      // v2 runs `length / block-length` whole blocks (its `max_new_tokens // block_size`).
      if blockLayout == .canvasGridNextToken && length < blockLength {
        throw fail(
          "block-length",
          "\(blockLength) is above length \(length); Fast-dLLM v2 runs length / block-length whole blocks, at least one"
        )
      }
      guard minimalTopK >= 1, minimalTopK <= length else {
        throw fail("minimal-topk", "must be in 1...\(length) (--length), got \(minimalTopK)")
      }
      guard cache == .none || cache == .exact else {
        throw fail(
          "cache",
          "\(cache.rawValue) is Fast-dLLM's approximation of a bidirectional model; block-diffusion runs use exact or none"
        )
      }
    }
    if blockCausal {
      guard blockLayout.startsAtPrompt else {
        throw fail(
          "block-causal",
          "applies to blocks after the prompt; on the canvas grid a block-causal model already attends in the sampler's blocks"
        )
      }
      guard cache == .none || cache == .exact else {
        throw fail(
          "cache",
          "\(cache.rawValue) is Fast-dLLM's approximation of a bidirectional model; --block-causal runs use exact or none"
        )
      }
    }
    guard temperature.isFinite, temperature >= 0 else {
      throw fail("temperature", "must be finite and >= 0, got \(temperature)")
    }
    if let k = topK, k < 1 { throw fail("top-k", "must be at least 1, got \(k)") }
    if let p = topP, !(p > 0 && p <= 1) { throw fail("top-p", "must be in (0, 1], got \(p)") }
    guard cfgScale.isFinite, cfgScale >= 0 else {
      throw fail("cfg-scale", "must be finite and >= 0, got \(cfgScale)")
    }
    if let a = algTemperature, !(a.isFinite && a >= 0) {
      throw fail("alg-temp", "must be finite and >= 0, got \(a)")
    }
    guard eps > 0, eps < 1 else { throw fail("eps", "must be in (0, 1), got \(eps)") }
    try strategy.validate(for: self)
    try schedule.validate(for: self)
    try validateAncestral()
    if useBlockCache
      && (cache != .exact || strategy.name != .subBlockThreshold || sampler != .remasking)
    {
      throw fail(
        "use-block-cache",
        "is Fast-dLLM v2's stale cache inside a block: it needs --cache exact and --strategy sub-block-threshold"
      )
    }
    try validateUniformState()
    if cache != .none && cfgScale > 0 {
      // Fast-dLLM's cached samplers have no guidance; an unconditional canvas needs its own cache.
      throw fail("cache", "\(cache.rawValue) cannot be combined with cfg-scale > 0")
    }
    guard maskID >= 0 else { throw fail("mask-id", "must be >= 0, got \(maskID)") }
    if logitsEosInf && eosID == nil {
      throw fail("logits-eos-inf", "needs the EOS id, which the tokenizer did not give")
    }
    guard minLength >= 0, minLength <= length else {
      throw fail("min-length", "must be in 0...\(length) (--length), got \(minLength)")
    }
    if eosID == nil && eotID == nil {
      let flags = [
        (eosFill, "eos-fill"), (stopAtEOS, "stop-at-eos"), (minLength > 0, "min-length"),
      ]
      for (on, flag) in flags where on {
        throw fail(flag, "needs an EOS or EoT id, which the tokenizer did not give")
      }
    }
    // Without an EOS id nothing is cut or padded; with one, padding needs its id.
    if afterEOS == .pad && !eosIDs.isEmpty && padID == nil {
      throw fail(
        "after-eos", "pad needs a pad id, which the tokenizer did not give (no pad_token)")
    }
    if confidenceEosEotInf && eosID == nil && eotID == nil {
      throw fail(
        "confidence-eos-eot-inf", "needs an EOS or EoT id, which the tokenizer did not give")
    }
  }

  /// Refuses more steps per block than the block has positions (unless the strategy's extra
  /// steps remask and re-commit: `StrategyDescriptor.allowsMoreStepsThanPositions`, ReMDM). The
  /// references accept such runs, and the goldens include some, so `validate()` does not check
  /// this; front ends call it so that a user's `--steps 100 --length 8` is not 92 forward passes
  /// that commit nothing.
  public func checkEveryStepCanCommit() throws {
    // The ancestral samplers run their references' steps: MDLM's 128 on any canvas, BD3-LM's
    // until each block is complete.
    if sampler.isAncestral || sampler == .uniformState { return }
    // `half-even` drops the steps that would commit nothing, as dllm's samplers do; on the
    // canvas grid a block ends once it has no mask (the references' `break`), so steps past
    // its positions never run.
    if stepsPerBlock > blockLength, rounding != .halfEven, !blockLayout.isGrid,
      !strategy.descriptor.allowsMoreStepsThanPositions
    {
      throw SamplingError.invalidSetting(
        field: "steps",
        message:
          "\(steps) steps give \(stepsPerBlock) per block of \(blockLength) positions, so some would commit nothing; use at most \(blockLength * blockCount)"
      )
    }
  }
}
