import Foundation

/// What a model folder's `unmask.json` says about evaluating it.
public enum EvalDefaults {
  /// The folder holding a model path: the path itself when it is a folder, else its parent
  /// (a `.safetensors` or `.umk` file next to its `unmask.json`).
  public static func folder(ofModel location: URL) -> URL {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: location.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    {
      return location
    }
    return location.deletingLastPathComponent()
  }

  /// The data set that ships with the model (`"eval_data"`, relative to the folder), if any.
  public static func dataPath(modelFolder folder: URL) -> String? {
    let url = folder.appendingPathComponent("unmask.json")
    guard let data = FileManager.default.contents(atPath: url.path),
      let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let relative = root["eval_data"] as? String
    else { return nil }
    return folder.appendingPathComponent(relative).path
  }
}
