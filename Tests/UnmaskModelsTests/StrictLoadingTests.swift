import Foundation
import Testing
import UnmaskFormats
import UnmaskKernels
@testable import UnmaskModels

/// A copy of a fixture's tensors with one removed, renamed, added or reshaped.
func alteredCopy(of fixture: String, _ alter: (InMemoryTensors) throws -> Void) throws -> (
  Data, InMemoryTensors
) {
  let bundle = try ModelBundle.open(Fixtures.model(fixture))
  let copy = InMemoryTensors(location: "altered \(fixture)")
  for name in bundle.weights.tensorNames {
    let view = try bundle.weights.tensor(named: name)
    try copy.add(name, dtype: view.dtype, shape: view.shape, bytes: view.bytes)
  }
  try alter(copy)
  return (bundle.configJSON, copy)
}

func loadError(_ fixture: String, _ alter: (InMemoryTensors) throws -> Void) throws -> String {
  let (config, tensors) = try alteredCopy(of: fixture, alter)
  do {
    _ = try LLaDAModel(
      configJSON: config, configPath: "config.json", weights: WeightLoader(source: tensors))
    return "loaded"
  } catch {
    return "\(error)"
  }
}

@Test func anUnexpectedTensorIsAnError() throws {
  let message = try loadError("tiny-llada") {
    try $0.add("model.transformer.extra.weight", shape: [1], values: [0])
  }
  #expect(
    message.contains("unexpected tensors") && message.contains("model.transformer.extra.weight"))
}

@Test func aMissingTensorIsAnError() throws {
  let bundle = try ModelBundle.open(Fixtures.model("tiny-llada"))
  let copy = InMemoryTensors(location: "partial")
  for name in bundle.weights.tensorNames where name != "model.transformer.blocks.1.up_proj.weight" {
    let view = try bundle.weights.tensor(named: name)
    try copy.add(name, dtype: view.dtype, shape: view.shape, bytes: view.bytes)
  }
  do {
    _ = try LLaDAModel(
      configJSON: bundle.configJSON, configPath: "config.json", weights: WeightLoader(source: copy))
    Issue.record("expected a missing-tensor error")
  } catch {
    #expect("\(error)".contains("model.transformer.blocks.1.up_proj.weight"))
    #expect("\(error)".contains("missing"))
  }
}

@Test func aMisshapenTensorIsAnError() throws {
  let message = try loadError("tiny-llada") {
    try $0.add(
      "model.transformer.blocks.0.q_proj.weight", shape: [8, 8],
      values: [Float](repeating: 0, count: 64))
  }
  #expect(message.contains("q_proj") && message.contains("[8, 8]"))
}

@Test func unknownArchitecturesAndUnsupportedVariantsAreNamed() throws {
  let bundle = try ModelBundle.open(Fixtures.model("tiny-llada"))
  var changed = bundle
  changed.configJSON = Data(#"{"model_type": "gpt2"}"#.utf8)
  #expect(throws: ModelError.self) { try ModelRegistry.load(changed) }
  do { _ = try ModelRegistry.load(changed) } catch {
    #expect("\(error)".contains("llada") && "\(error)".contains("gpt2"))
  }

  var object = try JSONSerialization.jsonObject(with: bundle.configJSON) as! [String: Any]
  object["alibi"] = true
  changed.configJSON = try JSONSerialization.data(withJSONObject: object)
  do {
    _ = try ModelRegistry.load(changed)
    Issue.record("expected alibi to be refused")
  } catch { #expect("\(error)".contains("alibi")) }
}

@Test func syntheticCheckpointsRunInEveryStorageType() throws {
  var outputs: [[Float]] = []
  for dtype in [DType.f32, .bf16, .f16] {
    let model = try SyntheticCheckpoint.llada(
      dModel: 32, layers: 1, heads: 2, kvHeads: 1, mlp: 64, vocabulary: 40, dtype: dtype, seed: 5)
    outputs.append(try model.logits(for: [1, 2, 3, 39]).values)
  }
  // bf16 and f16 round the same random weights differently; all must stay close to f32.
  for other in outputs.dropFirst() {
    let (gap, scale) = worstGap(other, outputs[0])
    #expect(gap <= 2e-2 * max(scale, 1))
  }
}
