import UnmaskKernels

/// A ggml tensor type as a GGUF tensor table names it (`ggml_type` in ggml.h): its code, name
/// and block geometry, so the reader can size and bounds-check every tensor, including types
/// Unmask does not compute yet.
///
/// A type with a `dtype` is computed in place by the existing kernels (F32, F16, BF16, Q8_0,
/// Q4_0 and the K-quants Q4_K, Q5_K, Q6_K, whose blocks are ggml's). The others are recognised
/// (their sizes come from gguf-py's `GGML_QUANT_SIZES`) and refused by name when a model asks
/// for them: adding one is a `DType` case and its kernels, then a `dtype` entry here.
public struct GGMLType: Sendable, Equatable, CustomStringConvertible {
  /// The `ggml_type` code.
  public let code: UInt32
  /// ggml's name (`Q4_K`), or `type N` for a code this table does not know.
  public let name: String
  /// Elements per block (1 for plain types); nil for an unknown code.
  public let blockElements: Int?
  /// Bytes per block; nil for an unknown code.
  public let blockBytes: Int?

  /// The type with `code`; unknown codes keep the code and no geometry.
  public init(code: UInt32) {
    self.code = code
    if let known = Self.table[code] {
      (name, blockElements, blockBytes) = (known.name, known.elements, known.bytes)
    } else {
      (name, blockElements, blockBytes) = ("type \(code)", nil, nil)
    }
  }

  /// ggml's name.
  public var description: String { name }

  /// The `DType` the kernels compute this type as, or nil when Unmask has no kernel for it.
  public var dtype: DType? {
    switch code {
    case 0: return .f32
    case 1: return .f16
    case 2: return .q4_0
    case 8: return .q8_0
    case 12: return .q4_K
    case 13: return .q5_K
    case 14: return .q6_K
    case 30: return .bf16
    case 24: return .i8
    case 25: return .i16
    case 26: return .i32
    case 27: return .i64
    case 28: return .f64
    default: return nil
    }
  }

  /// The ggml type a `DType` is stored as in GGUF (the inverse of `dtype`), if any.
  public init?(_ dtype: DType) {
    guard let code = Self.table.keys.first(where: { GGMLType(code: $0).dtype == dtype }) else {
      return nil
    }
    self.init(code: code)
  }

  /// Bytes for a row of `elements` values (`ne[0]`), or nil when the type is unknown or
  /// `elements` does not fill whole blocks.
  public func rowBytes(elements: Int) -> Int? {
    guard let blockElements, let blockBytes, elements >= 0, elements % blockElements == 0 else {
      return nil
    }
    let (bytes, overflow) = (elements / blockElements).multipliedReportingOverflow(by: blockBytes)
    return overflow ? nil : bytes
  }

  /// The names Unmask computes, for error messages.
  public static let supportedNames = "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K"

  /// ggml's types: code -> (name, elements per block, bytes per block), as gguf-py's
  /// `GGML_QUANT_SIZES` (QK_K = 256).
  static let table: [UInt32: (name: String, elements: Int, bytes: Int)] = [
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36),
    10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2),
    26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54), 35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17),
    40: ("NVFP4", 64, 36), 41: ("Q1_0", 128, 18), 42: ("Q2_0", 64, 18),
  ]
}
