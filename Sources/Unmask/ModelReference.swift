import Foundation

/// Turns what a user typed after `--model` into the checkpoint to open, in one place.
///
/// Tried in order: an existing path (a model folder, a `.safetensors` file with config.json
/// beside it, a `.umk` file, or a Hugging Face cache folder `models--ORG--NAME`); a name from
/// the model catalog (`unmask models`); a Hugging Face id `ORG/NAME` found in the local Hugging
/// Face cache (`HF_HUB_CACHE`, `HF_HOME/hub` or `~/.cache/huggingface/hub`; never downloaded).
public enum ModelReference {
  /// The checkpoint `reference` names; the error lists what was tried.
  public static func resolve(_ reference: String, catalog: ModelCatalog = .standard) throws -> URL {
    guard !reference.isEmpty else { throw SessionError("--model", "is empty") }
    let url = URL(fileURLWithPath: reference)
    if FileManager.default.fileExists(atPath: url.path) {
      if url.lastPathComponent.hasPrefix("models--"), let snapshot = snapshot(in: url) {
        return snapshot
      }
      return url
    }
    if let folder = catalog.folder(named: reference) { return ModelCatalog.checkpoint(in: folder) }
    let parts = reference.split(separator: "/")
    if parts.count == 2, !reference.hasPrefix("."), let cache = huggingFaceCache {
      let repo = cache.appendingPathComponent("models--\(parts[0])--\(parts[1])")
      if let snapshot = snapshot(in: repo) { return snapshot }
    }
    let names = catalog.names
    throw SessionError(
      reference,
      "no such file or folder, no model of that name"
        + (names.isEmpty ? "" : " (known: \(names.joined(separator: ", ")))")
        + (parts.count == 2 ? ", and not in the local Hugging Face cache" : ""))
  }

  /// The local Hugging Face hub cache, as `huggingface_hub` finds it.
  static var huggingFaceCache: URL? {
    let env = ProcessInfo.processInfo.environment
    if let hub = env["HF_HUB_CACHE"] ?? env["HUGGINGFACE_HUB_CACHE"] {
      return URL(fileURLWithPath: hub)
    }
    if let home = env["HF_HOME"] { return URL(fileURLWithPath: home).appendingPathComponent("hub") }
    guard let user = env["HOME"] else { return nil }
    return URL(fileURLWithPath: user).appendingPathComponent(".cache/huggingface/hub")
  }

  /// The snapshot a cache folder `models--ORG--NAME` points at: `refs/main`, else its only
  /// snapshot.
  static func snapshot(in repo: URL) -> URL? {
    let snapshots = repo.appendingPathComponent("snapshots")
    if let ref = try? String(contentsOf: repo.appendingPathComponent("refs/main"), encoding: .utf8)
    {
      let folder = snapshots.appendingPathComponent(
        ref.trimmingCharacters(in: .whitespacesAndNewlines))
      if FileManager.default.fileExists(atPath: folder.path) { return folder }
    }
    let all = (try? FileManager.default.contentsOfDirectory(atPath: snapshots.path)) ?? []
    return all.count == 1 ? snapshots.appendingPathComponent(all[0]) : nil
  }
}
