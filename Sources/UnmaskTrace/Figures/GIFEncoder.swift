/// A minimal animated GIF89a writer: one global palette of up to 256 colours, frames as
/// sub-rectangles (only what changed), LZW-compressed by `LZW`, looping forever.
///
/// The palette and the LZW minimum code size are as small as the colours used allow (at least
/// 4 entries and 2 bits), which makes both the file and the encoding time smaller.
struct GIFEncoder {
  /// One frame: a rectangle of palette indices and how long to show it.
  struct Frame {
    var x: Int
    var y: Int
    var width: Int
    var height: Int
    var indices: [UInt8]
    /// Hundredths of a second.
    var delay: Int
  }

  let width: Int
  let height: Int
  private(set) var palette: [RGB] = []
  private var lookup: [RGB: UInt8] = [:]
  /// Direct-mapped cache in front of `lookup`, keyed by `0xRRGGBB` (`cacheEmpty` when unused):
  /// text switches colour every few pixels, and hashing an `RGB` each time cost more than the
  /// LZW compression of the frame.
  private var cacheKeys = [UInt32](repeating: GIFEncoder.cacheEmpty, count: 1024)
  private var cacheIndices = [UInt8](repeating: 0, count: 1024)
  private static let cacheEmpty: UInt32 = 0xFFFF_FFFF
  private(set) var frames: [Frame] = []

  init(width: Int, height: Int) {
    self.width = min(max(width, 1), 65535)
    self.height = min(max(height, 1), 65535)
  }

  /// Palette index of `color`, adding it while there is room (else the nearest entry).
  mutating func index(of color: RGB) -> UInt8 {
    if let index = lookup[color] { return index }
    if palette.count < 256 {
      let index = UInt8(palette.count)
      palette.append(color)
      lookup[color] = index
      return index
    }
    var best = 0
    var bestDistance = Int.max
    for (i, entry) in palette.enumerated() {
      let dr = Int(entry.r) - Int(color.r)
      let dg = Int(entry.g) - Int(color.g)
      let db = Int(entry.b) - Int(color.b)
      let distance = dr * dr + dg * dg + db * db
      if distance < bestDistance {
        best = i
        bestDistance = distance
      }
    }
    lookup[color] = UInt8(best)
    return UInt8(best)
  }

  /// `index(of:)` for a `0xRRGGBB` colour, through the direct-mapped cache.
  private mutating func cachedIndex(of color: UInt32) -> UInt8 {
    let slot = Int((color &* 0x9E37_79B1) >> 22)  // Fibonacci hash: top 10 bits
    if cacheKeys[slot] == color { return cacheIndices[slot] }
    let index = index(of: RGB(UInt8(color >> 16), UInt8((color >> 8) & 0xFF), UInt8(color & 0xFF)))
    cacheKeys[slot] = color
    cacheIndices[slot] = index
    return index
  }

  /// Adds the rectangle `(x, y, w, h)` of `image` as a frame.
  mutating func addFrame(
    from image: PNGImage, x: Int, y: Int, width w: Int, height h: Int, delay: Int
  ) {
    let x0 = max(0, min(x, image.width - 1))
    let y0 = max(0, min(y, image.height - 1))
    let w = max(1, min(w, image.width - x0))
    let h = max(1, min(h, image.height - y0))
    var indices = [UInt8](repeating: 0, count: w * h)
    // Consecutive pixels usually share a colour: remember the last one to skip the lookup.
    var last = GIFEncoder.cacheEmpty
    var lastIndex: UInt8 = 0
    image.pixels.withUnsafeBufferPointer { pixels in
      indices.withUnsafeMutableBufferPointer { indices in
        var out = 0
        for row in y0..<(y0 + h) {
          var i = (row * image.width + x0) * 3
          for _ in 0..<w {
            let color = UInt32(pixels[i]) << 16 | UInt32(pixels[i + 1]) << 8 | UInt32(pixels[i + 2])
            if color != last {
              last = color
              lastIndex = cachedIndex(of: color)
            }
            indices[out] = lastIndex
            out += 1
            i += 3
          }
        }
      }
    }
    frames.append(Frame(x: x0, y: y0, width: w, height: h, indices: indices, delay: delay))
  }

  /// Changes the delay of the last frame (e.g. to hold the final canvas).
  mutating func setLastDelay(_ delay: Int) {
    if !frames.isEmpty { frames[frames.count - 1].delay = delay }
  }

  /// The file bytes.
  func encode() -> [UInt8] {
    // Bits per index: enough for the palette, and at least 2 (GIF's smallest LZW code size).
    var bits = 2
    while 1 << bits < palette.count { bits += 1 }
    var lzw = LZW(minimumCodeSize: bits)
    var out: [UInt8] = Array("GIF89a".utf8)
    func u16(_ value: Int) {
      out.append(UInt8(value & 0xFF))
      out.append(UInt8((value >> 8) & 0xFF))
    }
    u16(width)
    u16(height)
    // Global colour table of 2^bits entries (size field n means 2^(n+1)), 8 bits per channel.
    out += [0xF0 | UInt8(bits - 1), 0, 0]
    for i in 0..<(1 << bits) {
      let color = i < palette.count ? palette[i] : .black
      out += [color.r, color.g, color.b]
    }
    // NETSCAPE2.0 application extension: loop forever.
    out += [0x21, 0xFF, 0x0B] + Array("NETSCAPE2.0".utf8) + [0x03, 0x01, 0x00, 0x00, 0x00]
    for frame in frames {
      // Graphic control: disposal 1 (leave in place), no transparency.
      out += [0x21, 0xF9, 0x04, 0x04]
      u16(frame.delay)
      out += [0x00, 0x00]
      out.append(0x2C)
      u16(frame.x)
      u16(frame.y)
      u16(frame.width)
      u16(frame.height)
      out.append(0x00)
      out.append(UInt8(bits))  // LZW minimum code size
      let data = lzw.encode(frame.indices)
      var offset = 0
      while offset < data.count {
        let count = min(255, data.count - offset)
        out.append(UInt8(count))
        out += data[offset..<(offset + count)]
        offset += count
      }
      out.append(0x00)
    }
    out.append(0x3B)
    return out
  }
}
