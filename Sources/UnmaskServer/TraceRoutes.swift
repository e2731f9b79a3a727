import Foundation
import Hummingbird
import Unmask

/// `/traces/`: the trace folders under one root, each opened in the in-browser viewer.
///
/// - `GET /traces/`: an HTML list of the runs (folders holding run.json), newest first.
/// - `GET /traces/<run>/`: the viewer page of that run (`#step=N` opens a step).
/// - `GET /traces/compare?a=<run>&b=<run>`: two runs side by side.
///
/// A run name is one folder name (letters, digits, `.`, `_`, `-`, not starting with `.`) and
/// must resolve to a direct child of the root, so no request reads outside it.
struct TraceRoutes: Sendable {
  /// The folder whose subfolders are traces.
  let root: URL

  func register(on router: Router<BasicRequestContext>) {
    router.get("traces") { _, _ in
      htmlResponse(TraceIndexPage.html(runs: self.runNames()))
    }
    router.get("traces/compare") { request, _ in
      let query = request.uri.queryParameters
      guard let a = query["a"].map(String.init), let b = query["b"].map(String.init) else {
        throw APIError.badRequest("compare needs ?a=RUN&b=RUN", param: "a")
      }
      let first = try self.load(a)
      let second = try self.load(b)
      return htmlResponse(try TraceViewer.html([(first, a), (second, b)]))
    }
    router.get("traces/:run") { _, context in
      let name = try context.parameters.require("run")
      return htmlResponse(try TraceViewer.html([(try self.load(name), name)]))
    }
  }

  /// Trace folders under the root, newest name first (default names start with a UTC stamp).
  func runNames() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
    return names.filter { name in
      Self.isValidName(name)
        && FileManager.default.fileExists(
          atPath: root.appendingPathComponent(name).appendingPathComponent("run.json").path)
    }.sorted(by: >)
  }

  /// Whether `name` is a plain folder name: no separators, no `..`, no leading dot.
  static func isValidName(_ name: String) -> Bool {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    return !name.isEmpty && name.count <= 255 && !name.hasPrefix(".")
      && name.allSatisfy(allowed.contains)
  }

  /// Loads run `name`: 404 for a bad name or a folder that is not a trace.
  func load(_ name: String) throws -> Trace {
    guard Self.isValidName(name) else {
      throw APIError.notFound("no trace named '\(name)'", param: "run", code: "trace_not_found")
    }
    let folder = root.appendingPathComponent(name).standardizedFileURL
    // Symbolic links are followed only to a folder inside the root.
    let resolvedRoot = root.standardizedFileURL.resolvingSymlinksInPath().path
    guard folder.resolvingSymlinksInPath().deletingLastPathComponent().path == resolvedRoot
    else {
      throw APIError.notFound("no trace named '\(name)'", param: "run", code: "trace_not_found")
    }
    do {
      return try TraceReader.load(folder)
    } catch let error as TraceError {
      if case .missingFile = error {
        throw APIError.notFound("no trace named '\(name)'", param: "run", code: "trace_not_found")
      }
      throw APIError.internalError("trace '\(name)' cannot be read: \(error)")
    }
  }
}

/// An HTML response with status 200.
func htmlResponse(_ html: String) -> Response {
  Response(
    status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
    body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
}

/// The `/traces/` list page.
enum TraceIndexPage {
  /// A list of links to each run's viewer.
  static func html(runs: [String]) -> String {
    let empty = "<p>No traces yet: run <code>unmask generate --trace</code>.</p>"
    let items = runs.map { "<li><a href=\"/traces/\($0)/\">\($0)</a></li>" }.joined(separator: "\n")
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>unmask traces</title>
      <style>body { font: 14px/1.5 system-ui, sans-serif; margin: 24px; }</style></head>
      <body><h1>Traces</h1>
      \(runs.isEmpty ? empty : "<ul>\n\(items)\n</ul>")
      <p>Compare two runs: <code>/traces/compare?a=RUN&amp;b=RUN</code></p>
      </body></html>

      """
  }
}
