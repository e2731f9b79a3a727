/// llama.cpp's pre-tokenizer names (`tokenizer.ggml.pre`, chosen by `convert_hf_to_gguf.py`'s
/// `get_vocab_base_pre` from a hash of the Hugging Face tokenizer's output) mapped back to the
/// tokenizer.json stages they stand for: the split regex as the original tokenizer.json writes
/// it (llama.cpp's llama-vocab.cpp quotes each one before its own adaptation), the normalizer,
/// and `ignore_merges`.
struct GGUFPreTokenizer {
  /// tokenizer.json's `pre_tokenizer`.
  var preTokenizer: [String: Any]
  /// tokenizer.json's `normalizer`, if any.
  var normalizer: [String: Any]?
  /// BPE `ignore_merges` (Llama-3's tokenizer.json sets it).
  var ignoresMerges = false
  /// Whether llama.cpp adds BOS when `tokenizer.ggml.add_bos_token` is absent.
  var addsBOSByDefault = false

  /// The names this table knows, for error messages.
  static let knownNames = "gpt-2, default, llama-bpe, llama3, llama-v3, qwen2, deepseek-r1-qwen"

  /// Llama-3's split (llama-vocab.cpp `LLAMA_VOCAB_PRE_TYPE_LLAMA3`, original form).
  static let llama3Pattern =
    #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
  /// Qwen2's split: Llama-3's with single digits (`LLAMA_VOCAB_PRE_TYPE_QWEN2`).
  static let qwen2Pattern =
    #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

  /// The stages for `name`, or nil for a name this table does not know.
  init?(name: String) {
    let byteLevelNoRegex: [String: Any] = [
      "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false,
    ]
    func split(_ pattern: String) -> [String: Any] {
      [
        "type": "Sequence",
        "pretokenizers": [
          [
            "type": "Split", "pattern": ["Regex": pattern], "behavior": "Isolated",
            "invert": false,
          ] as [String: Any],
          byteLevelNoRegex,
        ],
      ]
    }
    switch name {
    case "gpt-2", "default":
      // GPT-2's own regex, built into the ByteLevel pre-tokenizer.
      preTokenizer = byteLevelNoRegex.merging(["use_regex": true]) { $1 }
    case "llama-bpe", "llama3", "llama-v3":
      preTokenizer = split(Self.llama3Pattern)
      ignoresMerges = true
      addsBOSByDefault = true
    case "qwen2", "deepseek-r1-qwen":
      preTokenizer = split(Self.qwen2Pattern)
      normalizer = ["type": "NFC"]
    default:
      return nil
    }
  }
}
