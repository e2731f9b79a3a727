import Foundation
import Testing

/// An `unmask` process that a test can watch while it runs and then interrupt, as a user
/// pressing Ctrl-C would. `UNMASK_EXECUTABLE` overrides the binary (to check that a
/// regression test fails on an older build).
final class RunningTool: @unchecked Sendable {
  let process = Process()
  private let lock = NSLock()
  private var out = Data()
  private var err = Data()
  private let input = Pipe()

  static var executable: URL? {
    if let path = ProcessInfo.processInfo.environment["UNMASK_EXECUTABLE"] {
      return URL(fileURLWithPath: path)
    }
    return UnmaskTool.executable
  }

  /// Starts `unmask arguments`; with `terminal`, under script(1), so that its standard output
  /// is a pseudo-terminal and bytes typed into its input go through the terminal (0x03 is
  /// Ctrl-C).
  init(_ arguments: [String], terminal: Bool = false) throws {
    let tool = try #require(Self.executable, "the unmask executable was not built")
    if terminal {
      let quoted = ([tool.path] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
      process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
      process.arguments = ["-qfec", quoted, "/dev/null"]
    } else {
      process.executableURL = tool
      process.arguments = arguments
    }
    let stdout = Pipe(), stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = input
    stdout.fileHandleForReading.readabilityHandler = { [weak self] handle in
      let data = handle.availableData
      self?.lock.lock()
      self?.out.append(data)
      self?.lock.unlock()
    }
    stderr.fileHandleForReading.readabilityHandler = { [weak self] handle in
      let data = handle.availableData
      self?.lock.lock()
      self?.err.append(data)
      self?.lock.unlock()
    }
    try process.run()
  }

  var stdout: String {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: out, as: UTF8.self)
  }

  var stderr: String {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: err, as: UTF8.self)
  }

  /// Polls `condition` every 5 ms for up to `seconds`; false on timeout or if the process
  /// ended first.
  func wait(upTo seconds: Double, until condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if condition() { return true }
      if !process.isRunning { return condition() }
      usleep(5_000)
    }
    return false
  }

  /// Sends `signal` to the process.
  func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

  /// Writes bytes to the process's standard input (e.g. 0x03, Ctrl-C typed into a terminal).
  func type(_ bytes: [UInt8]) { input.fileHandleForWriting.write(Data(bytes)) }

  /// Waits for the exit (at most `seconds`, then kills it) and returns the status.
  func finish(within seconds: Double = 120) -> Int32 {
    if !wait(upTo: seconds, until: { !process.isRunning }) {
      send(SIGKILL)
      Issue.record("unmask did not exit within \(seconds) s of the signal")
    }
    process.waitUntilExit()
    usleep(50_000)  // let the readability handlers drain the pipes
    return process.terminationStatus
  }
}
