import Foundation
import UnmaskCore
import UnmaskKernels

/// A checkpoint split over several safetensors files by a `model.safetensors.index.json`
/// (`{"metadata": {...}, "weight_map": {tensor name: shard file name}}`), as Hugging Face
/// writes large models.
///
/// Every shard named by the index is opened and validated up front; a tensor the index names
/// but its shard lacks, or a shard file outside the folder, is an error at open.
public final class ShardedSafetensors: TensorSource {
  /// The index file's path.
  public let location: String
  /// Shards by file name.
  public let shards: [String: SafetensorsFile]
  /// Which shard holds each tensor.
  public let weightMap: [String: String]
  /// Names sorted.
  public let tensorNames: [String]

  /// Opens the index at `indexURL` and every shard it names (resolved next to the index).
  public init(indexURL: URL) throws {
    location = indexURL.path
    let data: Data
    do { data = try Data(contentsOf: indexURL) } catch {
      throw CheckpointError(path: indexURL.path, "cannot read the index")
    }
    guard let root = JSONValue.parse(data)?.objectValue else {
      throw CheckpointError(path: indexURL.path, "index is not a JSON object")
    }
    guard let map = root["weight_map"]?.objectValue, !map.isEmpty else {
      throw CheckpointError(path: indexURL.path, item: "weight_map", "missing or empty object")
    }
    var weightMap: [String: String] = [:]
    for (tensor, value) in map {
      guard let file = value.stringValue, !file.isEmpty, !file.contains("/"), file != "..",
        file != "."
      else {
        throw CheckpointError(
          path: indexURL.path, item: "weight_map.\(tensor)",
          "must be a shard file name in the same folder")
      }
      weightMap[tensor] = file
    }
    let folder = indexURL.deletingLastPathComponent()
    var shards: [String: SafetensorsFile] = [:]
    for file in Set(weightMap.values).sorted() {
      let url = folder.appendingPathComponent(file)
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw CheckpointError(path: indexURL.path, item: file, "shard file is missing")
      }
      shards[file] = try SafetensorsFile(url: url)
    }
    for (tensor, file) in weightMap where shards[file]?.entries[tensor] == nil {
      throw CheckpointError(
        path: folder.appendingPathComponent(file).path, item: tensor,
        "the index places this tensor here, but the shard does not hold it")
    }
    self.shards = shards
    self.weightMap = weightMap
    self.tensorNames = weightMap.keys.sorted()
  }

  /// A zero-copy view of tensor `name` from its shard.
  public func tensor(named name: String) throws -> TensorView {
    guard let file = weightMap[name], let shard = shards[file] else {
      throw CheckpointError(path: location, item: name, "no such tensor")
    }
    return try shard.tensor(named: name)
  }
}
