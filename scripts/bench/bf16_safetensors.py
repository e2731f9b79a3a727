"""Random bf16 checkpoints at real size, written one slice at a time (shared by
make_llada_large.py and make_llada_moe.py): a 16 GB model.safetensors never sits in memory."""
import json
import os
import struct

import numpy as np


def write_random_bf16(path, specs, seed=0):
    """Writes `specs` [(name, shape, std)] to the safetensors file `path` (through path.tmp,
    renamed at the end): values normal with standard deviation `std`, or all 1 where `std` is
    None (norms), rounded to bfloat16 (nearest even). Returns the bytes of tensor data."""
    specs = sorted(specs)
    header, offset = {}, 0
    for name, shape, _ in specs:
        n = 2 * int(np.prod(shape))
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    rng = np.random.default_rng(seed)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for _, shape, std in specs:
            count, done = int(np.prod(shape)), 0
            while done < count:  # slices of at most 64M values
                n = min(count - done, 1 << 26)
                x = np.ones(n, np.float32) if std is None else rng.standard_normal(n, np.float32) * np.float32(std)
                u = x.view(np.uint32)
                f.write(((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16).tobytes())
                done += n
    os.replace(path + ".tmp", path)
    return offset
