import Foundation
import Testing

/// Every golden file says what produced it: the commit of the reference code (a top-level key
/// containing "commit", e.g. `"reference_commits": {"NVlabs/Fast-dLLM": "<sha>"}`, or any
/// top-level object whose values are all 40-digit commit hashes) or the
/// version of the package that computed it (a key containing "version", e.g. `gguf_version`).
/// The test prints each file's record; a file without one is a counted skip naming it (a
/// failure under UNMASK_REQUIRE_ALL=1), since its values could not be regenerated exactly.
@Test func everyGoldenFileRecordsItsReference() throws {
  let root = Fixtures.root
  let fm = FileManager.default
  var files = ["quant/ggml-blocks.json"]
  files += try fm.contentsOfDirectory(atPath: root.appendingPathComponent("sampler").path)
    .filter { $0.hasPrefix("goldens") && $0.hasSuffix(".json") }.map { "sampler/\($0)" }
  files += try fm.contentsOfDirectory(atPath: root.appendingPathComponent("golden").path)
    .filter { $0.hasSuffix(".json") }.map { "golden/\($0)" }
  files += try fm.contentsOfDirectory(atPath: root.appendingPathComponent("tokenizers").path)
    .filter {
      fm.fileExists(atPath: root.appendingPathComponent("tokenizers/\($0)/golden.json").path)
    }
    .map { "tokenizers/\($0)/golden.json" }
  #expect(files.count >= 20, "golden files missing under \(root.path)")
  var unrecorded: [String] = []
  for file in files.sorted() {
    let object = try JSONSerialization.jsonObject(
      with: Data(contentsOf: root.appendingPathComponent(file)))
    let top = object as? [String: Any] ?? [:]
    let records = top.filter { key, value in
      let k = key.lowercased()
      let present =
        (value as? String).map { !$0.isEmpty } ?? ((value as? [String: Any])?.isEmpty == false)
      return (k.contains("commit") || k.contains("version")) && present || isCommitMap(value)
    }
    if records.isEmpty {
      unrecorded.append(file)
    } else {
      let text = records.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
      print("golden \(file): \(text.joined(separator: ", "))")
    }
  }
  if !unrecorded.isEmpty {
    try skipTest(
      "\(unrecorded.count) of \(files.count) golden files record no reference commit or version: "
        + unrecorded.joined(separator: ", "))
  }
}

/// Whether `value` is an object of 40-hex-digit git commit hashes (`{"LLADA_DIR": "<sha>"}`).
private func isCommitMap(_ value: Any) -> Bool {
  guard let map = value as? [String: Any], !map.isEmpty else { return false }
  return map.values.allSatisfy { v in
    guard let sha = v as? String, sha.count == 40 else { return false }
    return sha.allSatisfy(\.isHexDigit)
  }
}
