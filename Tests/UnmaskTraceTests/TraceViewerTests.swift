import Foundation
import Testing
@testable import UnmaskTrace

@Suite("Trace viewer")
struct TraceViewerTests {
  @Test("the page is self-contained: no http(s) address, no external script, style or image")
  func selfContained() throws {
    let (directory, trace) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    var hostile = trace
    // Data that would break out of the script element or carry an address.
    hostile.run.promptText[0] = "</script><img src=https://example.com/x.png>"
    hostile.run.model = "http://example.com/model"
    let html = try TraceViewer.html([(hostile, "https://example.com/run"), (trace, "b")])
    #expect(!html.lowercased().contains("http:"))
    #expect(!html.lowercased().contains("https:"))
    #expect(!html.contains("<link"))
    #expect(!html.contains("<img") && !html.contains("<script src"))
    #expect(!html.contains("@import"))
    #expect(html.components(separatedBy: "</script>").count == 3)  // two script elements
  }

  @Test("the embedded JSON parses back to the trace's values")
  func embeddedData() throws {
    let (directory, trace) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    var changed = trace
    changed.run.promptText[1] = "<b>http://x</b>"
    let html = try TraceViewer.html([(changed, "run")])
    let start = try #require(html.range(of: "type=\"application/json\">"))
    let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
    let json = try #require(
      JSONSerialization.jsonObject(with: Data(html[start.upperBound..<end.lowerBound].utf8))
        as? [[String: Any]])
    let run = try #require(json.first)
    #expect(run["steps"] as? Int == 6)
    #expect(run["positions"] as? Int == 12)
    #expect(run["prompt_length"] as? Int == 4)
    #expect((run["prompt_text"] as? [String])?[1] == "<b>http://x</b>")
    #expect((run["state"] as? [Int])?.count == 72)
    #expect((run["commits"] as? [[String: Any]])?.count == 9)
    let confidence = try #require(run["confidence"] as? [Any])
    // Step 0, position 5 was masked: confidence 5/16; position 0 is prompt: null.
    #expect((confidence[5] as? Double) == 0.3125)
    #expect(confidence[0] is NSNull)
  }

  @Test("canvas text: prompt, committed tokens at their commit, masks as glyphs")
  func canvasText() throws {
    let (directory, trace) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    let m = TraceViewer.maskGlyph
    // Step 1: P P P P 1 R 0 1 . . . . (position 5 re-masked).
    #expect(
      TraceViewerData.canvasText(trace, step: 1)
        == "t1t2t3t4t104\(m)t106t107\(m)\(m)\(m)\(m)")
    // Step 2: position 5 committed again, with a new token.
    #expect(TraceViewerData.canvasText(trace, step: 2).hasPrefix("t1t2t3t4t104t115t106t107"))
    #expect(
      TraceViewerData.canvasText(trace, step: 5) == "t1t2t3t4t104t115t106t107t108t109t110t111")
  }

  @Test(
    "headless chromium: the DOM shows the canvas text of the step in the address",
    .enabled(if: HeadlessBrowser.enabled), arguments: [1, 3])
  func browserDOM(step: Int) throws {
    let (directory, trace) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    let page = directory.appendingPathComponent("viewer.html")
    try TraceViewer.write([(trace, "left"), (trace, "right")], to: page)
    let dom = try HeadlessBrowser.run(["--dump-dom", page.absoluteString + "#step=\(step)"])
    let expected = TraceViewerData.canvasText(trace, step: step)
    #expect(Self.elementText(dom, id: "run0-text") == expected)
    #expect(Self.elementText(dom, id: "run1-text") == expected)
    #expect(Self.elementText(dom, id: "step-label")?.hasPrefix("step \(step) / 5") == true)
  }

  @Test(
    "headless chromium: the screenshot is not blank",
    .enabled(if: HeadlessBrowser.enabled))
  func browserScreenshot() throws {
    let (directory, trace) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    let page = directory.appendingPathComponent("viewer.html")
    try TraceViewer.write([(trace, "run")], to: page)
    let shot = directory.appendingPathComponent("shot.png")
    _ = try HeadlessBrowser.run([
      "--window-size=1000,700", "--screenshot=\(shot.path)", page.absoluteString + "#step=2",
    ])
    let image = try PNGImage.read(contentsOf: shot.path)
    #expect(image.width == 1000 && image.height == 700)
    // Count the colours the page drew: a blank page has one or two.
    var colours = Set<UInt32>()
    var orange = 0
    let channels = image.pixels.count / (image.width * image.height)
    for i in stride(from: 0, to: image.pixels.count, by: channels) {
      let r = UInt32(image.pixels[i])
      let g = UInt32(image.pixels[i + 1])
      let b = UInt32(image.pixels[i + 2])
      colours.insert(r << 16 | g << 8 | b)
      if r == 255 && g == 127 && b == 14 { orange += 1 }  // heatmap: committed at this step
    }
    #expect(colours.count > 20, "screenshot has only \(colours.count) colours")
    #expect(orange > 0, "no heatmap cell committed-at-this-step colour in the screenshot")
  }

  /// The text content of the element with `id` in a dumped DOM (tags stripped, entities
  /// decoded).
  static func elementText(_ dom: String, id: String) -> String? {
    guard let open = dom.range(of: "id=\"\(id)\"") else { return nil }
    guard let tagEnd = dom.range(of: ">", range: open.upperBound..<dom.endIndex) else { return nil }
    // The element's own closing tag: count nested tags of the same name.
    guard
      let tagStart = dom.range(
        of: "<", options: .backwards, range: dom.startIndex..<open.lowerBound)
    else { return nil }
    let name = dom[tagStart.upperBound...].prefix { $0.isLetter || $0.isNumber }
    var depth = 1
    var index = tagEnd.upperBound
    var text = ""
    while index < dom.endIndex && depth > 0 {
      if dom[index] == "<" {
        guard let close = dom.range(of: ">", range: index..<dom.endIndex) else { return nil }
        let tag = dom[dom.index(after: index)..<close.lowerBound]
        if tag.hasPrefix("/" + name) { depth -= 1 } else if tag.hasPrefix(name) { depth += 1 }
        index = close.upperBound
      } else {
        text.append(dom[index])
        index = dom.index(after: index)
      }
    }
    return text.replacingOccurrences(of: "&lt;", with: "<")
      .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
  }
}
