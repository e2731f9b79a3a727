import Foundation
import Testing

@testable import UnmaskFormats

/// Hand-built GGUF files, valid and broken: every problem is a one-line `CheckpointError`
/// naming the file, never a crash.
@Suite struct GGUFHostileFileTests {
  private func open(_ bytes: [UInt8]) throws -> GGUFFile {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-gguf-\(UUID().uuidString).gguf")
    try Data(bytes).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    return try GGUFFile(url: url)
  }

  /// The error `bytes` gives, checked to be one line naming the file.
  private func problem(_ bytes: [UInt8]) -> String {
    do {
      _ = try open(bytes)
      return "opened"
    } catch {
      let text = "\(error)"
      #expect(!text.contains("\n"))
      #expect(text.contains("unmask-gguf-"))
      return text
    }
  }

  @Test func aValidFileOpensWithShapesInPyTorchOrder() throws {
    let file = try open(GGUFBuilder.valid)
    #expect(file.tensorNames == ["a", "b"])
    #expect(try file.tensor(named: "a").shape == [2, 4])
    #expect(file.header.dataOffset % 32 == 0)
    #expect(file.value("n") == .array([.unsigned(7, bits: 32), .unsigned(9, bits: 32)]))
    #expect(file.architecture == "llada")
  }

  @Test func everyMetadataTypeIsRead() throws {
    let file = try open(
      GGUFBuilder.file(kv: [
        ("u8", 0, { $0.u8(200) }), ("i8", 1, { $0.u8(0xFF) }),
        (
          "u16", 2,
          {
            $0.u8(1); $0.u8(1)
          }
        ),
        (
          "i16", 3,
          {
            $0.u8(0xFE); $0.u8(0xFF)
          }
        ),
        ("u32", 4, { $0.u32(70_000) }), ("i32", 5, { $0.u32(UInt32(bitPattern: -5)) }),
        ("f32", 6, { $0.u32(Float(1.5).bitPattern) }), ("bool", 7, { $0.u8(1) }),
        ("str", 8, { $0.string("héllo") }), ("u64", 10, { $0.u64(1 << 40) }),
        ("i64", 11, { $0.u64(UInt64(bitPattern: -7)) }),
        ("f64", 12, { $0.u64(Double(0.25).bitPattern) }),
        (
          "nested", 9,
          {
            $0.u32(9); $0.u64(1); $0.u32(8); $0.u64(1); $0.string("x")
          }
        ),
      ]))
    #expect(file.value("u8") == .unsigned(200, bits: 8))
    #expect(file.value("i8") == .signed(-1, bits: 8))
    #expect(file.value("u16")?.intValue == 257)
    #expect(file.value("i16")?.intValue == -2)
    #expect(file.value("i32")?.intValue == -5)
    #expect(file.value("f32")?.doubleValue == 1.5)
    #expect(file.value("bool")?.boolValue == true)
    #expect(file.value("str")?.stringValue == "héllo")
    #expect(file.value("u64")?.intValue == 1 << 40)
    #expect(file.value("i64")?.intValue == -7)
    #expect(file.value("f64")?.doubleValue == 0.25)
    #expect(file.value("nested") == .array([.array([.string("x")])]))
  }

  @Test func everyTruncationIsAnErrorNotACrash() {
    let valid = GGUFBuilder.valid
    for length in 0..<(valid.count - 1) {
      let text = problem(Array(valid.prefix(length)))
      #expect(text != "opened", "a file cut to \(length) bytes opened")
    }
  }

  @Test func badHeadersAreNamed() {
    var wrongMagic = GGUFBuilder.valid
    wrongMagic[0] = UInt8(ascii: "X")
    #expect(problem(wrongMagic).contains("not a GGUF file"))
    #expect(problem(GGUFBuilder.file(version: 1)).contains("unsupported GGUF version 1"))
    #expect(problem(GGUFBuilder.file(version: UInt32(3).byteSwapped)).contains("big-endian"))
  }

  @Test func countsThatCannotFitAreRefusedBeforeAllocating() {
    var b = GGUFBuilder()
    b.bytes += Array("GGUF".utf8)
    b.u32(3)
    b.u64(UInt64.max)
    b.u64(0)
    #expect(problem(b.bytes).contains("tensor_count"))
    let array = GGUFBuilder.file(kv: [
      (
        "a", 9,
        {
          $0.u32(4); $0.u64(1 << 61)
        }
      )
    ])
    #expect(problem(array).contains("cannot fit"))
  }

  @Test func stringsLongerThanTheFileAreRefused() {
    let long = GGUFBuilder.file(kv: [("s", 8, { $0.u64(1 << 40) })])
    #expect(problem(long).contains("runs past the end of the file"))
    var key = GGUFBuilder()
    key.bytes += Array("GGUF".utf8)
    key.u32(3)
    key.u64(0)
    key.u64(1)
    key.u64(UInt64.max)
    key.bytes += [UInt8](repeating: 0, count: 16)
    #expect(problem(key.bytes).contains("past the end"))
  }

  @Test func unknownTypesAreNamed() {
    #expect(
      problem(GGUFBuilder.file(kv: [("k", 99, { _ in })])).contains(
        "unknown metadata value type 99"))
    #expect(
      problem(
        GGUFBuilder.file(kv: [
          (
            "k", 9,
            {
              $0.u32(77); $0.u64(0)
            }
          )
        ])
      )
      .contains("unknown array element type 77"))
    #expect(
      problem(GGUFBuilder.file(tensors: [("t", [32], 99, 0)], data: 64))
        .contains("'t': unknown ggml type code 99"))
    #expect(problem(GGUFBuilder.file(kv: [("b", 7, { $0.u8(2) })])).contains("bool byte 2"))
  }

  /// K-quant tensors open as their `DType`; a known type without a kernel (Q2_K) opens in the
  /// file but is refused, in one line naming the tensor and the type, when read.
  @Test func kQuantsOpenAndOtherTypesAreNamed() throws {
    let file = try open(
      GGUFBuilder.file(
        tensors: [
          ("q4", [256], 12, 0), ("q5", [256], 13, 160), ("q6", [256], 14, 352),
          ("q2", [256], 10, 576),
        ],
        data: 672))
    #expect(try file.tensor(named: "q4").dtype == .q4_K)
    #expect(try file.tensor(named: "q5").dtype == .q5_K)
    #expect(try file.tensor(named: "q6").dtype == .q6_K)
    #expect(try file.tensor(named: "q6").bytes.count == 210)
    #expect {
      _ = try file.tensor(named: "q2")
    } throws: {
      let text = "\($0)"
      return !text.contains("\n") && text.contains("'q2': ggml type Q2_K is not supported yet")
    }
  }

  @Test func badTensorGeometryIsNamed() {
    #expect(
      problem(GGUFBuilder.file(tensors: [("t", [1, 1, 1, 1, 1], 0, 0)], data: 32))
        .contains("5 dimensions"))
    #expect(
      problem(GGUFBuilder.file(tensors: [("t", [1 << 31], 0, 0)], data: 32))
        .contains("too large"))
    #expect(
      problem(GGUFBuilder.file(tensors: [("t", [1 << 30, 1 << 30, 1 << 30], 0, 0)], data: 32))
        .contains("overflows"))
    #expect(
      problem(GGUFBuilder.file(tensors: [("t", [33], 8, 0)], data: 64))
        .contains("multiple of 32"))
  }

  @Test func offsetsAndAlignmentAreChecked() {
    #expect(
      problem(GGUFBuilder.file(tensors: [("t", [4], 0, 8)], data: 64))
        .contains("not a multiple of 32"))
    #expect(
      problem(GGUFBuilder.file(tensors: [("t", [64], 0, 0)], data: 64))
        .contains("run past the end of the file"))
    #expect(
      problem(GGUFBuilder.file(tensors: [("t", [4], 0, UInt64.max - 31)], data: 64))
        .contains("run past the end of the file"))
    #expect(
      problem(GGUFBuilder.file(tensors: [("a", [16], 0, 0), ("b", [4], 0, 32)], data: 64))
        .contains("overlaps"))
    #expect(
      problem(GGUFBuilder.file(kv: [("general.alignment", 4, { $0.u32(24) })]))
        .contains("general.alignment"))
    let aligned = GGUFBuilder.file(
      kv: [("general.alignment", 4, { $0.u32(64) })], tensors: [("t", [4], 0, 64)],
      alignment: 64, data: 128)
    #expect(problem(aligned) == "opened")
  }

  @Test func duplicateNamesAreRefused() {
    #expect(
      problem(GGUFBuilder.file(kv: [("k", 0, { $0.u8(1) }), ("k", 0, { $0.u8(1) })]))
        .contains("appears twice"))
    #expect(
      problem(GGUFBuilder.file(tensors: [("t", [4], 0, 0), ("t", [4], 0, 32)], data: 64))
        .contains("appears twice"))
  }

  @Test func randomBytesNeverCrash() {
    // A fixed linear congruential sequence: the same 300 corruptions every run.
    var state: UInt64 = 28
    func next() -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33)
    }
    let valid = GGUFBuilder.valid
    for _ in 0..<300 {
      var bytes = valid
      for _ in 0..<4 { bytes[next() % bytes.count] = UInt8(next() % 256) }
      _ = problem(bytes)
    }
  }
}
