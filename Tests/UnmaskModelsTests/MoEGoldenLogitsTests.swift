import Foundation
import Testing
import UnmaskCore
import UnmaskFormats
import UnmaskKernels
@testable import UnmaskModels

/// One sequence of `golden/logits-llada-moe*.json` / `logits-llada2*.json`, written by
/// `scripts/fixtures/make_moe_fixtures.py` with dllm's modeling code: `attention` is `full` or
/// `blockN` (generate()'s block-causal mask of `block_length`).
struct MoEGoldenSequence: Decodable {
  var name: String
  var input_ids: [Int32]
  var file: String
  var attention: String
  var block_length: Int?
  var min_expert_margin: Double
}

struct MoEGoldenLogits: Decodable {
  var fixture: String
  var sequences: [MoEGoldenSequence]
}

/// Both sides run float32 on the same bf16-exact weights; the experts chosen are the same
/// (every golden records its smallest routing margin, far above float32 rounding), so the gap
/// is rounding noise as in `GoldenLogitsTests`, held to the same 1e-5 of the largest logit.
let moeRelativeTolerance: Float = 1e-5

@Test(arguments: ["llada-moe", "llada-moe-shared", "llada2", "llada2-variant"])
func moeLogitsMatchTheReferenceModelingCode(golden name: String) throws {
  let golden = try JSONDecoder().decode(
    MoEGoldenLogits.self, from: Data(contentsOf: Fixtures.golden("logits-\(name).json")))
  let model = try ModelRegistry.load(contentsOf: Fixtures.model(golden.fixture))
  var worstRelative: Float = 0
  for sequence in golden.sequences {
    let reference = try NumPyFile.readFloat32(
      Data(contentsOf: Fixtures.golden(sequence.file)), source: sequence.file)
    let mask: AttentionMask =
      sequence.block_length.map { .blockCausal(blockLength: $0) } ?? .full
    let ours = try model.logits(for: ForwardRequest(tokens: sequence.input_ids, mask: mask))[0]
    #expect([ours.rows, ours.columns] == reference.shape.suffix(2))
    let (gap, scale) = worstGap(ours.values, reference.values)
    print(
      "\(name) \(sequence.name): worst gap \(gap) (\(gap / scale) of max |logit| \(scale)),"
        + " routing margin \(sequence.min_expert_margin)")
    worstRelative = max(worstRelative, gap / scale)
    #expect(gap <= moeRelativeTolerance * scale, "\(name) \(sequence.name): \(gap / scale)")
  }
  print("\(name): worst relative gap \(worstRelative), tolerance \(moeRelativeTolerance)")
}

/// A request without a mask gets the model's own: block-causal over `blockLength` for LLaDA2,
/// which starts at generate()'s default and follows the sampler's block length when set.
@Test func llada2sOwnMaskIsBlockCausalOverItsBlockLength() throws {
  let golden = try JSONDecoder().decode(
    MoEGoldenLogits.self, from: Data(contentsOf: Fixtures.golden("logits-llada2.json")))
  let model = try #require(
    try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada2")) as? LLaDA2MoeModel)
  #expect(model.attentionMask == .blockCausal(blockLength: LLaDA2MoeModel.defaultBlockLength))
  model.blockLength = 4
  let sequence = try #require(
    golden.sequences.first { $0.block_length == 4 && $0.name.hasPrefix("len40") })
  let reference = try NumPyFile.readFloat32(
    Data(contentsOf: Fixtures.golden(sequence.file)), source: sequence.file)
  let (gap, scale) = worstGap(try model.logits(for: sequence.input_ids).values, reference.values)
  #expect(gap <= moeRelativeTolerance * scale)
}

@Test func checkpointsAreRecognisedByTheirArchitecturesBeforeTheirModelType() throws {
  // The published LLaDA-MoE config says model_type "llada", as dense LLaDA's does.
  #expect(try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada-moe")) is LLaDAMoEModel)
  #expect(
    try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada-moe-shared")) is LLaDAMoEModel)
  #expect(try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada2")) is LLaDA2MoeModel)
  #expect(try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada")) is LLaDAModel)
  #expect(try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada-gqa")) is LLaDAModel)

  // Without `architectures`, LLaDA-MoE is still told from dense LLaDA by its expert fields.
  let moe = try ModelBundle.open(Fixtures.model("tiny-llada-moe"))
  let stripped = try editedConfig(moe) { $0.removeValue(forKey: "architectures") }
  #expect(try ModelRegistry.load(stripped) is LLaDAMoEModel)
  let header = try #require(ConfigHeader(configJSON: stripped.configJSON))
  #expect(header.modelType == "llada" && header.architectures.isEmpty)
}

/// `moe` with its config.json edited by `edit`.
func editedConfig(_ bundle: ModelBundle, _ edit: (inout [String: Any]) -> Void) throws
  -> ModelBundle
{
  var object = try #require(
    try JSONSerialization.jsonObject(with: bundle.configJSON) as? [String: Any])
  edit(&object)
  var changed = bundle
  changed.configJSON = try JSONSerialization.data(withJSONObject: object)
  return changed
}

/// The one-line error loading `fixture` with `field` set to `value` (NSNull for null).
func configError(_ fixture: String, _ field: String, _ value: Any?) throws -> String {
  let bundle = try ModelBundle.open(Fixtures.model(fixture))
  return loadError(try editedConfig(bundle) { $0[field] = value })
}

/// What `ModelRegistry.load` says about `bundle` ("loaded" when it loads).
func loadError(_ bundle: ModelBundle) -> String {
  do {
    _ = try ModelRegistry.load(bundle)
    return "loaded"
  } catch {
    return "\(error)"
  }
}

@Test(arguments: [
  ("tiny-llada-moe", "num_experts_per_tok", 9 as Any),
  ("tiny-llada-moe", "moe_layer_freq", [1] as Any),
  ("tiny-llada-moe", "clip_qkv", 8.0 as Any),
  ("tiny-llada-moe", "partial_rotary_factor", -1 as Any),
  ("tiny-llada-moe-shared", "shared_expert_intermediate_size", 0 as Any),
  ("tiny-llada-moe", "hidden_act", "gelu" as Any),
  ("tiny-llada-moe", "rope_scaling", ["rope_type": "yarn", "factor": 4.0] as Any),
  ("tiny-llada2", "num_experts_per_tok", 9 as Any),
  ("tiny-llada2", "n_group", 3 as Any),
  ("tiny-llada2", "topk_group", 5 as Any),
  ("tiny-llada2", "num_shared_experts", 0 as Any),
  ("tiny-llada2", "num_key_value_heads", 0 as Any),
  ("tiny-llada2", "rope_scaling", ["type": "linear", "factor": 2.0] as Any),
])
func inconsistentRoutingAndUnsupportedFieldsAreRefusedByName(
  fixture: String, field: String, value: Any
) throws {
  let message = try configError(fixture, field, value)
  print("\(fixture) \(field)=\(value): \(message)")
  #expect(message.contains("'\(field)'"), "\(message)")
  #expect(message.contains(Fixtures.model(fixture).path), "\(message)")
  #expect(!message.contains("\n"))
}

@Test(arguments: [
  ("tiny-llada-moe", "model.layers.1.mlp.experts.5.down_proj.weight"),
  ("tiny-llada-moe-shared", "model.layers.2.shared_expert.up_proj.weight"),
  ("tiny-llada2", "model.layers.2.mlp.gate.expert_bias"),
  ("tiny-llada2", "model.layers.1.mlp.experts.7.gate_proj.weight"),
])
func aMissingExpertTensorNamesTheFileAndTheTensor(fixture: String, tensor: String) throws {
  var bundle = try ModelBundle.open(Fixtures.model(fixture))
  let copy = InMemoryTensors(
    location: Fixtures.model(fixture).appendingPathComponent("model.safetensors").path)
  for name in bundle.weights.tensorNames where name != tensor {
    let view = try bundle.weights.tensor(named: name)
    try copy.add(name, dtype: view.dtype, shape: view.shape, bytes: view.bytes)
  }
  bundle.weights = copy
  do {
    _ = try ModelRegistry.load(bundle)
    Issue.record("expected \(tensor) to be missed")
  } catch {
    #expect("\(error)".contains(tensor) && "\(error)".contains("missing"), "\(error)")
    #expect("\(error)".contains("model.safetensors"), "\(error)")
  }
}

@Test func expertLayersAreBuiltAsTheConfigSays() throws {
  let shared = try #require(
    try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada-moe-shared")) as? LLaDAMoEModel)
  // moe_layer_freq [0, 1, 1]: a dense first layer, then experts with a shared expert.
  #expect(shared.stack.blocks[0].feedForward is SwiGLUFeedForward)
  let moe = try #require(shared.stack.blocks[1].feedForward as? MixtureOfExperts)
  #expect(moe.experts.count == 8 && moe.router.topK == 3 && moe.shared != nil)
  guard case .biasedSoftmax(let bias?) = moe.router.scoring else {
    Issue.record("expected a biased softmax router")
    return
  }
  #expect(bias.count == 8)

  let llada2 = try #require(
    try ModelRegistry.load(contentsOf: Fixtures.model("tiny-llada2")) as? LLaDA2MoeModel)
  #expect(llada2.stack.blocks[0].feedForward is SwiGLUFeedForward)  // first_k_dense_replace 1
  let routed = try #require(llada2.stack.blocks[2].feedForward as? MixtureOfExperts)
  guard
    case .groupLimitedSigmoid(let selection?, let groups, let kept, let renormalize, let scale) =
      routed.router.scoring
  else {
    Issue.record("expected a group-limited sigmoid router with its expert bias")
    return
  }
  #expect(selection.count == 8 && groups == 4 && kept == 2 && renormalize && scale == 2.5)
  #expect(routed.shared?.hiddenDimension == 16)
  #expect(llada2.parameterCount > 0 && llada2.architecture == "LLaDA2")
}
