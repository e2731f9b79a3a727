import Foundation
import UnmaskCore
import UnmaskSampling

/// A terminal view of a run: on a TTY it redraws the canvas every step (masks dimmed, tokens
/// committed this step highlighted, a progress bar); otherwise it prints one progress line per
/// step. Never stops the run.
public final class LiveView: DenoisingObserver {
  /// Whether to use ANSI escapes (default: stdout is a terminal).
  public var ansi: Bool
  /// Where text goes (default: stdout).
  public var write: (String) -> Void
  /// The mask id, when known: every starting mask is then shown as masked and the view starts at
  /// the first of them (infilling: masks in the prompt); without it, at the prompt's end.
  public var maskID: Int32?
  private let tokenText: (Int32) -> String
  private var promptLength = 0
  private var masked: Set<Int> = []
  private var totalMasked = 0
  private var started = Date()
  /// The `Interruption` exit action that shows the cursor if the process is killed mid-run.
  private var cursorRestore: Int?

  /// A view printing tokens with `tokenText`.
  public init(
    tokenText: @escaping (Int32) -> String, ansi: Bool? = nil,
    write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }
  ) {
    self.tokenText = tokenText
    self.ansi = ansi ?? (isatty(STDOUT_FILENO) != 0)
    self.write = write
  }

  /// Remembers where the prompt ends and which positions start masked.
  public func denoisingWillStart(canvas: [Int32], promptLength: Int) {
    self.promptLength = promptLength
    masked = Set(promptLength..<max(promptLength, canvas.count))
    if let maskID {
      masked = Set(canvas.indices.filter { canvas[$0] == maskID })
      self.promptLength = min(promptLength, masked.min() ?? promptLength)
    }
    totalMasked = masked.count
    started = Date()
    if ansi {
      write("\u{1B}[?25l")  // hide the cursor while redrawing
      // A second Ctrl-C exits without reaching denoisingDidEnd: show the cursor then too.
      let write = self.write
      cursorRestore = Interruption.addExitAction { write("\u{1B}[?25h\n") }
    }
  }

  /// Redraws (TTY) or prints a progress line.
  public func denoisingDidFinish(_ step: DenoisingStep) -> ObserverDecision {
    if totalMasked == 0 {
      totalMasked = max(step.maskedBefore, 1)
      promptLength = step.promptLength
      masked = Set(step.confidence.indices.filter { step.confidence[$0].isFinite })
    }
    for commit in step.committed { masked.remove(commit.position) }
    for position in step.remasked { masked.insert(position) }
    let done = totalMasked - masked.count
    if ansi {
      write(frame(step, done: done))
    } else if let uniform = step.uniformState {
      // Uniform-state (DiffusionGemma): no masks; accepted and re-noised positions instead.
      write(
        "step \(step.index + 1) canvas \(step.block): accepted \(step.committed.count)/"
          + "\(step.blockRange.count), changed \(uniform.changed.count), temperature "
          + String(format: "%.3f", uniform.temperature) + (uniform.stopping ? ", stopping" : "")
          + "\n")
    } else {
      write(
        "step \(step.index + 1) block \(step.block): committed \(step.committed.count), "
          + "masked \(masked.count)/\(totalMasked)\n")
    }
    return .proceed
  }

  /// Shows the cursor again and ends the line.
  public func denoisingDidEnd(canvas: [Int32]) {
    if let cursorRestore { Interruption.removeExitAction(cursorRestore) }
    cursorRestore = nil
    let seconds = Date().timeIntervalSince(started)
    let summary = "done in \(String(format: "%.2f", seconds)) s\n"
    write(ansi ? "\u{1B}[?25h\n" + summary : summary)
  }

  /// Progress bar of `width` cells: `[#####.....]`.
  public static func progressBar(done: Int, total: Int, width: Int = 30) -> String {
    let filled = total > 0 ? min(width, done * width / total) : width
    return "[" + String(repeating: "#", count: filled)
      + String(repeating: ".", count: width - filled) + "]"
  }

  private func frame(_ step: DenoisingStep, done: Int) -> String {
    let dim = "\u{1B}[2m"
    let highlight = "\u{1B}[1;30;43m"
    let reset = "\u{1B}[0m"
    let fresh = Set(step.committed.map(\.position))
    var text = "\u{1B}[H\u{1B}[2J"  // home, clear screen
    text += "\(LiveView.progressBar(done: done, total: totalMasked)) step \(step.index + 1)"
    text += " block \(step.block)  masked \(masked.count)\n\n"
    for (position, token) in step.canvas.enumerated() where position >= promptLength {
      if masked.contains(position) {
        text += dim + "_" + reset
      } else if fresh.contains(position) {
        text += highlight + tokenText(token) + reset
      } else {
        text += tokenText(token)
      }
    }
    return text + "\n"
  }
}
