import Foundation
import Testing
import UnmaskKernels
@testable import UnmaskModels

/// The grouped mixture-of-experts computation against per-token computation and a float64
/// reference, and the promise that an expert nobody picks is never read.
@Suite("Mixture of experts")
struct MixtureOfExpertsTests {
  static let experts = 8
  static let model = 64
  static let hidden = 32
  static let topK = 2

  /// A mixture with `experts` random experts and a shared expert of twice their width.
  static func mixture(_ scoring: ExpertRouter.Scoring, seed: UInt64) throws -> (
    MixtureOfExperts, PartWeights
  ) {
    let weights = PartWeights(seed: seed)
    try weights.add("mlp.gate.weight", [experts, model])
    for e in 0..<experts {
      try weights.add("mlp.experts.\(e).gate_proj.weight", [hidden, model])
      try weights.add("mlp.experts.\(e).up_proj.weight", [hidden, model])
      try weights.add("mlp.experts.\(e).down_proj.weight", [model, hidden])
    }
    try weights.add("mlp.shared_experts.gate_proj.weight", [2 * hidden, model])
    try weights.add("mlp.shared_experts.up_proj.weight", [2 * hidden, model])
    try weights.add("mlp.shared_experts.down_proj.weight", [model, 2 * hidden])
    let loader = weights.loader()
    let moe = try MixtureOfExperts(
      router: loader.expertRouter(
        "mlp.gate", experts: experts, model: model, topK: topK, scoring: scoring),
      experts: loader.experts("mlp.experts", count: experts, model: model, hidden: hidden),
      shared: loader.swiGLU("mlp.shared_experts", model: model, hidden: 2 * hidden))
    try loader.finish()
    return (moe, weights)
  }

  static let scorings: [ExpertRouter.Scoring] = [
    .biasedSoftmax(bias: (0..<experts).map { Float($0) * 0.01 }),
    .groupLimitedSigmoid(selectionBias: nil, groups: 4, keptGroups: 2, renormalize: true, scale: 2),
    .softmax(renormalize: false),
  ]

  @Test(arguments: scorings)
  func groupedEqualsPerTokenAndFloat64(scoring: ExpertRouter.Scoring) throws {
    let (moe, weights) = try Self.mixture(scoring, seed: 21)
    let rows = 23
    let x = activations(rows * Self.model, seed: 22)
    for path in KernelPath.available {
      let grouped = try run(moe, x, rows: rows, on: path)
      var routing: ExpertRouting?
      var scratch = [Float](repeating: 0, count: moe.scratchCount(rows: rows))
      var ignored = [Float](repeating: 0, count: rows * Self.model)
      try KernelPath.with(path) {
        x.withUnsafeBufferPointer { xs in
          // swift-format-ignore: NeverForceUnwrap
          routing = moe.applyReturningRouting(
            xs.baseAddress!, rows: rows, into: &ignored, scratch: &scratch)
        }
      }
      let routed = try #require(routing)
      // Per token: each chosen expert over that one row, added in expert order, then shared.
      var perToken = [Float](repeating: 0, count: rows * Self.model)
      var exact = [Double](repeating: 0, count: rows * Self.model)
      for t in 0..<rows {
        let row = Array(x[(t * Self.model)..<((t + 1) * Self.model)])
        let picks = (0..<Self.topK).map {
          (routed.experts[t * Self.topK + $0], routed.weights[t * Self.topK + $0])
        }.sorted { $0.0 < $1.0 }
        var sum = [Float](repeating: 0, count: Self.model)
        var sumExact = [Double](repeating: 0, count: Self.model)
        for (e, w) in picks {
          let y = try run(moe.experts[e], row, rows: 1, on: path)
          for c in 0..<Self.model { sum[c] += w * y[c] }
          let p = "mlp.experts.\(e)"
          let z = naiveSwiGLU(
            row.map(Double.init), rows: 1, gate: try weights.floats("\(p).gate_proj.weight"),
            up: try weights.floats("\(p).up_proj.weight"),
            down: try weights.floats("\(p).down_proj.weight"), hidden: Self.hidden)
          for c in 0..<Self.model { sumExact[c] += Double(w) * z[c] }
        }
        let s = try run(try #require(moe.shared), row, rows: 1, on: path)
        let p = "mlp.shared_experts"
        let z = naiveSwiGLU(
          row.map(Double.init), rows: 1, gate: try weights.floats("\(p).gate_proj.weight"),
          up: try weights.floats("\(p).up_proj.weight"),
          down: try weights.floats("\(p).down_proj.weight"), hidden: 2 * Self.hidden)
        for c in 0..<Self.model {
          perToken[t * Self.model + c] = sum[c] + s[c]
          exact[t * Self.model + c] = sumExact[c] + z[c]
        }
      }
      let name = scoring.testDescription
      let gap = worstRelativeGap(grouped, exact)
      print("MoE \(name) \(path.rawValue): load \(routed.load), worst gap \(gap) of max |y|")
      #expect(gap <= 1e-5, "\(name) \(path)")
      if path == .blas {
        // sgemm over 1 row and over n rows may order sums differently.
        #expect(worstRelativeGap(grouped, perToken.map(Double.init)) <= 1e-6)
      } else {
        // Unmask's kernels sum each row on its own: grouping changes nothing.
        #expect(grouped == perToken, "\(name) \(path)")
      }
    }
    let perExpert = 3 * Self.model * Self.hidden
    // Gates, experts, the shared expert, and the expert bias where the scoring has one.
    let bias = scoring == Self.scorings[0] ? Self.experts : 0
    #expect(moe.parameterCount == Self.experts * (Self.model + perExpert) + bias + 2 * perExpert)
    #expect(
      moe.multiplyAddsPerToken == Self.experts * Self.model + Self.topK * perExpert + 2 * perExpert)
  }

  @Test func anExpertNobodyPicksIsNeverRead() throws {
    // Expert 3's weights lie in memory that traps on any access; the bias keeps it last, so
    // reading it (even to multiply by a zero weight) would crash this test.
    let (reference, _) = try Self.mixture(.softmax(renormalize: false), seed: 31)
    let trap = try UnreadableBytes(count: 3 * Self.model * Self.hidden * 4)
    let banned = try SwiGLUFeedForward(
      gate: Linear(weight: trap.view("gate", rows: Self.hidden, columns: Self.model)),
      up: Linear(weight: trap.view("up", rows: Self.hidden, columns: Self.model)),
      down: Linear(weight: trap.view("down", rows: Self.model, columns: Self.hidden)))
    var experts = reference.experts
    experts[3] = banned
    var bias = [Float](repeating: 0, count: Self.experts)
    bias[3] = -10
    let router = try ExpertRouter(
      gate: reference.router.gate, topK: Self.topK, scoring: .biasedSoftmax(bias: bias))
    let loads = LoadLog()
    let moe = try MixtureOfExperts(
      router: router, experts: experts, shared: reference.shared,
      onRouting: { routing in loads.append(routing.load) })
    let rows = 31
    let x = activations(rows * Self.model, seed: 32)
    for path in KernelPath.available {
      let y = try run(moe, x, rows: rows, on: path)
      #expect(y.allSatisfy { $0.isFinite }, "\(path)")
    }
    let seen = loads.all
    #expect(seen.count == KernelPath.available.count)
    for load in seen {
      #expect(load[3] == 0)
      #expect(load.reduce(0, +) == rows * Self.topK)
    }
    print("MoE loads with expert 3 banned: \(seen.first ?? [])")
  }

  /// With enough experts picked, threads go over experts instead of over each expert's GEMM
  /// tiles; each expert's output and each row's sum (in expert order) keep their bits.
  @Test func threadsOverExpertsGiveTheSameBitsAsOneThread() throws {
    let (moe, _) = try Self.mixture(.softmax(renormalize: true), seed: 51)
    let rows = 40
    let x = activations(rows * Self.model, seed: 52)
    let before = ComputeThreads.count
    defer { ComputeThreads.set(before) }
    // `.blas` too: its bits differ from the kernels', so an expert run on a worker thread that
    // missed the caller's `KernelPath.with` would show.
    for path in KernelPath.available {
      ComputeThreads.set(1)
      let one = try run(moe, x, rows: rows, on: path)
      for threads in [2, 3] {  // 8 experts picked: at least 2 per thread, so over experts
        ComputeThreads.set(threads)
        #expect(try run(moe, x, rows: rows, on: path) == one, "\(path) \(threads) threads")
      }
    }
  }

  @Test func mismatchedExpertCountIsRefused() throws {
    let (moe, _) = try Self.mixture(.softmax(renormalize: true), seed: 41)
    #expect(throws: ShapeError.self) {
      try MixtureOfExperts(router: moe.router, experts: Array(moe.experts.dropLast()))
    }
  }
}

/// Expert loads an observer saw, from any thread.
final class LoadLog: @unchecked Sendable {
  private let lock = NSLock()
  private var loads: [[Int]] = []

  func append(_ load: [Int]) {
    lock.lock()
    loads.append(load)
    lock.unlock()
  }

  var all: [[Int]] {
    lock.lock()
    defer { lock.unlock() }
    return loads
  }
}

extension ExpertRouter.Scoring: CustomTestStringConvertible {
  /// The case name, for test output.
  public var testDescription: String {
    switch self {
    case .biasedSoftmax: return "biasedSoftmax"
    case .groupLimitedSigmoid: return "groupLimitedSigmoid"
    case .softmax: return "softmax"
    }
  }
}
