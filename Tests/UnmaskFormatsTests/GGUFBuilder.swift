import Foundation

/// Writes GGUF bytes by hand for the hostile-file tests: every field can be set to what a
/// broken or malicious writer would put there.
struct GGUFBuilder {
  var bytes: [UInt8] = []

  mutating func u8(_ v: UInt8) { bytes.append(v) }
  mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
  mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
  mutating func string(_ s: String) {
    u64(UInt64(s.utf8.count))
    bytes += Array(s.utf8)
  }
  mutating func pad(to alignment: Int) {
    while bytes.count % alignment != 0 { bytes.append(0) }
  }

  /// A valid file: version 3, `kv` (key, type code, writer of the value), tensors as
  /// (name, ne, ggml type, data offset), the data section of `data` bytes after padding.
  static func file(
    version: UInt32 = 3, kv: [(String, UInt32, (inout GGUFBuilder) -> Void)] = [],
    tensors: [(String, [UInt64], UInt32, UInt64)] = [], alignment: Int = 32, data: Int = 0
  ) -> [UInt8] {
    var b = GGUFBuilder()
    b.bytes += Array("GGUF".utf8)
    b.u32(version)
    b.u64(UInt64(tensors.count))
    b.u64(UInt64(kv.count))
    for (key, type, write) in kv {
      b.string(key)
      b.u32(type)
      write(&b)
    }
    for (name, ne, type, offset) in tensors {
      b.string(name)
      b.u32(UInt32(ne.count))
      for n in ne { b.u64(n) }
      b.u32(type)
      b.u64(offset)
    }
    b.pad(to: alignment)
    b.bytes += [UInt8](repeating: 0x3C, count: data)
    return b.bytes
  }

  /// A file of two f32 tensors `a` [2, 4] and `b` [4], and a string and an array of metadata.
  static var valid: [UInt8] {
    file(
      kv: [
        ("general.architecture", 8, { $0.string("llada") }),
        (
          "n", 9,
          {
            $0.u32(4); $0.u64(2); $0.u32(7); $0.u32(9)
          }
        ),
      ],
      tensors: [("a", [4, 2], 0, 0), ("b", [4], 0, 32)], data: 48)
  }
}
