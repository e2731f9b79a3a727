import Foundation

extension ModelBundle {
  /// A GGUF file (or the first part of a split one) as a bundle: config.json from its
  /// hyperparameters and tensors under Hugging Face names (`GGUFArchitecture`), tokenizer
  /// files from its `tokenizer.ggml.*` metadata (`GGUFTokenizer`). A file without tokenizer
  /// metadata is refused unless a tokenizer is given (`tokenizerGiven`): a diffusion model
  /// cannot find its mask token without one.
  static func openGGUF(_ url: URL, tokenizerGiven: Bool) throws -> ModelBundle {
    let file = try GGUFFile(url: url)
    let (config, weights) = try GGUFArchitecture.map(file)
    var tokenizer: GGUFTokenizer?
    if !tokenizerGiven {
      guard GGUFTokenizer.isPresent(in: file) else {
        throw CheckpointError(
          path: file.location, item: "tokenizer.ggml.model",
          "no tokenizer metadata in this GGUF; give one with --tokenizer PATH (a tokenizer.json or its folder)"
        )
      }
      tokenizer = try GGUFTokenizer(file: file)
    }
    return ModelBundle(
      configJSON: config, tokenizerJSON: tokenizer?.tokenizerJSON,
      tokenizerConfigJSON: tokenizer?.tokenizerConfigJSON, weights: weights, location: url)
  }
}
