import Testing

@testable import UnmaskModels

/// The scratch a stack keeps between passes: the largest one given back, lent to any pass that
/// fits in it (a cached sampler's window passes after its full passes), one pass at a time.
@Suite struct ForwardBuffersTests {
  let shape = AttentionShape(heads: 2, kvHeads: 1, headDimension: 4)

  func take(_ buffers: ForwardBuffers, _ tokens: Int) -> ForwardScratch {
    buffers.takeScratch(tokens: tokens) {
      ForwardScratch(tokens: $0, model: 8, attention: shape, fusedWidth: 0, feedForward: 32 * $0)
    }
  }

  @Test func aSmallerPassReusesTheLargerScratch() {
    let buffers = ForwardBuffers()
    let full = take(buffers, 40)
    buffers.giveBack(full)
    let window = take(buffers, 8)
    #expect(window === full)
    buffers.giveBack(window)
    // A larger pass needs a new one, which is then the one kept.
    let larger = take(buffers, 41)
    #expect(larger !== full && larger.tokens == 41)
    buffers.giveBack(full)
    buffers.giveBack(larger)
    #expect(take(buffers, 41) === larger)
  }

  @Test func aSmallerScratchDoesNotReplaceALargerOne() {
    let buffers = ForwardBuffers()
    let large = take(buffers, 40)
    let small = take(buffers, 8)  // taken while `large` is out: a new one
    #expect(small !== large && small.tokens == 8)
    buffers.giveBack(large)
    buffers.giveBack(small)
    #expect(take(buffers, 20) === large)
    // While it is lent, another pass gets its own.
    #expect(take(buffers, 20) !== large)
  }
}
