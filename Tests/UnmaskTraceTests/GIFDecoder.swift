@testable import UnmaskTrace

/// A small GIF89a reader for the tests, written from the specification independently of
/// `GIFEncoder`: it walks the blocks, decodes each frame's LZW data and composites the frames
/// (disposal "leave in place", optional transparent index) into what a viewer shows.
struct GIFDecoder {
  /// One frame as displayed: the whole canvas after compositing, and its rectangle and delay.
  struct Frame {
    var canvas: PNGImage
    var x: Int
    var y: Int
    var width: Int
    var height: Int
    /// Hundredths of a second.
    var delay: Int
  }

  var width = 0
  var height = 0
  var palette: [RGB] = []
  var frames: [Frame] = []

  /// Decodes `bytes`; nil when the structure is broken anywhere.
  init?(_ bytes: [UInt8]) {
    guard bytes.count > 13, Array(bytes[0..<6]) == Array("GIF89a".utf8) else { return nil }
    func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
    width = u16(6)
    height = u16(8)
    var i = 13
    if bytes[10] & 0x80 != 0 {
      let count = 1 << (Int(bytes[10] & 0x07) + 1)
      guard i + 3 * count <= bytes.count else { return nil }
      palette = (0..<count).map {
        RGB(bytes[i + 3 * $0], bytes[i + 3 * $0 + 1], bytes[i + 3 * $0 + 2])
      }
      i += 3 * count
    }
    // Concatenated sub-blocks starting at `j`; nil when they run past the end.
    func subBlocks(_ j: inout Int) -> [UInt8]? {
      var data: [UInt8] = []
      while j < bytes.count {
        let size = Int(bytes[j])
        j += 1
        if size == 0 { return data }
        guard j + size <= bytes.count else { return nil }
        data += bytes[j..<(j + size)]
        j += size
      }
      return nil
    }
    // Before the first frame: the background colour (the encoder's first frame covers it all).
    let background = Int(bytes[11]) < palette.count ? palette[Int(bytes[11])] : .black
    var canvas = PNGImage(width: max(width, 1), height: max(height, 1), background: background)
    var delay = 0
    var transparent: Int? = nil
    while i < bytes.count {
      switch bytes[i] {
      case 0x21:
        let label = bytes[i + 1]
        i += 2
        guard let data = subBlocks(&i) else { return nil }
        if label == 0xF9, data.count == 4 {  // graphic control
          guard (data[0] >> 2) & 0x07 <= 1 else { return nil }  // only "leave in place" is handled
          delay = Int(data[1]) | Int(data[2]) << 8
          transparent = data[0] & 0x01 != 0 ? Int(data[3]) : nil
        }
      case 0x2C:
        // No local colour table, no interlace.
        guard i + 10 < bytes.count, bytes[i + 9] & 0xC0 == 0 else { return nil }
        let (x, y, w, h) = (u16(i + 1), u16(i + 3), u16(i + 5), u16(i + 7))
        let minimumCodeSize = Int(bytes[i + 10])
        i += 11
        guard x + w <= width, y + h <= height, let data = subBlocks(&i) else { return nil }
        let indices = GIFDecoder.decompress(data, minimumCodeSize: minimumCodeSize)
        guard indices.count == w * h else { return nil }
        for row in 0..<h {
          for column in 0..<w {
            let index = Int(indices[row * w + column])
            guard index < palette.count else { return nil }
            if index != transparent { canvas.setPixel(x: x + column, y: y + row, palette[index]) }
          }
        }
        frames.append(Frame(canvas: canvas, x: x, y: y, width: w, height: h, delay: delay))
      case 0x3B:
        return
      default:
        return nil
      }
    }
    return nil
  }

  /// GIF's variable-width LZW, decoded with a dictionary of byte strings.
  static func decompress(_ data: [UInt8], minimumCodeSize: Int) -> [UInt8] {
    let clear = 1 << minimumCodeSize
    let end = clear + 1
    var codeSize = minimumCodeSize + 1
    var dictionary: [[UInt8]] = (0..<clear).map { [UInt8($0)] } + [[], []]
    var output: [UInt8] = []
    var previous: [UInt8]? = nil
    var bitPosition = 0
    while bitPosition + codeSize <= data.count * 8 {
      var code = 0
      for k in 0..<codeSize {
        let bit = (Int(data[(bitPosition + k) / 8]) >> ((bitPosition + k) % 8)) & 1
        code |= bit << k
      }
      bitPosition += codeSize
      if code == clear {
        codeSize = minimumCodeSize + 1
        dictionary = Array(dictionary[0..<(clear + 2)])
        previous = nil
        continue
      }
      if code == end { break }
      var entry: [UInt8]
      if code < dictionary.count {
        entry = dictionary[code]
        if let previous { dictionary.append(previous + [entry[0]]) }
      } else if let previous {
        entry = previous + [previous[0]]
        dictionary.append(entry)
      } else {
        return []
      }
      output += entry
      previous = entry
      if dictionary.count == (1 << codeSize) && codeSize < 12 { codeSize += 1 }
    }
    return output
  }
}
