import UnmaskKernels

/// `--quantize q4_k_m` and `q5_k_m`: the type each tensor gets in `llama-quantize ... Q4_K_M`
/// (or `Q5_K_M`) without an importance matrix (`llama_tensor_get_type` in llama.cpp's
/// src/llama-quant.cpp), worked out from Hugging Face names, so a `.umk` has the block layout
/// and type mix of the GGUF.
///
/// - The base type (Q4_K, or Q5_K) by default, for every matrix llama.cpp quantizes: names
///   ending in `weight` with two or more dimensions (and Unmask's stacked `*experts*`
///   tensors), except norms and MoE routers (`ffn_gate_inp`), which stay as they are.
/// - Q6_K for the output head, for the token embedding when the head is tied to it, and for
///   the value projections and `ffn_down` matrices of the layers `useMoreBits` picks (the
///   first and last eighth and every third layer between). Value projections are counted in
///   layer order and `ffn_down` by layer (by the number in the name when there are experts),
///   as llama-quantize visits them.
/// - With exactly 8 experts (Mixtral's case): Q8_0 for value and key projections, Q5_K for
///   the attention output (Q4_K_M; Q5_K_M keeps its Q5_K).
/// - Rows that are not whole super-blocks of 256 take llama.cpp's place-holder types where
///   Unmask has them: Q8_0 for Q6_K (as llama.cpp). Where it has not, the nearest Unmask runs:
///   Q4_0 for Q4_K (llama.cpp: Q5_0) and Q8_0 for Q5_K (llama.cpp: Q5_1). Rows that are not
///   whole blocks of 32 stay as they are (llama.cpp: F16).
public struct KQuantMix: Sendable {
  /// What llama.cpp's `tensor_get_category` would call a tensor, from its Hugging Face name.
  enum Role: Equatable {
    case output, tokenEmbedding, attentionV, attentionK, attentionOutput, ffnDown, other
  }

  /// Tensor name -> stored type, for the tensors that are quantized.
  public let types: [String: DType]

  /// The plan for a checkpoint's tensors (name, type and shape of each), with `base` `.q4_K`
  /// (Q4_K_M) or `.q5_K` (Q5_K_M).
  public init(base: DType, tensors: [(name: String, dtype: DType, shape: [Int])]) {
    let quantizable = tensors.filter { Self.isQuantizable($0.name, $0.dtype, $0.shape) }
    let layers = (tensors.compactMap { Self.layer(of: $0.name) }.max() ?? -1) + 1
    let experts = Self.expertCount(tensors)
    let tied = !tensors.contains { Self.role(of: $0.name) == .output }
    // llama-quantize visits tensors by layer (top-level ones first), then by name.
    let ordered = quantizable.sorted {
      (Self.layer(of: $0.name) ?? -1, $0.name) < (Self.layer(of: $1.name) ?? -1, $1.name)
    }
    let valueCount = ordered.filter { Self.role(of: $0.name) == .attentionV }.count
    var valueIndex = 0
    var downIndex = 0
    var types: [String: DType] = [:]
    for tensor in ordered {
      let columns = tensor.shape.last ?? 0
      var type = base
      switch Self.role(of: tensor.name) {
      case .output:
        type = columns % 256 == 0 ? .q6_K : .q8_0
      case .tokenEmbedding where tied:
        type = columns % 256 == 0 ? .q6_K : .q8_0
      case .attentionV:
        if experts == 8 {
          type = .q8_0
        } else if Self.useMoreBits(valueIndex, valueCount) {
          type = .q6_K
        }
        valueIndex += 1
      case .attentionK where experts == 8:
        type = .q8_0
      case .attentionOutput where experts == 8:
        type = .q5_K
      case .ffnDown:
        let layer = experts > 1 ? (Self.layer(of: tensor.name) ?? downIndex) : downIndex
        if Self.useMoreBits(layer, layers) { type = .q6_K }
        downIndex += 1
      default:
        break
      }
      if let stored = Self.fallback(type, columns: columns) { types[tensor.name] = stored }
    }
    self.types = types
  }

  /// llama.cpp's `use_more_bits`.
  static func useMoreBits(_ layer: Int, _ layers: Int) -> Bool {
    layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2
  }

  /// The type rows of `columns` can hold (see the type's documentation); nil keeps the tensor.
  static func fallback(_ type: DType, columns: Int) -> DType? {
    if columns % 256 == 0 { return type }
    if columns % 32 != 0 { return nil }
    return type == .q4_K ? .q4_0 : .q8_0  // Q5_K: llama.cpp's Q5_1; Q6_K: Q8_0 as llama.cpp
  }

  /// llama.cpp's `tensor_allows_quantization` on Hugging Face names.
  static func isQuantizable(_ name: String, _ dtype: DType, _ shape: [Int]) -> Bool {
    guard dtype.isFloatingPoint || dtype.isQuantized, shape.count >= 2 else { return false }
    let lower = name.lowercased()
    let stackedExperts = shape.count == 3 && lower.contains("experts")
    guard lower.hasSuffix("weight") || stackedExperts else { return false }
    return !lower.contains("norm") && !isRouter(lower) && !lower.contains("wpe")
  }

  /// MoE routers: `mlp.gate.weight` (LLaDA-MoE, LLaDA2, OLMoE), `router.*` (DiffusionGemma).
  static func isRouter(_ lower: String) -> Bool {
    lower.hasSuffix(".gate.weight") || lower.contains("router")
  }

  /// The category of `name` (lower-cased patterns of the Hugging Face layouts Unmask reads).
  static func role(of name: String) -> Role {
    let lower = name.lowercased()
    let blockLevel = layer(of: name) != nil
    if !blockLevel {
      if lower == "lm_head.weight" || lower.hasSuffix("transformer.ff_out.weight")
        || lower.hasSuffix("output_layer.linear.weight")
      {
        return .output
      }
      if ["embed_tokens", "wte", "word_embeddings", "embedding"].contains(where: lower.contains) {
        return .tokenEmbedding
      }
      return .other
    }
    if ["v_proj", "qkv", "query_key_value"].contains(where: lower.contains) { return .attentionV }
    if lower.contains("k_proj") { return .attentionK }
    if ["o_proj", "attn_out", "attention.dense", "self_attn.dense"].contains(where: lower.contains)
    {
      return .attentionOutput
    }
    // LLaDA's per-block `ff_out` is its down projection (the top-level one is the head).
    if lower.contains("down_proj") || lower.hasSuffix(".ff_out.weight") { return .ffnDown }
    return .other
  }

  /// The block number in `name`: the integer after `layers`, `blocks`, `layer`, `block` or `h`.
  static func layer(of name: String) -> Int? {
    let parts = name.split(separator: ".")
    for (i, part) in parts.enumerated().dropFirst() {
      if let n = Int(part), ["layers", "blocks", "layer", "block", "h"].contains(parts[i - 1]) {
        return n
      }
    }
    return nil
  }

  /// The number of experts per layer: one past the largest `experts.N`, or the first axis of a
  /// stacked `*experts*` tensor; 0 without experts.
  static func expertCount(_ tensors: [(name: String, dtype: DType, shape: [Int])]) -> Int {
    var count = 0
    for tensor in tensors {
      let parts = tensor.name.split(separator: ".")
      for (i, part) in parts.enumerated().dropFirst() where parts[i - 1] == "experts" {
        if let n = Int(part) { count = max(count, n + 1) }
      }
      if tensor.shape.count == 3, tensor.name.lowercased().contains("experts") {
        count = max(count, tensor.shape[0])
      }
    }
    return count
  }
}
