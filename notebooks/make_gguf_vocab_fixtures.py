#!/usr/bin/env python3
"""Rebuild real tokenizer.json files (GPT-2, Qwen2, Llama-3) from llama.cpp's vocab GGUFs.

llama.cpp vendors `models/ggml-vocab-<name>.gguf` (tokens, token types, merges) together with
`.inp`/`.out` test vectors that were produced by the original Hugging Face tokenizers. The
llama-cpp-python source package on PyPI carries them:

    pip download --no-deps --no-binary llama-cpp-python llama-cpp-python -d /tmp/lcpp
    tar xzf /tmp/lcpp/llama_cpp_python-*.tar.gz -C /tmp/lcpp --wildcards '*/models/ggml-vocab-*'
    pip install gguf
    python3 notebooks/make_gguf_vocab_fixtures.py /tmp/lcpp/llama_cpp_python-*/vendor/llama.cpp/models

For each vocabulary this script writes Tests/Fixtures/tokenizers/gguf-<name>/:
  tokenizer.json      the rebuilt tokenizer.json when under 3 MB (GPT-2), else
  tokenizer.json.zst  the same zstd-compressed (Qwen2 4.0 MB, Llama-3 5.2 MB raw)
  golden.json         the llama.cpp vectors (ids without special tokens), plus
                      `tokenizers`' encode(text).ids and decode strings for the same texts.
It first checks that Hugging Face `tokenizers`, loading the rebuilt file, reproduces every
vector; it stops if one differs. Token strings and ids are data, not code.
"""

import json
import os
import subprocess
import sys

import gguf
import tokenizers
from tokenizers import Tokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tokenizers")

QWEN2_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"""
                 r"""[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")
LLAMA3_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+"""
                  r"""[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")

BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
BYTE_LEVEL_NO_REGEX = dict(BYTE_LEVEL, use_regex=False)


def split(pattern):
    return {"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": False}


def read_gguf(path):
    reader = gguf.GGUFReader(path)

    def strings(key):
        field = reader.fields[key]
        return [bytes(field.parts[i]).decode("utf-8") for i in field.data]

    def ints(key):
        field = reader.fields[key]
        return [int(field.parts[i][0]) for i in field.data]

    def scalar(key):
        field = reader.fields.get(key)
        return None if field is None else int(field.parts[field.data[0]][0])

    return strings("tokenizer.ggml.tokens"), ints("tokenizer.ggml.token_type"), \
        strings("tokenizer.ggml.merges"), scalar("tokenizer.ggml.bos_token_id")


def build(name, tokens, types, merges, bos_id):
    vocab = {t: i for i, t in enumerate(tokens)}
    added = []
    for i, (t, kind) in enumerate(zip(tokens, types)):
        if kind in (3, 4):  # CONTROL -> special, USER_DEFINED -> added, not special
            added.append({"id": i, "content": t, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": kind == 3})
    model = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
             "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
             "ignore_merges": name == "llama-bpe", "vocab": vocab, "merges": merges}
    data = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
            "normalizer": None, "pre_tokenizer": None, "post_processor": None,
            "decoder": dict(BYTE_LEVEL), "model": model}
    if name == "gpt-2":
        data["pre_tokenizer"] = dict(BYTE_LEVEL)
        data["post_processor"] = dict(BYTE_LEVEL, trim_offsets=False)
    elif name == "qwen2":
        data["normalizer"] = {"type": "NFC"}
        data["pre_tokenizer"] = {"type": "Sequence",
                                 "pretokenizers": [split(QWEN2_PATTERN), dict(BYTE_LEVEL_NO_REGEX)]}
        data["post_processor"] = dict(BYTE_LEVEL, trim_offsets=False)
    elif name == "llama-bpe":
        bos = tokens[bos_id]
        data["pre_tokenizer"] = {"type": "Sequence",
                                 "pretokenizers": [split(LLAMA3_PATTERN), dict(BYTE_LEVEL_NO_REGEX)]}
        data["post_processor"] = {"type": "Sequence", "processors": [
            dict(BYTE_LEVEL, trim_offsets=False),
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {bos: {"id": bos, "ids": [bos_id], "tokens": [bos]}}}]}
    return data


def read_vectors(base):
    with open(base + ".inp", encoding="utf-8") as f:
        texts = f.read().split("\n__ggml_vocab_test__\n")
    if texts and texts[-1] == "":
        texts = texts[:-1]
    with open(base + ".out", encoding="utf-8") as f:
        outs = [[int(x) for x in line.split()] for line in f.read().split("\n")]
    return texts, outs[:len(texts)]


def main():
    models_dir = sys.argv[1]
    for name in ["gpt-2", "qwen2", "llama-bpe"]:
        base = os.path.join(models_dir, f"ggml-vocab-{name}.gguf")
        tokens, types, merges, bos_id = read_gguf(base)
        data = build(name, tokens, types, merges, bos_id)
        text_json = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        tok = Tokenizer.from_str(text_json)
        texts, outs = read_vectors(base)
        cases = []
        for text, want in zip(texts, outs):
            got = tok.encode(text, add_special_tokens=False).ids
            if got != want:
                sys.exit(f"{name}: tokenizers disagrees with the llama.cpp vector for {text!r}: {got} != {want}")
            enc = tok.encode(text).ids
            cases.append({"text": text, "ids": enc, "ids_no_special": want,
                          "decoded": tok.decode(enc, skip_special_tokens=False),
                          "decoded_skip_special": tok.decode(enc, skip_special_tokens=True)})
        folder = os.path.join(OUT, f"gguf-{name}")
        os.makedirs(folder, exist_ok=True)
        raw = text_json.encode("utf-8")
        compressed = subprocess.run(["zstd", "-19", "-q", "-c"], input=raw,
                                    check=True, stdout=subprocess.PIPE).stdout
        if len(raw) < 3_000_000:  # small enough to commit as it is
            with open(os.path.join(folder, "tokenizer.json"), "wb") as f:
                f.write(raw)
        else:
            with open(os.path.join(folder, "tokenizer.json.zst"), "wb") as f:
                f.write(compressed)
        with open(os.path.join(folder, "golden.json"), "w", encoding="utf-8") as f:
            json.dump({"tokenizers_version": tokenizers.__version__, "name": f"gguf-{name}",
                       "source": f"llama.cpp models/ggml-vocab-{name}.gguf(.inp/.out)",
                       "cases": cases}, f, ensure_ascii=False, indent=0)
        print(f"gguf-{name}: {len(tokens)} tokens, {len(merges)} merges, {len(cases)} vectors match, "
              f"{len(text_json) / 1e6:.1f} MB json, {len(compressed) / 1e6:.2f} MB zstd", file=sys.stderr)


if __name__ == "__main__":
    main()
