import Foundation
import UnmaskCore

/// Where a uniform-state sampler's random canvases come from: a block's starting canvas and,
/// after every step, the row its rejected positions are re-noised from.
///
/// DiffusionGemma's `EntropyBoundSampler` draws each with `torch.randint(0, V, (1, C))`
/// (`initialize_canvas`); `SeededNoise` draws them from Unmask's generator and `NoiseRows`
/// replays rows recorded from the reference (`--noise-rows FILE.npy`), so a run can be compared
/// with the reference token for token.
public protocol CanvasNoise {
  /// The next canvas of `length` tokens, each in `0..<vocabularySize`.
  mutating func nextRow(length: Int, vocabularySize: Int) throws -> [Int32]
  /// Rows handed out so far.
  var rowsUsed: Int { get }
}

/// Uniform random tokens from `SeededGenerator`.
public struct SeededNoise: CanvasNoise {
  var generator: SeededGenerator
  /// Rows drawn so far.
  public private(set) var rowsUsed = 0

  /// Rows drawn from `generator`.
  public init(generator: SeededGenerator) { self.generator = generator }

  /// `length` tokens, each `floor(u · V)` of a uniform `u`.
  public mutating func nextRow(length: Int, vocabularySize: Int) throws -> [Int32] {
    rowsUsed += 1
    return (0..<length).map { _ in
      Int32(min(vocabularySize - 1, Int(generator.nextUniform() * Double(vocabularySize))))
    }
  }
}

/// Rows recorded from a reference run, used in order: an integer `.npy` `[rows, C]` (int64 as
/// torch writes it, or int32). Rows past the last one the run needs are left unused.
public struct NoiseRows: CanvasNoise {
  /// The file, for messages.
  public let path: String
  let rows: [[Int32]]
  var next = 0
  /// Rows replayed so far.
  public var rowsUsed: Int { next }

  /// Reads `path`; every value must be a token id (checked when a row is used).
  public init(contentsOf path: String) throws {
    self.path = path
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw SamplingError.replay(path: path, message: "cannot read the file")
    }
    func shaped(_ values: [Int64], _ shape: [Int]) throws -> [[Int32]] {
      guard shape.count == 2, shape[1] > 0 else {
        throw SamplingError.replay(
          path: path, message: "noise rows must be a 2-D array [rows, canvas length], not \(shape)")
      }
      return (0..<shape[0]).map { r in
        values[(r * shape[1])..<((r + 1) * shape[1])].map { Int32(clamping: $0) }
      }
    }
    do {
      let wide = try NumPyFile.read(data, descr: "<i8", as: Int64.self, source: path)
      rows = try shaped(wide.values, wide.shape)
    } catch let error as SamplingError {
      throw error
    } catch {
      do {
        let narrow = try NumPyFile.read(data, descr: "<i4", as: Int32.self, source: path)
        rows = try shaped(narrow.values.map(Int64.init), narrow.shape)
      } catch let error as SamplingError {
        throw error
      } catch {
        throw SamplingError.replay(
          path: path, message: "not an int64 or int32 .npy array of noise rows (\(error))")
      }
    }
  }

  /// The next recorded row; throws when the rows run out, or a row does not fit the canvas or
  /// the vocabulary.
  public mutating func nextRow(length: Int, vocabularySize: Int) throws -> [Int32] {
    guard next < rows.count else {
      throw SamplingError.replay(
        path: path, message: "ran out after \(rows.count) rows; the run needs more")
    }
    let row = rows[next]
    guard row.count == length else {
      throw SamplingError.replay(
        path: path, message: "rows hold \(row.count) tokens, the canvas \(length)")
    }
    if let bad = row.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
      throw SamplingError.replay(
        path: path,
        message: "row \(next) holds \(bad), outside the vocabulary 0..<\(vocabularySize)")
    }
    next += 1
    return row
  }
}
