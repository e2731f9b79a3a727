import Foundation
import UnmaskCore
import UnmaskKernels

#if canImport(Glibc)
  import Glibc
#endif

/// Float32 tensors whose values are computed when they are read, a slice at a time: a
/// random-weight checkpoint at real size (DiffusionGemma-26B's 25 billion weights) written to a
/// `.umk` without ever holding it whole, in memory or on disk.
///
/// Each tensor is a reserved, untouched stretch of address space (`mmap` with
/// `MAP_NORESERVE`); its owner fills the byte ranges `TensorView.convertElements` asks for
/// (`OnDemandBytes`) and gives back the pages of everything before them, so a reader going
/// front to back (`UMKWriter` casting or quantizing it) keeps one slice resident. Readers that
/// take `bytes` directly see zeros where nothing was asked for: convert with `--dtype` or
/// `--quantize` so that every tensor is read through `convertElements`.
///
/// Values are a counter-based hash of (seed, tensor, element), so any range is the same
/// whichever order it is read in.
public final class GeneratedTensors: TensorSource {
  /// What a tensor holds.
  public enum Fill: Sendable, Equatable {
    /// Uniform in `[-scale, scale)`.
    case uniform(scale: Float)
    /// Every element equal.
    case constant(Float)
  }

  /// A tensor's name, shape and values.
  public struct Spec: Sendable {
    /// Its name in the checkpoint.
    public var name: String
    /// Its shape.
    public var shape: [Int]
    /// Its values.
    public var fill: Fill

    /// A tensor.
    public init(name: String, shape: [Int], fill: Fill) {
      self.name = name
      self.shape = shape
      self.fill = fill
    }
  }

  /// A description for messages.
  public let location: String
  private let specs: [String: Spec]
  private let seed: UInt64
  private var made: [String: TensorView] = [:]

  /// Tensors `specs` (names unique), valued from `seed`.
  public init(location: String, specs: [Spec], seed: UInt64 = 0) {
    self.location = location
    self.specs = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
    self.seed = seed
  }

  /// Every tensor name, sorted.
  public var tensorNames: [String] { specs.keys.sorted() }

  /// Elements of every tensor together.
  public var elementCount: Int { specs.values.reduce(0) { $0 + $1.shape.reduce(1, *) } }

  /// The tensor `name`: its address space reserved, its values made as they are read.
  public func tensor(named name: String) throws -> TensorView {
    if let view = made[name] { return view }
    guard let spec = specs[name] else {
      throw CheckpointError(path: location, item: name, "no such tensor")
    }
    let count = spec.shape.reduce(1, *)
    // FNV-1a of the name: each tensor its own stream.
    let tensorSeed =
      seed
      ^ name.utf8.reduce(UInt64(14_695_981_039_346_656_037)) {
        ($0 ^ UInt64($1)) &* 1_099_511_628_211
      }
    let bytes = try GeneratedBytes(count: count, fill: spec.fill, seed: tensorSeed, name: name)
    let view = TensorView(
      name: name, dtype: .f32, shape: spec.shape,
      bytes: UnsafeRawBufferPointer(start: bytes.base, count: count * 4), owner: bytes)
    made[name] = view
    return view
  }
}

/// The pages behind one `GeneratedTensors` tensor.
final class GeneratedBytes: OnDemandBytes, @unchecked Sendable {
  let base: UnsafeMutableRawPointer
  private let length: Int
  private let fill: GeneratedTensors.Fill
  private let seed: UInt64
  private let lock = NSLock()
  /// Bytes before this were made and given back (readers go front to back).
  private var released = 0

  init(count: Int, fill: GeneratedTensors.Fill, seed: UInt64, name: String) throws {
    length = max(4, count * 4)
    guard
      let pointer = mmap(
        nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
      pointer != MAP_FAILED
    else {
      throw CheckpointError(
        path: "generated tensors", item: name, "cannot reserve \(length) bytes of address space")
    }
    base = pointer
    self.fill = fill
    self.seed = seed
  }

  deinit { munmap(base, length) }

  var firstByte: UnsafeRawPointer { UnsafeRawPointer(base) }

  /// Makes bytes `range` (whole elements) and gives back the pages of whole pages before it.
  func prepare(_ range: Range<Int>) {
    lock.lock()
    defer { lock.unlock() }
    let page = Int(getpagesize())
    let drop = (range.lowerBound / page) * page
    if drop > released {
      madvise(base + released, drop - released, MADV_DONTNEED)
      released = drop
    }
    let first = range.lowerBound / 4
    let end = (range.upperBound + 3) / 4
    let values = base.assumingMemoryBound(to: Float.self)
    switch fill {
    case .constant(let value):
      for i in first..<end { values[i] = value }
    case .uniform(let scale):
      for i in first..<end {
        // SplitMix64's finaliser of (seed, index): 24 random bits -> [-1, 1).
        var z = seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        values[i] = (Float(z >> 40) * (2 / 16_777_216) - 1) * scale
      }
    }
  }
}
