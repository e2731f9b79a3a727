/// A hand-written encoder for trace.jsonl lines: Foundation's `JSONEncoder` costs about a
/// microsecond per array element, too slow for thousands of scores per step (the 5% budget).
/// The output is plain JSON with the same keys `Codable` decodes (see `CodingKeys`).
extension TraceStepRecord {
  /// The record as one line of JSON, newline included.
  func jsonLine() -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(256 + positions.count * 40)
    func raw(_ text: StaticString) {
      text.withUTF8Buffer { out.append(contentsOf: $0) }
    }
    func int(_ value: Int) { out.append(contentsOf: String(value).utf8) }
    func double(_ value: Double?) {
      guard let value, value.isFinite else { return raw("null") }
      out.append(contentsOf: value.description.utf8)
    }
    func float(_ value: Float?) {
      guard let value, value.isFinite else { return raw("null") }
      out.append(contentsOf: value.description.utf8)
    }
    func string(_ text: String) {
      out.append(0x22)
      for byte in text.utf8 {
        switch byte {
        case 0x22: raw("\\\"")
        case 0x5C: raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        case 0..<0x20:
          let digits: [UInt8] = Array("0123456789abcdef".utf8)
          raw("\\u00")
          out.append(digits[Int(byte >> 4)])
          out.append(digits[Int(byte & 0xF)])
        default: out.append(byte)
        }
      }
      out.append(0x22)
    }
    func tokens(_ list: [Token]) {
      out.append(0x5B)
      for (i, token) in list.enumerated() {
        if i > 0 { out.append(0x2C) }
        raw("{\"pos\":")
        int(token.pos)
        raw(",\"token\":")
        int(Int(token.token))
        raw(",\"text\":")
        string(token.text)
        if let score = token.score {
          raw(",\"score\":")
          float(score)
        }
        out.append(0x7D)
      }
      out.append(0x5D)
    }
    func floats(_ list: [Float?]) {
      out.append(0x5B)
      for (i, value) in list.enumerated() {
        if i > 0 { out.append(0x2C) }
        float(value)
      }
      out.append(0x5D)
    }
    raw("{\"step\":")
    int(step)
    raw(",\"block\":")
    int(block)
    raw(",\"step_in_block\":")
    int(stepInBlock)
    raw(",\"t\":")
    double(t)
    raw(",\"s\":")
    double(s)
    raw(",\"block_start\":")
    int(blockStart)
    raw(",\"block_end\":")
    int(blockEnd)
    raw(",\"masked_before\":")
    int(maskedBefore)
    raw(",\"masked_after\":")
    int(maskedAfter)
    raw(",\"committed\":")
    tokens(committed)
    raw(",\"remasked\":")
    tokens(remasked)
    raw(",\"positions\":[")
    for (i, position) in positions.enumerated() {
      if i > 0 { out.append(0x2C) }
      int(position)
    }
    raw("],\"confidence\":")
    floats(confidence)
    raw(",\"margin\":")
    floats(margin)
    raw(",\"entropy\":")
    floats(entropy)
    raw(",\"model_seconds\":")
    double(modelSeconds.isFinite ? modelSeconds : 0)
    if let changed {
      raw(",\"changed\":[")
      for (i, position) in changed.enumerated() {
        if i > 0 { out.append(0x2C) }
        int(position)
      }
      out.append(0x5D)
    }
    if let temperature {
      raw(",\"temperature\":")
      double(temperature)
    }
    if let edited {
      raw(",\"edited\":")
      tokens(edited)
    }
    raw("}\n")
    return out
  }
}
