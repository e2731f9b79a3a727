import Testing
@testable import UnmaskCore

@Test func matrixIndexesRowMajor() {
  var m = Matrix(rows: 2, columns: 3)
  m[1, 2] = 5
  #expect(m.values[5] == 5)
  #expect(Array(m.row(1)) == [0, 0, 5])
}
