import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Unmask
@testable import UnmaskServer

/// The shipped tiny model, loaded once, and helpers to build apps and send JSON.
enum ServerFixture {
  /// models/tiny-llada-trained, found from this file's path.
  static let modelPath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("models/tiny-llada-trained").path

  /// The model, loaded once for every test (it is read-only once loaded).
  static let served: ServedModel = {
    do {
      return try ServedModel.load(modelPath)
    } catch {
      fatalError("cannot load \(modelPath): \(error)")
    }
  }()

  /// Options for in-process router tests (no real connection to watch).
  static func options(apiKey: String? = nil, maxQueue: Int = 4, traces: URL? = nil)
    -> ServerOptions
  {
    var options = ServerOptions()
    options.apiKey = apiKey
    options.maxQueue = maxQueue
    options.maxBodyBytes = 64 * 1024
    options.tracesDirectory = traces
    options.watchDisconnects = false
    return options
  }

  /// An application over the shared model.
  static func app(_ options: ServerOptions, queue: GenerationQueue? = nil)
    -> some ApplicationProtocol
  {
    Application(router: ServeApp.router(served: served, options: options, queue: queue))
  }

  /// A JSON body.
  static func body(_ object: [String: Any]) -> ByteBuffer {
    // The callers pass literal dictionaries of strings, numbers and arrays: always serialisable.
    ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: object)) ?? Data())
  }

  /// The response body as a JSON object (empty, with an issue recorded, when it is not one).
  static func json(_ response: TestResponse) -> [String: Any] {
    let data = Data(response.body.readableBytesView)
    guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      Issue.record("response body is not a JSON object: \(String(buffer: response.body))")
      return [:]
    }
    return object
  }

  /// The `error` object of an OpenAI-style error body (empty when there is none).
  static func error(_ response: TestResponse) -> [String: Any] {
    guard let error = json(response)["error"] as? [String: Any] else {
      Issue.record("no 'error' object in \(String(buffer: response.body))")
      return [:]
    }
    return error
  }

  /// What `unmask generate --length 8 --steps 4 --seed S --temperature T` (and `overrides`) computes for `prompt`: the same
  /// session, preset and overrides, cut at the first EOS / end of turn and decoded.
  static func reference(
    prompt: [Int32], seed: UInt64 = 0, temperature: Double = 0,
    overrides extra: [String: JSONValue] = [:]
  ) throws -> (tokens: [Int32], text: String) {
    let session = served.session
    let settings = try session.settings(
      preset: nil,
      overrides: [
        "length": .integer(8), "steps": .integer(4), "seed": .integer(Int(seed)),
        "temperature": .number(temperature),
      ].merging(extra) { _, new in new })
    let generated = try session.generate(prompt: prompt, settings: settings).tokens
    let ends = [settings.eosID, settings.eotID].compactMap { $0 }
    let cut = Array(generated.prefix { !ends.contains($0) })
    return (cut, try session.decode(cut))
  }

  /// Token ids of `text`.
  static func encode(_ text: String) throws -> [Int32] { try served.session.encode(text) }
}
