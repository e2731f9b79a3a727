/// A model that refines a canvas after an encoded prompt instead of filling masks: the view of
/// a uniform-state diffusion model (DiffusionGemma) that its sampler has.
///
/// The prompt, and then each finished canvas, go through `encode`, which appends to an
/// `EncodedPrefix`; every denoising step is one `decode` of the current canvas after that
/// prefix, given the previous step's logits for self-conditioning.
public protocol CanvasDecoder: AnyObject, Sendable {
  /// Logits per position (`V`).
  var vocabularySize: Int { get }
  /// Tokens per canvas (`canvas_length`).
  var canvasLength: Int { get }
  /// An empty prefix with room for `positions` positions (it grows when needed).
  func makePrefix(positions: Int) -> any EncodedPrefix
  /// Appends `tokens` to `prefix` at the positions after it.
  func encode(_ tokens: [Int32], into prefix: any EncodedPrefix) throws
  /// The logits `[canvas.count, V]` of `canvas` placed right after `prefix`, self-conditioned on
  /// `previous` (`[canvas.count, V]`; nil at a canvas's first step).
  func decode(
    _ canvas: [Int32], after prefix: any EncodedPrefix, selfConditioning previous: Matrix?
  )
    throws -> Matrix
}

/// What a `CanvasDecoder` keeps of the tokens it has encoded (its key/value cache).
public protocol EncodedPrefix: AnyObject {
  /// Positions encoded so far.
  var length: Int { get }
}
