"""Makes Tests/Fixtures/umk/tiny.safetensors (numpy only); the .umk beside it is then written
by the Swift tool and both are committed, so that a format change that breaks old files fails
the tests (Swift and python/test_umk.py):

    python3 notebooks/make_umk_fixture.py
    unmask convert Tests/Fixtures/umk/tiny.safetensors Tests/Fixtures/umk/tiny.umk --chunk 1024 --entropy rans
    unmask convert Tests/Fixtures/umk/tiny.safetensors Tests/Fixtures/umk/tiny-huffman.umk --chunk 1024

The .umk files are byte for byte what these commands write (checked by the Swift test
committedFixturesAreWhatTheGeneratorWrites). Their embedded files are zstd frames, whose bytes
depend on the libzstd version: the committed ones were written with libzstd 1.5.4 (Debian 12);
tiny.umk was rewritten once because an older build had stored the embedded safetensors header
in a frame 6 bytes shorter (the tensors were identical).
"""
import json
import os
import struct

import numpy as np

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "umk")
os.makedirs(root, exist_ok=True)
rng = np.random.default_rng(0)
w = (rng.standard_normal((48, 64)) * 0.02).astype(np.float32)
bf16 = ((w.view(np.uint32) + 0x7FFF + ((w.view(np.uint32) >> 16) & 1)) >> 16).astype("<u2")
tensors = {
    "layers.0.mlp.weight": ("BF16", [48, 64], bf16.tobytes()),
    "layers.0.attn.weight": ("F32", [16, 64], (rng.standard_normal((16, 64)) * 0.05).astype("<f4").tobytes()),
    "layers.0.norm.weight": ("F16", [64], np.ones(64, dtype="<f2").tobytes()),
    "position_ids": ("I64", [1, 40], np.arange(40, dtype="<i8").tobytes()),
    "mask": ("BOOL", [7], np.array([1, 0, 1, 1, 0, 0, 1], dtype=np.uint8).tobytes()),
    "scale": ("F64", [], struct.pack("<d", 0.125)),
}
header, data = {"__metadata__": {"format": "pt"}}, b""
for name in sorted(tensors):
    dtype, shape, raw = tensors[name]
    header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open(os.path.join(root, "tiny.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
with open(os.path.join(root, "config.json"), "w") as f:
    f.write('{"model_type": "fixture"}\n')
