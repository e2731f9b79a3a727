import Testing
import UnmaskExperiments

@Suite struct WilsonIntervalTests {
  // Reference values from the textbook formula in Python (float64), rounded to 5 digits; they
  // agree with statsmodels proportion_confint(method="wilson") by definition of that method.
  @Test(arguments: [
    (45, 50, 0.78640, 0.95652), (0, 50, 0.0, 0.07135), (50, 50, 0.92865, 1.0),
    (1, 3, 0.06149, 0.79234),
  ])
  func matchesReference(successes: Int, trials: Int, lower: Double, upper: Double) {
    let ci = WilsonInterval(successes: successes, trials: trials)
    #expect(abs(ci.lower - lower) < 1e-4)
    #expect(abs(ci.upper - upper) < 1e-4)
  }

  @Test func noTrialsIsTheWholeRange() {
    #expect(WilsonInterval(successes: 0, trials: 0).array == [0, 1])
  }
}
