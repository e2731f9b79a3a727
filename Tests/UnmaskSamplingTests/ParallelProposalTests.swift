import Foundation
import Testing
import UnmaskCore
import UnmaskKernels

@testable import UnmaskSampling

/// Logits from a hash of (position, the token there, masks left, vocabulary index): rows differ
/// and change as the canvas fills, with ties rare. Large enough a vocabulary that a step's rows
/// split over the threads.
final class HashedLogitsPredictor: MaskPredictor {
  let vocabularySize = 8192
  let maskID: Int32 = 8191

  func logits(for request: ForwardRequest) throws -> [Matrix] {
    try request.computingWholeCanvases { tokens in
      let masks = UInt64(tokens.filter { $0 == self.maskID }.count)
      var m = Matrix(rows: tokens.count, columns: self.vocabularySize)
      for i in 0..<tokens.count {
        var h =
          UInt64(i) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: Int64(tokens[i])) << 20 ^ masks
        for j in 0..<self.vocabularySize {
          h = h &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
          m.values[i * self.vocabularySize + j] = Float(h >> 40) / Float(1 << 24) * 8 - 4
        }
      }
      return m
    }
  }
}

/// Greedy proposals split over the threads (`Run.proposeInParallel`) give the same tokens,
/// commits and per-position statistics as one thread. Serialized, so that libdispatch's workers
/// are free and the two shares really run at once (proposers sharing buffers then crashed).
@Suite("Proposals on several threads", .serialized)
struct ParallelProposalTests {
  @Test func onlyGreedyProposalsOfEnoughLogitsSplit() {
    #expect(Run.proposalThreads(rows: 64, vocabulary: 8192, drawsNothing: true, threads: 2) == 2)
    #expect(Run.proposalThreads(rows: 64, vocabulary: 8192, drawsNothing: false, threads: 2) == 1)
    #expect(Run.proposalThreads(rows: 8, vocabulary: 8192, drawsNothing: true, threads: 2) == 1)
    #expect(Run.proposalThreads(rows: 3, vocabulary: 126_464, drawsNothing: true, threads: 8) == 1)
    #expect(
      Run.proposalThreads(rows: 992, vocabulary: 126_464, drawsNothing: true, threads: 2) == 2)
  }

  @Test(arguments: [
    (PresetName.llada, "confidence"), (.llada, "entropy"), (.dream, "entropy"), (.dream, "margin"),
  ])
  func theSameRunOnOneThreadAndOnTwo(preset: PresetName, strategy: String) throws {
    let model = HashedLogitsPredictor()
    var settings = DenoisingSettings.preset(preset)
    settings.length = 96
    settings.steps = 12
    settings.blockLength = 96
    settings.strategy = .defaults(StrategyName(rawValue: strategy))
    settings.maskID = model.maskID
    settings.temperature = 0
    #expect(
      Run.proposalThreads(
        rows: settings.length, vocabulary: model.vocabularySize, drawsNothing: true, threads: 2)
        == 2)
    let before = ComputeThreads.count
    defer { ComputeThreads.set(before) }
    var runs: [(result: DenoisingResult, steps: [DenoisingStep])] = []
    for threads in [1, 2] {
      ComputeThreads.set(threads)
      let denoiser = try Denoiser(model: model, settings: settings)
      let recorder = Recorder()
      let result = try denoiser.generate(prompt: [1, 2, 3, 4], observers: [recorder])
      runs.append((result, recorder.steps))
    }
    #expect(runs[0].result.generated == runs[1].result.generated)
    #expect(runs[0].steps.count == runs[1].steps.count)
    for (a, b) in zip(runs[0].steps, runs[1].steps) {
      #expect(a.committed == b.committed)
      #expect(a.confidence.elementsEqual(b.confidence) { $0 == $1 || ($0.isNaN && $1.isNaN) })
      #expect(a.entropy.elementsEqual(b.entropy) { $0 == $1 || ($0.isNaN && $1.isNaN) })
      #expect(a.margin.elementsEqual(b.margin) { $0 == $1 || ($0.isNaN && $1.isNaN) })
    }
  }
}
