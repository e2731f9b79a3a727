import Testing
@testable import UnmaskSampling

@Suite("Commit counts of every schedule and rounding rule")
struct ScheduleTests {
  static let shapes: [(length: Int, steps: Int, block: Int)] = {
    var out: [(Int, Int, Int)] = []
    for length in [1, 2, 7, 16, 33, 64, 100] {
      for block in [1, 4, 8, 16, 33, 64, 100] where block <= length && length % block == 0 {
        let blocks = length / block
        for perBlock in [1, 2, 3, 5, 8, 16, 40] { out.append((length, perBlock * blocks, block)) }
      }
    }
    return out
  }()

  static let schedules = ScheduleName.allCases.filter { $0 != .explicit }

  @Test(arguments: schedules, RoundingRule.allCases)
  func countsSumToMaskedAndNeverGoNegative(schedule: ScheduleName, rounding: RoundingRule) throws {
    var rng = SeededGenerator(seed: 1)
    for shape in Self.shapes {
      var s = DenoisingSettings()
      s.length = shape.length
      s.steps = shape.steps
      s.blockLength = shape.block
      s.schedule = .defaults(schedule)
      s.rounding = rounding
      try s.validate()
      let counter = CommitCounter(settings: s, maskedAtStart: shape.block)
      var left = shape.block
      for i in 0..<s.stepsPerBlock {
        let n = counter.count(step: i, maskedNow: left, rng: &rng)
        #expect(
          n >= 0 && n <= left,
          "\(schedule) \(rounding) \(shape): step \(i) count \(n) with \(left) left")
        left -= n
      }
      #expect(left == 0, "\(schedule) \(rounding) \(shape): \(left) masks left after the last step")
    }
  }

  @Test func evenLinearIsLLaDAGetNumTransferTokens() {
    let times = (0...4).map { 1 - Double($0) / 4 }
    #expect(
      CommitCounter.evenPlan(masked: 10, times: times, schedule: LinearSchedule()) == [3, 3, 2, 2])
    #expect(
      CommitCounter.evenPlan(masked: 3, times: times, schedule: LinearSchedule()) == [1, 1, 1, 0])
  }

  @Test func dreamTruncationCommitsNothingFirstWhenStepsEqualLength() {
    var s = DenoisingSettings.preset(.dream)
    s.length = 16
    s.steps = 16
    s.blockLength = 16
    var rng = SeededGenerator(seed: 0)
    let counter = CommitCounter(settings: s, maskedAtStart: 16)
    #expect(counter.count(step: 0, maskedNow: 16, rng: &rng) == 0)
  }

  @Test func explicitCountsAreUsedAndLastStepTakesTheRest() throws {
    var s = DenoisingSettings()
    s.length = 10
    s.steps = 3
    s.blockLength = 10
    s.schedule = .explicit(counts: [5, 1, 0])
    try s.validate()
    var rng = SeededGenerator(seed: 0)
    let counter = CommitCounter(settings: s, maskedAtStart: 10)
    #expect(counter.count(step: 0, maskedNow: 10, rng: &rng) == 5)
    #expect(counter.count(step: 1, maskedNow: 5, rng: &rng) == 1)
    #expect(counter.count(step: 2, maskedNow: 4, rng: &rng) == 4)
  }

  @Test(arguments: [
    ScheduleName.linear, .cosine, .cosineSquared, .logLinear, .geometric, .polynomial,
  ])
  func maskedFractionFallsFromOneToZero(schedule: ScheduleName) {
    var s = DenoisingSettings()
    s.schedule = .defaults(schedule)
    let f = s.makeSchedule()
    #expect(abs(f.maskedFraction(at: 1) - 1) < 0.01)
    #expect(f.maskedFraction(at: 0) < 0.01)
    for i in 0..<20 {
      #expect(f.maskedFraction(at: Double(i) / 20) <= f.maskedFraction(at: Double(i + 1) / 20))
    }
  }
}
