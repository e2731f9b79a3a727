import ArgumentParser
import Foundation
import Unmask

extension UMKCodec: ExpressibleByArgument {
  /// `--codec raw|planes` (`zstd`, the old name of `planes`, is still accepted).
  public init?(argument: String) { self.init(name: argument) }
}
extension UMKQuantization: ExpressibleByArgument {
  /// `--quantize q4_k_m`, or llama-quantize's spelling `Q4_K_M`.
  public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
extension UMKDTypeChoice: ExpressibleByArgument {}
extension UMKEntropyCoder: ExpressibleByArgument {}

/// `unmask convert`: a safetensors checkpoint (file or folder) into one `.umk` file.
struct ConvertCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "convert",
    abstract: "Convert a safetensors checkpoint (file or Hugging Face folder) into one .umk file.",
    discussion: """
      Lossless by default (--codec planes): floats are split into byte planes (exponent apart \
      from mantissa) and stored in independent chunks, each plane raw, zstd or entropy-coded \
      (Huffman, or rANS with --entropy rans), whichever is smallest. \
      --quantize q8_0/q4_0 stores 2-D weight matrices (not embeddings or norms) in that GGUF \
      block type; q4_k_m/q5_k_m write llama-quantize's Q4_K_M/Q5_K_M type mix and blocks \
      (byte for byte, without an importance matrix), embeddings and head included. \
      A .umk input may be converted again: quantized tensors stay as they are, are \
      dequantized and requantized by --quantize, or dequantized by --dtype. \
      The file is written beside DST under a temporary name and renamed at the end; an error \
      or Ctrl-C leaves no output and no temporary file. See docs/FORMAT.md.
      """)

  @Argument(help: "Model folder, .safetensors file or .umk file.")
  var source: String

  @Argument(help: "Output .umk file.")
  var destination: String

  @Option(help: "Tensor storage: planes (lossless, compressed) or raw (fastest load).")
  var codec: UMKCodec = .planes

  @Option(help: "zstd level for planes, 0-22 (0: planes are only raw or entropy-coded).")
  var level = 3

  @Option(
    help:
      "Entropy coder for exponent planes: huffman (fast to decode) or rans (slower; files about 0.2% of the original size smaller)."
  )
  var entropy: UMKEntropyCoder = .huffman

  @Option(help: "Lossy block quantization of weight matrices.")
  var quantize: UMKQuantization = .none

  @Option(help: "Cast floating tensors before storing.")
  var dtype: UMKDTypeChoice = .keep

  @Option(
    help:
      "Elements per independently decodable chunk, 1-1048576 (a matrix's chunks are whole rows within it, a multiple of 32 rows where they can be)."
  )
  var chunk = 1 << 17

  @Option(help: "Worker threads (default: all cores).")
  var threads: Int?

  func validate() throws {
    guard (0...22).contains(level) else {
      throw ValidationError("--level must be in 0...22, got \(level)")
    }
    // The limits docs/FORMAT.md gives for a chunk; small chunks only cost header space.
    guard (1...(1 << 20)).contains(chunk) else {
      throw ValidationError("--chunk must be in 1...1048576, got \(chunk)")
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
    let output = URL(fileURLWithPath: destination)
    try input.checkDestination(output)
    if output.pathExtension.lowercased() != "umk" {
      FileHandle.standardError.write(
        Data("warning: \(destination): a .umk file is written under another extension\n".utf8))
    }
    // Ctrl-C or SIGTERM removes the writer's temporary file and exits 130/143.
    Interruption.install()
    let bar = ProgressBar()
    let summary = try UMKWriter.convert(
      weights: input.weights, files: input.files, to: output, options: options
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
