import Foundation
import Unmask

/// Which likelihood bound `unmask score` computes (`--preset`): each model family's own, as its
/// paper's code computes it.
public enum ScoreBound: String, CaseIterable, Codable, Sendable {
  /// LLaDA's Monte-Carlo ELBO (`LikelihoodEstimator`): l of L positions masked, weight L/l.
  case llada
  /// MDLM's continuous-time NELBO (`MDLMBound`).
  case mdlm
  /// BD3-LM's block-wise NELBO (`BD3LMBound`).
  case bd3lm

  /// One line for `--help`.
  public var summary: String {
    switch self {
    case .llada: return "LLaDA's Monte-Carlo ELBO (any model; the default for non-DiT models)"
    case .mdlm: return "MDLM's continuous-time NELBO (MDLM checkpoints)"
    case .bd3lm: return "BD3-LM's block-wise NELBO (BD3-LM checkpoints)"
    }
  }

  /// The bound a checkpoint is scored with by default: MDLM's and BD3-LM's own, LLaDA's for
  /// every other model.
  public static func `default`(for model: any MaskedDiffusionModel) -> ScoreBound {
    switch model {
    case is MDLMModel: return .mdlm
    case is BD3LMModel: return .bd3lm
    default: return .llada
    }
  }

  /// The NELBO of this preset for `model` (nil for `llada`, which `LikelihoodEstimator`
  /// computes).
  ///
  /// A NELBO preset on a checkpoint of another family is an error, not a quiet switch to the
  /// model's own estimator: the NELBO reads the network the way its family was trained (σ as
  /// an input, SUBS over the vocabulary without the mask, BD3-LM's `x_t ⊕ x₀` pass), so on
  /// another model its number would mean something else under the same name.
  ///
  /// - Throws: `ExperimentError` naming `--preset` and the model's family.
  public func diffusionBound(
    model: any MaskedDiffusionModel, maskID: Int32, ignoresFirstToken: Bool? = nil,
    timeSampling: BD3LMBound.TimeSampling = .perBlock
  ) throws -> (any DiffusionBound)? {
    let own = Self.default(for: model)
    switch self {
    case .llada:
      return nil
    case .mdlm:
      guard own == .mdlm else { throw mismatch(model, own: own) }
      if ignoresFirstToken == true {
        throw ExperimentError(
          source: "--ignore-bos",
          problem: "applies to BD3-LM's evaluation (ignore_bos); MDLM's counts every position")
      }
      return MDLMBound(model: model, maskID: maskID)
    case .bd3lm:
      guard let bd3lm = model as? BD3LMModel else { throw mismatch(model, own: own) }
      return BD3LMBound(
        model: bd3lm, maskID: maskID, ignoresFirstToken: ignoresFirstToken ?? true,
        timeSampling: timeSampling)
    }
  }

  private func mismatch(_ model: any MaskedDiffusionModel, own: ScoreBound) -> ExperimentError {
    let family = self == .mdlm ? "MDLM" : "BD3-LM"
    return ExperimentError(
      source: "--preset \(rawValue)",
      problem:
        "\(family)'s NELBO is for \(family) checkpoints; this model is \(model.architecture): use --preset \(own.rawValue), its own bound"
    )
  }
}
