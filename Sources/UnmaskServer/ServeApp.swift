import Foundation
import Hummingbird
import Logging

/// Builds the server: the router with every route and middleware, and the application that
/// listens on a host and port.
///
/// ```swift
/// let served = try ServedModel.load("models/tiny-llada-trained")
/// let app = ServeApp.application(
///   served: served, options: ServerOptions(), host: "127.0.0.1", port: 8080)
/// try await app.runService()   // Ctrl-C (SIGINT) or SIGTERM stops it cleanly
/// ```
public enum ServeApp {
  /// The router: `/health`, `/v1/*` (behind the API key when set) and `/traces/*`.
  public static func router(
    served: ServedModel, options: ServerOptions, queue: GenerationQueue? = nil
  ) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: ErrorMiddleware())
    let queue = queue ?? GenerationQueue(capacity: options.maxQueue)
    let engine = CompletionEngine(served: served, maxPrompts: options.maxPrompts)
    router.get("health") { _, _ in
      try jsonResponse(
        Health(model: served.name, pending: queue.pending, stoppedRuns: engine.stoppedRuns))
    }
    let v1 = router.group("v1")
    if let key = options.apiKey { v1.add(middleware: APIKeyMiddleware(key: key)) }
    OpenAIRoutes(
      engine: engine, queue: queue, options: options,
      started: Int(Date().timeIntervalSince1970)
    ).register(on: v1)
    if let folder = options.tracesDirectory {
      TraceRoutes(root: folder).register(on: router)
    }
    return router
  }

  /// The application listening on `host:port`.
  public static func application(
    served: ServedModel, options: ServerOptions, host: String, port: Int,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
  ) -> some ApplicationProtocol {
    var logger = Logger(label: "unmask-serve")
    logger.logLevel = .notice
    return Application(
      router: router(served: served, options: options),
      configuration: .init(address: .hostname(host, port: port), serverName: "unmask"),
      onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
      logger: logger)
  }
}

/// `GET /health`.
struct Health: Encodable {
  var status = "ok"
  /// The served model's id.
  var model: String
  /// Requests running or waiting.
  var pending: Int
  /// Runs stopped early because their client disconnected.
  var stoppedRuns: Int

  enum CodingKeys: String, CodingKey {
    case status, model, pending
    case stoppedRuns = "stopped_runs"
  }
}
