import Foundation
import UnmaskModels

/// The models that ship with Unmask (`models/<name>/`), listed by `unmask models` and
/// accepted by name wherever a model is asked for.
///
/// A catalog entry is a folder holding a checkpoint (a Hugging Face folder or one `.umk` file),
/// a `MODEL.md` card and `unmask.json`: `{"task": "text", "description": "..."}`. The folder's
/// name is the model's name.
public struct ModelCatalog: Sendable {
  /// One listed model.
  public struct Entry: Codable, Equatable, Sendable {
    /// The folder's name, accepted as `--model NAME`.
    public var name: String
    /// The checkpoint to open: the folder, or the `.umk` file inside it.
    public var path: String
    /// What the model was trained for (`text`, `sudoku`, ...).
    public var task: String
    /// The architecture from config.json's `model_type` (`llada`, `dream`).
    public var architecture: String
    /// Parameter count, from the checkpoint's tensor shapes.
    public var parameters: Int
    /// One sentence from `unmask.json`.
    public var description: String
  }

  /// The folders searched, first match wins.
  public var roots: [URL]

  /// A catalog over `roots`.
  public init(roots: [URL]) { self.roots = roots }

  /// The default search path: every folder in `UNMASK_MODELS` (colon-separated), then
  /// `./models`, then the `models/` folder of the checkout the running executable was built in
  /// (found by walking up from the executable, so `swift run unmask` finds the shipped models
  /// from any working directory).
  public static var standard: ModelCatalog {
    var roots: [URL] = []
    if let env = ProcessInfo.processInfo.environment["UNMASK_MODELS"] {
      roots += env.split(separator: ":").map { URL(fileURLWithPath: String($0)) }
    }
    roots.append(URL(fileURLWithPath: "models"))
    var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
      .resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<6 where folder.path != "/" {
      let candidate = folder.appendingPathComponent("models")
      if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(".").path),
        !roots.contains(where: { $0.standardizedFileURL == candidate.standardizedFileURL })
      {
        roots.append(candidate)
      }
      folder.deleteLastPathComponent()
    }
    return ModelCatalog(roots: roots)
  }

  /// The folder of the model called `name`, if a root has one with an `unmask.json`.
  public func folder(named name: String) -> URL? {
    guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { return nil }
    for root in roots {
      let folder = root.appendingPathComponent(name)
      if FileManager.default.fileExists(atPath: folder.appendingPathComponent("unmask.json").path) {
        return folder
      }
    }
    return nil
  }

  /// The checkpoint inside a catalog folder: a single `.umk` file if there is one, else the
  /// folder itself (config.json and safetensors).
  public static func checkpoint(in folder: URL) -> URL {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    let umk = files.filter { $0.hasSuffix(".umk") }.sorted()
    return umk.count == 1 ? folder.appendingPathComponent(umk[0]) : folder
  }

  /// The names of every listed model, sorted, first root winning on duplicates.
  public var names: [String] {
    var seen = Set<String>()
    for root in roots {
      let children = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
      for name in children.sorted() where folder(named: name) != nil { seen.insert(name) }
    }
    return seen.sorted()
  }

  /// Every listed model with its architecture and size (each checkpoint is opened, not run).
  /// A broken entry is an error naming its folder.
  public func entries() throws -> [Entry] {
    try names.map { name in
      guard let folder = folder(named: name) else { throw SessionError(name, "vanished") }
      struct Card: Decodable {
        var task: String
        var description: String
      }
      let cardURL = folder.appendingPathComponent("unmask.json")
      let card: Card
      do {
        card = try JSONDecoder().decode(Card.self, from: Data(contentsOf: cardURL))
      } catch {
        throw SessionError(cardURL.path, "needs {\"task\": ..., \"description\": ...}: \(error)")
      }
      let checkpoint = Self.checkpoint(in: folder)
      let bundle = try ModelBundle.open(checkpoint)
      let model = try ModelRegistry.load(bundle)
      return Entry(
        name: name, path: checkpoint.relativePathFromCurrentDirectory, task: card.task,
        architecture: model.architecture.lowercased(), parameters: model.parameterCount,
        description: card.description)
    }
  }
}

extension URL {
  /// The path relative to the current directory when it lies below it, else absolute.
  var relativePathFromCurrentDirectory: String {
    let here = FileManager.default.currentDirectoryPath
    let path = standardizedFileURL.path
    return path.hasPrefix(here + "/") ? String(path.dropFirst(here.count + 1)) : path
  }
}
