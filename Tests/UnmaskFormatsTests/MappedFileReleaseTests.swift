import Foundation
import Testing
@testable import UnmaskFormats

/// Dropping the compressed pages of a decoded `.umk` tensor (to keep peak RSS near the size of
/// the decoded weights) must not change a byte anything reads later: the pages fault in again.
@Test func releasedPagesReadBackUnchanged() throws {
  let url = umkFixtures.appendingPathComponent("tiny-huffman.umk")
  let file = try UMKFile(url: url)
  let original = try Data(contentsOf: url)
  var first: [String: [UInt8]] = [:]
  for name in file.tensorNames { first[name] = Array(try file.tensor(named: name).bytes) }
  file.file.release(0..<file.file.count)  // every page, the header's included
  #expect(Data(file.file.bytes) == original)
  // A fresh decode reads the released pages again.
  for name in file.tensorNames {
    let entry = try #require(file.entry(named: name))
    if entry.encoding == .raw { continue }
    let owned = try file.decode(entry, checkChunks: true)
    withExtendedLifetime(owned) {
      #expect(Array(owned.bytes.prefix(entry.byteCount)) == first[name], "\(name)")
    }
  }
  #expect(try file.verify().tensors == 6)
}
