import CPNG
import Foundation

/// Writes `PNGImage`s through libpng: 8-bit RGB, written to a temporary file then renamed, so a
/// reader never sees half a figure.
public enum PNGWriter {
  /// Writes `image` to `url` atomically (temporary file in the same folder, then rename).
  ///
  /// - Throws: `TraceError.png` with the file and libpng's message, or `TraceError.io` when the
  ///   rename fails.
  public static func write(_ image: PNGImage, to url: URL) throws {
    let path = url.path
    let temporary = AtomicFile.temporaryPath(for: url)
    var message = [CChar](repeating: 0, count: 256)
    let status = image.pixels.withUnsafeBufferPointer { pixels -> Int32 in
      guard let base = pixels.baseAddress else { return 3 }
      return cpng_write(
        temporary, base, UInt32(image.width), UInt32(image.height), 3, image.width * 3,
        &message, message.count)
    }
    guard status == 0 else {
      try? FileManager.default.removeItem(atPath: temporary)
      throw TraceError.png(file: path, message: String(decodingCString: message))
    }
    try AtomicFile.commit(temporary, to: url)
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

  /// The libpng version linked in, e.g. "1.6.43".
  public static var libpngVersion: String { String(cString: cpng_libpng_version()) }
}
