import Foundation
import Testing
import UnmaskCore
import UnmaskFormats
@testable import UnmaskModels

/// The same checkpoint described the way other tools and versions write config.json: each form
/// must load to the same network as the fixture's own config (the same logits, bit for bit), or
/// be refused in one line naming the field. Found by running the reference code on checkpoints
/// saved by transformers 5 and re-saved tied models.

/// Logits of `bundle` over a short canvas holding the mask id.
private func logits(_ bundle: ModelBundle) throws -> [Float] {
  let model = try ModelRegistry.load(bundle)
  let tokens: [Int32] = [5, 17, Int32(model.maskTokenID ?? 3), 42, 9, 3]
  return try model.logits(for: tokens).values
}

/// transformers 5's `save_pretrained` writes `rope_parameters` and, for its own classes (Qwen2,
/// Qwen3), no `rope_theta`. Every fixture's θ differs from the classes' default of 10,000 where
/// it matters, so reading only `rope_theta` fails this.
@Test(arguments: [
  "tiny-sdar", "tiny-fast-dllm-v2", "tiny-a2d-qwen3", "tiny-dream", "tiny-llada-moe",
  "tiny-llada2",
])
func ropeParametersAsTransformers5WritesThemGiveTheSameModel(fixture: String) throws {
  let bundle = try ModelBundle.open(Fixtures.model(fixture))
  let resaved = try editedConfig(bundle) { config in
    var parameters: [String: Any] = ["rope_type": "default", "rope_theta": config["rope_theta"]!]
    if let factor = config["partial_rotary_factor"] {
      parameters["partial_rotary_factor"] = factor
      config["partial_rotary_factor"] = nil
    }
    config["rope_parameters"] = parameters
    config["rope_theta"] = nil
    config["rope_scaling"] = nil
  }
  #expect(try logits(resaved) == logits(bundle))
}

@Test(arguments: ["tiny-sdar", "tiny-dream", "tiny-llada-moe", "tiny-llada2"])
func aScalingInRopeParametersOrAContradictingThetaIsRefusedByName(fixture: String) throws {
  let bundle = try ModelBundle.open(Fixtures.model(fixture))
  let yarn = loadError(
    try editedConfig(bundle) {
      $0["rope_parameters"] = ["rope_type": "yarn", "rope_theta": $0["rope_theta"]!, "factor": 4.0]
    })
  let contradicting = loadError(
    try editedConfig(bundle) {
      $0["rope_parameters"] = ["rope_type": "default", "rope_theta": 7.0]
    })
  for message in [yarn, contradicting] {
    print("\(fixture): \(message)")
    #expect(message.contains("'rope_parameters'") && !message.contains("\n"), "\(message)")
    #expect(message.contains(Fixtures.model(fixture).path), "\(message)")
  }
  #expect(yarn.contains("yarn"))
}

/// transformers treats a scaling object of type `default` as no scaling, `swish` as SiLU, and a
/// list of end ids as ids; so does Unmask.
@Test(arguments: ["tiny-sdar", "tiny-dream", "tiny-llada-moe", "tiny-llada2"])
func spellingsTransformersAcceptGiveTheSameModel(fixture: String) throws {
  let bundle = try ModelBundle.open(Fixtures.model(fixture))
  let respelled = try editedConfig(bundle) { config in
    config["rope_scaling"] = ["rope_type": "default"]
    config["hidden_act"] = "swish"
    config["eos_token_id"] = [config["eos_token_id"] as? Int ?? 2, 7]
  }
  #expect(try logits(respelled) == logits(bundle))
  let eos = try ModelRegistry.load(bundle).eosTokenID
  #expect(try ModelRegistry.load(respelled).eosTokenID == (eos ?? 2))
}

/// A config that says the head is tied, in a file that also holds a head: transformers 4.x
/// (which these families' reference code pins) ties after loading, so the embedding is the head.
@Test(arguments: [
  ("tiny-dream", "model.embed_tokens.weight", "lm_head.weight"),
  ("tiny-sdar", "model.embed_tokens.weight", "lm_head.weight"),
  ("tiny-llada-moe", "model.embed_tokens.weight", "lm_head.weight"),
  ("tiny-llada2", "model.word_embeddings.weight", "lm_head.weight"),
  ("tiny-llada", "model.transformer.wte.weight", "model.transformer.ff_out.weight"),
])
func aTiedConfigReadsPastTheSavedHead(fixture: String, embedding: String, head: String) throws {
  let original = try ModelBundle.open(Fixtures.model(fixture))
  let tiedKey = fixture == "tiny-llada" ? "weight_tying" : "tie_word_embeddings"
  // The tied model itself: the embedding alone.
  var tiedAlone = try editedConfig(original) { $0[tiedKey] = true }
  let alone = InMemoryTensors(location: "tied")
  var both = tiedAlone
  let withHead = InMemoryTensors(location: "tied-with-head")
  for name in original.weights.tensorNames {
    let view = try original.weights.tensor(named: name)
    try withHead.add(name, dtype: view.dtype, shape: view.shape, bytes: view.bytes)
    if name != head { try alone.add(name, dtype: view.dtype, shape: view.shape, bytes: view.bytes) }
  }
  #expect(
    original.weights.tensorNames.contains(head) && original.weights.tensorNames.contains(embedding))
  tiedAlone.weights = alone
  both.weights = withHead
  let expected = try logits(tiedAlone)
  #expect(try logits(both) == expected)
  #expect(try logits(original) != expected)
}

@Test func llaDAConfigKeysAreReadAsTheReferenceReadsThem() throws {
  let bundle = try ModelBundle.open(Fixtures.model("tiny-llada"))
  func message(_ edit: @escaping (inout [String: Any]) -> Void) throws -> String {
    loadError(try editedConfig(bundle, edit))
  }
  // `ModelConfig.embedding_size` defaults to 50,304 rows; `null` means vocab_size.
  let absent = try message { $0["embedding_size"] = nil }
  #expect(absent.contains("[50304, "), "\(absent)")
  #expect(try message { $0["embedding_size"] = NSNull() } == "loaded")
  let cases: [(String, (inout [String: Any]) -> Void)] = [
    ("block_group_size", { $0["block_group_size"] = 2 }),
    ("multi_query_attention", { $0["multi_query_attention"] = true }),
    ("embedding_size", { $0["embedding_size"] = ($0["vocab_size"] as! Int) - 1 }),
  ]
  for (field, edit) in cases {
    let refusal = try message(edit)
    print(refusal)
    #expect(refusal.contains("'\(field)'") && !refusal.contains("\n"), "\(refusal)")
  }
}

@Test func dreamsAbsentKeyValueHeadsAreTheClassDefaultOf32() throws {
  let bundle = try ModelBundle.open(Fixtures.model("tiny-dream"))
  func heads(_ edit: @escaping (inout [String: Any]) -> Void) throws -> Int {
    let config = try editedConfig(bundle, edit).configJSON
    return try ModelError.decode(DreamConfiguration.self, from: config, path: "config.json").kvHeads
  }
  #expect(try heads { $0["num_key_value_heads"] = nil } == 32)
  #expect(try heads { $0["num_key_value_heads"] = NSNull() } == 4)
  // The fixture has 4 query heads, which 32 key/value heads do not divide.
  let refusal = loadError(try editedConfig(bundle) { $0["num_key_value_heads"] = nil })
  #expect(refusal.contains("'num_key_value_heads'"), "\(refusal)")
}

/// Settings the reference cannot run: a one-position window (its cache slice `[-0:]` keeps the
/// whole prompt, so the window does not mean what it says), `rope_parameters` without an entry
/// for a layer kind the model has (a KeyError there), and a default RoPE over part of the head.
/// Refused by name rather than computed some other way.
@Test(arguments: [
  ("sliding_window", "sliding_window"), ("no sliding RoPE", "rope_parameters"),
  ("partial default RoPE", "rope_parameters"),
])
func diffusionGemmaSettingsTheReferenceCannotRunAreRefusedByName(edit: String, field: String)
  throws
{
  let bundle = try ModelBundle.open(Fixtures.model("tiny-diffusiongemma"))
  let refusal = loadError(
    try editedConfig(bundle) { config in
      var text = config["text_config"] as! [String: Any]
      var rope = text["rope_parameters"] as! [String: Any]
      switch edit {
      case "sliding_window": text["sliding_window"] = 1
      case "no sliding RoPE": rope["sliding_attention"] = nil
      default:
        rope["sliding_attention"] = [
          "rope_type": "default", "rope_theta": 1e4, "partial_rotary_factor": 0.5,
        ]
      }
      text["rope_parameters"] = rope
      config["text_config"] = text
    })
  print("\(edit): \(refusal)")
  #expect(refusal.contains("'\(field)'") && !refusal.contains("\n"), "\(refusal)")
}
