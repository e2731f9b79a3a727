import ArgumentParser
import Foundation
import Unmask
import UnmaskServer

/// `unmask serve`: an OpenAI-compatible HTTP server over one model (see docs/SERVE.md).
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve a model over an OpenAI-compatible HTTP API, streaming every step.",
    discussion: """
      Endpoints: GET /health, GET /v1/models, POST /v1/completions, POST \
      /v1/chat/completions (stream: true for Server-Sent Events, stream_steps: true for one \
      'step' event per denoising step), and GET /traces/ for the trace viewer. Sampler fields \
      are generate's flags in snake_case. Requests run one at a time; Ctrl-C stops the server.
      """)

  @Option(help: "Model folder, .safetensors or .umk file, cache snapshot or catalog name.")
  var model: String

  @Option(help: "Address to listen on (loopback by default).")
  var host = "127.0.0.1"

  @Option(help: "Port to listen on (0 picks a free one and prints it).")
  var port = 8080

  @Option(help: "Require 'Authorization: Bearer KEY' on /v1/*.")
  var apiKey: String?

  @Option(help: "Requests allowed to wait behind the running one before 429.")
  var maxQueue = 8

  @Option(help: "Largest request body in bytes (413 above it).")
  var maxBodyBytes = 1 << 20

  @Option(help: "Name clients send as 'model' (default: the model folder's name).")
  var name: String?

  @Option(help: "Folder of traces served at /traces/.")
  var traces = "traces"

  @Option(name: .long, help: "Compute threads (BLAS and Unmask's loops). Default: all cores.")
  var threads: Int?

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
    guard maxQueue >= 0 else { throw ValidationError("--max-queue must be 0 or more") }
    guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be >= 1024") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    if let apiKey, apiKey.isEmpty { throw ValidationError("--api-key is empty") }
  }

  func run() async throws {
    if let threads { ComputeThreads.set(threads) }
    let served = try ServedModel.load(model, name: name)
    var options = ServerOptions()
    options.apiKey = apiKey
    options.maxQueue = maxQueue
    options.maxBodyBytes = maxBodyBytes
    options.tracesDirectory = URL(fileURLWithPath: traces)
    let host = self.host
    let app = ServeApp.application(
      served: served, options: options, host: host, port: port,
      onServerRunning: { port in
        // One line on stdout, flushed, so scripts can wait for it and read the port.
        print("unmask serve: '\(served.name)' on http://\(host):\(port)")
        fflush(stdout)
      })
    try await app.runService()
  }
}
