import UnmaskFormats
import UnmaskKernels

/// Strict weight loading: every tensor a model asks for must exist with the expected shape,
/// and every tensor in the checkpoint must be asked for.
///
/// A missing or unexpected tensor is an error naming the file and the tensor, never a silent
/// skip: a renamed layer that is quietly left at zero is the worst kind of bug to find later.
public final class WeightLoader {
  /// The checkpoint.
  public let source: any TensorSource
  private let available: Set<String>
  private var used: Set<String> = []

  /// A loader over `source`.
  public init(source: any TensorSource) {
    self.source = source
    self.available = Set(source.tensorNames)
  }

  /// Tensor `name`, checked against `shape` when one is given.
  public func tensor(_ name: String, shape: [Int]? = nil) throws -> TensorView {
    try checked(name, shape: shape) { try source.tensor(named: name) }
  }

  /// Tensor `name` for readers that prepare what they read (an embedding table's rows through
  /// `convertRows`, an expert's `Linear`): the source may decode it on first read
  /// (`TensorSource.rowTable(named:)`).
  public func rowTable(_ name: String, shape: [Int]) throws -> TensorView {
    try checked(name, shape: shape) { try source.rowTable(named: name) }
  }

  /// An embedding table that the head multiplies by as well (tied): read by rows
  /// (`convertRows`) and by `Linear` only, so it is loaded as a linear weight
  /// (`TensorSource.linearWeight(named:)`) and may stay compressed.
  public func tiedTable(_ name: String, shape: [Int]) throws -> TensorView {
    try checked(name, shape: shape) { try source.linearWeight(named: name) }
  }

  private func checked(_ name: String, shape: [Int]?, _ view: () throws -> TensorView) throws
    -> TensorView
  {
    guard available.contains(name) else {
      throw CheckpointError(
        path: source.location, item: name, "missing tensor (the model's config needs it)")
    }
    let view = try view()
    if let shape, view.shape != shape {
      throw CheckpointError(
        path: source.location, item: name, "shape \(view.shape), expected \(shape)")
    }
    used.insert(name)
    return view
  }

  /// Tensor `name` if the config says it exists (`present`), else nil; a tensor that is present
  /// but not expected is caught by `finish()`.
  public func tensor(_ name: String, shape: [Int]? = nil, if present: Bool) throws -> TensorView? {
    present ? try tensor(name, shape: shape) : nil
  }

  /// A linear layer `name.weight` of shape `[out, in]` with `name.bias` when `bias` is true.
  /// A `deferred` weight may be decoded on its first product rather than now
  /// (`TensorSource.rowTable(named:)`; a mixture-of-experts expert that no token may pick).
  public func linear(
    _ name: String, out: Int, in inFeatures: Int, bias: Bool, deferred: Bool = false
  ) throws -> Linear {
    // Quantized tensors keep their logical shape in the table, so the check is the same.
    let shape = [out, inFeatures]
    let weightName = "\(name).weight"
    let weight =
      deferred
      ? try rowTable(weightName, shape: shape)
      : try checked(weightName, shape: shape) { try source.linearWeight(named: weightName) }
    let biasView = try tensor("\(name).bias", shape: [out], if: bias)
    return try shapeChecked { try Linear(weight: weight, bias: biasView, packsNow: !deferred) }
  }

  /// Runs `make` (a layer or part built from loaded tensors), turning its `ShapeError` into a
  /// `CheckpointError` naming this checkpoint.
  func shapeChecked<Part>(_ make: () throws -> Part) throws -> Part {
    do {
      return try make()
    } catch let error as ShapeError {
      throw CheckpointError(path: source.location, item: error.tensor, error.description)
    }
  }

  /// An RMS norm over `dimension` features from `name.weight` (and `name.bias` if `bias`).
  public func rmsNorm(
    _ name: String, dimension: Int, epsilon: Float, affine: Bool = true, bias: Bool = false
  ) throws -> RMSNorm {
    let (weight, shift) = try normTensors(name, dimension: dimension, affine: affine, bias: bias)
    return try RMSNorm(weight: weight, bias: shift, dimension: dimension, epsilon: epsilon)
  }

  /// A norm's `name.weight` (if `affine`) and `name.bias` (if `bias`), each `[dimension]`.
  func normTensors(_ name: String, dimension: Int, affine: Bool, bias: Bool) throws -> (
    weight: TensorView?, bias: TensorView?
  ) {
    (
      try tensor("\(name).weight", shape: [dimension], if: affine),
      try tensor("\(name).bias", shape: [dimension], if: bias)
    )
  }

  /// Marks every tensor `isIgnored` accepts as read, so `finish()` does not refuse it: weights a
  /// checkpoint carries for what Unmask does not run (DiffusionGemma's vision tower).
  /// Returns how many there were.
  @discardableResult
  public func ignore(where isIgnored: (String) -> Bool) -> Int {
    let ignored = available.filter(isIgnored)
    used.formUnion(ignored)
    return ignored.count
  }

  /// Throws if the checkpoint holds tensors nobody asked for (listing the first few).
  public func finish() throws {
    let unexpected = source.tensorNames.filter { !used.contains($0) }
    guard unexpected.isEmpty else {
      let shown = unexpected.prefix(5).joined(separator: ", ")
      let more = unexpected.count > 5 ? " and \(unexpected.count - 5) more" : ""
      throw CheckpointError(
        path: source.location, "unexpected tensors the architecture does not use: \(shown)\(more)")
    }
  }
}
