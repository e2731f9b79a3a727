import Foundation
import Testing
import Unmask

/// The tiny DiT checkpoints and NELBO goldens of `Tests/Fixtures` (made by
/// `scripts/fixtures/make_dit_fixtures.py` and `make_nelbo_goldens.py`), found from this file's
/// location.
enum DiTFixtures {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

  static func golden(_ name: String) -> URL {
    root.appendingPathComponent("golden").appendingPathComponent(name)
  }

  /// The checkpoint `name`, its config.json edited by `overrides` (in memory).
  static func model(_ name: String, overrides: [String: Any] = [:]) throws
    -> any MaskedDiffusionModel
  {
    let bundle = try ModelBundle.open(root.appendingPathComponent(name))
    guard !overrides.isEmpty else { return try ModelRegistry.load(bundle) }
    var config = try #require(
      try JSONSerialization.jsonObject(with: bundle.configJSON) as? [String: Any])
    config.merge(overrides) { $1 }
    var altered = bundle
    altered.configJSON = try JSONSerialization.data(withJSONObject: config)
    return try ModelRegistry.load(altered)
  }

  /// tiny-bd3lm with `overrides`.
  static func bd3lm(_ overrides: [String: Any] = [:]) throws -> BD3LMModel {
    try #require(try model("tiny-bd3lm", overrides: overrides) as? BD3LMModel)
  }
}
