import UnmaskKernels

/// Where a model's weights come from: a safetensors file, a sharded checkpoint, a `.umk` file.
///
/// Models ask for tensors by name; sources answer with zero-copy views whose shapes and byte
/// counts have already been validated against the file.
public protocol TensorSource: AnyObject {
  /// A description of where the tensors live (a path), for error messages.
  var location: String { get }
  /// Every tensor name, sorted.
  var tensorNames: [String] { get }
  /// The tensor called `name`; throws a `CheckpointError` naming the file if there is none.
  func tensor(named name: String) throws -> TensorView
  /// The tensor called `name` for a reader that asks for its bytes before reading them
  /// (`TensorView.convertRows` for an embedding table's rows, `Linear` for an expert's weight
  /// before each product; see `OnDemandBytes`): a source may then produce them on first read
  /// instead of all now, so that rows and experts never read are never decoded. Never hand
  /// such a view to code that reads `bytes` without `TensorView.prepare(_:)`.
  func rowTable(named name: String) throws -> TensorView
  /// The weight of a linear layer called `name`: read only by `Linear`, which may then decode
  /// it a tile at a time inside each product (`BlockDecodable`) instead of holding it decoded.
  func linearWeight(named name: String) throws -> TensorView
}

extension TensorSource {
  /// The tensor as `tensor(named:)` gives it: every byte readable now.
  public func rowTable(named name: String) throws -> TensorView { try tensor(named: name) }
  /// The tensor as `tensor(named:)` gives it.
  public func linearWeight(named name: String) throws -> TensorView { try tensor(named: name) }
}
