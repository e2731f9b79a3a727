import Foundation
import Testing
import UnmaskCore

/// The one atomic writer: whole file or none, and never a temporary file left behind.
@Suite(.serialized) struct AtomicFileWriterTests {
  func folder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "unmask-atomic-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  func contents(_ folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
  }

  @Test func replacesTheFileAndLeavesNoTemporary() throws {
    let folder = try folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("run.json")
    try AtomicFileWriter.write(Data("old".utf8), to: url)
    try AtomicFileWriter.write(Data("new contents".utf8), to: url, sync: true)
    #expect(try Data(contentsOf: url) == Data("new contents".utf8))
    #expect(try contents(folder) == ["run.json"])
  }

  @Test func theTemporaryFileIsRegisteredUntilCommitted() throws {
    let folder = try folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("model.umk")
    let file = try AtomicFileWriter(destination: url)
    #expect(file.temporaryPath.hasPrefix(url.path + ".tmp-"))
    #expect(TemporaryFiles.registered.contains(file.temporaryPath))
    try file.write([1, 2, 3, 4])
    try file.write([9], at: 1)
    try file.pad(to: 8)
    #expect(file.position == 8)
    #expect(!FileManager.default.fileExists(atPath: url.path), "nothing at the destination yet")
    try file.commit()
    #expect(!TemporaryFiles.registered.contains(file.temporaryPath))
    #expect(try [UInt8](Data(contentsOf: url)) == [1, 9, 3, 4, 0, 0, 0, 0])
    #expect(try contents(folder) == ["model.umk"])
  }

  @Test func aWriterDroppedWithoutCommitLeavesNothing() throws {
    let folder = try folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("out.safetensors")
    try AtomicFileWriter.write(Data("keep".utf8), to: url)
    var temporary = ""
    do {
      let file = try AtomicFileWriter(destination: url)
      temporary = file.temporaryPath
      try file.write([1, 2, 3])
    }
    #expect(!TemporaryFiles.registered.contains(temporary))
    #expect(try contents(folder) == ["out.safetensors"])
    #expect(try Data(contentsOf: url) == Data("keep".utf8), "the old file is untouched")
  }

  /// What the Ctrl-C handler does: every unfinished writer's temporary file goes.
  @Test func removeAllDeletesTheTemporaryFilesOfUnfinishedWriters() throws {
    let folder = try folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = try AtomicFileWriter(destination: folder.appendingPathComponent("a.umk"))
    try file.write([1])
    let trace = folder.appendingPathComponent("trace")
    try FileManager.default.createDirectory(at: trace, withIntermediateDirectories: true)
    _ = TemporaryFiles.register(trace.path)
    TemporaryFiles.removeAll()
    #expect(try contents(folder) == [])
    #expect(TemporaryFiles.registered.isEmpty)
    file.discard()
  }

  @Test func failureNamesTheDestination() {
    let url = URL(fileURLWithPath: "/nonexistent-unmask-folder/denoise.gif")
    #expect {
      try AtomicFileWriter.write(Data([1, 2, 3]), to: url)
    } throws: { error in
      (error as? FileWriteError)?.path == url.path
    }
  }
}
