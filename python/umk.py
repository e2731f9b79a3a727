"""Read Unmask `.umk` files with NumPy (and `zstandard` for compressed planes).

    import umk
    f = umk.UMKFile("model.umk")
    f.names                      # tensor names
    w = f.tensor("model.layers.0.mlp.up_proj.weight")   # numpy array (bf16 widened to float32)
    bits = f.tensor_bytes(name)  # the exact stored bytes (bf16 as uint16 bits, etc.)
    cfg = f.blob("config.json")  # embedded files
    f.verify()                   # every checksum (pure-Python XXH64: slow on big files)

Quantized tensors (Q8_0/Q4_0) are dequantized to float32. `to_torch(f, name)` gives a torch
tensor (bf16 kept as bf16) when PyTorch is installed. The format is specified in
docs/FORMAT.md; this reader follows it field by field and checks every offset against the file.
rANS and Huffman planes are decoded in pure Python (about a million symbols per second): fine
for small models and tests; use the Swift tool (`unmask export`) for large ones.
"""
import mmap
import struct

import numpy as np

MAGIC = b"\x89UMK\r\n\x1a\n"
DTYPES = {0: "F64", 1: "F32", 2: "F16", 3: "BF16", 4: "I64", 5: "I32", 6: "I16", 7: "I8",
          8: "U64", 9: "U32", 10: "U16", 11: "U8", 12: "BOOL", 13: "Q8_0", 14: "Q4_0"}
NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4",
         "I16": "<i2", "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}
BLOCK = {"Q8_0": (32, 34), "Q4_0": (32, 18)}
WIDTH = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
         "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1}

_M = (1 << 64) - 1
_P1, _P2, _P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
_P4, _P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5


class UMKError(ValueError):
    """A malformed or corrupt .umk file."""


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & _M


def _round(acc, lane):
    return (_rotl((acc + lane * _P2) & _M, 31) * _P1) & _M


def xxh64(data, seed=0):
    """XXH64 of `data` (bytes-like), as the Swift writer computes it. Pure Python."""
    data = bytes(data)
    n, i = len(data), 0
    if n >= 32:
        v = [(seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed, (seed - _P1) & _M]
        lanes = struct.unpack_from("<%dQ" % (4 * (n // 32)), data)
        for k in range(0, len(lanes), 4):
            v = [_round(v[j], lanes[k + j]) for j in range(4)]
        i = 32 * (n // 32)
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & _M
        for x in v:
            h = ((h ^ _round(0, x)) * _P1 + _P4) & _M
    else:
        h = (seed + _P5) & _M
    h = (h + n) & _M
    while i + 8 <= n:
        (k,) = struct.unpack_from("<Q", data, i)
        h = (_rotl(h ^ _round(0, k), 27) * _P1 + _P4) & _M
        i += 8
    if i + 4 <= n:
        (k,) = struct.unpack_from("<I", data, i)
        h = (_rotl(h ^ ((k * _P1) & _M), 23) * _P2 + _P3) & _M
        i += 4
    while i < n:
        h = (_rotl(h ^ ((data[i] * _P5) & _M), 11) * _P1) & _M
        i += 1
    h ^= h >> 33
    h = (h * _P2) & _M
    h ^= h >> 29
    h = (h * _P3) & _M
    h ^= h >> 32
    return h


class _Reader:
    def __init__(self, buf):
        self.buf, self.pos = buf, 0

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise UMKError("header truncated")
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return values if len(values) > 1 else values[0]

    def name(self):
        n = self.take("<H")
        if not 1 <= n <= 1024 or self.pos + n > len(self.buf):
            raise UMKError("bad name length %d" % n)
        s = bytes(self.buf[self.pos:self.pos + n]).decode("utf-8")
        self.pos += n
        return s


def rans_decode(stream, count):
    """Decodes an rANS plane (docs/FORMAT.md) into `count` bytes."""
    r = _Reader(stream)
    n = r.take("<H")
    if not 1 <= n <= 256:
        raise UMKError("rANS: bad symbol count")
    slot_symbol = bytearray(4096)
    freq, start = [0] * 256, [0] * 256
    total, previous = 0, -1
    for _ in range(n):
        s, f = r.take("<BH")
        if s <= previous or f < 1 or total + f > 4096:
            raise UMKError("rANS: bad frequency table")
        previous, freq[s], start[s] = s, f, total
        slot_symbol[total:total + f] = bytes([s]) * f
        total += f
    if total != 4096:
        raise UMKError("rANS: frequencies do not sum to 4096")
    x = list(r.take("<4I"))
    if any(v < (1 << 16) for v in x):
        raise UMKError("rANS: bad initial state")
    words_bytes = bytes(stream[r.pos:])
    if len(words_bytes) % 2:
        raise UMKError("rANS: odd number of renormalization bytes")
    words = struct.unpack("<%dH" % (len(words_bytes) // 2), words_bytes)
    p, end = 0, len(words)
    out = bytearray(count)
    lower = 1 << 16
    for i in range(count):
        j = i & 3
        v = x[j]
        slot = v & 4095
        s = slot_symbol[slot]
        out[i] = s
        v = freq[s] * (v >> 12) + slot - start[s]
        if v < lower:
            if p >= end:
                raise UMKError("rANS: stream ends early")
            v = (v << 16) | words[p]
            p += 1
        x[j] = v
    if p != end or any(v != lower for v in x):
        raise UMKError("rANS: stream does not end cleanly")
    return bytes(out)


def huffman_decode(stream, count):
    """Decodes a Huffman plane (docs/FORMAT.md) into `count` bytes."""
    stream = bytes(stream)
    if len(stream) < 2:
        raise UMKError("Huffman: stream too short")
    first, last = stream[0], stream[1]
    if first == last:
        if len(stream) != 2:
            raise UMKError("Huffman: constant plane with trailing bytes")
        return bytes([first]) * count
    if first > last:
        raise UMKError("Huffman: bad symbol range")
    nibbles = (last - first + 2) // 2
    head = 2 + nibbles + 12
    if len(stream) < head:
        raise UMKError("Huffman: stream too short")
    lengths = {}
    for k in range(first, last + 1):
        b = stream[2 + (k - first) // 2]
        length = b & 15 if (k - first) % 2 == 0 else b >> 4
        if length > 11:
            raise UMKError("Huffman: code longer than 11 bits")
        if length:
            lengths[k] = length
    padding = stream[1 + nibbles] >> 4 if (last - first) % 2 == 0 else 0
    if padding or first not in lengths or last not in lengths or \
            sum(1 << (11 - v) for v in lengths.values()) != 2048:
        raise UMKError("Huffman: bad code lengths")
    # Canonical codes (DEFLATE order: by length, then symbol), read least significant bit first,
    # so each code is looked up bit-reversed in a table of 11-bit windows.
    table = [None] * 2048
    code, previous = 0, 0
    for s, length in sorted(lengths.items(), key=lambda kv: (kv[1], kv[0])):
        code <<= length - previous
        previous = length
        reversed_code = int(format(code, "0%db" % length)[::-1], 2)
        for window in range(reversed_code, 2048, 1 << length):
            table[window] = (s, length)
        code += 1
    starts = [head]
    for size in struct.unpack("<3I", stream[2 + nibbles:head]):
        starts.append(starts[-1] + size)
    starts.append(len(stream))
    if starts[3] > len(stream):
        raise UMKError("Huffman: segment lengths exceed the stream")
    out = bytearray(count)
    per = (count + 3) // 4
    for k in range(4):
        segment = stream[starts[k]:starts[k + 1]]
        bits, filled, p = 0, 0, 0
        for i in range(min(k * per, count), min((k + 1) * per, count)):
            while filled < 11:
                bits |= (segment[p] if p < len(segment) else 0) << filled
                p, filled = p + 1, filled + 8
            s, length = table[bits & 2047]
            out[i] = s
            bits >>= length
            filled -= length
        consumed = 8 * p - filled
        if not 8 * (len(segment) - 1) < consumed <= 8 * len(segment):
            raise UMKError("Huffman: segment %d does not end in its last byte" % k)
    return bytes(out)


def _merge(planes, width, rotate):
    """Inverse of the writer's split: planes (width, n) uint8 -> little-endian element bytes."""
    kinds = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
    t = kinds[width]
    v = np.zeros(planes.shape[1], dtype=t)
    for k in range(width):
        v |= planes[k].astype(t) << t(8 * (width - 1 - k))
    if rotate:
        v = (v >> t(1)) | ((v & t(1)) << t(8 * width - 1))
    return v.astype("<" + np.dtype(t).str[1:]).tobytes()


class UMKFile:
    """A .umk file, memory-mapped; every offset is checked against the file before use."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        buf = memoryview(self._map)
        self._buf = buf
        if len(buf) < 64 or bytes(buf[:8]) != MAGIC:
            raise UMKError("%s: not a .umk file" % path)
        major, minor, _flags, hoff, hlen, hsum, flen, _res, psum = struct.unpack_from("<HHIQQQQQQ", buf, 8)
        if major != 1:
            raise UMKError("%s: format version %d.%d; this reader reads 1.x" % (path, major, minor))
        if xxh64(buf[:56]) != psum:
            raise UMKError("%s: preamble checksum mismatch" % path)
        if flen != len(buf):
            raise UMKError("%s: truncated (%d bytes, preamble says %d)" % (path, len(buf), flen))
        if hoff < 64 or hoff + hlen > flen:
            raise UMKError("%s: header outside the file" % path)
        header = buf[hoff:hoff + hlen]
        if xxh64(header) != hsum:
            raise UMKError("%s: header checksum mismatch" % path)
        self._data_end = hoff
        r = _Reader(header)
        ntensors, nblobs = r.take("<II")
        self.blobs, self.tensors = {}, {}
        for _ in range(nblobs):
            name = r.name()
            codec, off, stored, length, checksum = r.take("<BQQQQ")
            self._check(off, stored, name)
            self.blobs[name] = (codec, off, stored, length, checksum)
        for _ in range(ntensors):
            name = r.name()
            code, source, encoding, rank = r.take("<BBBB")
            # The source type is the checkpoint's own, never a quantized one (as the Swift
            # reader insists), so the two readers accept the same files.
            if (code not in DTYPES or source not in DTYPES or DTYPES[source] in BLOCK
                    or rank > 8 or encoding > 1):
                raise UMKError("%s: '%s': bad dtype, source dtype, encoding or rank" % (path, name))
            shape = [r.take("<Q") for _ in range(rank)]
            off, stored, checksum = r.take("<QQQ")
            self._check(off, stored, name)
            info = {"dtype": DTYPES[code], "source_dtype": DTYPES[source], "shape": shape,
                    "encoding": "raw" if encoding == 0 else "planes", "offset": off,
                    "stored": stored, "checksum": checksum}
            if encoding == 1:
                planes, transform, _r, chunk_elements, nchunks = r.take("<BBHII")
                elements = int(np.prod(shape)) if shape else 1
                if chunk_elements < 1 or nchunks != -(-elements // chunk_elements):
                    raise UMKError("%s: '%s': bad chunk table" % (path, name))
                chunks, pos = [], 0
                for c in range(nchunks):
                    chunk_sum = r.take("<Q")
                    codecs = [r.take("<BI") for _ in range(planes)]
                    count = min(chunk_elements, elements - c * chunk_elements)
                    chunks.append((pos, count, chunk_sum, codecs))
                    pos += sum(length for _, length in codecs)
                if pos != stored:
                    raise UMKError("%s: '%s': chunks do not add up" % (path, name))
                info.update(planes=planes, transform=transform, chunks=chunks)
            self.tensors[name] = info
        if r.pos != len(header):
            raise UMKError("%s: bytes left over in the header" % path)

    def _check(self, off, length, name):
        if off < 64 or off + length > self._data_end:
            raise UMKError("%s: '%s' lies outside the data section" % (self.path, name))

    @property
    def names(self):
        """Tensor names, sorted."""
        return sorted(self.tensors)

    def blob(self, name):
        """An embedded file's bytes (checked against its XXH64), or None."""
        if name not in self.blobs:
            return None
        codec, off, stored, length, checksum = self.blobs[name]
        data = bytes(self._buf[off:off + stored])
        if codec == 1:
            import zstandard
            data = zstandard.ZstdDecompressor().decompress(data, max_output_size=length)
        if len(data) != length or xxh64(data) != checksum:
            raise UMKError("%s: '%s': embedded file is corrupt" % (self.path, name))
        return data

    def tensor_bytes(self, name, check_chunks=True):
        """The tensor's decoded bytes, exactly as the source checkpoint (or quantizer) wrote them."""
        t = self.tensors[name]
        raw = self._buf[t["offset"]:t["offset"] + t["stored"]]
        if t["encoding"] == "raw":
            return bytes(raw)
        import zstandard
        z = zstandard.ZstdDecompressor()
        out = []
        for pos, count, chunk_sum, codecs in t["chunks"]:
            chunk = bytes(raw[pos:pos + sum(length for _, length in codecs)])
            if check_chunks and xxh64(chunk) != chunk_sum:
                raise UMKError("%s: '%s': chunk checksum mismatch" % (self.path, name))
            planes, p = [], 0
            for codec, length in codecs:
                piece = chunk[p:p + length]
                p += length
                if codec == 0:
                    plane = piece
                elif codec == 1:
                    plane = z.decompress(piece, max_output_size=count)
                elif codec == 2:
                    plane = rans_decode(piece, count)
                elif codec == 3:
                    plane = huffman_decode(piece, count)
                else:
                    raise UMKError("%s: '%s': unknown codec %d" % (self.path, name, codec))
                if len(plane) != count:
                    raise UMKError("%s: '%s': plane decodes to %d bytes, not %d" % (self.path, name, len(plane), count))
                planes.append(np.frombuffer(plane, dtype=np.uint8))
            out.append(_merge(np.stack(planes), t["planes"], t["transform"] == 1))
        return b"".join(out)

    def tensor(self, name):
        """The tensor as a NumPy array: bf16 widened to float32 (exactly), Q8_0/Q4_0 dequantized."""
        t = self.tensors[name]
        data = self.tensor_bytes(name)
        shape = t["shape"]
        dtype = t["dtype"]
        if dtype in BLOCK:
            return dequantize(data, dtype).reshape(shape)
        array = np.frombuffer(data, dtype=NUMPY[dtype]).reshape(shape)
        if dtype == "BF16":
            # Flat first: NumPy 2 refuses to re-view a 0-d (scalar) array as another dtype.
            return (array.reshape(-1).astype(np.uint32) << 16).view(np.float32).reshape(shape)
        return array

    def verify(self):
        """Checks every checksum; raises UMKError naming the first bad tensor or file."""
        for name in self.blobs:
            self.blob(name)
        for name, t in self.tensors.items():
            if xxh64(self.tensor_bytes(name)) != t["checksum"]:
                raise UMKError("%s: '%s': checksum mismatch" % (self.path, name))


def dequantize(data, dtype):
    """GGUF q8_0 / q4_0 blocks to float32 (docs/FORMAT.md)."""
    elements, size = BLOCK[dtype]
    blocks = np.frombuffer(data, dtype=np.uint8).reshape(-1, size)
    d = blocks[:, :2].copy().view("<f2").astype(np.float32)
    if dtype == "Q8_0":
        q = blocks[:, 2:].view(np.int8).astype(np.float32)
    else:
        b = blocks[:, 2:]
        q = np.concatenate([b & 0x0F, b >> 4], axis=1).astype(np.float32) - 8
    return (d * q).reshape(-1)


def to_torch(file, name):
    """A torch tensor (bf16 stays bf16). Requires PyTorch."""
    import torch
    t = file.tensors[name]
    if t["dtype"] == "BF16":
        bits = np.frombuffer(file.tensor_bytes(name), dtype="<i2").copy()
        return torch.from_numpy(bits).view(torch.bfloat16).reshape(t["shape"])
    return torch.from_numpy(np.array(file.tensor(name)))
