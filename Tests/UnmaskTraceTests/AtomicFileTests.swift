import Foundation
import Testing
@testable import UnmaskTrace

@Suite struct AtomicFileTests {
  @Test func replacesTheFileAndLeavesNoTemporary() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-atomic-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("run.json")
    try AtomicFile.write(Data("old".utf8), to: url)
    try AtomicFile.write(Data("new contents".utf8), to: url)
    #expect(try Data(contentsOf: url) == Data("new contents".utf8))
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["run.json"])
  }

  @Test func failureNamesTheFile() {
    let url = URL(fileURLWithPath: "/nonexistent-unmask-folder/denoise.gif")
    #expect {
      try AtomicFile.write(Data([1, 2, 3]), to: url)
    } throws: { error in
      guard case .io(let file, _) = error as? TraceError else { return false }
      return file == url.path
    }
  }
}
