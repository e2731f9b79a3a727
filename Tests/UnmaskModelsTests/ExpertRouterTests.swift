import Foundation
import Testing
import UnmaskCore
import UnmaskKernels
@testable import UnmaskModels

/// Each router scoring against a naive float64 transcription of its reference's formulas
/// (dllm's `LLaDAMoESparseMoeBlock`, `LLaDA2MoeGate`, Qwen-MoE's softmax top-k).
@Suite("Expert routers")
struct ExpertRouterTests {
  static let experts = 16
  static let model = 64

  /// The three scorings under test, by name.
  static func scoring(_ name: String, bias: [Float]) -> ExpertRouter.Scoring {
    switch name {
    case "llada-moe": return .biasedSoftmax(bias: bias)
    case "llada2":
      return .groupLimitedSigmoid(
        selectionBias: bias, groups: 4, keptGroups: 2, renormalize: true, scale: 2.5)
    default: return .softmax(renormalize: true)
    }
  }

  /// Indices of the `k` largest values, best first (no ties in these random rows).
  static func naiveTop(_ values: [Double], _ k: Int) -> [Int] {
    Array(values.indices.sorted { values[$0] > values[$1] }.prefix(k))
  }

  static func softmax(_ row: [Double]) -> [Double] {
    let m = row.max() ?? 0
    let e = row.map { Foundation.exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
  }

  /// The reference's choice and weights for one row of logits.
  static func naiveRoute(_ name: String, _ logits: [Double], bias: [Double], k: Int) -> (
    [Int], [Double]
  ) {
    switch name {
    case "llada-moe":
      let p = zip(softmax(logits), bias).map { $0 + $1 }
      let chosen = naiveTop(p, k)
      return (chosen, chosen.map { p[$0] })
    case "llada2":
      let s = logits.map { 1 / (1 + Foundation.exp(-$0)) }
      let b = zip(s, bias).map { $0 + $1 }
      let size = experts / 4
      let groupScores = (0..<4).map { g in
        Array(b[(g * size)..<((g + 1) * size)]).sorted(by: >).prefix(2).reduce(0, +)
      }
      let kept = Set(naiveTop(groupScores, 2))
      let masked = b.indices.map { kept.contains($0 / size) ? b[$0] : -.infinity }
      let chosen = naiveTop(masked, k)
      let total = chosen.reduce(0) { $0 + s[$1] } + 1e-20
      return (chosen, chosen.map { s[$0] / total * 2.5 })
    default:
      let p = softmax(logits)
      let chosen = naiveTop(p, k)
      let total = chosen.reduce(0) { $0 + p[$1] }
      return (chosen, chosen.map { p[$0] / total })
    }
  }

  @Test(arguments: ["llada-moe", "llada2", "qwen-moe"])
  func routingMatchesTheReferenceFormulas(variant: String) throws {
    let weights = PartWeights(seed: 11)
    let gate = try weights.add("mlp.gate.weight", [Self.experts, Self.model])
    let bias = try weights.add("mlp.expert_bias", [Self.experts], scale: 0.05)
    let loader = weights.loader()
    let router = try loader.expertRouter(
      "mlp.gate", experts: Self.experts, model: Self.model, topK: 4,
      scoring: Self.scoring(variant, bias: try loader.floats("mlp.expert_bias", count: 16)))
    try loader.finish()
    let rows = 40
    let x = activations(rows * Self.model, seed: 12)
    let logits = naiveLinear(x.map(Double.init), rows: rows, gate, out: Self.experts)
    for path in KernelPath.available {
      var scratch = [Float](repeating: .nan, count: router.scratchCount(rows: rows))
      let routing = try KernelPath.with(path) {
        x.withUnsafeBufferPointer { xs in
          scratch.withUnsafeMutableBufferPointer { s in
            // swift-format-ignore: NeverForceUnwrap
            router.route(xs.baseAddress!, rows: rows, scratch: s.baseAddress!)
          }
        }
      }
      var worst = 0.0
      for t in 0..<rows {
        let row = Array(logits[(t * Self.experts)..<((t + 1) * Self.experts)])
        let (chosen, w) = Self.naiveRoute(variant, row, bias: bias.map(Double.init), k: 4)
        #expect(Array(routing.experts[(t * 4)..<(t * 4 + 4)]) == chosen, "\(variant) row \(t)")
        for j in 0..<4 { worst = max(worst, abs(Double(routing.weights[t * 4 + j]) - w[j])) }
      }
      print("router \(variant) \(path.rawValue): worst weight gap \(worst)")
      #expect(worst <= 1e-6, "\(variant) \(path)")
    }
    #expect(router.multiplyAddsPerToken == Self.experts * Self.model)
  }

  @Test func llada2BiasSelectsButDoesNotWeigh() throws {
    // One logit row, all equal but for the bias: the bias alone decides, and the weights are
    // the (equal) unbiased scores renormalised.
    let weights = PartWeights(seed: 13)
    try weights.add("gate.weight", [8, 32])
    var bias = [Float](repeating: 0, count: 8)
    bias[5] = 0.5
    bias[2] = 0.25
    let router = try weights.loader().expertRouter(
      "gate", experts: 8, model: 32, topK: 2,
      scoring: .groupLimitedSigmoid(
        selectionBias: bias, groups: 4, keptGroups: 2, renormalize: true, scale: 1))
    var logits = [Float](repeating: 0.3, count: 8)
    let routing = logits.withUnsafeMutableBufferPointer {
      // swift-format-ignore: NeverForceUnwrap
      router.route(logits: $0.baseAddress!, rows: 1)
    }
    #expect(routing.experts == [5, 2])
    #expect(routing.weights.allSatisfy { abs($0 - 0.5) <= 1e-7 })
  }

  @Test func tiesBreakAsTorchTopK() throws {
    // Equal probabilities everywhere: which experts win is torch.topk's tie order.
    let weights = PartWeights(seed: 14)
    try weights.add("gate.weight", [8, 32])
    let router = try weights.loader().expertRouter(
      "gate", experts: 8, model: 32, topK: 3, scoring: .softmax(renormalize: false))
    var logits = [Float](repeating: 1, count: 8)
    let routing = logits.withUnsafeMutableBufferPointer {
      // swift-format-ignore: NeverForceUnwrap
      router.route(logits: $0.baseAddress!, rows: 1)
    }
    #expect(routing.experts == TorchTopK.indices(of: [Double](repeating: 0.125, count: 8), k: 3))
  }

  @Test func inconsistentSettingsAreRefused() throws {
    let weights = PartWeights(seed: 15)
    try weights.add("gate.weight", [8, 32])
    let loader = weights.loader()
    let bad: [(Int, ExpertRouter.Scoring)] = [
      (9, .softmax(renormalize: false)),
      (2, .biasedSoftmax(bias: [0, 0])),
      (
        2,
        .groupLimitedSigmoid(
          selectionBias: nil, groups: 3, keptGroups: 1, renormalize: true, scale: 1)
      ),
      (
        5,
        .groupLimitedSigmoid(
          selectionBias: nil, groups: 4, keptGroups: 2, renormalize: true, scale: 1)
      ),
    ]
    for (k, scoring) in bad {
      #expect(throws: (any Error).self) {
        try loader.expertRouter("gate", experts: 8, model: 32, topK: k, scoring: scoring)
      }
    }
  }
}
