// libFuzzer harness for the text inputs a user feeds Unmask (not part of `swift test`):
// tokenizer.json, tokenizer_config.json and its chat template, LLaDA and Dream config.json,
// trace folders, and settings objects (run.json's settings, sweep points, overrides). Built by Fuzz/run-inputs.sh against the library modules' public API.
import Foundation
import UnmaskFormats
import UnmaskKernels
import UnmaskModels
import UnmaskSampling
import UnmaskTokenizer
import UnmaskTrace

#if canImport(Glibc)
  import Glibc
#endif

/// Scratch folder for the trace reader, which reads files from a directory.
private let traceFolder = URL(fileURLWithPath: "/dev/shm/unmask-fuzz-trace-\(getpid())")

/// A real tokenizer (tiny-llada's, with its chat template) for the encode/decode target,
/// loaded once; the path comes from UNMASK_FUZZ_TOKENIZER (run-inputs.sh sets it).
private let fixtureTokenizer: Tokenizer? = {
  guard let folder = ProcessInfo.processInfo.environment["UNMASK_FUZZ_TOKENIZER"] else {
    return nil
  }
  return try? Tokenizer(contentsOf: URL(fileURLWithPath: folder))
}()

/// The target every input goes to when UNMASK_FUZZ_TARGET is set (0-6).
private let pinnedTarget: Int? = ProcessInfo.processInfo.environment["UNMASK_FUZZ_TARGET"]
  .flatMap { Int($0) }

/// Text the tokenizer targets encode: byte-level, Unicode, digits, an added token.
private let probeText = "Hello, wörld! 12345 <|mdm_mask|>\n\tÆ 漢字 🙂 <|eot_id|>"

/// libFuzzer's entry point: runs one input through the target its first byte picks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  guard size > 0 else { return 0 }
  let body = Data(UnsafeRawBufferPointer(start: data + 1, count: size - 1))
  // The first byte picks the target so one corpus exercises every parser, unless
  // UNMASK_FUZZ_TARGET pins one (to count executions per target).
  switch pinnedTarget ?? Int(data[0] % 7) {
  case 0:
    // tokenizer.json: every stage's JSON, then encode and decode with what was built
    // (including ids outside the vocabulary).
    if let tokenizer = try? Tokenizer(tokenizerJSON: body, tokenizerConfigJSON: nil) {
      let ids = tokenizer.encode(probeText)
      _ = tokenizer.decode(ids + [0, 1, -1, Int32.max], skipSpecialTokens: true)
      _ = tokenizer.decode(ids)
    }
  case 1:
    // tokenizer_config.json, its chat template recognised and rendered.
    if let config = try? TokenizerConfig(data: body), let template = ChatTemplate(config: config) {
      _ = template.render(
        [
          ChatMessage(role: "system", content: "Be brief."),
          ChatMessage(role: "user", content: probeText),
        ], addGenerationPrompt: true)
    }
  case 2:
    // A chat template given as Jinja text, with an arbitrary bos token.
    let text = String(decoding: body, as: UTF8.self)
    let split = text.firstIndex(of: "\u{0}") ?? text.endIndex
    if let template = ChatTemplate(jinja: String(text[split...]), bosToken: String(text[..<split]))
    {
      _ = template.render([ChatMessage(role: "user", content: "hi")], addGenerationPrompt: true)
      _ = template.render([], addGenerationPrompt: false)
    }
  case 3:
    // config.json for both architectures, through the models' initialisers (which validate
    // every size before asking for a weight) over an empty tensor store.
    let weights = WeightLoader(source: InMemoryTensors(location: "fuzz"))
    _ = try? LLaDAModel(configJSON: body, configPath: "config.json", weights: weights)
    _ = try? DreamModel(configJSON: body, configPath: "config.json", weights: weights)
  case 4:
    // A trace folder: five little-endian UInt16 lengths, then run.json, trace.jsonl,
    // state.npy, confidence.npy and entropy.npy (the last takes the rest).
    fuzzTraceFolder(body)
  case 5:
    // A settings object: the lenient reader (run.json, older traces), the strict overrides
    // (command line, sweep points, server requests), validation, and a JSON round trip.
    if let object = try? JSONDecoder().decode([String: JSONValue].self, from: body) {
      if let settings = try? DenoisingSettings(object: object) {
        _ = try? settings.validate()
        _ = try? settings.checkEveryStepCanCommit()
        if let encoded = try? JSONEncoder().encode(settings) {
          _ = try? JSONDecoder().decode(DenoisingSettings.self, from: encoded)
        }
      }
      _ = try? DenoisingSettings().applying(object)
    }
  default:
    // A real tokenizer on arbitrary text and arbitrary id lists (the first 4 KB: the corpus
    // holds whole tokenizer.json files, which would only slow this target down).
    let body = body.prefix(4096)
    if let tokenizer = fixtureTokenizer {
      let ids = tokenizer.encode(String(decoding: body, as: UTF8.self))
      _ = tokenizer.decode(ids)
      let raw = body.withUnsafeBytes { bytes in
        (0..<(bytes.count / 4)).map { bytes.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self) }
      }
      _ = tokenizer.decode(raw, skipSpecialTokens: true)
    }
  }
  return 0
}

/// Writes the five trace files cut from `body` and loads the folder.
private func fuzzTraceFolder(_ body: Data) {
  let names = ["run.json", "trace.jsonl", "state.npy", "confidence.npy", "entropy.npy"]
  guard body.count >= 10 else { return }
  let bytes = [UInt8](body)
  var offset = 10
  try? FileManager.default.createDirectory(at: traceFolder, withIntermediateDirectories: true)
  for (i, name) in names.enumerated() {
    let length =
      i == names.count - 1 ? bytes.count - offset : Int(bytes[2 * i]) | Int(bytes[2 * i + 1]) << 8
    let end = min(bytes.count, offset + max(0, length))
    let url = traceFolder.appendingPathComponent(name)
    _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes[offset..<end]))
    offset = end
  }
  _ = try? TraceReader.load(traceFolder)
}
