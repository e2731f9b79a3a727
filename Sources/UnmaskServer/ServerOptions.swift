import Foundation

/// How a server behaves: key, queue, limits and where traces are.
public struct ServerOptions: Sendable {
  /// When set, `/v1/*` requires `Authorization: Bearer <apiKey>`.
  public var apiKey: String?
  /// Requests allowed to wait behind the running one before 429.
  public var maxQueue: Int = 8
  /// Largest request body accepted (413 above it).
  public var maxBodyBytes: Int = 1 << 20
  /// Prompts allowed in one completions request.
  public var maxPrompts: Int = 16
  /// Folder whose trace subfolders are served at `/traces/` (nil: no trace routes).
  public var tracesDirectory: URL?
  /// Stop a non-streamed run when its client closes the connection. Needs a real connection
  /// (Hummingbird's in-process router tests have none), so tests turn it off.
  public var watchDisconnects: Bool = true

  /// Defaults: no key, 8 waiting, 1 MiB bodies, 16 prompts, no traces.
  public init() {}
}
