import UnmaskKernels

extension UMKHeader {
  /// Parses and validates a header whose stored data must lie in `data` (absolute offsets:
  /// after the preamble, before the header).
  ///
  /// Checks, before anything is allocated or touched: counts against the bytes left, names
  /// (length, UTF-8, unique), dtype/encoding/codec codes, rank, shapes (no overflow, at most
  /// 2^40 elements), every offset and length inside `data`, raw tensors aligned and exactly
  /// sized, chunk counts and plane lengths consistent with the shape, expansion bounded, and
  /// no two stored ranges overlapping.
  static func parse(_ bytes: UnsafeRawBufferPointer, data: Range<Int>) throws -> UMKHeader {
    var r = ByteReader(bytes)
    let tensorCount = Int(try r.u32("tensor count"))
    let blobCount = Int(try r.u32("blob count"))
    guard tensorCount <= UMKLayout.maximumTensorCount else {
      throw UMKParseError(
        field: "tensor count", "\(tensorCount) exceeds the limit \(UMKLayout.maximumTensorCount)")
    }
    guard blobCount <= UMKLayout.maximumBlobCount else {
      throw UMKParseError(
        field: "blob count", "\(blobCount) exceeds the limit \(UMKLayout.maximumBlobCount)")
    }
    // Every tensor record takes at least 2 + 4 + 24 bytes; a count the header cannot hold is
    // rejected before any array is sized from it.
    guard tensorCount * 30 + blobCount * 35 <= r.remaining else {
      throw UMKParseError(
        field: "tensor count", "\(tensorCount) tensors cannot fit in \(r.remaining) header bytes")
    }
    var names = Set<String>()
    var blobs: [UMKBlobEntry] = []
    blobs.reserveCapacity(blobCount)
    for index in 0..<blobCount {
      let name = try parseName(&r, "blob \(index) name")
      guard names.insert("blob:" + name).inserted else {
        throw UMKParseError(field: name, "duplicate embedded file")
      }
      let codecCode = try r.u8("\(name): codec")
      guard let codec = UMKPlaneCodec(rawValue: codecCode), codec == .raw || codec == .zstd else {
        throw UMKParseError(
          field: name, "unknown blob codec \(codecCode) (expected 0 raw or 1 zstd)")
      }
      let offset = try r.int("\(name): offset")
      let stored = try r.int("\(name): stored length")
      let length = try r.int("\(name): length", limit: UMKLayout.maximumBlobLength)
      let checksum = try r.u64("\(name): checksum")
      try checkRange(offset, stored, inside: data, name)
      if codec == .raw, stored != length {
        throw UMKParseError(field: name, "raw blob stores \(stored) bytes but declares \(length)")
      }
      try checkExpansion(decoded: length, stored: stored, name)
      blobs.append(
        UMKBlobEntry(
          name: name, codec: codec, offset: offset, storedLength: stored, length: length,
          checksum: checksum))
    }
    var tensors: [UMKTensorEntry] = []
    tensors.reserveCapacity(tensorCount)
    for index in 0..<tensorCount {
      tensors.append(try parseTensor(&r, index: index, data: data, names: &names))
    }
    guard r.remaining == 0 else {
      throw UMKParseError(field: "header", "\(r.remaining) bytes left over after the last tensor")
    }
    var ranges = blobs.map { ($0.offset..<($0.offset + $0.storedLength), $0.name) }
    ranges += tensors.map { ($0.offset..<($0.offset + $0.storedLength), $0.name) }
    ranges = ranges.filter { !$0.0.isEmpty }.sorted { $0.0.lowerBound < $1.0.lowerBound }
    for (a, b) in zip(ranges, ranges.dropFirst()) where b.0.lowerBound < a.0.upperBound {
      throw UMKParseError(field: b.1, "stored bytes overlap '\(a.1)'")
    }
    return UMKHeader(blobs: blobs, tensors: tensors)
  }

  private static func parseName(_ r: inout ByteReader, _ what: String) throws -> String {
    let length = Int(try r.u16(what))
    guard length > 0, length <= UMKLayout.maximumNameLength else {
      throw UMKParseError(
        field: what, "length \(length) outside 1...\(UMKLayout.maximumNameLength)")
    }
    return try r.string(count: length, what)
  }

  private static func checkRange(
    _ offset: Int, _ length: Int, inside data: Range<Int>, _ name: String
  ) throws {
    let (end, overflow) = offset.addingReportingOverflow(length)
    guard !overflow, offset >= data.lowerBound, end <= data.upperBound else {
      throw UMKParseError(
        field: name,
        "bytes [\(offset), \(offset &+ length)) lie outside the data section [\(data.lowerBound), \(data.upperBound))"
      )
    }
  }

  private static func checkExpansion(decoded: Int, stored: Int, _ name: String) throws {
    let (limit, overflow) = max(stored, 1).multipliedReportingOverflow(
      by: UMKLayout.maximumExpansion)
    guard overflow || decoded <= limit else {
      throw UMKParseError(
        field: name,
        "claims \(decoded) decoded bytes from \(stored) stored (more than \(UMKLayout.maximumExpansion)x)"
      )
    }
  }

  private static func parseTensor(
    _ r: inout ByteReader, index: Int, data: Range<Int>, names: inout Set<String>
  ) throws -> UMKTensorEntry {
    let name = try parseName(&r, "tensor \(index) name")
    guard names.insert(name).inserted else {
      throw UMKParseError(field: name, "duplicate tensor name")
    }
    let dtypeCode = try r.u8("\(name): dtype")
    let sourceCode = try r.u8("\(name): source dtype")
    let encodingCode = try r.u8("\(name): encoding")
    let rank = Int(try r.u8("\(name): rank"))
    guard let dtype = DType(umkCode: dtypeCode), let source = DType(umkCode: sourceCode),
      !source.isQuantized
    else {
      throw UMKParseError(
        field: name, "unknown dtype code \(dtypeCode) or source dtype code \(sourceCode)")
    }
    guard let encoding = UMKEncoding(rawValue: encodingCode) else {
      throw UMKParseError(
        field: name, "unknown encoding \(encodingCode) (expected 0 raw or 1 planes)")
    }
    guard rank <= UMKLayout.maximumRank else {
      throw UMKParseError(field: name, "rank \(rank) exceeds the limit \(UMKLayout.maximumRank)")
    }
    var shape: [Int] = []
    var elements = 1
    for axis in 0..<rank {
      let dimension = try r.int("\(name): dimension \(axis)", limit: UMKLayout.maximumElements)
      let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
      guard !overflow, product <= UMKLayout.maximumElements else {
        throw UMKParseError(
          field: name, "shape overflows the limit of \(UMKLayout.maximumElements) elements")
      }
      elements = product
      shape.append(dimension)
    }
    guard let byteCount = dtype.storageSize(elements: elements) else {
      throw UMKParseError(
        field: name, "\(elements) elements do not fill whole \(dtype.rawValue) blocks")
    }
    let offset = try r.int("\(name): offset")
    let stored = try r.int("\(name): stored length")
    let checksum = try r.u64("\(name): checksum")
    try checkRange(offset, stored, inside: data, name)
    var entry = UMKTensorEntry(
      name: name, dtype: dtype, sourceDType: source, encoding: encoding, shape: shape,
      offset: offset,
      storedLength: stored, checksum: checksum)
    switch encoding {
    case .raw:
      guard stored == byteCount else {
        throw UMKParseError(
          field: name,
          "raw tensor stores \(stored) bytes but shape \(shape) of \(dtype.rawValue) needs \(byteCount)"
        )
      }
      guard byteCount == 0 || offset % UMKLayout.alignment == 0 else {
        throw UMKParseError(
          field: name, "raw tensor offset \(offset) is not a multiple of \(UMKLayout.alignment)")
      }
    case .planes:
      try parseChunks(&r, into: &entry, elements: elements)
    }
    return entry
  }

  private static func parseChunks(
    _ r: inout ByteReader, into entry: inout UMKTensorEntry, elements: Int
  ) throws {
    let name = entry.name
    let planes = Int(try r.u8("\(name): plane count"))
    let transformCode = try r.u8("\(name): transform")
    _ = try r.u16("\(name): reserved")
    let chunkElements = Int(try r.u32("\(name): chunk elements"))
    let chunkCount = Int(try r.u32("\(name): chunk count"))
    guard !entry.dtype.isQuantized, planes == entry.dtype.blockBytes else {
      throw UMKParseError(
        field: name,
        "planes encoding of \(entry.dtype.rawValue) needs \(entry.dtype.blockBytes) planes, not \(planes)"
      )
    }
    guard let transform = UMKTransform(rawValue: transformCode),
      transform == .none || entry.dtype.isFloatingPoint
    else {
      throw UMKParseError(
        field: name, "unknown transform \(transformCode) for \(entry.dtype.rawValue)")
    }
    guard UMKLayout.chunkElementRange.contains(chunkElements) else {
      throw UMKParseError(
        field: name, "chunk size \(chunkElements) outside \(UMKLayout.chunkElementRange)")
    }
    let expected = (elements + chunkElements - 1) / chunkElements
    guard chunkCount == expected else {
      throw UMKParseError(
        field: name,
        "\(chunkCount) chunks, but \(elements) elements in chunks of \(chunkElements) need \(expected)"
      )
    }
    guard chunkCount * (8 + 5 * planes) <= r.remaining else {
      throw UMKParseError(
        field: name, "\(chunkCount) chunk records cannot fit in \(r.remaining) header bytes")
    }
    var chunks: [UMKChunk] = []
    chunks.reserveCapacity(chunkCount)
    var position = 0
    for index in 0..<chunkCount {
      let count = min(chunkElements, elements - index * chunkElements)
      let checksum = try r.u64("\(name): chunk \(index) checksum")
      var codecs: [UMKPlaneCodec] = []
      var lengths: [Int] = []
      for plane in 0..<planes {
        let code = try r.u8("\(name): chunk \(index) plane \(plane) codec")
        let length = Int(try r.u32("\(name): chunk \(index) plane \(plane) length"))
        guard let codec = UMKPlaneCodec(rawValue: code) else {
          throw UMKParseError(field: name, "chunk \(index) plane \(plane): unknown codec \(code)")
        }
        if codec == .raw, length != count {
          throw UMKParseError(
            field: name,
            "chunk \(index) plane \(plane): raw plane of \(count) bytes stores \(length)")
        }
        try checkExpansion(decoded: count, stored: length, "\(name) chunk \(index)")
        codecs.append(codec)
        lengths.append(length)
      }
      var chunk = UMKChunk(checksum: checksum, codecs: codecs, lengths: lengths)
      chunk.offset = position
      chunk.elements = count
      position += chunk.storedLength  // at most chunkCount * 5 * 2^32: no overflow
      chunks.append(chunk)
    }
    guard position == entry.storedLength else {
      throw UMKParseError(
        field: name, "chunks store \(position) bytes but the tensor declares \(entry.storedLength)")
    }
    entry.planeCount = planes
    entry.transform = transform
    entry.chunkElements = chunkElements
    entry.chunks = chunks
  }
}
