import Foundation
import Testing

@testable import UnmaskFormats

/// One classifier decides what a checkpoint path holds for every reader.
@Suite("Checkpoint kinds")
struct CheckpointKindTests {
  let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

  @Test func foldersSafetensorsAndUMKAreTold() throws {
    #expect(try CheckpointKind.of(fixtures.appendingPathComponent("tiny-llada")) == .folder)
    #expect(try CheckpointKind.of(fixtures.appendingPathComponent("umk/tiny.umk")) == .umk)
    #expect(
      try CheckpointKind.of(fixtures.appendingPathComponent("umk/tiny.safetensors")) == .safetensors
    )
  }

  @Test func aRenamedUMKIsKnownByItsMagic() throws {
    let copy = FileManager.default.temporaryDirectory
      .appendingPathComponent("unmask-kind-\(UUID().uuidString).bin")
    defer { try? FileManager.default.removeItem(at: copy) }
    try FileManager.default.copyItem(at: fixtures.appendingPathComponent("umk/tiny.umk"), to: copy)
    #expect(try CheckpointKind.of(copy) == .umk)
  }

  @Test func missingAndUnknownFilesAreErrorsNamingThePath() throws {
    let text = FileManager.default.temporaryDirectory
      .appendingPathComponent("unmask-kind-\(UUID().uuidString).txt")
    try Data("hello".utf8).write(to: text)
    defer { try? FileManager.default.removeItem(at: text) }
    for url in [text, URL(fileURLWithPath: "/nonexistent/model")] {
      do {
        _ = try CheckpointKind.of(url)
        Issue.record("\(url.path) was classified")
      } catch let error as CheckpointError {
        #expect("\(error)".contains(url.path))
      }
    }
  }
}
