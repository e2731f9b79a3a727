import CPNG

/// An 8-bit RGB raster, rows top to bottom: what every figure draws into and `PNGWriter` writes.
///
/// Drawing clips to the image, so callers may pass rectangles that overlap an edge.
public struct PNGImage: Sendable, Equatable {
  /// Width in pixels.
  public let width: Int
  /// Height in pixels.
  public let height: Int
  /// `width * height * 3` bytes, RGB interleaved, row-major.
  public internal(set) var pixels: [UInt8]

  /// A `width x height` image filled with `background`; sizes below 1 become 1.
  public init(width: Int, height: Int, background: RGB = .white) {
    self.width = max(width, 1)
    self.height = max(height, 1)
    // Grey backgrounds (white included, as every figure uses) are one byte repeated: a memset,
    // where the per-pixel loop below cost a tenth of drawing a heatmap.
    let grey = background.r == background.g && background.g == background.b
    var pixels = [UInt8](repeating: grey ? background.r : 0, count: self.width * self.height * 3)
    if !grey {
      for i in stride(from: 0, to: pixels.count, by: 3) {
        pixels[i] = background.r
        pixels[i + 1] = background.g
        pixels[i + 2] = background.b
      }
    }
    self.pixels = pixels
  }

  /// An image over existing RGB bytes; nil when the count is not `width * height * 3`.
  public init?(width: Int, height: Int, rgb: [UInt8]) {
    guard width > 0, height > 0, rgb.count == width * height * 3 else { return nil }
    self.width = width
    self.height = height
    self.pixels = rgb
  }

  /// The colour at `(x, y)`; black outside the image.
  public func pixel(x: Int, y: Int) -> RGB {
    guard x >= 0, y >= 0, x < width, y < height else { return .black }
    let i = (y * width + x) * 3
    return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
  }

  /// Sets one pixel; ignored outside the image.
  public mutating func setPixel(x: Int, y: Int, _ color: RGB) {
    guard x >= 0, y >= 0, x < width, y < height else { return }
    let i = (y * width + x) * 3
    pixels[i] = color.r
    pixels[i + 1] = color.g
    pixels[i + 2] = color.b
  }

  /// Fills the rectangle `[x, x + w) x [y, y + h)`, clipped to the image.
  public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
    let x0 = max(x, 0)
    let y0 = max(y, 0)
    let x1 = min(x + w, width)
    let y1 = min(y + h, height)
    guard x0 < x1, y0 < y1 else { return }
    let r = color.r
    let g = color.g
    let b = color.b
    pixels.withUnsafeMutableBufferPointer { buffer in
      for row in y0..<y1 {
        var i = (row * width + x0) * 3
        for _ in x0..<x1 {
          buffer[i] = r
          buffer[i + 1] = g
          buffer[i + 2] = b
          i += 3
        }
      }
    }
  }

  /// Draws a 1-pixel rectangle outline.
  public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
    fill(x: x, y: y, width: w, height: 1, color)
    fill(x: x, y: y + h - 1, width: w, height: 1, color)
    fill(x: x, y: y, width: 1, height: h, color)
    fill(x: x + w - 1, y: y, width: 1, height: h, color)
  }

  /// Copies `image` with its top-left corner at `(x, y)`, clipped.
  public mutating func draw(_ image: PNGImage, x: Int, y: Int) {
    for row in 0..<image.height {
      let ty = y + row
      guard ty >= 0, ty < height else { continue }
      let sx0 = max(0, -x)
      let sx1 = min(image.width, width - x)
      guard sx0 < sx1 else { return }
      let source = (row * image.width + sx0) * 3
      let target = (ty * width + x + sx0) * 3
      let count = (sx1 - sx0) * 3
      pixels.replaceSubrange(target..<target + count, with: image.pixels[source..<source + count])
    }
  }
}

extension PNGImage {
  /// Decodes a PNG file (any colour type; alpha dropped), through libpng.
  ///
  /// - Throws: `TraceError.png` naming the file and libpng's message.
  public static func read(contentsOf path: String) throws -> PNGImage {
    var buffer: UnsafeMutablePointer<UInt8>?
    var width: UInt32 = 0
    var height: UInt32 = 0
    var message = [CChar](repeating: 0, count: 256)
    let status = cpng_read_rgba(path, &buffer, &width, &height, &message, message.count)
    guard status == 0, let buffer else {
      throw TraceError.png(file: path, message: String(decodingCString: message))
    }
    defer { cpng_free(buffer) }
    let count = Int(width) * Int(height)
    var rgb = [UInt8](repeating: 0, count: count * 3)
    for i in 0..<count {
      rgb[i * 3] = buffer[i * 4]
      rgb[i * 3 + 1] = buffer[i * 4 + 1]
      rgb[i * 3 + 2] = buffer[i * 4 + 2]
    }
    guard let image = PNGImage(width: Int(width), height: Int(height), rgb: rgb) else {
      throw TraceError.png(file: path, message: "decoded an empty image")
    }
    return image
  }
}

extension String {
  /// Reads a NUL-terminated message out of a C buffer without force unwrapping.
  init(decodingCString buffer: [CChar]) {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    self = String(decoding: bytes, as: UTF8.self)
  }
}
