import ArgumentParser
import Foundation
import Unmask

/// `unmask verify`: every checksum of a `.umk` file.
struct VerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Check every checksum in a .umk file; exit non-zero naming the first bad tensor.")

  @Argument(help: "The .umk file.")
  var file: String

  func run() throws {
    let umk = try UMKFile(url: URL(fileURLWithPath: file))
    let report = try umk.verify()
    print(
      "\(file): OK: \(report.tensors) tensors, \(report.chunks) chunks, \(report.blobs) embedded files, \(report.bytes) bytes checked"
    )
  }
}
