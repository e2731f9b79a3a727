import Foundation
import Testing
import UnmaskKernels
@testable import UnmaskTrace

@Suite struct AnimationTests {
  /// Walks a GIF's blocks and counts image descriptors; nil when the structure is broken.
  func frameCount(_ bytes: [UInt8]) -> Int? {
    guard bytes.count > 13, Array(bytes[0..<6]) == Array("GIF89a".utf8) else { return nil }
    var i = 13
    if bytes[10] & 0x80 != 0 { i += 3 * (1 << (Int(bytes[10] & 0x07) + 1)) }
    func skipSubBlocks(_ j: inout Int) -> Bool {
      while j < bytes.count {
        let size = Int(bytes[j])
        j += 1
        if size == 0 { return true }
        j += size
      }
      return false
    }
    var frames = 0
    while i < bytes.count {
      switch bytes[i] {
      case 0x21:
        i += 2
        guard skipSubBlocks(&i) else { return nil }
      case 0x2C:
        frames += 1
        guard i + 10 < bytes.count else { return nil }
        let packed = bytes[i + 9]
        i += 10
        if packed & 0x80 != 0 { i += 3 * (1 << (Int(packed & 0x07) + 1)) }
        i += 1  // LZW minimum code size
        guard skipSubBlocks(&i) else { return nil }
      case 0x3B:
        return frames
      default:
        return nil
      }
    }
    return nil
  }

  @Test func gifHasHeaderAndOneFramePerStep() throws {
    let (directory, trace) = try TraceFixture.record()
    defer { try? FileManager.default.removeItem(at: directory) }
    let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent("denoise.gif")))
    #expect(Array(bytes[0..<6]) == Array("GIF89a".utf8))
    // Start frame, one per step, and the held final frame.
    #expect(frameCount(bytes) == trace.stepCount + 2)
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
    let frames = try #require(frameCount(CanvasAnimation.render(trace, options: options)))
    #expect(frames <= options.maxFrames + 2)
    #expect(frames >= 3)
  }

  /// Reference GIF LZW decoder, written independently of the encoder.
  func decode(_ data: [UInt8], minimumCodeSize: Int) -> [UInt8] {
    let clear = 1 << minimumCodeSize
    let end = clear + 1
    var codeSize = minimumCodeSize + 1
    var dictionary: [[UInt8]] = (0..<clear).map { [UInt8($0)] } + [[], []]
    var output: [UInt8] = []
    var previous: [UInt8]? = nil
    var bitPosition = 0
    while bitPosition + codeSize <= data.count * 8 {
      var code = 0
      for k in 0..<codeSize {
        let bit = (Int(data[(bitPosition + k) / 8]) >> ((bitPosition + k) % 8)) & 1
        code |= bit << k
      }
      bitPosition += codeSize
      if code == clear {
        codeSize = minimumCodeSize + 1
        dictionary = Array(dictionary[0..<(clear + 2)])
        previous = nil
        continue
      }
      if code == end { break }
      var entry: [UInt8]
      if code < dictionary.count {
        entry = dictionary[code]
        if let previous { dictionary.append(previous + [entry[0]]) }
      } else if let previous {
        entry = previous + [previous[0]]
        dictionary.append(entry)
      } else {
        return []
      }
      output += entry
      previous = entry
      if dictionary.count == (1 << codeSize) && codeSize < 12 { codeSize += 1 }
    }
    return output
  }

  @Test(arguments: [0, 1, 300, 5000, 70000]) func lzwRoundTrips(count: Int) {
    var generator = SplitMix64(seed: UInt64(count))
    // Mix of runs and noise, so the table fills and resets for the long inputs.
    let input: [UInt8] = (0..<count).map { i in
      i % 97 < 40 ? UInt8(i / 97 % 4) : UInt8(generator.next() % 256)
    }
    let encoded = LZW.encode(input, minimumCodeSize: 8)
    #expect(decode(encoded, minimumCodeSize: 8) == input)
  }
}
