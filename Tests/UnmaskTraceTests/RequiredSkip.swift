import Foundation
import Testing

/// A test that cannot run here (a tool or an optional Python module is missing) ends through
/// `skipTest`, never through a silent `return`: Swift Testing counts it as skipped (a cancelled
/// test, Swift 6.3 and later) and prints the reason. With `UNMASK_REQUIRE_ALL=1` in the
/// environment (`.ci/run` sets it) the skip is a failure instead, so CI cannot go green with a
/// check that never ran.
///
/// This file lives in `Tests/Shared/` and is linked into each test target that needs it (a
/// symbolic link per target), since test targets cannot import one another.
enum RequiredSkip {
  /// Whether every skip is an error (`UNMASK_REQUIRE_ALL=1`).
  static var requireAll: Bool { ProcessInfo.processInfo.environment["UNMASK_REQUIRE_ALL"] == "1" }
}

/// Thrown after recording the issue when a skip is not allowed, to stop the test there.
struct RequiredCheckDidNotRun: Error, CustomStringConvertible {
  var reason: String
  var description: String { "required check did not run: \(reason)" }
}

/// Ends the current test as skipped because of `reason` (or fails it under
/// `UNMASK_REQUIRE_ALL=1`). Call it as `try skipTest("..."); return` so toolchains without
/// test cancellation (before Swift 6.3), where it only prints, also leave the test.
func skipTest(_ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
  if RequiredSkip.requireAll {
    Issue.record(
      "UNMASK_REQUIRE_ALL=1 and this check cannot run: \(reason)", sourceLocation: sourceLocation)
    throw RequiredCheckDidNotRun(reason: reason)
  }
  print("skip: \(reason)")
  #if compiler(>=6.3)
    try Test.cancel(Comment(rawValue: reason), sourceLocation: sourceLocation)
  #endif
}
