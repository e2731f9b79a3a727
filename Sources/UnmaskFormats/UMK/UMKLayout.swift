import UnmaskKernels

/// Constants and limits of the `.umk` container, version 1 (see docs/FORMAT.md).
///
/// The limits bound what a reader will allocate or loop over before it trusts a file; each is
/// far above what any real checkpoint needs.
public enum UMKLayout {
  /// File magic: `\x89UMK\r\n\x1a\n` (PNG-style: catches 7-bit and newline-mangling transfers).
  public static let magic: [UInt8] = [0x89, 0x55, 0x4D, 0x4B, 0x0D, 0x0A, 0x1A, 0x0A]
  /// Major version this library writes and reads; a reader rejects any other major version.
  public static let majorVersion: UInt16 = 1
  /// Minor version this library writes; higher minor versions only add optional information.
  public static let minorVersion: UInt16 = 0
  /// Size of the fixed preamble at offset 0.
  public static let preambleSize = 64
  /// Raw tensors start on multiples of this, so they are used in place from the mapping.
  public static let alignment = 4096
  /// Largest header accepted (bytes).
  public static let maximumHeaderLength = 256 << 20
  /// Largest tensor count accepted.
  public static let maximumTensorCount = 1_000_000
  /// Largest embedded-file count accepted.
  public static let maximumBlobCount = 64
  /// Largest embedded file accepted once decoded (bytes).
  public static let maximumBlobLength = 256 << 20
  /// Largest tensor rank accepted.
  public static let maximumRank = 8
  /// Longest tensor or blob name accepted (UTF-8 bytes).
  public static let maximumNameLength = 1024
  /// Largest element count of one tensor (2^40).
  public static let maximumElements = 1 << 40
  /// Chunk sizes (elements) a planes-encoded tensor may declare.
  public static let chunkElementRange = 1...(1 << 20)
  /// A compressed plane may not claim more than this many times its stored bytes when decoded;
  /// this bounds the memory a hostile file can make a reader allocate to a multiple of its size.
  public static let maximumExpansion = 65536
}

/// How a tensor's bytes are laid out in the file.
public enum UMKEncoding: UInt8, Sendable, CaseIterable {
  /// The bytes as they are, aligned to 4096: used in place from the mapping.
  case raw = 0
  /// Split into byte planes (floats rotated so the exponent is one byte) and stored in
  /// independent chunks, each plane raw, a zstd frame, rANS or Huffman (`UMKPlaneCodec`).
  case planes = 1

  /// Name shown by `inspect`.
  public var name: String { self == .raw ? "raw" : "planes" }
}

/// How one plane of one chunk (or one embedded file) is stored.
public enum UMKPlaneCodec: UInt8, Sendable, CaseIterable {
  /// Stored as is.
  case raw = 0
  /// One zstd frame.
  case zstd = 1
  /// Order-0 rANS, 4 interleaved states, 12-bit frequency table stored in the stream.
  case rans = 2
  /// Canonical Huffman, codes of at most 11 bits, four interleaved bit streams.
  case huffman = 3

  /// Name shown by `inspect`.
  public var name: String {
    switch self {
    case .raw: return "raw"
    case .zstd: return "zstd"
    case .rans: return "rans"
    case .huffman: return "huffman"
    }
  }
}

/// The byte transform applied before a tensor is split into planes.
public enum UMKTransform: UInt8, Sendable {
  /// Bytes split as they are (integers): plane k holds byte `width-1-k` of each element.
  case none = 0
  /// Floats: each element rotated left by one bit first, so the sign moves to the bottom and
  /// plane 0 holds the top 8 exponent bits (bf16, f32) alone.
  case rotateSign = 1
}

extension DType {
  /// The one-byte code a `.umk` header uses for this type (stable across versions).
  public var umkCode: UInt8 {
    switch self {
    case .f64: return 0
    case .f32: return 1
    case .f16: return 2
    case .bf16: return 3
    case .i64: return 4
    case .i32: return 5
    case .i16: return 6
    case .i8: return 7
    case .u64: return 8
    case .u32: return 9
    case .u16: return 10
    case .u8: return 11
    case .bool: return 12
    case .q8_0: return 13
    case .q4_0: return 14
    case .q4_K: return 15
    case .q5_K: return 16
    case .q6_K: return 17
    }
  }

  /// The type with `.umk` code `code`, if any.
  public init?(umkCode code: UInt8) {
    guard let match = DType.allCases.first(where: { $0.umkCode == code }) else { return nil }
    self = match
  }
}
