import ArgumentParser
import Foundation
import Unmask

extension UMKCodec: ExpressibleByArgument {}
extension UMKQuantization: ExpressibleByArgument {}
extension UMKDTypeChoice: ExpressibleByArgument {}
extension UMKEntropyCoder: ExpressibleByArgument {}

/// `unmask convert`: a safetensors checkpoint (file or folder) into one `.umk` file.
struct ConvertCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "convert",
    abstract: "Convert a safetensors checkpoint (file or Hugging Face folder) into one .umk file.",
    discussion: """
      Lossless by default: floats are split into byte planes (exponent apart from mantissa) \
      and stored in independent chunks, each plane raw, zstd or entropy-coded (Huffman, or \
      rANS with --entropy rans), whichever is smallest. \
      --quantize stores 2-D weight matrices (not embeddings or norms) as GGUF q8_0/q4_0. \
      Writes DST.tmp-PID and renames it at the end. See docs/FORMAT.md.
      """)

  @Argument(help: "Model folder, .safetensors file or .umk file.")
  var source: String

  @Argument(help: "Output .umk file.")
  var destination: String

  @Option(help: "Tensor storage.")
  var codec: UMKCodec = .zstd

  @Option(help: "zstd level for planes (1-19; 0 disables zstd).")
  var level = 3

  @Option(
    help: "Entropy coder for exponent planes: huffman (fast to decode) or rans (slower; files about 0.2% of the original size smaller).")
  var entropy: UMKEntropyCoder = .huffman

  @Option(help: "Lossy block quantization of weight matrices.")
  var quantize: UMKQuantization = .none

  @Option(help: "Cast floating tensors before storing.")
  var dtype: UMKDTypeChoice = .keep

  @Option(help: "Elements per independently decodable chunk.")
  var chunk = 1 << 17

  @Option(help: "Worker threads (default: all cores).")
  var threads: Int?

  func validate() throws {
    guard (0...22).contains(level) else {
      throw ValidationError("--level must be in 0...22, got \(level)")
    }
    guard (1024...(1 << 20)).contains(chunk) else {
      throw ValidationError("--chunk must be in 1024...1048576")
    }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    let input = try ConversionInput.open(ModelReference.resolve(source))
    var options = UMKConvertOptions()
    options.codec = codec
    options.quantize = quantize
    options.dtype = dtype
    options.encode.level = level
    options.encode.entropy = entropy
    options.encode.chunkElements = chunk
    if let threads { options.encode.threads = threads }
    // Ctrl-C removes the half-written temporary file (the writer's own cleanup covers errors).
    let temporary = destination + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
    signal(SIGINT, SIG_IGN)
    let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    interrupt.setEventHandler {
      unlink(temporary)
      FileHandle.standardError.write(Data("\ninterrupted: no \(destination) written\n".utf8))
      Foundation.exit(130)
    }
    interrupt.resume()
    defer { interrupt.cancel() }
    let bar = ProgressBar()
    let summary = try UMKWriter.convert(
      weights: input.weights, files: input.files, to: URL(fileURLWithPath: destination),
      options: options
    ) { bar.update($0) }
    bar.finish()
    print(
      String(
        format: "%@: %d tensors (%d quantized), %.1f MB -> %.1f MB (%.1f%%), %.1f MB/s",
        destination, summary.tensors, summary.quantized, Double(summary.bytesIn) / 1e6,
        Double(summary.fileBytes) / 1e6,
        100 * Double(summary.fileBytes) / Double(max(summary.bytesIn, 1)),
        Double(summary.bytesIn) / 1e6 / max(summary.seconds, 1e-9)))
  }
}

/// A one-line progress bar on stderr (bytes, MB/s, ratio), drawn only on a terminal and at
/// most ten times a second.
final class ProgressBar {
  private let enabled = isatty(2) != 0
  private var lastDraw = 0.0
  private var drawn = false

  func update(_ p: UMKConvertProgress) {
    guard enabled, p.seconds - lastDraw >= 0.1 || p.bytesIn == p.totalIn else { return }
    lastDraw = p.seconds
    drawn = true
    let fraction = Double(p.bytesIn) / Double(max(p.totalIn, 1))
    let filled = Int(fraction * 30)
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
    let line = String(
      format: "\r[%@] %.1f/%.1f MB  %.0f MB/s  ratio %.1f%%", bar, Double(p.bytesIn) / 1e6,
      Double(p.totalIn) / 1e6,
      Double(p.bytesIn) / 1e6 / max(p.seconds, 1e-9),
      100 * Double(p.bytesOut) / Double(max(p.bytesIn, 1)))
    FileHandle.standardError.write(Data(line.utf8))
  }

  func finish() {
    if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
  }
}
