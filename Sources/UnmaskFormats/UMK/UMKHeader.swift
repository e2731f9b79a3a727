import UnmaskKernels

/// One independently decodable piece of a planes-encoded tensor: `elements` consecutive
/// elements, stored as one run of bytes per plane, one after another.
public struct UMKChunk: Sendable, Equatable {
  /// XXH64 of the chunk's stored bytes (all planes, as in the file).
  public var checksum: UInt64
  /// How each plane is stored, plane 0 (exponent) first.
  public var codecs: [UMKPlaneCodec]
  /// Stored bytes of each plane.
  public var lengths: [Int]
  /// Offset of the chunk's first byte from the tensor's offset (derived, not stored).
  public var offset: Int = 0
  /// Elements in this chunk (derived: `chunkElements`, the last one the remainder).
  public var elements: Int = 0

  /// A chunk record.
  public init(checksum: UInt64, codecs: [UMKPlaneCodec], lengths: [Int]) {
    self.checksum = checksum
    self.codecs = codecs
    self.lengths = lengths
  }

  /// Stored bytes of all planes.
  public var storedLength: Int { lengths.reduce(0, +) }
}

/// One tensor in the `.umk` tensor table.
public struct UMKTensorEntry: Sendable, Equatable {
  /// Name, as in the source checkpoint.
  public var name: String
  /// The type of the decoded bytes (`Q8_0`/`Q4_0` for quantized tensors).
  public var dtype: DType
  /// The type in the source checkpoint (differs after `--dtype` or `--quantize`).
  public var sourceDType: DType
  /// How the bytes are stored.
  public var encoding: UMKEncoding
  /// Logical dimensions (for quantized types, the unquantized shape).
  public var shape: [Int]
  /// Absolute file offset of the stored bytes.
  public var offset: Int
  /// Stored bytes.
  public var storedLength: Int
  /// XXH64 of the decoded bytes.
  public var checksum: UInt64
  /// Planes per element (`dtype.blockBytes`) for `.planes`.
  public var planeCount: Int = 0
  /// Transform applied before the split, for `.planes`.
  public var transform: UMKTransform = .none
  /// Elements per chunk (the last chunk holds the remainder), for `.planes`.
  public var chunkElements: Int = 0
  /// Chunk records, for `.planes`.
  public var chunks: [UMKChunk] = []

  /// Number of elements.
  public var elementCount: Int { shape.reduce(1, *) }
  /// Decoded bytes (validated at parse time to fit `Int`).
  public var byteCount: Int { dtype.storageSize(elements: elementCount) ?? 0 }
}

/// One embedded file (config.json, tokenizer.json, ...).
public struct UMKBlobEntry: Sendable, Equatable {
  /// File name, e.g. `config.json`.
  public var name: String
  /// `.raw` or `.zstd`.
  public var codec: UMKPlaneCodec
  /// Absolute file offset.
  public var offset: Int
  /// Stored bytes.
  public var storedLength: Int
  /// Decoded bytes.
  public var length: Int
  /// XXH64 of the decoded bytes.
  public var checksum: UInt64
}

/// The `.umk` header: embedded files, then the tensor table (binary, little-endian; see
/// docs/FORMAT.md for the byte layout).
public struct UMKHeader: Sendable, Equatable {
  /// Embedded files.
  public var blobs: [UMKBlobEntry]
  /// Tensors, in file order.
  public var tensors: [UMKTensorEntry]

  /// A header from its parts.
  public init(blobs: [UMKBlobEntry], tensors: [UMKTensorEntry]) {
    self.blobs = blobs
    self.tensors = tensors
  }

  /// The header's bytes.
  public func serialized() -> [UInt8] {
    var w = ByteWriter()
    w.u32(UInt32(tensors.count))
    w.u32(UInt32(blobs.count))
    for blob in blobs {
      w.string16(blob.name)
      w.u8(blob.codec.rawValue)
      w.int(blob.offset)
      w.int(blob.storedLength)
      w.int(blob.length)
      w.u64(blob.checksum)
    }
    for t in tensors {
      w.string16(t.name)
      w.u8(t.dtype.umkCode)
      w.u8(t.sourceDType.umkCode)
      w.u8(t.encoding.rawValue)
      w.u8(UInt8(t.shape.count))
      for d in t.shape { w.int(d) }
      w.int(t.offset)
      w.int(t.storedLength)
      w.u64(t.checksum)
      guard t.encoding == .planes else { continue }
      w.u8(UInt8(t.planeCount))
      w.u8(t.transform.rawValue)
      w.u16(0)
      w.u32(UInt32(t.chunkElements))
      w.u32(UInt32(t.chunks.count))
      for c in t.chunks {
        w.u64(c.checksum)
        for (codec, length) in zip(c.codecs, c.lengths) {
          w.u8(codec.rawValue)
          w.u32(UInt32(length))
        }
      }
    }
    return w.bytes
  }
}
