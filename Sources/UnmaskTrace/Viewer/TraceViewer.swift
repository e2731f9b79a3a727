import Foundation
import UnmaskCore

/// The in-browser trace viewer: one self-contained HTML file per run (or pair of runs) with
/// the data embedded as JSON and its script and style inline, so it opens from disk, from
/// `unmask serve` or from a mail attachment alike, and loads nothing from anywhere.
///
/// The page has a step slider with play/pause, the canvas text at that step (masked cells
/// drawn as masks), the heatmap with the current step marked, and a hover box giving the step
/// that committed a token, its confidence and entropy. `#step=N` (or `?step=N`) in the address
/// opens it at step N. Two runs are shown side by side on one slider.
public enum TraceViewer {
  /// How a masked cell is written in the canvas text.
  public static let maskGlyph = "\u{2591}"

  /// The page for one or two traces, each with its caption.
  ///
  /// - Throws: `TraceError.io` when the data cannot be encoded (non-finite values are already
  ///   mapped to null, so this does not happen with traces the reader accepted).
  public static func html(_ runs: [(trace: Trace, title: String)]) throws -> String {
    let payload = runs.map { TraceViewerData($0.trace, title: $0.title) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    let json: String
    do {
      json = String(decoding: try encoder.encode(payload), as: UTF8.self)
    } catch {
      throw TraceError.io(file: "viewer data", message: "could not be encoded: \(error)")
    }
    let title = runs.map(\.title).joined(separator: " vs ")
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(escapeHTML(title)) - unmask trace</title>
      <style>
      \(TraceViewerAssets.style)
      </style>
      </head>
      <body>
      <header>
        <h1>\(escapeHTML(title))</h1>
        <div class="controls">
          <button id="play" type="button">play</button>
          <input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
          <span id="step-label">step 0</span>
        </div>
      </header>
      <main id="runs"></main>
      <div id="tip" role="tooltip" hidden></div>
      <script id="trace-data" type="application/json">\(embeddable(json))</script>
      <script>
      \(TraceViewerAssets.script)
      </script>
      </body>
      </html>

      """
  }

  /// Writes the page to `url` atomically.
  public static func write(_ runs: [(trace: Trace, title: String)], to url: URL) throws {
    try AtomicFileWriter.writeTraceFile(Data(try html(runs).utf8), to: url)
  }

  /// JSON made safe inside a `<script>` element and free of URL schemes: `<` becomes `\u003c`
  /// (no `</script>` can close the element early) and `http` becomes `htt\u0070` (the page
  /// holds no http(s) address, even if a prompt did). Both are JSON escapes: the data parses
  /// back unchanged.
  static func embeddable(_ json: String) -> String {
    json.replacingOccurrences(of: "<", with: "\\u003c")
      .replacingOccurrences(of: "http", with: "htt\\u0070")
  }

  /// Text safe inside HTML elements and attributes.
  static func escapeHTML(_ text: String) -> String {
    var out = ""
    for c in text {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default: out.append(c)
      }
    }
    return out.replacingOccurrences(of: "http", with: "htt&#112;")
  }
}
