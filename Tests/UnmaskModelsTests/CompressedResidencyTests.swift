import Foundation
import Testing

@testable import UnmaskFormats
@testable import UnmaskKernels
import UnmaskModels

/// `--resident compressed`: a lossless `.umk` whose linear weights stay compressed and are
/// decoded a tile at a time inside each product gives the decoded file's logits bit for bit,
/// for every family, and never decodes a linear weight in place (its pages stay unused). The
/// fixtures' matrices fit in one default chunk; chunks of 512 elements cut them into blocks of
/// a few rows, as an 8B model's are cut into blocks of 32.
@Test(
  arguments: [
    "tiny-llada", "tiny-llada-gqa", "tiny-dream", "tiny-llada-moe", "tiny-llada2", "tiny-sdar",
    "tiny-mdlm",
  ], [1 << 17, 512])
func compressedResidencyGivesTheDecodedLogits(fixture: String, chunk: Int) throws {
  let folder = Fixtures.model(fixture)
  let bundle = try ModelBundle.open(folder)
  let umk = FileManager.default.temporaryDirectory
    .appendingPathComponent(
      "resident-\(fixture)-\(chunk)-\(ProcessInfo.processInfo.processIdentifier).umk")
  defer { try? FileManager.default.removeItem(at: umk) }
  var options = UMKConvertOptions()
  options.encode.chunkElements = chunk
  _ = try UMKWriter.convert(
    weights: bundle.weights, files: [("config.json", bundle.configJSON)], to: umk,
    options: options)

  let decoded = try ModelRegistry.load(contentsOf: umk)
  let kept = try ModelBundle.open(umk)
  let file = try #require(kept.weights as? UMKFile)
  file.residency = .compressed
  let compressed = try ModelRegistry.load(kept)
  let tokens = (0..<12).map { Int32(($0 * 37 + 3) % decoded.vocabularySize) }
  #expect(try compressed.logits(for: tokens) == decoded.logits(for: tokens))

  // The linear weights of a transformer stack: each streams (its rows fall on whole chunks,
  // as the writer cuts them) and none was decoded into its pages by the pass above.
  guard let stack = (compressed as? any TransformerStackModel)?.stack else { return }
  var linears = [stack.head]
  for block in stack.blocks {
    linears.append(block.attention.output)
    if let mlp = block.feedForward as? SwiGLUFeedForward {
      linears += [mlp.gate, mlp.up, mlp.down]
    }
    if let mixture = block.feedForward as? MixtureOfExperts {
      for expert in mixture.experts { linears += [expert.gate, expert.up, expert.down] }
    }
  }
  for linear in linears {
    let streamed = try #require(
      linear.weight.owner as? StreamedPlanesTensor, "\(fixture): \(linear.weight.name)")
    #expect(linear.streamedRows != nil, "\(fixture): \(linear.weight.name)")
    // A tied head is also the embedding table, whose rows the pass read in place.
    if linear.weight.name != "model.transformer.wte.weight",
      linear.weight.name != "model.embed_tokens.weight"
    {
      #expect(streamed.decodedChunks == 0, "\(fixture): \(linear.weight.name)")
    }
  }
}

/// The writer cuts a matrix's chunks at whole rows (32 at a time when the chunk holds 32 or
/// more, or the rows are wide) and one matrix of a stack into whole chunks, so that `Linear` can
/// stream any of them.
@Test func chunksAreWholeRows() {
  let options = UMKEncodeOptions()
  #expect(options.chunkElements(forShape: [1024, 1024]) == 128 * 1024)
  #expect(options.chunkElements(forShape: [12288, 4096]) == 32 * 4096)
  #expect(options.chunkElements(forShape: [4096, 12288]) == 32 * 12288)
  #expect(options.chunkElements(forShape: [126464, 4096]) == 32 * 4096)
  #expect(options.chunkElements(forShape: [1024, 2816]) == 32 * 2816)
  // A stack of 8 experts of 96 rows: 96 rows per chunk (the 128 near the target would cut one).
  #expect(options.chunkElements(forShape: [8, 96, 1024]) == 96 * 1024)
  #expect(options.chunkElements(forShape: [8, 100, 1024]) == 100 * 1024)
  #expect(options.chunkElements(forShape: [4096]) == 1 << 17)
  #expect(options.chunkElements(forShape: [64, 48]) == 1 << 17, "one chunk either way")
  // Rows wider than the format's largest chunk cannot be whole: the target is kept.
  #expect(options.chunkElements(forShape: [2, 1 << 21]) == 1 << 17)
  var small = UMKEncodeOptions()
  small.chunkElements = 1000
  #expect(small.chunkElements(forShape: [64, 96]) == 10 * 96)
  #expect(small.chunkElements(forShape: [3, 64, 96]) == 8 * 96)
  #expect(
    small.chunkElements(forShape: [64, 4096]) == 32 * 4096, "wide rows: 32, above the target")
}
