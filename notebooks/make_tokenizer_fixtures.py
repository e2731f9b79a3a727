#!/usr/bin/env python3
"""Make the tokenizer fixtures for UnmaskTokenizerTests.

Trains small byte-level BPE tokenizers with Hugging Face `tokenizers` in the styles that the
masked-diffusion models use (GPT-2, Qwen2/Dream, Llama-3/LLaDA, plus an NFKC one and a
"mixed" one that exercises the less common Split behaviours), on a corpus this script builds
itself, and writes for each style:

    Tests/Fixtures/tokenizers/<name>/tokenizer.json
    Tests/Fixtures/tokenizers/<name>/golden.json

golden.json holds, for a broad set of texts, `tokenizer.encode(text).ids` (default
add_special_tokens=True), the ids without special tokens, and the decode round trips with and
without skip_special_tokens. Run from the repository root:

    python3 notebooks/make_tokenizer_fixtures.py

Deterministic: the corpus and the random texts come from a seeded generator.
"""

import json
import os
import random
import sys

import tokenizers
from tokenizers import (AddedToken, Regex, Tokenizer, decoders, models, normalizers,
                        pre_tokenizers, processors, trainers)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tokenizers")

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
QWEN2_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"""
                 r"""[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")
LLAMA3_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+"""
                  r"""[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")

# ---------------------------------------------------------------------------------------------
# Corpus


WORDS = """the of and to in is was he for it with as his on be at by had are but from or have an
they which one you were her all she there would their we him been has when who will more no if
out so said what up its about into than them can only other new some could time these two may
then do first any my now such like our over man me even most made after also did many before
must through back years where much your way well down should because each just those people
how too little state good very make world still own see men work long get here between both
life being under never day same another know while last might us great old year off come since
against go came right used take three diffusion model token mask unmask denoise sample step
Tokenizer encoder decoder transformer attention Swift Python Rust Linux café naïve résumé
Straße façade coöperate fiancée Zürich São Paulo Kraków Ελλάδα Москва""".split()

CJK = ["你好世界", "机器学习", "扩散模型", "自然语言处理", "今日は良い天気です", "日本語のテキスト",
       "한국어 문장입니다", "中文分词测试"]
ARABIC = ["مرحبا بالعالم", "نموذج لغوي", "السلام عليكم"]
DEVANAGARI = ["नमस्ते दुनिया", "भाषा मॉडल", "हिन्दी पाठ"]
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "🇫🇷", "🤖", "✨"]
CODE = [
    "func encode(_ text: String) -> [Int32] {\n    return ids\n}\n",
    "def main():\n\tprint('hello, world')\n\treturn 0\n",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }\n",
    "let x = y ?? 42 // fallback\n",
    "if __name__ == \"__main__\":\n    main()\n",
    "<div class=\"row\">{{ value }}</div>\n",
    "SELECT id, name FROM users WHERE age >= 21;\n",
]
CONTRACTIONS = ["it's", "IT'S", "don't", "DON'T", "we'll", "WE'LL", "they're", "I'm", "I'M",
                "you've", "she'd", "He'S", "We'Ll", "ain't"]


def build_corpus(rng):
    lines = []
    for _ in range(6000):
        n = rng.randint(3, 18)
        words = [rng.choice(WORDS) for _ in range(n)]
        if rng.random() < 0.3:
            words.insert(rng.randint(0, len(words)), rng.choice(CONTRACTIONS))
        if rng.random() < 0.3:
            words.insert(rng.randint(0, len(words)), str(rng.randint(0, 10 ** rng.randint(1, 7))))
        sentence = " ".join(words)
        sentence = sentence[0].upper() + sentence[1:] + rng.choice([".", "!", "?", ",", ";", ""])
        lines.append(sentence)
        r = rng.random()
        if r < 0.05:
            lines.append(rng.choice(CJK) + rng.choice(["。", "，", ""]))
        elif r < 0.08:
            lines.append(rng.choice(ARABIC + DEVANAGARI))
        elif r < 0.12:
            lines.append(rng.choice(CODE))
        elif r < 0.14:
            lines.append(" ".join(rng.choice(EMOJI) for _ in range(3)))
    return lines


# ---------------------------------------------------------------------------------------------
# Texts for the goldens


def fixed_texts():
    return [
        "",
        " ",
        "  ",
        "\n",
        "\t",
        "Hello world",
        " Hello world",
        "Hello  world",
        "Hello world ",
        "Hello world   ",
        "The quick brown fox jumps over the lazy dog.",
        "A masked diffusion model unmasks tokens step by step, committing the most confident first.",
        "line one\nline two\n\nline four\n",
        "trailing newlines\n\n\n",
        "\n\n\nleading newlines",
        "tabs\tand\t\ttabs\t",
        "mixed \t\n whitespace \r\n here",
        "windows\r\nline\r\nendings\r\n",
        "     five leading spaces",
        "a    b     c      d",
        "12345678901234567890",
        "3.14159 and 2,718,281 and -42 and 1e-10",
        "Year 2024, version 0.22.2, port 8080.",
        "phone: +1 (555) 123-4567",
        "¹²³ ½ ⅓ ① Ⅻ ٣٤٥ १२३",
        "it's don't we'll they're I'm you've she'd",
        "IT'S DON'T WE'LL THEY'RE I'M YOU'VE SHE'D",
        "He'S We'Ll You'Ve Th'ere 'tis 's 'S 'll 'LL",
        "rock 'n' roll, 'quoted', \"double\", ‘curly’ “quotes”",
        "func encode(_ text: String) -> [Int32] {\n    return ids\n}\n",
        "def main():\n\tprint('hello, world')\n\treturn 0\n",
        "    indented code\n        more indented\n",
        "x+=1;y-=2;z*=3;w/=4",
        "https://huggingface.co/docs/tokenizers?x=1&y=2#frag",
        "email@example.com, user.name+tag@domain.org",
        "你好世界！机器学习和扩散模型。",
        "今日は良い天気です。日本語のテキスト",
        "한국어 문장입니다",
        "مرحبا بالعالم",
        "नमस्ते दुनिया, हिन्दी पाठ",
        "Ελλάδα και Москва",
        "😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🇫🇷",
        "emoji👍🏽inside👨‍👩‍👧‍👦words",
        "café naïve résumé",
        "cafe\u0301 nai\u0308ve re\u0301sume\u0301",
        "Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ　１２３",
        "ﬁ ﬂ ﬀ ligatures and ㎏ ㎞ ℃ ™",
        "Straße STRASSE İstanbul ǅ",
        "a\u00a0b\u2003c\u2009d\u200be",
        "zero\u200dwidth\u200cjoiners",
        "control\u0001chars\u007f",
        "...!!!???,,,;;;:::",
        "----====____****",
        "<|endoftext|>",
        "Hello<|endoftext|>world",
        "Hello <|endoftext|> world",
        "Hello  <|endoftext|>  world",
        "<|endoftext|><|endoftext|>",
        "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
        "<|startoftext|>text<|eot_id|>",
        "a <mask> b <mask><mask> c",
        "<|endoftext",
        "<|im_start|",
        "custom_word and custom_words and xcustom_word",
        "a custom_word b  custom_word  c",
        "Special ⟨SEP⟩ token ⟨SEP⟩⟨SEP⟩",
        "lstrip  [LSTRIP]  rstrip  [RSTRIP]  both  [BOTH]  end",
        "UPPER Case MiXeD",
        "vertical\u000btab and next\u0085line and\u2028separator",
        "long s: it'\u017f and IT'\u017f",
        "a" * 300,
        " " * 40 + "x",
        "word" + "\u0301" * 5,
    ]


def random_texts(rng, n):
    pool = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            + list("     \t\n\r'\".,;:!?-_()[]{}<>/\\@#$%^&*+=~`|")
            + list("éèüößçñ你好世界日本語한국مرحبانमस्ते") + ["\u0301", "\u0308", "\u00a0", "\u3000", "\u000b", "\u0085", "\u2028", "\u017f"]
            + EMOJI + ["'s", "'S", "'ll", "'LL", "'ve", "'Re", " 's", "123", "4567", "\r\n"]
            + ["<|endoftext|>", "<|im_end|>", "<|eot_id|>", "custom_word", "<mask>"])
    texts = []
    for _ in range(n):
        length = rng.randint(1, 40)
        texts.append("".join(rng.choice(pool) for _ in range(length)))
    return texts


def corpus_texts(corpus, rng, n):
    return [rng.choice(corpus) for _ in range(n)]


# ---------------------------------------------------------------------------------------------
# Tokenizer styles


def byte_level_trainer(vocab_size, special):
    return trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                               initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                               special_tokens=special)


def small_alphabet_trainer(vocab_size, special):
    return trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                               limit_alphabet=90, special_tokens=special)


def add_byte_tokens(tok):
    """Appends <0x00>..<0xFF> to the model vocabulary, as Llama-2's tokenizer.json has them."""
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    for b in range(256):
        vocab.setdefault(f"<0x{b:02X}>", len(vocab))
    return Tokenizer.from_str(json.dumps(data, ensure_ascii=False))


def make_gpt2():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return tok, ["<|endoftext|>"], 1000


def make_qwen2():
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return tok, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], 1500


def make_llama3():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
                "<|end_header_id|>", "<|eot_id|>"]
    return tok, specials, 2000


def make_llada():
    # LLaDA-8B ships a Llama-3-like byte-level BPE with its own special tokens
    # (<|startoftext|> as BOS, <|mdm_mask|> as the mask token).
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    specials = ["<|startoftext|>", "<|endoftext|>", "<|start_header_id|>", "<|end_header_id|>",
                "<|eot_id|>", "<|mdm_mask|>"]
    return tok, specials, 1200


def make_nfkc():
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=False),
        pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    return tok, ["<s>", "</s>", "<mask>"], 800


def make_mixed():
    # Exercises the Split behaviours, a plain string pattern, invert, NFD, Replace, Prepend.
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.Sequence([
        normalizers.NFD(), normalizers.Replace("``", "\""), normalizers.Prepend("~")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(" ", behavior="merged_with_next"),
        pre_tokenizers.Split(Regex(r"[,.;:]"), behavior="merged_with_previous"),
        pre_tokenizers.Split(Regex(r"-+"), behavior="contiguous"),
        pre_tokenizers.Split(Regex(r"\p{N}+"), behavior="isolated", invert=False),
        pre_tokenizers.Split(Regex(r"[^\s]+"), behavior="removed", invert=True),
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    return tok, ["<s>", "</s>"], 600


def make_nfkd_split_removed():
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFKD()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\s+"), behavior="removed"),
        pre_tokenizers.Split("_", behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    return tok, ["[CLS]", "[SEP]"], 700


def make_sentencepiece_like(byte_fallback):
    # Llama-2-style BPE without the byte-level alphabet: spaces become "▁", characters outside
    # the (deliberately small) alphabet fall back to <0xXX> byte tokens, or to <unk>.
    def make():
        tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=byte_fallback,
                                   fuse_unk=not byte_fallback))
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        decoders_list = [decoders.Replace("▁", " ")]
        if byte_fallback:
            decoders_list.append(decoders.ByteFallback())
        decoders_list += [decoders.Fuse(), decoders.Strip(" ", 1, 0)]
        tok.decoder = decoders.Sequence(decoders_list)
        return tok, ["<unk>", "<s>", "</s>"], 700
    return make


STYLES = {
    "gpt2": make_gpt2,
    "qwen2": make_qwen2,
    "llama3": make_llama3,
    "llada": make_llada,
    "nfkc": make_nfkc,
    "mixed": make_mixed,
    "nfkd": make_nfkd_split_removed,
    "bytefallback": make_sentencepiece_like(True),
    "unk": make_sentencepiece_like(False),
}


def add_extra_tokens(tok, name):
    """Added tokens beyond the trained specials: a non-special word, flags, a normalized one."""
    tok.add_tokens([AddedToken("custom_word", single_word=True, normalized=False, special=False)])
    tok.add_special_tokens([AddedToken("⟨SEP⟩", normalized=False, special=True)])
    if name in ("gpt2", "nfkc", "mixed"):
        tok.add_special_tokens([
            AddedToken("[LSTRIP]", lstrip=True, normalized=False, special=True),
            AddedToken("[RSTRIP]", rstrip=True, normalized=False, special=True),
            AddedToken("[BOTH]", lstrip=True, rstrip=True, normalized=False, special=True),
        ])
    if name in ("nfkc", "gpt2"):
        # A normalized added token: matched after normalization (NFKC + lowercase for nfkc).
        tok.add_tokens([AddedToken("MiXeD", normalized=True, special=False)])
    if name == "nfkc":
        tok.add_special_tokens([AddedToken("<mask>", lstrip=True, normalized=False, special=True)])


def post_edit(name, data):
    """JSON edits that the Python API does not expose."""
    model = data["model"]
    if name in ("llama3", "llada"):
        model["ignore_merges"] = True
    if name == "gpt2":
        # Older files (GPT-2, Qwen2) store merges as "a b" strings; test that form here.
        model["merges"] = [" ".join(m) if isinstance(m, list) else m for m in model["merges"]]
    return data


def set_post_processor(name, tok):
    if name in ("llama3", "llada"):
        bos = "<|begin_of_text|>" if name == "llama3" else "<|startoftext|>"
        bos_id = tok.token_to_id(bos)
        tok.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single=f"{bos}:0 $A:0", pair=f"{bos}:0 $A:0 {bos}:1 $B:1",
                                          special_tokens=[(bos, bos_id)]),
        ])
    if name == "nfkc":
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
            special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))])


def main():
    rng = random.Random(20261123)
    corpus = build_corpus(rng)
    texts = fixed_texts() + corpus_texts(corpus, rng, 60) + random_texts(rng, 300)
    for name, make in STYLES.items():
        tok, specials, vocab_size = make()
        if name in ("bytefallback", "unk"):
            tok.train_from_iterator(corpus, trainer=small_alphabet_trainer(vocab_size, specials))
            if name == "bytefallback":
                tok = add_byte_tokens(tok)
        else:
            tok.train_from_iterator(corpus, trainer=byte_level_trainer(vocab_size, specials))
        add_extra_tokens(tok, name)
        set_post_processor(name, tok)
        data = post_edit(name, json.loads(tok.to_str()))
        text_json = json.dumps(data, ensure_ascii=False, indent=1)
        tok = Tokenizer.from_str(text_json)
        cases = []
        for text in texts:
            enc = tok.encode(text)
            plain = tok.encode(text, add_special_tokens=False)
            cases.append({
                "text": text,
                "ids": enc.ids,
                "ids_no_special": plain.ids,
                "decoded": tok.decode(enc.ids, skip_special_tokens=False),
                "decoded_skip_special": tok.decode(enc.ids, skip_special_tokens=True),
            })
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
            f.write(text_json)
        golden = {"tokenizers_version": tokenizers.__version__, "name": name, "cases": cases}
        with open(os.path.join(folder, "golden.json"), "w", encoding="utf-8") as f:
            json.dump(golden, f, ensure_ascii=False, indent=0)
        print(f"{name}: vocab {tok.get_vocab_size()}, {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
