/// The element types a checkpoint tensor can hold, named as safetensors names them.
///
/// Floating types are converted to `Float` on use; integer types are read as such.
public enum DType: String, Sendable, CaseIterable, Codable {
  case f64 = "F64"
  case f32 = "F32"
  case f16 = "F16"
  case bf16 = "BF16"
  case i64 = "I64"
  case i32 = "I32"
  case i16 = "I16"
  case i8 = "I8"
  case u64 = "U64"
  case u32 = "U32"
  case u16 = "U16"
  case u8 = "U8"
  case bool = "BOOL"

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .f64, .i64, .u64: return 8
    case .f32, .i32, .u32: return 4
    case .f16, .bf16, .i16, .u16: return 2
    case .i8, .u8, .bool: return 1
    }
  }

  /// Whether values of this type can be widened to `Float` for compute.
  public var isFloatingPoint: Bool {
    switch self {
    case .f64, .f32, .f16, .bf16: return true
    default: return false
    }
  }
}
