import Testing
import UnmaskCore
@testable import UnmaskSampling

/// Fast-dLLM v2 appends each block's first token as `logits[:, -1:].argmax()`, greedy at every
/// temperature; the other positions are sampled.
@Test func fastDLLMv2sNextTokenIsTheArgmaxAtEveryTemperature() throws {
  // Every row: token 3 a little ahead of the others (1.0 against 0.9), the mask id never.
  let flatRows = FixedPredictor(row: [0.9, 0.9, 0.9, 1.0, 0.9, 0.9, 0.9, -30])
  var s = DenoisingSettings.preset(.fastDLLMv2)
  s.maskID = 7
  s.eosID = nil
  s.eotID = nil
  s.length = 8
  s.blockLength = 4
  s.strategy = .subBlockThreshold(.init(threshold: 0.9, subBlockLength: 2))
  s.temperature = 1
  s.cache = .none  // the toy model is not block-causal
  var sampledElsewhere = false
  for seed in 0..<6 {
    s.seed = UInt64(seed)
    let canvas = try Denoiser(model: flatRows, settings: s).generate(prompt: [1, 2]).canvas
    #expect(canvas[4] == 3, "seed \(seed): \(canvas)")
    sampledElsewhere = sampledElsewhere || canvas[5..<8].contains { $0 != 3 }
  }
  #expect(sampledElsewhere, "the other positions are sampled")
}
