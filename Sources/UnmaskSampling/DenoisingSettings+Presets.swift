/// Named settings that reproduce a reference implementation exactly.
public enum PresetName: String, CaseIterable, Codable, Sendable {
  /// LLaDA `generate()` (ML-GSAI/LLaDA generate.py): low_confidence, even counts per block.
  case llada
  /// Dream `diffusion_generate()` (HKUNLP/Dream generation_utils.py), with the top_k = 50 it
  /// inherits from transformers' legacy generation attributes.
  case dream
  /// Fast-dLLM `generate(threshold=0.9)` (NVlabs/Fast-dLLM llada/generate.py).
  case fastDLLM = "fast-dllm"
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
    }
    return s
  }
}
