import Foundation
import Testing
import UnmaskFormats
import UnmaskCore
import UnmaskKernels
@testable import UnmaskModels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Random tensors in an in-memory checkpoint, loaded back through `WeightLoader`, so each parts
/// test also runs the loader helper that builds the part.
final class PartWeights {
  let store = InMemoryTensors(location: "parts test")
  var generator: SplitMix64
  /// The float values each tensor holds after rounding to its type, by name.
  private(set) var values: [String: [Float]] = [:]

  init(seed: UInt64) { generator = SplitMix64(seed: seed) }

  /// Adds `name` of `shape` with uniform values in ±`scale`, stored as `dtype`.
  @discardableResult
  func add(_ name: String, _ shape: [Int], scale: Float = 0.5, dtype: DType = .f32) throws
    -> [Float]
  {
    let count = shape.reduce(1, *)
    let drawn = (0..<count).map { _ in generator.nextUniform(scale: scale) }
    switch dtype {
    case .q8_0, .q4_0:
      let size = try #require(dtype.storageSize(elements: count))
      var bytes = [UInt8](repeating: 0, count: size)
      drawn.withUnsafeBufferPointer { source in
        bytes.withUnsafeMutableBytes { raw in
          guard let from = source.baseAddress, let to = raw.baseAddress else { return }
          if dtype == .q8_0 {
            Quantization.quantizeQ8_0(from, blocks: count / 32, into: to)
          } else {
            Quantization.quantizeQ4_0(from, blocks: count / 32, into: to)
          }
        }
      }
      try bytes.withUnsafeBytes { try store.add(name, dtype: dtype, shape: shape, bytes: $0) }
    default:
      try store.add(name, shape: shape, values: drawn, as: dtype)
    }
    let stored = try store.tensor(named: name).floats()
    values[name] = stored
    return stored
  }

  /// The values of `name` (as stored).
  func floats(_ name: String) throws -> [Float] { try #require(values[name]) }

  /// A loader over everything added so far.
  func loader() -> WeightLoader { WeightLoader(source: store) }
}

/// Uniform activations in ±`scale`.
func activations(_ count: Int, seed: UInt64, scale: Float = 2) -> [Float] {
  var generator = SplitMix64(seed: seed)
  return (0..<count).map { _ in generator.nextUniform(scale: scale) }
}

/// Runs a feed-forward part over `x` (`[rows, model]`) on `path`.
func run(_ part: any FeedForward, _ x: [Float], rows: Int, on path: KernelPath) throws -> [Float] {
  var output = [Float](repeating: .nan, count: rows * part.modelDimension)
  var scratch = [Float](repeating: .nan, count: max(1, part.scratchCount(rows: rows)))
  try KernelPath.with(path) {
    x.withUnsafeBufferPointer { xs in
      output.withUnsafeMutableBufferPointer { out in
        scratch.withUnsafeMutableBufferPointer { s in
          guard let input = xs.baseAddress, let o = out.baseAddress, let sp = s.baseAddress else {
            return
          }
          part.apply(input, rows: rows, into: o, scratch: sp)
        }
      }
    }
  }
  return output
}

/// `y[rows, out] = x[rows, in] · Wᵀ (+ b)` in float64, `w` as `[out, in]`.
func naiveLinear(_ x: [Double], rows: Int, _ w: [Float], out: Int, bias: [Float]? = nil)
  -> [Double]
{
  let k = w.count / out
  var y = [Double](repeating: 0, count: rows * out)
  for t in 0..<rows {
    for o in 0..<out {
      var s = bias.map { Double($0[o]) } ?? 0
      for c in 0..<k { s += x[t * k + c] * Double(w[o * k + c]) }
      y[t * out + o] = s
    }
  }
  return y
}

/// `down(silu(gate x) ⊙ up x)` in float64.
func naiveSwiGLU(_ x: [Double], rows: Int, gate: [Float], up: [Float], down: [Float], hidden: Int)
  -> [Double]
{
  let g = naiveLinear(x, rows: rows, gate, out: hidden)
  let u = naiveLinear(x, rows: rows, up, out: hidden)
  let h = zip(g, u).map { g, u in g / (1 + Foundation.exp(-g)) * u }
  return naiveLinear(h, rows: rows, down, out: down.count / hidden)
}

/// max |a − b| / max |b|, printed by the callers as the worst gap.
func worstRelativeGap(_ a: [Float], _ b: [Double]) -> Double {
  var gap = 0.0
  var scale = 0.0
  for (x, y) in zip(a, b) {
    gap = max(gap, abs(Double(x) - y))
    scale = max(scale, abs(y))
  }
  return gap / max(scale, .leastNormalMagnitude)
}

/// Memory that traps on any access (`PROT_NONE`): a weight over it must never be read.
final class UnreadableBytes {
  let base: UnsafeMutableRawPointer
  let count: Int

  init(count: Int) throws {
    self.count = count
    let mapped = mmap(nil, count, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    guard let mapped, mapped != MAP_FAILED else {
      throw CheckpointError(path: "mmap", "could not map \(count) bytes")
    }
    base = mapped
  }

  deinit { munmap(base, count) }

  /// A float32 tensor `[rows, columns]` over this memory.
  func view(_ name: String, rows: Int, columns: Int) -> TensorView {
    TensorView(
      name: name, dtype: .f32, shape: [rows, columns],
      bytes: UnsafeRawBufferPointer(start: base, count: rows * columns * 4), owner: self)
  }
}
