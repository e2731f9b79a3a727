"""Writes Tests/Fixtures/quant/ggml-blocks.json: a small tensor quantized to Q8_0 and Q4_0 by
the `gguf` package (gguf-py from llama.cpp, on PyPI), an independent implementation of ggml's
block formats, with the bytes it writes and the floats its `dequantize` gives back.

    pip install gguf==0.19.0 numpy
    python3 notebooks/make_quant_golden.py

The Swift test `quantizedBlocksMatchGGUFByteForByte` (UnmaskKernelsTests) quantizes the same
floats and compares every byte, then dequantizes gguf's bytes and compares every float. The
script is seeded and deterministic: a second run writes identical bytes.
"""
import importlib.metadata
import json
import os
import struct

import numpy as np
from gguf.constants import GGMLQuantizationType
from gguf.quants import dequantize, quantize

rng = np.random.default_rng(20261127)
blocks = [
    ("normal", rng.standard_normal(32)),
    ("uniform wide", rng.uniform(-3, 3, 32)),
    ("zeros", np.zeros(32)),
    # The largest magnitude positive: q4_0's scale is negative; negative: positive.
    ("positive extreme", np.concatenate([[2.5], rng.uniform(-2.4, 2.4, 31)])),
    ("negative extreme", np.concatenate([rng.uniform(-2.4, 2.4, 31), [-2.5]])),
    # +m and -m both present: the first wins, as ggml's loop does.
    ("tied extremes", np.concatenate([[-1.75, 1.75], rng.uniform(-1.7, 1.7, 30)])),
    # amax 127 gives a q8_0 scale of exactly 1: every k + 0.5 is a rounding tie (away from 0).
    ("q8_0 ties", np.array([127.0] + [k + 0.5 for k in range(-16, 15)])),
    # amax 8 gives a q4_0 scale of -1: x + 8.5 lands exactly on integers.
    ("q4_0 ties", np.array([8.0] + [k * 0.5 for k in range(-15, 16)])),
    ("tiny", rng.standard_normal(32) * 1e-6),  # the f16 scale is subnormal
    ("large", rng.standard_normal(32) * 5e3),
    ("one nonzero", np.eye(1, 32, 17).reshape(32) * -0.3),
]
values = np.concatenate([b for _, b in blocks]).astype(np.float32)


def hexbytes(a):
    return np.ascontiguousarray(a).tobytes().hex()


out = {
    "generator": "notebooks/make_quant_golden.py",
    "reference": "gguf (PyPI; gguf-py from llama.cpp), gguf.quants.quantize / dequantize",
    "gguf_version": importlib.metadata.version("gguf"),
    "block_names": [name for name, _ in blocks],
    "values_f32le": hexbytes(values.astype("<f4")),
}
for name, qtype in (("q8_0", GGMLQuantizationType.Q8_0), ("q4_0", GGMLQuantizationType.Q4_0)):
    packed = quantize(values.reshape(len(blocks), 32), qtype)
    restored = dequantize(packed, qtype).reshape(-1).astype("<f4")
    out[name] = hexbytes(packed)
    out[name + "_dequantized_f32le"] = hexbytes(restored)
    print("%s: %d bytes, worst abs error %.4g" % (name, packed.size, np.max(np.abs(restored - values))))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "quant", "ggml-blocks.json")
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
os.replace(tmp, path)
print("wrote", os.path.normpath(path))
