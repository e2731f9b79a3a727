// libFuzzer harness for the .umk, safetensors and GGUF header parsers (not part of `swift test`).
// Compiled into the UnmaskFormats module by run.sh, so it reaches internal parsers directly.
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Scratch file for the safetensors parser, which reads from a mapped file.
private let scratchPath = "/dev/shm/unmask-fuzz-\(getpid()).safetensors"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  let bytes = UnsafeRawBufferPointer(start: data, count: size)
  guard size > 0 else { return 0 }
  // The first byte picks the target so one corpus exercises every parser.
  let body = UnsafeRawBufferPointer(rebasing: bytes[1...])
  switch data[0] % 7 {
  case 0:
    // The preamble, as at the start of a file.
    _ = try? UMKPreamble.parse(body)
  case 1:
    // The header without its checksum in the way: every count, name, shape, offset and chunk
    // table check, against a data section the size of a large file.
    if let header = try? UMKHeader.parse(body, data: 64..<(1 << 40)) {
      _ = header.serialized()
    }
  case 2:
    // A whole file (checksums recomputed so the fuzzer gets past them), then every tensor
    // decoded and verified.
    if body.count >= 64 {
      var file = Array(body)
      let headerLength = min(Int(file[16]) | Int(file[17]) << 8, max(0, file.count - 64))
      let headerOffset = file.count - headerLength
      let header = Array(file[headerOffset...])
      let preamble = UMKPreamble(
        headerOffset: headerOffset, headerLength: headerLength, headerChecksum: XXH64.hash(header),
        fileLength: file.count
      ).serialized()
      file.replaceSubrange(0..<64, with: preamble)
      let path = scratchPath + ".umk"
      if FileManager.default.createFile(atPath: path, contents: Data(file)),
        let umk = try? UMKFile(url: URL(fileURLWithPath: path))
      {
        for name in umk.tensorNames { _ = try? umk.tensor(named: name) }
        _ = try? umk.verify()
      }
    }
  case 3:
    // rANS streams of a size taken from the input.
    let count = Int(body.first ?? 0) * 37
    let out = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
    defer { out.deallocate() }
    _ = RANS.decode(UnsafeRawBufferPointer(rebasing: body.dropFirst()), count: count, into: out)
  case 4:
    // The safetensors header parser.
    if FileManager.default.createFile(atPath: scratchPath, contents: Data(body)) {
      _ = try? SafetensorsFile(url: URL(fileURLWithPath: scratchPath))
    }
  case 6:
    // A GGUF file: header, metadata of every type, tensor table; then every tensor read, the
    // architecture mapping, the tokenizer rebuilt and the inspect summary.
    let path = scratchPath + ".gguf"
    if FileManager.default.createFile(atPath: path, contents: Data(body)),
      let gguf = try? GGUFFile(url: URL(fileURLWithPath: path))
    {
      for name in gguf.tensorNames { _ = try? gguf.tensor(named: name) }
      if let mapped = try? GGUFArchitecture.map(gguf) {
        for name in mapped.weights.tensorNames { _ = try? mapped.weights.tensor(named: name) }
      }
      _ = try? GGUFTokenizer(file: gguf)
      _ = gguf.summaryLines()
    }
  default:
    // Huffman streams of a size taken from the input (exactly that many bytes of output, so
    // AddressSanitizer catches any write past it).
    let count = Int(body.first ?? 0) * 37 + 1
    let out = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
    defer { out.deallocate() }
    _ = Huffman.decode(UnsafeRawBufferPointer(rebasing: body.dropFirst()), count: count, into: out)
  }
  return 0
}
