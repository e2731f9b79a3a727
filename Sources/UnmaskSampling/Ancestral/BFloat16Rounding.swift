/// bfloat16 arithmetic as torch does it on the CPU, for ReMDM's `remdm-conf`, whose
/// confidences live in a bfloat16 tensor (`confident_score`) and whose remasking
/// probabilities are computed from it in bfloat16.
///
/// Checked against torch 2.15 (scripts/fixtures/make_kuleshov_sampler_goldens.py notes): each
/// op computes in float32 and rounds to bfloat16 (nearest, ties to even); a Python scalar enters
/// `*` and `/` as float32, but `+` and `-` as bfloat16 (it is rounded first).
enum BFloat16Rounding {
  /// `x` rounded to the nearest bfloat16 (ties to even), as a float.
  static func round(_ x: Float) -> Float {
    if x.isNaN { return x }
    let bits = x.bitPattern
    let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000
    return Float(bitPattern: rounded)
  }

  /// `tensor * scalar` (scalar as float32).
  static func multiply(_ x: Float, _ scalar: Double) -> Float { round(x * Float(scalar)) }
  /// `tensor / scalar` (scalar as float32).
  static func divide(_ x: Float, _ scalar: Double) -> Float { round(x / Float(scalar)) }
  /// `scalar - tensor` (scalar rounded to bfloat16 first).
  static func subtract(_ scalar: Double, _ x: Float) -> Float {
    round(round(Float(scalar)) - x)
  }
}
