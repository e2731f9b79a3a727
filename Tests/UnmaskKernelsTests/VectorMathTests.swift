import Foundation
import Testing
import UnmaskCore
@testable import UnmaskKernels

@Test func vectorisedExpIsWithinTwoUlpOfLibm() {
  var worst: Float = 0
  var x: Float = -87
  while x < 88 {
    var lanes = SIMD16<Float>()
    for i in 0..<16 { lanes[i] = x + Float(i) * 0.000_731 }
    let fast = VectorMath.exp(lanes)
    for i in 0..<16 {
      let exact = Float(Foundation.exp(Double(lanes[i])))
      worst = max(worst, abs(fast[i] - exact) / exact.ulp)
    }
    x += 0.0137
  }
  print("exp: worst error \(worst) ulp")
  #expect(worst <= 2)
}

@Test(arguments: [1, 7, 16, 33, 160])
func softmaxRowsSumToOneAndMatchDoubleReference(columns: Int) {
  var generator = SplitMix64(seed: UInt64(columns))
  var values = (0..<(3 * columns)).map { _ in generator.nextFloat() * 20 - 10 }
  let reference = values
  values.withUnsafeMutableBufferPointer {
    VectorMath.softmaxRows($0.baseAddress!, rows: 3, columns: columns)
  }
  for r in 0..<3 {
    let row = reference[(r * columns)..<((r + 1) * columns)].map(Double.init)
    let m = row.max()!
    let z = row.reduce(0) { $0 + Foundation.exp($1 - m) }
    for c in 0..<columns {
      let expected = Foundation.exp(row[c] - m) / z
      #expect(abs(Double(values[r * columns + c]) - expected) <= 1e-6 * max(expected, 1e-3))
    }
  }
}

@Test func swigluMatchesFormula() {
  var gate: [Float] = (0..<37).map { Float($0) * 0.37 - 6 }
  let up: [Float] = (0..<37).map { 1 + Float($0) * 0.01 }
  let expected = zip(gate, up).map { g, u in
    Float(Double(g) / (1 + Foundation.exp(-Double(g))) * Double(u))
  }
  gate.withUnsafeMutableBufferPointer { g in
    up.withUnsafeBufferPointer { VectorMath.swiglu(g.baseAddress!, $0.baseAddress!, count: 37) }
  }
  for (a, b) in zip(gate, expected) { #expect(abs(a - b) <= 4 * max(abs(b).ulp, Float.ulpOfOne)) }
}
