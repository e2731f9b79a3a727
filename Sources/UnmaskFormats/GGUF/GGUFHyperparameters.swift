/// The `<architecture>.*` keys of a GGUF (`llada.block_count`, `dream.rope.freq_base`), read
/// with errors that name the file and the key.
struct GGUFHyperparameters {
  /// The file.
  let file: GGUFFile
  /// `general.architecture`, the keys' prefix.
  let architecture: String

  /// `<architecture>.<key>`, an integer, required.
  func int(_ key: String) throws -> Int {
    guard let value = optionalInt(key) else { throw missing(key, "a non-negative integer") }
    return value
  }

  /// `<architecture>.<key>`, an integer, if present.
  func optionalInt(_ key: String) -> Int? {
    file.value("\(architecture).\(key)")?.intValue.flatMap { $0 >= 0 ? $0 : nil }
  }

  /// `<architecture>.<key>`, a number, required.
  func double(_ key: String) throws -> Double {
    guard let value = file.value("\(architecture).\(key)")?.doubleValue else {
      throw missing(key, "a number")
    }
    return value
  }

  /// `<architecture>.<key>`, a flag, if present.
  func bool(_ key: String) -> Bool? {
    file.value("\(architecture).\(key)")?.boolValue
  }

  /// A `tokenizer.ggml.*` id, if present.
  func tokenID(_ name: String) -> Int? {
    file.value("tokenizer.ggml.\(name)_token_id")?.intValue
  }

  /// The shape of tensor `name` (GGUF name), if the file holds it.
  func shape(_ name: String) -> [Int]? { file.info(name)?.shape }

  /// Whether the file holds tensor `name`.
  func has(_ name: String) -> Bool { file.info(name) != nil }

  /// Rows of the embedding table (`token_embd.weight`), which the model code checks anyway.
  func embeddingRows() throws -> Int {
    guard let shape = shape("token_embd.weight"), shape.count == 2 else {
      throw CheckpointError(
        path: file.location, item: "token_embd.weight", "missing or not a matrix")
    }
    return shape[0]
  }

  private func missing(_ key: String, _ what: String) -> CheckpointError {
    CheckpointError(
      path: file.location, item: "\(architecture).\(key)", "missing or not \(what)")
  }
}
