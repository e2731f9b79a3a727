import Foundation
import Testing
@testable import UnmaskFormats
import UnmaskKernels
import UnmaskTestSupport

/// Builds a safetensors file from a header written as JSON text and a data section.
func safetensorsBytes(header: String, data: [UInt8]) -> Data {
  var bytes = Data()
  var length = UInt64(header.utf8.count).littleEndian
  withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
  bytes.append(contentsOf: Array(header.utf8))
  bytes.append(contentsOf: data)
  return bytes
}

/// Writes `data` to a fresh temporary file and returns its URL.
func temporaryFile(_ data: Data, name: String = "model.safetensors") throws -> URL {
  let folder = try ScratchFolder.make("safetensors")
  let url = folder.appendingPathComponent(name)
  try data.write(to: url)
  return url
}

@Test func readsTensorsInPlace() throws {
  let values: [Float] = [1, 2, 3, 4, 5, 6]
  let floats = values.withUnsafeBytes { Array($0) }
  let bf16: [UInt8] = [0x80, 0x3F, 0x00, 0x40]  // 1.0, 2.0
  let header = """
    {"__metadata__": {"format": "pt"}, "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, \
    "b": {"dtype": "BF16", "shape": [2], "data_offsets": [24, 28]}}
    """
  let file = try SafetensorsFile(
    url: temporaryFile(safetensorsBytes(header: header, data: floats + bf16)))
  #expect(file.tensorNames == ["a", "b"])
  #expect(file.metadata == ["format": "pt"])
  let a = try file.tensor(named: "a")
  #expect(a.shape == [2, 3] && a.dtype == .f32)
  #expect(a.floats() == values)
  #expect(try file.tensor(named: "b").floats() == [1, 2])
  #expect(throws: CheckpointError.self) { try file.tensor(named: "c") }
}

/// Malformed files, each with a fragment the error message must contain.
let malformedCases: [(name: String, bytes: Data, message: String)] = [
  ("too short", Data([1, 2, 3]), "truncated"),
  ("header past end", safetensorsBytes(header: "{}", data: []).prefix(9), "truncated"),
  ("huge header length", Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x7B]), "100 MB"),
  ("not json", safetensorsBytes(header: "{nope", data: []), "not a JSON object"),
  ("not an object", safetensorsBytes(header: "[1, 2]", data: []), "not a safetensors file"),
  (
    "unknown dtype",
    safetensorsBytes(
      header: #"{"t": {"dtype": "F8", "shape": [1], "data_offsets": [0, 1]}}"#, data: [0]),
    "unknown dtype 'F8'"
  ),
  (
    "size mismatch",
    safetensorsBytes(
      header: #"{"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
    "needs 8 bytes"
  ),
  (
    "offsets outside",
    safetensorsBytes(
      header: #"{"t": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]}}"#, data: [0, 0]),
    "outside the data section"
  ),
  (
    "reversed offsets",
    safetensorsBytes(
      header: #"{"t": {"dtype": "U8", "shape": [0], "data_offsets": [2, 1]}}"#, data: [0, 0]),
    "outside"
  ),
  (
    "negative dim",
    safetensorsBytes(
      header: #"{"t": {"dtype": "U8", "shape": [-1], "data_offsets": [0, 0]}}"#, data: []),
    "non-negative integers"
  ),
  (
    "float dim",
    safetensorsBytes(
      header: #"{"t": {"dtype": "U8", "shape": [1.5], "data_offsets": [0, 1]}}"#, data: [0]),
    "non-negative integers"
  ),
  (
    "overflowing shape",
    safetensorsBytes(
      header:
        #"{"t": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}}"#,
      data: [0, 0, 0, 0, 0, 0, 0, 0]), "overflows"
  ),
  (
    "overlap",
    safetensorsBytes(
      header:
        #"{"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}, "b": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}}"#,
      data: [0, 0, 0, 0]), "overlaps"
  ),
  (
    "bad metadata", safetensorsBytes(header: #"{"__metadata__": {"k": 1}}"#, data: []),
    "must be a string"
  ),
  (
    "missing offsets",
    safetensorsBytes(header: #"{"t": {"dtype": "U8", "shape": [1]}}"#, data: [0]), "data_offsets"
  ),
  (
    "quantized dtype is not safetensors",
    safetensorsBytes(
      header: #"{"t": {"dtype": "Q8_0", "shape": [32], "data_offsets": [0, 34]}}"#,
      data: Array(repeating: 0, count: 34)), "unknown dtype"
  ),
]

@Test(arguments: malformedCases.indices)
func malformedFilesGiveOneLineErrorsNamingTheFile(index: Int) throws {
  let testCase = malformedCases[index]
  let url = try temporaryFile(testCase.bytes)
  do {
    _ = try SafetensorsFile(url: url)
    Issue.record("\(testCase.name): expected an error")
  } catch let error as CheckpointError {
    #expect(error.description.hasPrefix(url.path), "\(testCase.name): \(error)")
    #expect(error.description.contains(testCase.message), "\(testCase.name): \(error)")
    #expect(!error.description.contains("\n"))
  }
}

@Test func emptyAndMissingFilesAreErrors() throws {
  let empty = try temporaryFile(Data())
  #expect(throws: CheckpointError.self) { try SafetensorsFile(url: empty) }
  #expect(throws: CheckpointError.self) {
    try SafetensorsFile(url: URL(fileURLWithPath: "/nonexistent/x.safetensors"))
  }
}

@Test func shardedCheckpointsResolveEveryTensorAndCatchBrokenIndexes() throws {
  let one = safetensorsBytes(
    header: #"{"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}}"#, data: [1, 2])
  let shardA = try temporaryFile(one, name: "model-00001-of-00002.safetensors")
  let folder = shardA.deletingLastPathComponent()
  let two = safetensorsBytes(
    header: #"{"b": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}"#, data: [3])
  try two.write(to: folder.appendingPathComponent("model-00002-of-00002.safetensors"))
  let index = folder.appendingPathComponent("model.safetensors.index.json")
  try Data(
    #"{"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}"#
      .utf8
  ).write(to: index)
  let sharded = try ShardedSafetensors(indexURL: index)
  #expect(sharded.tensorNames == ["a", "b"])
  #expect(try sharded.tensor(named: "b").floats() == [3])

  try Data(#"{"weight_map": {"a": "model-00002-of-00002.safetensors"}}"#.utf8).write(to: index)
  #expect(throws: CheckpointError.self) { try ShardedSafetensors(indexURL: index) }
  try Data(#"{"weight_map": {"a": "../escape.safetensors"}}"#.utf8).write(to: index)
  #expect(throws: CheckpointError.self) { try ShardedSafetensors(indexURL: index) }
  try Data(#"{"weight_map": {"a": "missing.safetensors"}}"#.utf8).write(to: index)
  #expect(throws: CheckpointError.self) { try ShardedSafetensors(indexURL: index) }
}

@Test func modelBundleNeedsConfigAndWeights() throws {
  let weights = safetensorsBytes(
    header: #"{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}"#, data: [1])
  let file = try temporaryFile(weights)
  let folder = file.deletingLastPathComponent()
  do {
    _ = try ModelBundle.open(folder)
    Issue.record("expected a missing config.json error")
  } catch let error as CheckpointError {
    #expect(error.description.contains("config.json"))
  }
  try Data("{}".utf8).write(to: folder.appendingPathComponent("config.json"))
  let bundle = try ModelBundle.open(folder)
  #expect(bundle.weights.tensorNames == ["a"])
  #expect(bundle.tokenizerJSON == nil)
  #expect(throws: CheckpointError.self) {
    try ModelBundle.open(folder.appendingPathComponent("nope"))
  }
}
