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
}
