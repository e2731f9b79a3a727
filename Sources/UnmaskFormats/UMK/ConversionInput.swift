import Foundation
import UnmaskCore
import UnmaskKernels

/// What `convert` reads: weights and the files to embed beside them.
public struct ConversionInput {
  /// The tensors.
  public var weights: any TensorSource
  /// Files to embed (config.json, tokenizer files, the source's safetensors header).
  public var files: [(name: String, data: Data)]
  /// Every file the conversion reads (weights, index, embedded files), which the output must
  /// not replace.
  public var readPaths: [URL] = []

  /// Refuses an output that would replace one of the input files (through a symbolic or hard
  /// link too), which would destroy the source before it was read, or a `.umk` written under
  /// the `.safetensors` extension, which every reader would then take for a safetensors file.
  ///
  /// - Throws: `CheckpointError` naming `destination`.
  public func checkDestination(_ destination: URL) throws {
    if let input = readPaths.first(where: { FileIdentity.same($0.path, destination.path) }) {
      throw CheckpointError(
        path: destination.path,
        "is an input of this conversion (\(input.path)); choose another output file")
    }
    if destination.pathExtension.lowercased() == "safetensors" {
      throw CheckpointError(
        path: destination.path,
        "a .umk file cannot be named .safetensors (readers go by the extension); use .umk")
    }
  }

  /// Opens a model folder, a `.safetensors` file (config and tokenizer files beside it are
  /// embedded when present; none is required), a `.umk` file (its embedded files carry over)
  /// or a GGUF file (its tensors under Hugging Face names, config.json and tokenizer files
  /// rebuilt from its metadata, as a model opened from it sees them).
  public static func open(_ url: URL) throws -> ConversionInput {
    let kind = try CheckpointKind.of(url)
    if kind == .gguf {
      let file = try GGUFFile(url: url)
      let (config, weights) = try GGUFArchitecture.map(file)
      var files: [(name: String, data: Data)] = [("config.json", config)]
      if GGUFTokenizer.isPresent(in: file) {
        let tokenizer = try GGUFTokenizer(file: file)
        files += [
          ("tokenizer.json", tokenizer.tokenizerJSON),
          ("tokenizer_config.json", tokenizer.tokenizerConfigJSON),
        ]
      }
      return ConversionInput(
        weights: weights, files: files,
        readPaths: file.parts.map { URL(fileURLWithPath: $0.file.path) })
    }
    if kind == .umk {
      let file = try UMKFile(url: url)
      var files: [(name: String, data: Data)] = []
      for name in file.blobNames {
        if let data = try file.blob(named: name) { files.append((name, data)) }
      }
      return ConversionInput(weights: file, files: files, readPaths: [url])
    }
    let weights: any TensorSource
    let folder: URL
    var readPaths: [URL] = []
    if kind == .folder {
      weights = try ModelBundle.open(url).weights
      folder = url
      let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
      readPaths = names.filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".index.json") }
        .map { url.appendingPathComponent($0) }
    } else {
      weights = try SafetensorsFile(url: url)
      folder = url.deletingLastPathComponent()
      readPaths = [url]
    }
    var files: [(name: String, data: Data)] = []
    for name in [
      "config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json",
    ] {
      if let data = try? Data(contentsOf: folder.appendingPathComponent(name)) {
        files.append((name, data))
        readPaths.append(folder.appendingPathComponent(name))
      }
    }
    if let single = weights as? SafetensorsFile {
      // The header length was validated when the file was opened.
      let length = Int(single.file.bytes.loadUnaligned(as: UInt64.self).littleEndian)
      files.append((UMKWriter.sourceHeaderBlob, Data(single.file.slice(8..<(8 + length)))))
    }
    return ConversionInput(weights: weights, files: files, readPaths: readPaths)
  }
}
