// libFuzzer harness for `unmask serve`'s request bodies (not part of `swift test`).
// Compiled by serve-run.sh into one module with the server's body decoding, request types,
// sampler overrides and output cutting, so it runs what a request goes through before the
// model: JSON decoding, every field check, the library's settings validation.
import Foundation
import Unmask

/// What the server starts from for the tiny LLaDA model (mask 508, EOS 465).
private let base: DenoisingSettings = {
  var s = DenoisingSettings.preset(.llada)
  s.maskID = 508
  s.eosID = 465
  s.eotID = nil
  return s
}()

/// Every failure must be an `APIError` with a 4xx status and a message: anything else means
/// a body could earn a 500, and a trap means it could crash the server.
private func check(_ work: () throws -> Void) {
  do {
    try work()
  } catch let error as APIError {
    if !(400..<500).contains(error.status) || error.message.isEmpty { fatalError("\(error)") }
  } catch {
    fatalError("not an APIError: \(error)")
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  let body = Data(bytes: data, count: size)
  check {
    let request = try BodyDecoding.decode(CompletionRequest.self, from: body)
    let settings = try request.sampler.settings(base: base, length: request.common.maxTokens)
    // The output cut on the prompt's ids, as on generated ones, with the body's stop strings.
    if case .tokens(let lists) = request.prompt, let ids = lists.first {
      let out = CompletionOutput.cut(
        generated: ids, endIDs: [settings.eosID ?? 0], stop: request.common.stop,
        decode: { $0.map { String($0) }.joined(separator: " ") })
      if out.tokens.count > ids.count { fatalError("cut grew the output") }
    }
  }
  check {
    let request = try BodyDecoding.decode(ChatCompletionRequest.self, from: body)
    _ = try request.sampler.settings(base: base, length: request.common.maxTokens)
  }
  return 0
}
