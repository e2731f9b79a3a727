import Foundation
import Testing
import UnmaskFormats
import UnmaskModels

/// Expects `fixture` with config.json's `field` set to `value` (JSON text) to be refused at
/// load with a one-line `ModelError.invalidConfig` naming that field.
func expectConfigRefused(
  fixture: String, field: String, value: String,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let bundle = try ModelBundle.open(Fixtures.model(fixture))
  var config = try #require(
    try JSONSerialization.jsonObject(with: bundle.configJSON) as? [String: Any])
  config[field] = try JSONSerialization.jsonObject(
    with: Data(value.utf8), options: .fragmentsAllowed)
  var altered = bundle
  altered.configJSON = try JSONSerialization.data(withJSONObject: config)
  #expect(sourceLocation: sourceLocation) {
    _ = try ModelRegistry.load(altered)
  } throws: { error in
    guard let error = error as? ModelError, case .invalidConfig(_, let named, _) = error else {
      return false
    }
    print("\(fixture) \(field): \(error.description)")
    return named == field && !error.description.contains("\n")
  }
}
