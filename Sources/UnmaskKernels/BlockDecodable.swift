/// An on-demand tensor whose blocks can also be decoded into memory the caller owns, so that a
/// product can consume the weight a block at a time without a decoded copy of it ever being
/// resident (`--resident compressed`): `Linear` decodes the rows of each work item into a
/// scratch tile, multiplies them while they are in cache, and drops them.
///
/// Block `b` holds bytes `b * blockBytes ..< min((b + 1) * blockBytes, byteCount)` of the
/// tensor, counted from `firstByte`.
public protocol BlockDecodable: OnDemandBytes {
  /// Bytes per block (the last block may be shorter).
  var blockBytes: Int { get }
  /// The whole tensor's size in bytes.
  var byteCount: Int { get }
  /// Decodes block `b` into `destination` (room for `blockBytes`); callable from any number of
  /// threads at once.
  func decodeBlock(_ b: Int, into destination: UnsafeMutableRawPointer)
}
