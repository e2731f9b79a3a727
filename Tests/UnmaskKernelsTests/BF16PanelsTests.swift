import CUnmaskKernels
import Foundation
import Testing

@testable import UnmaskKernels

/// Bytes that stand for a mapped file: they record what is handed back.
final class RecordingFile: ReleasableMemory, @unchecked Sendable {
  let bytes: OwnedBytes
  private let lock = NSLock()
  private(set) var released: [Range<Int>] = []
  init(count: Int) { bytes = OwnedBytes(count: count) }

  func release(_ part: UnsafeRawBufferPointer) {
    // swift-format-ignore: NeverForceUnwrap
    let start = part.baseAddress! - UnsafeRawPointer(bytes.buffer.baseAddress!)
    lock.lock()
    released.append(start..<(start + part.count))
    lock.unlock()
  }

  /// Whether the released ranges cover `0..<count`.
  func releasedAll(_ count: Int) -> Bool {
    var covered = 0
    for r in released.sorted(by: { $0.lowerBound < $1.lowerBound }) where r.lowerBound <= covered {
      covered = max(covered, r.upperBound)
    }
    return covered >= count
  }
}

/// A random bf16 weight `[n, k]` whose owner is a `RecordingFile` (so `Linear` keeps panels).
func fileBackedBF16(n: Int, k: Int, seed: UInt64) -> (TensorView, RecordingFile) {
  let (plain, _) = randomWeight(.bf16, n: n, k: k, seed: seed)
  let file = RecordingFile(count: plain.bytes.count)
  file.bytes.buffer.copyMemory(from: plain.bytes)
  let view = TensorView(
    name: "w", dtype: .bf16, shape: [n, k],
    bytes: UnsafeRawBufferPointer(file.bytes.buffer)[0..<plain.bytes.count].rebased, owner: file)
  return (view, file)
}

/// `--numerics fast`'s kept panels (`BF16Panels`): the plain `vdpbf16ps` GEMM's bits, packed at
/// load or by the first product, with the file's pages handed back once packed.
@Suite("Kept bf16 panels")
struct BF16PanelsTests {
  /// n not a multiple of 64, k past one k-panel of 256 pairs and not a multiple of 32 pairs.
  static let shapes = [(rows: 13, k: 600, n: 200), (rows: 64, k: 1088, n: 128), (1, 512, 70)]

  @Test(arguments: shapes)
  func packedAtLoadOrByTheFirstProductTheBitsAreThePlainGEMMs(rows: Int, k: Int, n: Int) throws {
    guard KernelPath.avx512BF16.isSupported else { return }
    let (plainWeight, _) = randomWeight(.bf16, n: n, k: k, seed: 41)
    let plain = try Linear(weight: plainWeight)
    #expect(plain.panels == nil)
    let x = randomActivations(rows: rows, k: k, seed: 42)
    let expected = try run(plain, x, rows: rows, on: .avx512BF16)

    let (atLoad, loadFile) = fileBackedBF16(n: n, k: k, seed: 41)
    let packed = try KernelPath.with(.avx512BF16) { try Linear(weight: atLoad) }
    #expect(loadFile.releasedAll(atLoad.bytes.count))
    #expect(try run(packed, x, rows: rows, on: .avx512BF16) == expected)

    let (later, laterFile) = fileBackedBF16(n: n, k: k, seed: 41)
    let lazy = try KernelPath.with(.avx512BF16) { try Linear(weight: later, packsNow: false) }
    #expect(laterFile.released.isEmpty)
    #expect(try run(lazy, x, rows: rows, on: .avx512BF16) == expected)
    #expect(laterFile.releasedAll(later.bytes.count))
    let handedBack = laterFile.released.count
    #expect(try run(lazy, x, rows: rows, on: .avx512BF16) == expected)
    #expect(laterFile.released.count == handedBack, "a second product packs nothing")

    // Other paths still read W itself.
    let direct = try run(plain, x, rows: rows, on: .avx512)
    #expect(try run(lazy, x, rows: rows, on: .avx512) == direct)
  }

  @Test func onlyBF16WeightsFromAFileWithEvenInputsKeepPanels() throws {
    let even = try Linear(weight: fileBackedBF16(n: 8, k: 64, seed: 1).0)
    let odd = try Linear(weight: fileBackedBF16(n: 8, k: 63, seed: 1).0)
    let float = try Linear(weight: randomWeight(.f32, n: 8, k: 64, seed: 1).0)
    #expect(even.panels != nil && odd.panels == nil && float.panels == nil)
    #expect(uk_bf16_panels_new(8, 63) == nil)
  }

  /// The C entry points refuse what they cannot do, computing nothing.
  @Test func panelsRefuseOtherPathsAndUnalignedTiles() throws {
    guard let panels = uk_bf16_panels_new(128, 64) else {
      Issue.record("no panels")
      return
    }
    defer { uk_bf16_panels_free(panels) }
    var w = [UInt16](repeating: 0x3F80, count: 128 * 64)
    var xb = [UInt16](repeating: 0x3F80, count: 64)
    var y = [Float](repeating: .nan, count: 128)
    let refused = w.withUnsafeMutableBufferPointer { wp in
      xb.withUnsafeMutableBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
          // swift-format-ignore: NeverForceUnwrap
          [
            uk_gemm_bf16_panels(
              KernelPath.scalar.cPath, panels, xp.baseAddress!, 64, 1, 64, wp.baseAddress!, 0,
              128, yp.baseAddress!, 128),
            uk_gemm_bf16_panels(
              KernelPath.avx512BF16.cPath, panels, xp.baseAddress!, 64, 1, 64, wp.baseAddress!,
              32, 128, yp.baseAddress!, 128),
            uk_bf16_panels_pack(KernelPath.avx2.cPath, panels, wp.baseAddress!, 0, 128),
          ]
        }
      }
    }
    #expect(refused == [-1, -1, -1])
    #expect(y.allSatisfy { $0.isNaN })
  }
}
