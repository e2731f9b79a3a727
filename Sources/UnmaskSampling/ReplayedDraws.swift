import Foundation
import UnmaskCore

/// Uniform draws recorded from a reference run, served back in order (`--replay-draws FILE`):
/// the seam that makes a PyTorch sampler's random run reproducible token for token.
///
/// The file is a NumPy `.npy` array of float32 (`<f4`) or float64 (`<f8`) uniforms, the
/// precision the reference drew them in: MDLM's `_sample_categorical` draws
/// `torch.rand_like` of float32 probabilities, ReMDM's casts them to float64 first, BD3-LM's are
/// float64 (and numpy's `np.random.rand()` too). Its shape says how the draws were made:
///
/// - one dimension `[n]`: a stream; each request takes the next values, whatever its size;
/// - more `[calls, d1, d2, ...]`: one row per draw call, each call exactly `d1 * d2 * ...`
///   uniforms (MDLM's `[steps, L, V]`); a request of another size is an error naming both.
///
/// A request of the other precision, one past the end, and (`finish()`) draws left over when the
/// run ends are errors: each says the recording and this run disagree (other settings, another
/// canvas, another model). Record a run by wrapping the reference's `torch.rand`,
/// `torch.rand_like`, `torch.randint` and `np.random.rand` (see
/// scripts/fixtures/make_kuleshov_sampler_goldens.py: `DrawRecorder`), appending every draw in
/// call order; `torch.randint(0, n)` is stored as the uniform `(r + 1/2) / n`.
public struct ReplayedDraws: UniformSource {
  /// The file (for messages).
  public let path: String
  /// The precision of every draw in the file.
  public let precision: UniformPrecision
  /// Uniforms per draw call for a file of rows; nil for a stream.
  public let callSize: Int?
  /// Every draw, in order.
  public let values: [Double]
  /// Draws served so far.
  public private(set) var consumed = 0

  /// Draws from memory (tests, or a recording made in the same process).
  public init(
    values: [Double], precision: UniformPrecision, callSize: Int? = nil, path: String = "<memory>"
  ) {
    self.values = values
    self.precision = precision
    self.callSize = callSize
    self.path = path
  }

  /// The recording in the `.npy` file at `path`.
  public init(contentsOf path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SamplingError.replay(path: path, message: "cannot be read")
    }
    let shape: [Int]
    let values: [Double]
    let precision: UniformPrecision
    do {
      if let f32 = try? NumPyFile.read(data, descr: "<f4", as: Float.self, source: path) {
        (shape, values, precision) = (f32.shape, f32.values.map(Double.init), .float32)
      } else {
        let f64 = try NumPyFile.read(data, descr: "<f8", as: Double.self, source: path)
        (shape, values, precision) = (f64.shape, f64.values, .float64)
      }
    } catch let error as NumPyError {
      throw SamplingError.replay(
        path: path,
        message:
          "not a float32 or float64 .npy array ('\(error.field)': expected \(error.expected))")
    }
    if let bad = values.first(where: { !($0 >= 0 && $0 < 1) }) {
      throw SamplingError.replay(path: path, message: "holds \(bad), not a uniform in [0, 1)")
    }
    self.init(
      values: values, precision: precision,
      callSize: shape.count > 1 ? shape.dropFirst().reduce(1, *) : nil, path: path)
  }

  /// A replay: the sampler draws as the reference did.
  public var replaysReference: Bool { true }

  /// The next `count` recorded draws.
  public mutating func uniforms(_ count: Int, precision: UniformPrecision) throws -> [Double] {
    guard precision == self.precision else {
      throw SamplingError.replay(
        path: path,
        message:
          "holds \(self.precision.rawValue) draws; this sampler draws \(precision.rawValue) (record the reference that this run reproduces)"
      )
    }
    if let callSize, count != callSize {
      throw SamplingError.replay(
        path: path,
        message:
          "each recorded call holds \(callSize) draws; draw call \(consumed / callSize + 1) of this run asks for \(count) (another canvas length, vocabulary or sampler?)"
      )
    }
    guard consumed + count <= values.count else {
      throw SamplingError.replay(
        path: path,
        message:
          "ran out: it holds \(values.count) draws and this run asks for \(count) more after \(consumed) (more steps or another canvas than the recorded run?)"
      )
    }
    defer { consumed += count }
    return Array(values[consumed..<(consumed + count)])
  }

  /// Throws when draws are left: the run drew fewer than the reference did.
  public func finish() throws {
    guard consumed == values.count else {
      throw SamplingError.replay(
        path: path,
        message:
          "\(values.count - consumed) of its \(values.count) draws were not used: this run drew fewer than the recorded one (fewer steps or another canvas?)"
      )
    }
  }
}
