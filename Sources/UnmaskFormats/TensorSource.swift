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
  /// The tensor called `name` for a reader that only ever reads it a row at a time through
  /// `TensorView.convertRows` (an untied embedding table): a source may then produce the rows
  /// on first read (`OnDemandBytes`) instead of all of them now. Never hand such a view to
  /// code that reads `bytes` directly (a `Linear`).
  func rowTable(named name: String) throws -> TensorView
}

extension TensorSource {
  /// The tensor as `tensor(named:)` gives it: every byte readable now.
  public func rowTable(named name: String) throws -> TensorView { try tensor(named: name) }
}
