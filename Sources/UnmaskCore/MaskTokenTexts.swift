/// Token texts recognised as the `[MASK]` token, in order of preference, where neither
/// config.json nor tokenizer_config.json names it: what `SpecialTokens` looks up and what a
/// GGUF export writes as `tokenizer.ggml.mask_token_id`. (`|<MASK>|` is Fast-dLLM v2's, id
/// 151665 in its Qwen2.5 tokenizer.)
public let maskTokenTexts = ["<|mdm_mask|>", "<|mask|>", "[MASK]", "<mask>", "|<MASK>|"]
