import ArgumentParser
import Foundation
import Unmask

/// `unmask export`: a `.umk` back to safetensors, or a model to GGUF.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract:
      "Write a .umk file's tensors back as one .safetensors file (bit-exact when lossless), or a model as a GGUF for llama.cpp.",
    discussion: """
      An output ending in .safetensors: the .umk's tensors; embedded config and tokenizer \
      files are written beside it when --files is given. An output ending in .gguf: any model \
      Unmask reads (a .umk, a folder, a .safetensors with its config) of an architecture \
      llama.cpp runs as a diffusion model (LLaDA, Dream, LLaDA-MoE), written as \
      convert_hf_to_gguf.py writes it, tensors in their stored types: `convert --quantize \
      q4_k_m` then `export` gives a Q4_K_M GGUF.
      """)

  @Argument(help: "The .umk file (for .gguf: any model Unmask reads).")
  var file: String

  @Argument(help: "Output .safetensors or .gguf file.")
  var output: String

  @Flag(help: "Also write the embedded files (config.json, tokenizer.json, ...) beside the output.")
  var files = false

  func run() throws {
    let out = URL(fileURLWithPath: output)
    if FileIdentity.same(file, output) {
      throw CommandError("\(output): is the input file; choose another output file")
    }
    // Ctrl-C or SIGTERM removes the writer's temporary file and exits 130/143.
    Interruption.install()
    if out.pathExtension.lowercased() == "gguf" {
      let input = try ConversionInput.open(ModelReference.resolve(file))
      try input.checkDestination(out)
      let summary = try GGUFExport.write(weights: input.weights, files: input.files, to: out)
      print(
        String(
          format: "%@: GGUF, architecture %@, %d tensors, %.1f MB", output, summary.architecture,
          summary.tensors, Double(summary.bytes) / 1e6))
      return
    }
    let umk = try UMKFile(url: URL(fileURLWithPath: file))
    let layout = try umk.exportSafetensors(to: out)
    if files {
      for name in umk.blobNames where name != UMKWriter.sourceHeaderBlob {
        if let data = try umk.blob(named: name) {
          try writeAtomically(
            data, to: out.deletingLastPathComponent().appendingPathComponent(name).path)
        }
      }
    }
    print(
      "\(output): \(umk.tensorNames.count) tensors, \(layout == .original ? "byte-identical to the source file" : "canonical header")"
    )
  }
}
