import Foundation
import UnmaskCore
@testable import UnmaskFormats
import UnmaskKernels
import UnmaskTestSupport

/// A fresh temporary folder, removed when the test process exits.
func temporaryFolder() throws -> URL { try ScratchFolder.make("umk") }

/// Normally distributed floats (Box-Muller) with the given scale, like trained weights.
func gaussian(_ count: Int, scale: Float, rng: inout SplitMix64) -> [Float] {
  (0..<count).map { _ in
    let u1 = max(Float.random(in: 0..<1, using: &rng), 1e-7)
    let u2 = Float.random(in: 0..<1, using: &rng)
    return scale * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
  }
}

/// A store holding one tensor of every plain dtype (random bytes, so every bit pattern
/// including NaNs and subnormals occurs), plus weight-like bf16/f32 matrices and an empty one.
func everyDTypeStore(seed: UInt64 = 7) throws -> InMemoryTensors {
  var rng = SplitMix64(seed: seed)
  let store = InMemoryTensors(location: "synthetic")
  for dtype in DType.allCases where !dtype.isQuantized {
    let shape = [3, 1000 + Int(dtype.blockBytes)]
    let bytes = (0..<(shape[0] * shape[1] * dtype.blockBytes)).map { _ in
      UInt8.random(in: 0...255, using: &rng)
    }
    try bytes.withUnsafeBytes {
      try store.add("random.\(dtype.rawValue)", dtype: dtype, shape: shape, bytes: $0)
    }
  }
  try store.add(
    "layers.0.mlp.weight", shape: [64, 96], values: gaussian(64 * 96, scale: 0.02, rng: &rng),
    as: .bf16)
  try store.add(
    "layers.0.attn.weight", shape: [32, 64], values: gaussian(32 * 64, scale: 0.05, rng: &rng),
    as: .f32)
  try store.add(
    "layers.0.norm.weight", shape: [64], values: [Float](repeating: 1, count: 64), as: .bf16)
  try store.add("zeros", shape: [5000], values: [Float](repeating: 0, count: 5000), as: .f16)
  try [UInt8]().withUnsafeBytes { try store.add("empty", dtype: .f32, shape: [0, 4], bytes: $0) }
  try [UInt8](repeating: 9, count: 2).withUnsafeBytes {
    try store.add("scalar", dtype: .bf16, shape: [], bytes: $0)
  }
  return store
}

/// Options with small chunks so that every tensor above a few KB has several.
func smallChunkOptions(codec: UMKCodec = .planes, level: Int = 3) -> UMKConvertOptions {
  var options = UMKConvertOptions()
  options.codec = codec
  options.encode.level = level
  options.encode.chunkElements = 1024
  return options
}

/// Builds a `.umk` file from a header and data section written by hand (valid checksums).
func craftedUMK(header: [UInt8], data: [UInt8] = [], fileLength: Int? = nil) -> [UInt8] {
  let headerOffset = UMKLayout.preambleSize + data.count
  let preamble = UMKPreamble(
    headerOffset: headerOffset, headerLength: header.count, headerChecksum: XXH64.hash(header),
    fileLength: fileLength ?? headerOffset + header.count)
  return preamble.serialized() + data + header
}

/// Writes bytes to a temporary `.umk` file.
func writeTemporary(_ bytes: [UInt8], name: String = "crafted.umk") throws -> URL {
  let url = try temporaryFolder().appendingPathComponent(name)
  try Data(bytes).write(to: url)
  return url
}
