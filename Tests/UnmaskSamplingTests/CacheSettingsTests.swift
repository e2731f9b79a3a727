import Foundation
import Testing
@testable import UnmaskSampling

@Suite("Settings: the key/value cache")
struct CacheSettingsTests {
  @Test func aModelWithoutACacheIsRefusedNamingTheField() throws {
    var settings = DenoisingSettings()
    settings.maskID = 3
    settings.length = 8
    settings.steps = 8
    settings.blockLength = 8
    settings.cache = .dual
    #expect(
      throws: SamplingError.invalidSetting(
        field: "cache", message: "dual needs a model with a key/value cache")
    ) {
      _ = try Denoiser(model: FixedPredictor(row: [0, 1, 2, 3]), settings: settings)
    }
  }

  @Test func cacheRoundTripsAndDefaultsToNone() throws {
    var settings = DenoisingSettings()
    settings.cache = .prefix
    let data = try JSONEncoder().encode(settings)
    #expect(String(decoding: data, as: UTF8.self).contains("\"cache\":\"prefix\""))
    #expect(try JSONDecoder().decode(DenoisingSettings.self, from: data).cache == .prefix)
    #expect(try JSONDecoder().decode(DenoisingSettings.self, from: Data("{}".utf8)).cache == .none)
  }

  @Test func dreamThresholdUnderACacheIsFastDLLMsBlockRule() {
    var settings = DenoisingSettings.preset(.dream)
    settings.strategy = .dreamThreshold(0.9)
    #expect(settings.makeStrategy() is DreamThresholdRemasking)
    settings.cache = .dual
    #expect(settings.makeStrategy() is ThresholdRemasking)
  }
}
