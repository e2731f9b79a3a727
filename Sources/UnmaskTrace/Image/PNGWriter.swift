import CPNG
import Foundation
import UnmaskCore

/// Writes `PNGImage`s through libpng: 8-bit RGB, encoded in memory and written through
/// `AtomicFileWriter`, so a reader never sees half a figure.
public enum PNGWriter {
  /// Writes `image` to `url` atomically (encoded in memory, then written through
  /// `AtomicFileWriter`).
  ///
  /// - Throws: `TraceError.png` with the file and libpng's message, or `TraceError.io`.
  public static func write(_ image: PNGImage, to url: URL) throws {
    let bytes: [UInt8]
    do {
      bytes = try encode(image)
    } catch TraceError.png(_, let message) {
      throw TraceError.png(file: url.path, message: message)
    }
    try AtomicFileWriter.writeTraceFile(Data(bytes), to: url)
  }

  /// Encodes `image` as PNG bytes in memory.
  public static func encode(_ image: PNGImage) throws -> [UInt8] {
    var message = [CChar](repeating: 0, count: 256)
    var output: UnsafeMutablePointer<UInt8>?
    var size = 0
    let status = image.pixels.withUnsafeBufferPointer { pixels -> Int32 in
      guard let base = pixels.baseAddress else { return 3 }
      return cpng_write_memory(
        base, UInt32(image.width), UInt32(image.height), 3, image.width * 3, &output, &size,
        &message, message.count)
    }
    guard status == 0, let output else {
      throw TraceError.png(file: "<memory>", message: String(decodingCString: message))
    }
    defer { cpng_free(output) }
    return Array(UnsafeBufferPointer(start: output, count: size))
  }
}
