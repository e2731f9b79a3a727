import ArgumentParser
import Foundation
import Unmask

/// `unmask export`: a `.umk` back to safetensors.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract:
      "Write a .umk file's tensors back as one .safetensors file (bit-exact when lossless).",
    discussion:
      "Embedded config and tokenizer files are written beside the output when --files is given.")

  @Argument(help: "The .umk file.")
  var file: String

  @Argument(help: "Output .safetensors file.")
  var output: String

  @Flag(help: "Also write the embedded files (config.json, tokenizer.json, ...) beside the output.")
  var files = false

  func run() throws {
    let umk = try UMKFile(url: URL(fileURLWithPath: file))
    let out = URL(fileURLWithPath: output)
    if FileIdentity.same(file, output) {
      throw CommandError("\(output): is the input file; choose another output file")
    }
    // Ctrl-C or SIGTERM removes the writer's temporary file and exits 130/143.
    Interruption.install()
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
