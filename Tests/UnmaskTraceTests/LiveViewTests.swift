import Testing
@testable import UnmaskTrace

@Suite struct LiveViewTests {
  @Test func plainModePrintsOneLinePerStep() {
    var output = ""
    let view = LiveView(tokenText: TraceFixture.tokenText, ansi: false) { output += $0 }
    let (start, steps, final) = TraceFixture.events()
    view.denoisingWillStart(canvas: start, promptLength: 4)
    for step in steps { _ = view.denoisingDidFinish(step) }
    view.denoisingDidEnd(canvas: final)
    let lines = output.split(separator: "\n")
    #expect(lines.count == 7)
    #expect(lines[1] == "step 2 block 0: committed 2, masked 5/8")
  }

  @Test func ansiModeHighlightsNewTokens() {
    var output = ""
    let view = LiveView(tokenText: TraceFixture.tokenText, ansi: true) { output = $0 }
    let (start, steps, _) = TraceFixture.events()
    view.denoisingWillStart(canvas: start, promptLength: 4)
    _ = view.denoisingDidFinish(steps[0])
    #expect(output.contains("\u{1B}[1;30;43mt105\u{1B}[0m"))
    #expect(output.contains("\u{1B}[2m_"))
    #expect(output.contains(LiveView.progressBar(done: 2, total: 8)))
  }

  @Test func progressBarFills() {
    #expect(LiveView.progressBar(done: 5, total: 10, width: 10) == "[#####.....]")
  }
}
