import Foundation
import Testing
@testable import UnmaskTrace

@Suite struct FigureTests {
  /// Centre pixel of matrix cell (step, position) in a figure drawn with `chrome`.
  func centre(_ chrome: GridChrome, step: Int, position: Int) -> (Int, Int) {
    let cell = chrome.layout.cell
    return (
      chrome.gridX + chrome.layout.x(ofPosition: position) + cell / 2,
      chrome.gridY + chrome.layout.y(ofStep: step) + cell / 2
    )
  }

  @Test func heatmapCellsMatchTheTrace() throws {
    let (directory, trace) = try TraceFixture.record()
    defer { try? FileManager.default.removeItem(at: directory) }
    let image = try PNGImage.read(contentsOf: directory.appendingPathComponent("heatmap.png").path)
    let chrome = try HeatmapRenderer.chrome(for: trace, options: FigureOptions())
    #expect(image.width == chrome.width && image.height == chrome.height)
    #expect(chrome.layout.cell == 16)
    #expect(chrome.layout.width == 12 * 16 && chrome.layout.height == 6 * 16)
    func at(_ step: Int, _ position: Int) -> RGB {
      let (x, y) = centre(chrome, step: step, position: position)
      return image.pixel(x: x, y: y)
    }
    #expect(at(0, 5) == HeatmapRenderer.committedNowColor)
    #expect(at(0, 9) == HeatmapRenderer.maskedColor)
    #expect(at(3, 0) == HeatmapRenderer.promptColor)
    #expect(at(1, 5) == HeatmapRenderer.remaskedColor)
    #expect(at(2, 6) == HeatmapRenderer.earlyColor)
    #expect(at(5, 4) == HeatmapRenderer.committedEarlierColor(step: 1, steps: 6))
    #expect(at(5, 10) == HeatmapRenderer.committedEarlierColor(step: 4, steps: 6))
    #expect(at(5, 11) == HeatmapRenderer.committedNowColor)
    // Colours per the documented ramp: step 1 of 6 is 1/5 of the way from early to late.
    #expect(HeatmapRenderer.committedEarlierColor(step: 1, steps: 6) == RGB(160, 185, 213))
  }

  @Test func confidenceUsesExactViridis() throws {
    let (directory, trace) = try TraceFixture.record()
    defer { try? FileManager.default.removeItem(at: directory) }
    let image = try PNGImage.read(
      contentsOf: directory.appendingPathComponent("confidence.png").path)
    let (chrome, _, _) = try ScalarGridRenderer.parts(
      for: trace, quantity: .confidence, options: FigureOptions())
    #expect(image.width == chrome.width && image.height == chrome.height)
    let (x, y) = centre(chrome, step: 0, position: 8)  // confidence 0.5 -> viridis entry 128
    #expect(image.pixel(x: x, y: y) == RGB(32, 144, 140))
    let (x2, y2) = centre(chrome, step: 2, position: 6)  // committed at step 0: no score
    #expect(image.pixel(x: x2, y: y2) == ScalarGridRenderer.notMaskedColor)
    let (x3, y3) = centre(chrome, step: 1, position: 4)  // 4/16 + 1/64 = 0.265625 -> entry 68
    #expect(image.pixel(x: x3, y: y3) == ColorMap.viridis.color(index: 68))
  }

  @Test(arguments: ColorMap.allCases) func colorMapEnds(map: ColorMap) {
    let expected: [ColorMap: (RGB, RGB)] = [
      .viridis: (RGB(68, 1, 84), RGB(253, 231, 36)),
      .magma: (RGB(0, 0, 3), RGB(251, 252, 191)),
      .gray: (RGB(0, 0, 0), RGB(255, 255, 255)),
    ]
    #expect(map.color(0) == expected[map]?.0)
    #expect(map.color(1) == expected[map]?.1)
  }

  @Test func everyFigureIsWrittenAndPassesPngcheck() throws {
    let (directory, _) = try TraceFixture.record()
    defer { try? FileManager.default.removeItem(at: directory) }
    let names = [
      "heatmap.png", "confidence.png", "entropy.png", "order.png", "order.svg", "denoise.gif",
    ]
    for name in names {
      #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path))
    }
    let pngcheck = ["/usr/bin/pngcheck", "/usr/local/bin/pngcheck", "/opt/homebrew/bin/pngcheck"]
      .first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let pngcheck else {
      try skipTest("pngcheck is not installed (scripts/install-deps.sh)")
      return
    }
    for name in names where name.hasSuffix(".png") {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: pngcheck)
      process.arguments = ["-q", directory.appendingPathComponent(name).path]
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0, "pngcheck rejected \(name)")
    }
  }

  @Test func orderSVGKeepsRealText() throws {
    let (directory, trace) = try TraceFixture.record()
    defer { try? FileManager.default.removeItem(at: directory) }
    let svg = try String(contentsOf: directory.appendingPathComponent("order.svg"), encoding: .utf8)
    #expect(svg.hasPrefix("<svg"))
    #expect(svg.contains(">t115</text>"))
    #expect(svg.contains(">t111</text>"))
    // Position 11 was committed at the last step: its box has the colour map's last colour.
    #expect(svg.contains("fill=\"\(ColorMap.viridis.color(1))\""))
    let image = try PNGImage.read(contentsOf: directory.appendingPathComponent("order.png").path)
    #expect(image.width == OrderRenderer.renderPNG(trace).width)
  }

  @Test func compareSideBySide() throws {
    let (a, traceA) = try TraceFixture.record(figures: false)
    let (b, traceB) = try TraceFixture.record(figures: false)
    defer {
      try? FileManager.default.removeItem(at: a)
      try? FileManager.default.removeItem(at: b)
    }
    let single = try HeatmapRenderer.render(traceA)
    let image = try TraceComparison.render(
      traceA, titled: "a", traceB, titled: "b", figure: .heatmap)
    #expect(image.width == 2 * single.width + 24)
    #expect(image.height == single.height + GridChrome.font.lineHeight + 8)
  }

  @Test func blockCropShowsOnlyThatBlock() throws {
    let (directory, trace) = try TraceFixture.record(figures: false)
    defer { try? FileManager.default.removeItem(at: directory) }
    var options = FigureOptions()
    options.block = 1
    options.cellSize = 5
    let chrome = try HeatmapRenderer.chrome(for: trace, options: options)
    #expect(chrome.layout.positions == 8..<12 && chrome.layout.steps == 3..<6)
    #expect(chrome.layout.width == 20 && chrome.layout.height == 15)
    options.block = 7
    #expect(throws: TraceError.self) { try HeatmapRenderer.render(trace, options: options) }
  }

  @Test func hugeCanvasIsCappedAndAggregated() throws {
    // 4096 positions x 1024 steps, built directly (no recorder) to keep the test light.
    let positions = 4096
    let steps = 1024
    let prompt = 64
    var state = [Int32](repeating: CellState.masked, count: positions * steps)
    var confidence = [Float](repeating: .nan, count: positions * steps)
    for p in 0..<positions {
      let commit = p < prompt ? -1 : (p - prompt) * steps / (positions - prompt)
      for s in 0..<steps {
        if p < prompt {
          state[s * positions + p] = CellState.prompt
        } else if s >= commit {
          state[s * positions + p] = Int32(commit)
        } else {
          confidence[s * positions + p] = Float(s) / Float(steps)
        }
      }
    }
    let records = (0..<steps).map {
      TraceStepRecord(
        step: $0, block: $0 / 256, stepInBlock: $0 % 256, t: nil, s: nil,
        blockStart: prompt + ($0 / 256) * 1008, blockEnd: prompt + ($0 / 256 + 1) * 1008,
        maskedBefore: 0, maskedAfter: 0, committed: [], remasked: [], positions: [],
        confidence: [], margin: [], entropy: [], modelSeconds: 0)
    }
    let run = TraceRunFile(
      format: TraceRunFile.formatName, version: 1, model: "huge", strategy: "synthetic",
      promptIds: [Int32](repeating: 1, count: prompt),
      promptText: [String](repeating: "p", count: prompt),
      canvasLength: positions, steps: steps, blocks: 4, settings: .null, finalIds: [], timings: [:],
      startedAt: "", extra: [:])
    let trace = Trace(
      run: run, steps: records, state: NPYMatrix(rows: steps, columns: positions, values: state),
      confidence: NPYMatrix(rows: steps, columns: positions, values: confidence),
      entropy: NPYMatrix(rows: steps, columns: positions, values: confidence))
    let chrome = try HeatmapRenderer.chrome(for: trace, options: FigureOptions())
    #expect(chrome.layout.cell == 1)
    #expect(chrome.layout.positionsPerCell == 2 && chrome.layout.stepsPerCell == 1)
    #expect(chrome.layout.width == 2048 && chrome.layout.height == 1024)
    let heatmap = try HeatmapRenderer.render(trace)
    #expect(heatmap.width == chrome.width && heatmap.height == chrome.height)
    #expect(heatmap.width < 2300 && heatmap.height < 1300)
    let scalar = try ScalarGridRenderer.render(trace, quantity: .confidence)
    #expect(scalar.height == heatmap.height)
    // Aggregated cell of positions 4000...4001 at step 0: both still masked.
    let (x, y) = centre(chrome, step: 0, position: 4000)
    #expect(heatmap.pixel(x: x, y: y) == HeatmapRenderer.maskedColor)
  }
}
