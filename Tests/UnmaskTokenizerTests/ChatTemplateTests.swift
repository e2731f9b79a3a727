import Foundation
import Testing

@testable import UnmaskTokenizer

/// Chat templates rendered by hand must equal what transformers' `apply_chat_template`
/// produces with the models' Jinja templates (expected strings written out from them).
@Suite("Chat templates")
struct ChatTemplateTests {
  /// LLaDA-8B-Instruct's tokenizer_config.json `chat_template` (Llama-3's).
  static let lladaJinja =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    + "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim "
    + "+ '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
    + "{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant"
    + "<|end_header_id|>\\n\\n' }}{% endif %}"

  /// Dream-v0-Instruct-7B's (Qwen2's ChatML).
  static let dreamJinja =
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    + "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    + "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

  @Test("LLaDA single turn")
  func lladaSingleTurn() {
    let text = ChatTemplate.llada.render(
      [ChatMessage(role: "user", content: "Hi there")], addGenerationPrompt: true)
    #expect(
      text == "<|startoftext|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n")
  }

  @Test("LLaDA multi-turn trims contents, BOS only once")
  func lladaMultiTurn() {
    let messages = [
      ChatMessage(role: "system", content: "Be brief."),
      ChatMessage(role: "user", content: "  What is 2+2?\n"),
      ChatMessage(role: "assistant", content: "4"),
      ChatMessage(role: "user", content: "And 3+3?"),
    ]
    let text = ChatTemplate.llada.render(messages, addGenerationPrompt: false)
    #expect(
      text == "<|startoftext|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
        + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>"
        + "<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>")
  }

  @Test("Dream adds the default system turn")
  func dreamSingleTurn() {
    let text = ChatTemplate.dream.render(
      [ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
    #expect(
      text
        == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        + "<|im_start|>assistant\n")
  }

  @Test("Dream keeps a given system turn and does not trim")
  func dreamMultiTurn() {
    let messages = [
      ChatMessage(role: "system", content: "Sys"), ChatMessage(role: "user", content: " a "),
      ChatMessage(role: "assistant", content: "b"),
    ]
    #expect(
      ChatTemplate.dream.render(messages, addGenerationPrompt: false)
        == "<|im_start|>system\nSys<|im_end|>\n<|im_start|>user\n a <|im_end|>\n<|im_start|>assistant\nb<|im_end|>\n"
    )
  }

  @Test("templates are recognised from tokenizer_config.json")
  func recognition() throws {
    let llada = try TokenizerConfig(
      data: JSONSerialization.data(withJSONObject: [
        "chat_template": Self.lladaJinja, "bos_token": "<|startoftext|>",
      ]))
    #expect(ChatTemplate(config: llada) == .llada)
    let dream = try TokenizerConfig(
      data: JSONSerialization.data(withJSONObject: [
        "chat_template": Self.dreamJinja, "bos_token": NSNull(),
        "eos_token": ["content": "<|endoftext|>", "special": true],
      ]))
    #expect(ChatTemplate(config: dream) == .dream)
    #expect(dream.eosToken == "<|endoftext|>")
    #expect(ChatTemplate(jinja: "{{ messages }}", bosToken: nil) == nil)
    // Qwen2.5-style template (tools branch first), with "\\n" escapes left in the text.
    let qwen25 =
      "{%- if tools %}{{- '<|im_start|>system\\n' }}{%- if messages[0]['role'] == 'system' %}"
      + "{{- messages[0]['content'] }}{%- endif %}{%- else %}{%- if messages[0]['role'] == 'system' %}"
      + "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}"
      + "{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif %}{%- endif %}"
    #expect(ChatTemplate(jinja: qwen25, bosToken: nil) == .dream)
  }

  @Test("rendered prompts encode with the special tokens as single ids")
  func renderedPromptEncodes() throws {
    let tokenizer = try Fixtures.tokenizer("llada")
    let text = ChatTemplate.llada.render(
      [ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
    let ids = tokenizer.encode(text, addSpecialTokens: false)
    let bos = try #require(tokenizer.tokenID("<|startoftext|>"))
    let eot = try #require(tokenizer.tokenID("<|eot_id|>"))
    #expect(ids.first == bos)
    #expect(ids.filter { $0 == eot }.count == 1)
    #expect(tokenizer.decode(ids) == text)
  }

  /// Gemma's turns (DiffusionGemma; the tiny fixture carries google/gemma-2-it's template):
  /// what transformers' `apply_chat_template` gives, written out from it.
  @Test("Gemma: model for assistant, trimmed contents, system content opening the first turn")
  func gemmaTurns() throws {
    let jinja =
      "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'assistant') %}"
      + "{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}"
      + "{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}"
      + "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"
    let template = try #require(ChatTemplate(jinja: jinja, bosToken: "<bos>"))
    #expect(template.format == .gemma)
    let text = template.render(
      [
        ChatMessage(role: "user", content: " Hello there "),
        ChatMessage(role: "assistant", content: "Hi."), ChatMessage(role: "user", content: "Why?"),
      ], addGenerationPrompt: true)
    #expect(
      text == "<bos><start_of_turn>user\nHello there<end_of_turn>\n<start_of_turn>model\nHi."
        + "<end_of_turn>\n<start_of_turn>user\nWhy?<end_of_turn>\n<start_of_turn>model\n")
    let system = template.render(
      [
        ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi"),
      ],
      addGenerationPrompt: false)
    #expect(system == "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n")
  }
}
