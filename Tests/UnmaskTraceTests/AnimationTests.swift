import Foundation
import Testing
import UnmaskCore
@testable import UnmaskTrace

@Suite struct AnimationTests {
  /// The fixture's denoise.gif, decoded, with the trace and the animation's geometry.
  func decodedFixture() throws -> (GIFDecoder, Trace, CanvasAnimation.Geometry) {
    let (directory, trace) = try TraceFixture.record()
    defer { try? FileManager.default.removeItem(at: directory) }
    let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent("denoise.gif")))
    let gif = try #require(GIFDecoder(bytes))
    return (gif, trace, CanvasAnimation.Geometry(trace, options: FigureOptions()))
  }

  /// Pixels that differ (all of them when the sizes do), so a failure prints a count, not two
  /// images' bytes.
  func differingPixels(_ a: PNGImage, _ b: PNGImage) -> Int {
    guard a.width == b.width, a.height == b.height else { return max(a.width * a.height, 1) }
    return (0..<(a.width * a.height)).filter {
      a.pixels[3 * $0..<3 * $0 + 3] != b.pixels[3 * $0..<3 * $0 + 3]
    }.count
  }

  @Test func gifHasHeaderAndOneFramePerStep() throws {
    let (gif, trace, geometry) = try decodedFixture()
    #expect(gif.width == geometry.width && gif.height == geometry.height)
    // Start frame, one per step, and the held final frame.
    #expect(gif.frames.count == trace.stepCount + 2)
    #expect(gif.frames.last?.delay == 300)
    // A handful of colours: a 4-bit palette at most, so LZW codes start small.
    #expect(gif.palette.count <= 16)
  }

  @Test func knownBoxesHaveTheirColourAtEachFrame() throws {
    let (gif, _, geometry) = try decodedFixture()
    // Top-left pixel of a position's box (the fill; text starts one pixel in) in frame `k`.
    func color(_ position: Int, frame k: Int) throws -> RGB {
      let item = try #require(geometry.layout.items.first { $0.position == position })
      let box = geometry.box(of: item)
      return gif.frames[k].canvas.pixel(x: box.x, y: box.y)
    }
    for position in 4..<12 { #expect(try color(position, frame: 0) == CanvasAnimation.maskedColor) }
    // Frame 1 shows step 0: positions 5 and 6 committed.
    #expect(try color(5, frame: 1) == CanvasAnimation.newColor)
    #expect(try color(6, frame: 1) == CanvasAnimation.newColor)
    #expect(try color(4, frame: 1) == CanvasAnimation.maskedColor)
    // Frame 2 shows step 1: 4 and 7 committed, 5 re-masked, 6 no longer new.
    #expect(try color(4, frame: 2) == CanvasAnimation.newColor)
    #expect(try color(7, frame: 2) == CanvasAnimation.newColor)
    #expect(try color(5, frame: 2) == CanvasAnimation.remaskedColor)
    #expect(try color(6, frame: 2) == CanvasAnimation.committedColor)
    // The held final frame: every box committed, highlights cleared.
    for position in 4..<12 {
      #expect(try color(position, frame: gif.frames.count - 1) == CanvasAnimation.committedColor)
    }
  }

  @Test func deltaFramesComposeToTheCanvasDrawnWhole() throws {
    let (gif, trace, geometry) = try decodedFixture()
    // The first frame is the whole image; later ones only the rectangle that changed.
    #expect(gif.frames[0].width == gif.width && gif.frames[0].height == gif.height)
    #expect(gif.frames[1].width < gif.width / 2 && gif.frames[1].height < gif.height / 2)
    // Drawn from scratch: the title and every box in its final state.
    var whole = PNGImage(width: geometry.width, height: geometry.height, background: .white)
    geometry.drawTitle(CanvasAnimation.title(of: trace), into: &whole)
    let texts = OrderLayout.finalTexts(of: trace)
    for item in geometry.layout.items {
      geometry.drawBox(
        item, color: CanvasAnimation.committedColor,
        text: OrderLayout.display(texts[item.position]).text, into: &whole)
    }
    #expect(differingPixels(try #require(gif.frames.last?.canvas), whole) == 0)
    // Skipping straight to the last step composes to the same final canvas.
    var options = FigureOptions()
    options.maxFrames = 2
    let short = try #require(GIFDecoder(CanvasAnimation.render(trace, options: options)))
    #expect(short.frames.count == 3)
    #expect(differingPixels(try #require(short.frames.last?.canvas), whole) == 0)
  }

  @Test func longRunsAreCappedInFrames() throws {
    let run = SyntheticRun(positions: 40, promptLength: 8, steps: 64, blocks: 2)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-gif-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let recorder = try TraceRecorder(
      directory: directory, run: TraceRunInfo(model: "m", promptTokens: run.prompt, strategy: "s"))
    recorder.figures.enabled = false
    recorder.denoisingWillStart(canvas: run.start, promptLength: run.promptLength)
    for step in run.steps() { _ = recorder.denoisingDidFinish(step) }
    let trace = try recorder.finish()
    var options = FigureOptions()
    options.maxFrames = 10
    let gif = try #require(GIFDecoder(CanvasAnimation.render(trace, options: options)))
    #expect(gif.frames.count <= options.maxFrames + 2)
    #expect(gif.frames.count >= 3)
  }

  @Test(arguments: [0, 1, 300, 5000, 70000], [2, 3, 8])
  func lzwRoundTrips(count: Int, minimumCodeSize: Int) {
    var generator = SplitMix64(seed: UInt64(count))
    let symbols = UInt64(1 << minimumCodeSize)
    // Mix of runs and noise, so the table fills and resets for the long inputs.
    let input: [UInt8] = (0..<count).map { i in
      i % 97 < 40 ? UInt8(UInt64(i / 97 % 4) % symbols) : UInt8(generator.next() % symbols)
    }
    let encoded = LZW.encode(input, minimumCodeSize: minimumCodeSize)
    #expect(GIFDecoder.decompress(encoded, minimumCodeSize: minimumCodeSize) == input)
  }

  @Test func oneEncoderAcrossManyFramesStaysCorrect() {
    // The string table is reused between frames by stamping generations: a stale entry from
    // an earlier frame must never leak into a later one.
    var encoder = LZW(minimumCodeSize: 3)
    var generator = SplitMix64(seed: 7)
    for frame in 0..<50 {
      let input = (0..<(frame * 37 % 400)).map { _ in UInt8(generator.next() % 8) }
      #expect(GIFDecoder.decompress(encoder.encode(input), minimumCodeSize: 3) == input)
    }
  }
}
