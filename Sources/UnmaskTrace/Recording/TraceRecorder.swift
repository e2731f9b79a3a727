import Foundation
import UnmaskCore
import UnmaskSampling

/// Records a denoising run into a trace folder as the steps arrive (see README.md).
///
/// Per step it appends one line to trace.jsonl and one row to each `.npy` matrix, so memory is
/// O(positions + commits), never O(steps x positions). `finish` fixes the `.npy` headers, writes
/// run.json and draws the figures. Observer callbacks cannot throw: the first error is kept and
/// thrown by `finish`, and the run is never stopped by the tracer.
public final class TraceRecorder: DenoisingObserver {
  /// The trace folder (created by `init`).
  public let directory: URL
  /// What the caller told us about the run.
  public let run: TraceRunInfo
  /// How `finish` draws figures; set `figures.enabled = false` to write data only.
  public var figures: FigureOptions

  private var stepsFile: UnsafeMutablePointer<FILE>?
  private var writers: [NPYStreamWriter] = []
  private var series: [StepSeries] = []
  private var seriesWriters: [NPYStreamWriter] = []
  private var seriesTotals: [[Double]] = []
  private var state: [Int32] = []
  private var canvas: [Int32] = []
  private var promptLength = 0
  private var summaries: [TraceStepRecord] = []
  private var firstError: Error?
  private var modelSeconds = 0.0
  private var traceNanoseconds: UInt64 = 0
  private var startNanoseconds: UInt64 = 0
  private var startDate = Date()
  private var finalCanvas: [Int32]?
  private var finished: Trace?
  /// Set while the folder was created by this recorder and is not finished: a hard exit on a
  /// signal removes it rather than leave a trace that `trace render` refuses.
  private var unfinishedFolder: TemporaryFiles.Token?

  /// Creates `directory` (and parents) for a run described by `run`.
  public init(directory: URL, run: TraceRunInfo, figures: FigureOptions = FigureOptions()) throws {
    self.directory = directory
    self.run = run
    self.figures = figures
    let existed = FileManager.default.fileExists(atPath: directory.path)
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      if !existed { unfinishedFolder = TemporaryFiles.register(directory.path) }
    } catch {
      throw TraceError.io(file: directory.path, message: "could not create the trace folder")
    }
  }

  deinit {
    if let stepsFile { fclose(stepsFile) }
    if let unfinishedFolder { TemporaryFiles.unregister(unfinishedFolder) }
  }

  /// Records `series` from the next run on, one `<name>.npy` row per step and a `<name>.png`
  /// grid of its sum (call before the run starts).
  public func add(_ series: StepSeries) {
    self.series.append(series)
  }

  /// Steps recorded so far.
  public var stepCount: Int { summaries.count }

  // MARK: DenoisingObserver

  /// Opens the files and takes the starting canvas (prompt, then masks).
  public func denoisingWillStart(canvas: [Int32], promptLength: Int) {
    guard stepsFile == nil, firstError == nil, finished == nil else { return }
    let begin = DispatchTime.now().uptimeNanoseconds
    do {
      try open(canvas: canvas, promptLength: promptLength)
    } catch {
      firstError = error
    }
    traceNanoseconds += DispatchTime.now().uptimeNanoseconds - begin
  }

  /// Appends the step to trace.jsonl and the `.npy` rows; never stops the run.
  public func denoisingDidFinish(_ step: DenoisingStep) -> ObserverDecision {
    let begin = DispatchTime.now().uptimeNanoseconds
    defer { traceNanoseconds += DispatchTime.now().uptimeNanoseconds - begin }
    guard firstError == nil, finished == nil else { return .proceed }
    do {
      if stepsFile == nil {
        // No start event: assume the documented starting canvas (prompt, then masks).
        var start = step.canvas
        for commit in step.committed where commit.position < start.count {
          start[commit.position] = -1
        }
        try open(canvas: start, promptLength: step.promptLength)
      }
      try record(step)
    } catch {
      firstError = error
    }
    return .proceed
  }

  /// Keeps the final canvas for run.json.
  public func denoisingDidEnd(canvas: [Int32]) {
    finalCanvas = canvas
  }

  // MARK: Recording

  private func open(canvas: [Int32], promptLength: Int) throws {
    startNanoseconds = DispatchTime.now().uptimeNanoseconds
    startDate = Date()
    self.canvas = canvas
    self.promptLength = min(max(promptLength, 0), canvas.count)
    if let mask = run.maskID {
      // Infilling: masks may sit in the prompt and fixed tokens after it; -1 marks a position
      // the first step committed when there was no start event.
      state = canvas.map { $0 == mask || $0 == -1 ? CellState.masked : CellState.prompt }
    } else {
      state = (0..<canvas.count).map {
        $0 < self.promptLength ? CellState.prompt : CellState.masked
      }
    }
    let path = directory.appendingPathComponent(TraceDirectory.stepsFile).path
    guard let handle = fopen(path, "w") else {
      throw TraceError.io(file: path, message: String(cString: strerror(errno)))
    }
    stepsFile = handle
    let columns = canvas.count
    writers = [
      try NPYStreamWriter(path: file(TraceDirectory.stateFile), dtype: .int32, columns: columns),
      try NPYStreamWriter(
        path: file(TraceDirectory.confidenceFile), dtype: .float32, columns: columns),
      try NPYStreamWriter(path: file(TraceDirectory.marginFile), dtype: .float32, columns: columns),
      try NPYStreamWriter(
        path: file(TraceDirectory.entropyFile), dtype: .float32, columns: columns),
    ]
    seriesWriters = try series.map {
      try NPYStreamWriter(
        path: file("\($0.name).npy"), dtype: .float32, columns: $0.rows * $0.columns)
    }
    seriesTotals = series.map { [Double](repeating: 0, count: $0.rows * $0.columns) }
  }

  private func file(_ name: String) -> String {
    directory.appendingPathComponent(name).path
  }

  private func record(_ step: DenoisingStep) throws {
    let count = state.count
    let positions = (0..<count).filter { state[$0] < 0 && state[$0] != CellState.prompt }
    func scores(_ values: [Float]) -> [Float?] {
      positions.map { $0 < values.count && values[$0].isFinite ? values[$0] : nil }
    }
    func dense(_ values: [Float]) -> [Float] {
      var row = [Float](repeating: .nan, count: count)
      for p in positions where p < values.count { row[p] = values[p] }
      return row
    }
    var committed: [TraceStepRecord.Token] = []
    for commit in step.committed where commit.position >= 0 && commit.position < count {
      // A committed mask id leaves the position masked (the run proposes it again).
      if commit.token != run.maskID { state[commit.position] = Int32(clamping: step.index) }
      canvas[commit.position] = commit.token
      committed.append(
        .init(
          pos: commit.position, token: commit.token, text: run.tokenText(commit.token),
          score: commit.score.isFinite ? commit.score : nil))
    }
    var remasked: [TraceStepRecord.Token] = []
    var row = state
    for position in step.remasked where position >= 0 && position < count {
      remasked.append(
        .init(pos: position, token: canvas[position], text: run.tokenText(canvas[position])))
      state[position] = CellState.masked
      row[position] = CellState.remasked
    }
    if step.canvas.count == count { canvas = step.canvas }
    let maskedAfter = state.reduce(0) { $0 + ($1 == CellState.masked ? 1 : 0) }
    var record = TraceStepRecord(
      step: step.index, block: step.block, stepInBlock: step.stepInBlock, t: step.time,
      s: step.nextTime, blockStart: step.blockRange.lowerBound,
      blockEnd: step.blockRange.upperBound,
      maskedBefore: step.maskedBefore, maskedAfter: maskedAfter, committed: committed,
      remasked: remasked, positions: positions, confidence: scores(step.confidence),
      margin: scores(step.margin), entropy: scores(step.entropy), modelSeconds: step.modelSeconds)
    record.changed = step.uniformState?.changed
    record.temperature = step.uniformState?.temperature
    if !step.edited.isEmpty {
      record.edited = step.edited.map { edit in
        .init(
          pos: edit.position, token: edit.token, text: run.tokenText(edit.token),
          score: edit.score.isFinite ? edit.score : nil)
      }
    }
    try writeLine(record)
    try writers[0].append(row)
    try writers[1].append(dense(step.confidence))
    try writers[2].append(dense(step.margin))
    try writers[3].append(dense(step.entropy))
    for (k, one) in series.enumerated() {
      let count = one.rows * one.columns
      var values = one.values()
      if values.count != count { values = [Float](repeating: .nan, count: count) }
      try seriesWriters[k].append(values)
      for i in 0..<count where values[i].isFinite { seriesTotals[k][i] += Double(values[i]) }
    }
    summaries.append(record.summary)
    modelSeconds += step.modelSeconds
  }

  private func writeLine(_ record: TraceStepRecord) throws {
    guard let stepsFile else { return }
    let data = record.jsonLine()
    let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, stepsFile) }
    guard written == data.count else {
      throw TraceError.io(file: file(TraceDirectory.stepsFile), message: "short write (disk full?)")
    }
  }

  // MARK: Finishing

  /// Closes the data files, writes run.json and (unless disabled) the figures; returns the
  /// trace as figures see it. `timings` (seconds) are added to run.json's "timings";
  /// `interrupted` marks a run stopped by Ctrl-C (run.json's "interrupted": true).
  ///
  /// - Throws: the first error met while recording, or any error writing files.
  @discardableResult
  public func finish(timings: [String: Double] = [:], interrupted: Bool = false) throws -> Trace {
    if let firstError { throw firstError }
    if let finished { return finished }  // a second call changes nothing
    if stepsFile == nil { try open(canvas: run.promptTokens, promptLength: run.promptTokens.count) }
    let begin = DispatchTime.now().uptimeNanoseconds
    if let stepsFile {
      self.stepsFile = nil
      guard fclose(stepsFile) == 0 else {
        throw TraceError.io(file: file(TraceDirectory.stepsFile), message: "could not close")
      }
    }
    for writer in writers + seriesWriters { try writer.close() }
    var runFile = try makeRunFile(timings: timings)
    if interrupted { runFile.interrupted = true }
    try writeRunFile(runFile)
    let trace = Trace(
      run: runFile, steps: summaries,
      state: try NPYReader.readInt32(file(TraceDirectory.stateFile)),
      confidence: try NPYReader.readFloat32(file(TraceDirectory.confidenceFile)),
      entropy: try NPYReader.readFloat32(file(TraceDirectory.entropyFile)))
    if figures.enabled {
      try TraceFigures.renderAll(trace, options: figures, to: directory)
      for (k, one) in series.enumerated() where one.drawn {
        let image = SeriesGridRenderer.render(
          seriesTotals[k], rows: one.rows, columns: one.columns, title: one.name,
          rowLabel: one.rowLabel, columnLabel: one.columnLabel)
        try PNGWriter.write(image, to: directory.appendingPathComponent("\(one.name).png"))
      }
    }
    traceNanoseconds += DispatchTime.now().uptimeNanoseconds - begin
    finished = trace
    if let unfinishedFolder { TemporaryFiles.unregister(unfinishedFolder) }
    unfinishedFolder = nil
    return trace
  }

  private func makeRunFile(timings: [String: Double]) throws -> TraceRunFile {
    var allTimings = timings
    allTimings["model"] = modelSeconds
    allTimings["wall"] = Double(DispatchTime.now().uptimeNanoseconds - startNanoseconds) / 1e9
    allTimings["trace"] = Double(traceNanoseconds) / 1e9
    let settings = try run.settings.map { try JSONValue.encoding($0) } ?? .null
    return TraceRunFile(
      format: TraceRunFile.formatName, version: TraceRunFile.currentVersion, model: run.model,
      strategy: run.strategy, promptIds: Array(canvas.prefix(promptLength)),
      promptText: canvas.prefix(promptLength).map(run.tokenText), canvasLength: state.count,
      steps: summaries.count, blocks: Set(summaries.map(\.block)).count, settings: settings,
      finalIds: finalCanvas ?? canvas, timings: allTimings,
      startedAt: ISO8601DateFormatter().string(from: startDate), extra: run.extra)
  }

  private func writeRunFile(_ runFile: TraceRunFile) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let url = directory.appendingPathComponent(TraceDirectory.runFile)
    let data: Data
    do {
      data = try encoder.encode(runFile)
    } catch {
      throw TraceError.io(file: url.path, message: "\(error)")
    }
    try AtomicFileWriter.writeTraceFile(data, to: url)
  }
}
