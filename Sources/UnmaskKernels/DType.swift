/// The element types a tensor can hold.
///
/// The plain types are named as safetensors names them (`F32`, `BF16`, ...). The block-quantized
/// types are laid out as GGUF defines them and occur in `.umk` and GGUF files: `Q8_0` and `Q4_0`
/// hold 32 elements per block, an f16 scale `d` followed by the quantized values; the K-quants
/// `Q4_K`, `Q5_K` and `Q6_K` hold 256 per super-block, with 6- or 8-bit scales per sub-block
/// (`Quantization+KQuants.swift` spells out each layout).
public enum DType: String, Sendable, CaseIterable, Codable {
  /// IEEE double.
  case f64 = "F64"
  /// IEEE single.
  case f32 = "F32"
  /// IEEE half.
  case f16 = "F16"
  /// bfloat16 (the top half of an IEEE single).
  case bf16 = "BF16"
  /// Signed 64-bit integer.
  case i64 = "I64"
  /// Signed 32-bit integer.
  case i32 = "I32"
  /// Signed 16-bit integer.
  case i16 = "I16"
  /// Signed byte.
  case i8 = "I8"
  /// Unsigned 64-bit integer.
  case u64 = "U64"
  /// Unsigned 32-bit integer.
  case u32 = "U32"
  /// Unsigned 16-bit integer.
  case u16 = "U16"
  /// Unsigned byte.
  case u8 = "U8"
  /// Boolean byte.
  case bool = "BOOL"
  /// GGUF q8_0: per block of 32, f16 `d` then 32 × int8 `q`; value = `d * q`.
  case q8_0 = "Q8_0"
  /// GGUF q4_0: per block of 32, f16 `d` then 16 bytes; element `j < 16` is the low nibble of
  /// byte `j`, element `j + 16` its high nibble; value = `d * (nibble - 8)`.
  case q4_0 = "Q4_0"
  /// GGUF Q4_K: per super-block of 256, f16 `d` and `dmin`, 12 bytes of 6-bit scales and mins
  /// for 8 sub-blocks of 32, then 128 bytes of nibbles; value = `d * sc * q - dmin * m`.
  case q4_K = "Q4_K"
  /// GGUF Q5_K: as Q4_K with a fifth bit per element from 32 more bytes (`qh`).
  case q5_K = "Q5_K"
  /// GGUF Q6_K: per super-block of 256, 128 bytes of low nibbles, 64 of high 2-bit pairs,
  /// 16 int8 scales for sub-blocks of 16, then f16 `d`; value = `d * sc * (q - 32)`.
  case q6_K = "Q6_K"

  /// Elements per quantization block (1 for plain types; 256 for a K-quant super-block).
  public var blockElements: Int {
    switch self {
    case .q8_0, .q4_0: return 32
    case .q4_K, .q5_K, .q6_K: return 256
    default: return 1
    }
  }

  /// Bytes per block (per element for plain types).
  public var blockBytes: Int {
    switch self {
    case .f64, .i64, .u64: return 8
    case .f32, .i32, .u32: return 4
    case .f16, .bf16, .i16, .u16: return 2
    case .i8, .u8, .bool: return 1
    case .q8_0: return 2 + 32
    case .q4_0: return 2 + 16
    case .q4_K: return 2 + 2 + 12 + 128
    case .q5_K: return 2 + 2 + 12 + 32 + 128
    case .q6_K: return 128 + 64 + 16 + 2
    }
  }

  /// Whether this is a GGUF-style block-quantized type.
  public var isQuantized: Bool { blockElements > 1 }

  /// Whether this is one of the K-quants (256-element super-blocks).
  public var isKQuant: Bool { blockElements == 256 }

  /// Whether values of this type can be widened to `Float` for compute.
  public var isFloatingPoint: Bool {
    switch self {
    case .f64, .f32, .f16, .bf16, .q8_0, .q4_0, .q4_K, .q5_K, .q6_K: return true
    default: return false
    }
  }

  /// The types a safetensors header may name.
  public static let safetensorsTypes: Set<DType> = Set(allCases.filter { !$0.isQuantized })

  /// Bytes needed for `elements` values, or nil when `elements` does not fill whole blocks or
  /// the size overflows `Int`.
  public func storageSize(elements: Int) -> Int? {
    guard elements >= 0, elements % blockElements == 0 else { return nil }
    let (bytes, overflow) = (elements / blockElements).multipliedReportingOverflow(by: blockBytes)
    return overflow ? nil : bytes
  }
}
