import Foundation
import Testing
@testable import UnmaskTrace

@Suite struct PNGTests {
  @Test func writeThenReadBack() throws {
    var image = PNGImage(width: 7, height: 5, background: RGB(1, 2, 3))
    image.setPixel(x: 6, y: 4, RGB(250, 128, 7))
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-\(UUID().uuidString).png")
    defer { try? FileManager.default.removeItem(at: url) }
    try PNGWriter.write(image, to: url)
    let back = try PNGImage.read(contentsOf: url.path)
    #expect(back == image)
    let bytes = try PNGWriter.encode(image)
    #expect(Array(bytes.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
  }

  @Test func errorsNameTheFile() {
    #expect(throws: TraceError.self) {
      try PNGWriter.write(
        PNGImage(width: 2, height: 2), to: URL(fileURLWithPath: "/nonexistent/dir/x.png"))
    }
    #expect(throws: TraceError.self) { _ = try PNGImage.read(contentsOf: "/nonexistent.png") }
  }

  @Test func fontDrawsInkInsideItsBox() {
    var image = PNGImage(width: 40, height: 12)
    let font = BitmapFont()
    font.draw("Hi", x: 1, y: 1, color: .black, into: &image)
    var ink = 0
    for y in 0..<12 {
      for x in 0..<40 where image.pixel(x: x, y: y) == .black {
        ink += 1
        #expect(x >= 1 && x < 1 + font.width(of: "Hi") && y >= 1 && y < 8)
      }
    }
    #expect(ink > 10)
    #expect(BitmapFont.glyphBits.count == 95 * 7)
  }
}
