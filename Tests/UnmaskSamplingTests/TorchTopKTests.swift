import Testing
import UnmaskCore
@testable import UnmaskSampling

@Suite("torch.topk and torch.linspace reproduced bit for bit")
struct TorchTopKTests {
  struct TieCase: Decodable, Sendable {
    var values: [Double?]
    var k: Int
    var indices: [Int]
  }

  struct LinspaceCase: Decodable, Sendable {
    var count: Int
    var bits: [Int32]
  }

  @Test func tieBreakingMatchesTorch() throws {
    let cases = try Fixtures.load([TieCase].self, "topk_ties.json")
    #expect(cases.count > 100)
    var mismatches = 0
    for c in cases {
      let values = c.values.map { $0 ?? -.infinity }
      if TorchTopK.indices(of: values, k: c.k) != c.indices { mismatches += 1 }
    }
    #expect(mismatches == 0, "\(mismatches) of \(cases.count) tie cases differ from torch.topk")
  }

  @Test func distinctValuesComeOutSortedDescending() {
    let values: [Double] = [0.3, -.infinity, 0.9, 0.1, 0.5]
    #expect(TorchTopK.indices(of: values, k: 3) == [2, 4, 0])
    #expect(TorchTopK.indices(of: values, k: 0).isEmpty)
    #expect(TorchTopK.indices(of: values, k: 9).count == 5)
  }

  @Test func dreamTimestepsMatchTorchLinspace() throws {
    let cases = try Fixtures.load([LinspaceCase].self, "linspace.json")
    for c in cases {
      let mine = CommitCounter.dreamTimesteps(count: c.count, eps: 1e-3).map {
        Int32(bitPattern: $0.bitPattern)
      }
      #expect(mine == c.bits, "linspace(1, 1e-3, \(c.count)) differs")
    }
  }
}

@Suite("torch.softmax float32 reproduced bit for bit")
struct TorchSoftmaxTests {
  struct Row: Decodable, Sendable {
    var logits: [Int32]
    var probabilities: [Int32]
  }

  @Test func softmaxMatchesTorchBitForBit() throws {
    let rows = try Fixtures.load([Row].self, "softmax.json")
    #expect(rows.count >= 50)
    var worstUlps: Int32 = 0
    for row in rows {
      let x = row.logits.map { Float(bitPattern: UInt32(bitPattern: $0)) }
      var out = [Float](repeating: 0, count: x.count)
      x.withUnsafeBufferPointer { TorchSoftmax.softmax($0, into: &out) }
      for (mine, theirs) in zip(out, row.probabilities) {
        worstUlps = max(worstUlps, abs(Int32(bitPattern: mine.bitPattern) - theirs))
      }
    }
    print("softmax: worst gap \(worstUlps) ulp over \(rows.count) rows")
    #expect(worstUlps == 0)
  }
}
