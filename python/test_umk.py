"""Checks python/umk.py against files written by the Swift tool.

    python3 python/test_umk.py                      # XXH64 vectors + the committed fixture
    python3 python/test_umk.py FILE.umk REF.safetensors   # every tensor bit-exact vs a reference

The Swift test `pythonReaderMatchesTheSwiftWriter` runs the second form on a fresh file.
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import umk  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    header.pop("__metadata__", None)
    data = blob[8 + n:]
    return {k: (v["dtype"], v["shape"], data[v["data_offsets"][0]:v["data_offsets"][1]]) for k, v in header.items()}


def compare(umk_path, reference_path):
    f = umk.UMKFile(umk_path)
    ref = read_safetensors(reference_path)
    assert sorted(ref) == f.names, (sorted(ref), f.names)
    worst = 0.0
    for name in f.names:
        dtype, shape, data = ref[name]
        t = f.tensors[name]
        assert list(shape) == t["shape"], name
        if t["dtype"] in umk.BLOCK:
            values = f.tensor(name).astype(np.float64)
            if dtype == "BF16":
                expected = (np.frombuffer(data, "<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                expected = np.frombuffer(data, umk.NUMPY[dtype])
            worst = max(worst, check_quantized(name, t["dtype"], values.reshape(-1), expected))
        else:
            assert dtype == t["dtype"], name
            assert f.tensor_bytes(name) == data, "%s differs" % name
            f.tensor(name)  # the numpy view works too
    f.verify()
    print("ok: %d tensors bit-exact or within half a quantization step (worst %.3g steps), blobs %s"
          % (len(f.names), worst, sorted(f.blobs)))


def check_quantized(name, dtype, restored, original):
    """Asserts every element of a q8_0 / q4_0 tensor is within half a quantization step of the
    original (the distance to q4_0's clamped level d*7 on the side opposite the block's
    extreme), plus the float16 rounding of the scale and 1e-4 steps of float32 slack; a
    quantizer that truncated instead of rounding fails. Returns the worst error in steps."""
    x = original.astype(np.float32).reshape(-1, 32)
    y = restored.reshape(-1, 32)
    if dtype == "Q8_0":
        d = np.abs(x).max(axis=1, keepdims=True) / np.float32(127)
        lo, hi = -127, 127
    else:
        extreme = np.take_along_axis(x, np.abs(x).argmax(axis=1)[:, None], axis=1)
        d = extreme / np.float32(-8)
        lo, hi = -8, 7
    d = d.astype(np.float64)
    stored = d.astype(np.float16).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(d == 0, 0, x / d)
    q = np.clip(np.round(t), lo, hi)
    # The level reached is q or, for a t within float32 rounding of a tie, its neighbour: the
    # float16 term takes the larger of the two, |t| + 0.5.
    level = np.minimum(np.abs(t) + 0.5, max(-lo, hi))
    bound = (np.maximum(np.abs(t - q), 0.5) + 1e-4) * np.abs(d) + level * np.abs(d - stored)
    error = np.abs(y - x.astype(np.float64))
    bad = np.argwhere(error > bound)
    if len(bad):
        i = tuple(bad[0])
        raise AssertionError("%s (%s): element %s = %r restored as %r, off by %.6g > bound %.6g "
                             "(scale %r, stored %r)" % (name, dtype, list(bad[0]), float(x[i]),
                                                        float(y[i]), error[i], bound[i],
                                                        float(d[i[0], 0]), float(stored[i[0], 0])))
    steps = np.where(d == 0, 0, error / np.where(d == 0, 1, np.abs(d)))
    return float(steps.max())


def self_check():
    assert umk.xxh64(b"") == 0xEF46DB3751D8E999
    assert umk.xxh64(b"abc") == 0x44BC2CF5AD770999
    assert umk.xxh64(b"Nobody inspects the spammish repetition") == 0xFBCEA83C8A378BF1
    # The Huffman stream pinned by the Swift test huffmanStreamLayoutIsStable.
    pinned = bytes([
        0x20, 0x72, 0x55, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x43,
        0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x03, 0x00, 0x00, 0x00,
        0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x52, 0xEB, 0x00, 0x52,
        0xF3, 0x00, 0xA9, 0x75, 0x00, 0xA9, 0x0F,
    ])
    assert umk.huffman_decode(pinned, 25) == b"abracadabra, abracadabra!"
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "umk")
    for fixture in ("tiny.umk", "tiny-huffman.umk"):  # rANS and Huffman exponent planes
        compare(os.path.join(root, fixture), os.path.join(root, "tiny.safetensors"))


if __name__ == "__main__":
    if len(sys.argv) == 3:
        compare(sys.argv[1], sys.argv[2])
    else:
        self_check()
