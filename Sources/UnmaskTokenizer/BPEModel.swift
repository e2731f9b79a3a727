import Foundation

/// Byte-pair encoding as `tokenizers`' `BPE` model does it: split a piece into characters,
/// look each up (with `byte_fallback` and `unk_token` for those missing), then apply merges,
/// always the lowest-ranked pair first and the leftmost among equals, until none applies.
///
/// - `ignore_merges` (Llama-3): a piece that is itself in the vocabulary is one token.
/// - A cache of up to 10,000 pieces (shorter than 256 bytes) holds finished results.
/// - Complexity: O(n log n) in the characters of a piece (a heap of candidate merges).
final class BPEModel: TokenizerModel, @unchecked Sendable {
  /// Vocabulary keyed by the token's UTF-8 bytes (not `String`, whose equality is canonical
  /// equivalence: "é" and "e\u{301}" are different tokens).
  private let vocab: [TokenKey: Int32]
  /// Token text by id; nil for unused ids.
  private let tokens: [String?]
  /// Ids of single-scalar tokens below U+0400 (covers the byte-level alphabet); -1 if none.
  private let smallScalarIDs: [Int32]
  /// Ids of the other single-scalar tokens.
  private let scalarIDs: [UInt32: Int32]
  /// `(left << 32 | right)` → (rank, merged id).
  private let merges: [UInt64: Merge]
  private let unkID: Int32?
  private let fuseUnk: Bool
  private let byteFallback: Bool
  private let ignoreMerges: Bool
  private let continuingSubwordPrefix: String?
  private let endOfWordSuffix: String?
  private let cache = PieceCache(capacity: 10_000)

  struct Merge { let rank: Int32; let id: Int32 }

  init(_ node: JSONNode) throws {
    let vocabNode = try node.required("vocab")
    var vocab: [TokenKey: Int32] = [:]
    var maxID: Int32 = -1
    let members = try vocabNode.rawMembers()
    vocab.reserveCapacity(members.count)
    for (token, value) in members {
      guard let number = value.doubleValue, number >= 0, number < Double(Int32.max),
        number.rounded() == number
      else {
        throw TokenizerError.invalidField(
          file: node.file, field: vocabNode.path + "." + token, expected: "an id in 0..<2^31")
      }
      let id = Int(number)
      vocab[TokenKey(token)] = Int32(id)
      maxID = max(maxID, Int32(id))
    }
    var tokens = [String?](repeating: nil, count: Int(maxID) + 1)
    var small = [Int32](repeating: -1, count: 0x400)
    var scalarIDs: [UInt32: Int32] = [:]
    for (key, id) in vocab {
      let text = String(decoding: key.bytes, as: UTF8.self)
      tokens[Int(id)] = text
      let scalars = text.unicodeScalars
      if scalars.count == 1, let s = scalars.first {
        if s.value < 0x400 { small[Int(s.value)] = id } else { scalarIDs[s.value] = id }
      }
    }
    self.vocab = vocab
    self.tokens = tokens
    self.smallScalarIDs = small
    self.scalarIDs = scalarIDs
    continuingSubwordPrefix = try node["continuing_subword_prefix"]?.string()
    endOfWordSuffix = try node["end_of_word_suffix"]?.string()
    fuseUnk = try node.bool("fuse_unk", default: false)
    byteFallback = try node.bool("byte_fallback", default: false)
    ignoreMerges = try node.bool("ignore_merges", default: false)
    if let unkNode = node["unk_token"] {
      let unk = try unkNode.string()
      guard let id = vocab[TokenKey(unk)] else {
        throw TokenizerError.invalidField(
          file: node.file, field: unkNode.path, expected: "a token of the vocabulary (got '\(unk)')"
        )
      }
      unkID = id
    } else {
      unkID = nil
    }
    merges = try Self.readMerges(
      node.required("merges"), vocab: vocab, prefix: continuingSubwordPrefix)
  }

  /// Reads merges in either form: `"a b"` strings (GPT-2 era) or `["a", "b"]` pairs.
  private static func readMerges(
    _ node: JSONNode, vocab: [TokenKey: Int32], prefix: String?
  ) throws -> [UInt64: Merge] {
    let items = try node.rawArray()
    var merges: [UInt64: Merge] = [:]
    merges.reserveCapacity(items.count)
    let prefixLength = prefix?.utf8.count ?? 0
    for (rank, value) in items.enumerated() {
      let a: String, b: String
      var item: JSONNode { node.item(rank, value) }
      switch value {
      case .string(let line):
        // Split at the first space byte (not Character: " \u{301}" is one Character).
        guard let space = line.utf8.firstIndex(of: 0x20) else {
          throw item.invalid("a merge \"a b\" with one space")
        }
        a = String(line[..<space])
        b = String(line[line.utf8.index(after: space)...])
      case .array(let pair):
        guard pair.count == 2, case .string(let first) = pair[0], case .string(let second) = pair[1]
        else { throw item.invalid("a merge: \"a b\" or [\"a\", \"b\"]") }
        a = first
        b = second
      default:
        throw item.invalid("a merge: \"a b\" or [\"a\", \"b\"]")
      }
      func id(_ token: [UInt8], _ text: String) throws -> Int32 {
        guard let id = vocab[TokenKey(token)] else {
          throw TokenizerError.mergeUnknownToken(file: item.file, field: item.path, token: text)
        }
        return id
      }
      let aBytes = Array(a.utf8), bBytes = Array(b.utf8)
      let left = try id(aBytes, a)
      let right = try id(bBytes, b)
      let merged = aBytes + bBytes.dropFirst(min(prefixLength, bBytes.count))
      let newID = try id(merged, String(decoding: merged, as: UTF8.self))
      let key = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
      if merges[key] == nil { merges[key] = Merge(rank: Int32(rank), id: newID) }
    }
    return merges
  }

  var vocabularySize: Int { tokens.count }

  func tokenID(_ token: String) -> Int32? { vocab[TokenKey(token)] }

  func token(for id: Int32) -> String? {
    id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil
  }

  func tokenize(_ piece: String, into output: inout [Int32]) {
    if piece.isEmpty { return }
    let key = TokenKey(piece)
    if ignoreMerges, let id = vocab[key] {
      output.append(id)
      return
    }
    if let hit = cache[key] {
      output.append(contentsOf: hit)
      return
    }
    let ids = mergeAll(initialSymbols(piece))
    if key.bytes.count < 256 { cache[key] = ids }
    output.append(contentsOf: ids)
  }

  /// The id of one character, with the subword prefix/suffix applied when configured.
  @inline(__always) private func lookup(_ scalar: Unicode.Scalar, first: Bool, last: Bool) -> Int32?
  {
    let prefix = first ? nil : continuingSubwordPrefix
    let suffix = last ? endOfWordSuffix : nil
    if prefix == nil && suffix == nil {
      if scalar.value < 0x400 {
        let id = smallScalarIDs[Int(scalar.value)]
        return id >= 0 ? id : nil
      }
      return scalarIDs[scalar.value]
    }
    var text = prefix ?? ""
    text.unicodeScalars.append(scalar)
    text += suffix ?? ""
    return vocab[TokenKey(text)]
  }

  /// The characters of `piece` as ids, following `BPE::merge_word` (byte fallback, unknown
  /// handling with `fuse_unk`; characters with neither are dropped).
  private func initialSymbols(_ piece: String) -> [Int32] {
    var symbols: [Int32] = []
    symbols.reserveCapacity(piece.utf8.count)
    var pendingUnk = false
    let scalars = piece.unicodeScalars
    var index = scalars.startIndex
    var first = true
    while index != scalars.endIndex {
      let scalar = scalars[index]
      scalars.formIndex(after: &index)
      let last = index == scalars.endIndex
      defer { first = false }
      if let id = lookup(scalar, first: first, last: last) {
        if pendingUnk, let unkID { symbols.append(unkID) }
        pendingUnk = false
        symbols.append(id)
        continue
      }
      if byteFallback {
        var utf8: [UInt8] = []
        var text = first ? "" : (continuingSubwordPrefix ?? "")
        text.unicodeScalars.append(scalar)
        if last { text += endOfWordSuffix ?? "" }
        utf8 = Array(text.utf8)
        let ids = utf8.map { vocab[TokenKey(String(format: "<0x%02X>", $0))] }
        if ids.allSatisfy({ $0 != nil }) {
          // tokenizers does not flush a pending unknown here; it joins the next one.
          symbols.append(contentsOf: ids.compactMap { $0 })
          continue
        }
      }
      if let unkID {
        if pendingUnk && !fuseUnk { symbols.append(unkID) }
        pendingUnk = true
      }
    }
    if pendingUnk, let unkID { symbols.append(unkID) }
    return symbols
  }

  /// Applies merges: lowest rank first, leftmost among equal ranks, as `Word::merge_all`.
  private func mergeAll(_ ids: [Int32]) -> [Int32] {
    let n = ids.count
    if n < 2 { return ids }
    var symbol = ids
    var prev = [Int32](unsafeUninitializedCapacity: n) { buffer, count in
      for i in 0..<n { buffer[i] = Int32(i) - 1 }
      count = n
    }
    var next = [Int32](unsafeUninitializedCapacity: n) { buffer, count in
      for i in 0..<n { buffer[i] = i + 1 < n ? Int32(i + 1) : -1 }
      count = n
    }
    var alive = [Bool](repeating: true, count: n)
    var heap = MergeHeap()
    @inline(__always) func pair(_ a: Int32, _ b: Int32) -> Merge? {
      merges[UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))]
    }
    for i in 0..<(n - 1) {
      if let m = pair(symbol[i], symbol[i + 1]) { heap.push(rank: m.rank, pos: Int32(i), id: m.id) }
    }
    while let top = heap.pop() {
      let pos = Int(top.pos)
      guard alive[pos], next[pos] != -1 else { continue }
      let right = Int(next[pos])
      guard let m = pair(symbol[pos], symbol[right]), m.id == top.id else { continue }
      symbol[pos] = top.id
      alive[right] = false
      next[pos] = next[right]
      if next[pos] != -1 { prev[Int(next[pos])] = Int32(pos) }
      if prev[pos] != -1, let m = pair(symbol[Int(prev[pos])], symbol[pos]) {
        heap.push(rank: m.rank, pos: prev[pos], id: m.id)
      }
      if next[pos] != -1, let m = pair(symbol[pos], symbol[Int(next[pos])]) {
        heap.push(rank: m.rank, pos: Int32(pos), id: m.id)
      }
    }
    var out: [Int32] = []
    out.reserveCapacity(n)
    var i: Int32 = 0
    while i != -1 {
      out.append(symbol[Int(i)])
      i = next[Int(i)]
    }
    return out
  }
}

/// A binary min-heap of candidate merges ordered by (rank, position).
struct MergeHeap {
  private var keys: [UInt64] = []  // rank << 32 | pos
  private var ids: [Int32] = []

  mutating func push(rank: Int32, pos: Int32, id: Int32) {
    keys.append(UInt64(UInt32(rank)) << 32 | UInt64(UInt32(pos)))
    ids.append(id)
    var i = keys.count - 1
    while i > 0 {
      let parent = (i - 1) / 2
      if keys[parent] <= keys[i] { break }
      keys.swapAt(parent, i)
      ids.swapAt(parent, i)
      i = parent
    }
  }

  mutating func pop() -> (pos: Int32, id: Int32)? {
    guard let topKey = keys.first, let topID = ids.first else { return nil }
    let lastKey = keys.removeLast(), lastID = ids.removeLast()
    if !keys.isEmpty {
      keys[0] = lastKey
      ids[0] = lastID
      var i = 0
      let n = keys.count
      while true {
        let l = 2 * i + 1, r = l + 1
        var smallest = i
        if l < n && keys[l] < keys[smallest] { smallest = l }
        if r < n && keys[r] < keys[smallest] { smallest = r }
        if smallest == i { break }
        keys.swapAt(i, smallest)
        ids.swapAt(i, smallest)
        i = smallest
      }
    }
    return (Int32(truncatingIfNeeded: topKey & 0xFFFF_FFFF), topID)
  }
}

/// A thread-safe piece → ids cache that stops growing at `capacity`, as tokenizers' does.
final class PieceCache: @unchecked Sendable {
  private var storage: [TokenKey: [Int32]] = [:]
  private let lock = NSLock()
  private let capacity: Int

  init(capacity: Int) { self.capacity = capacity }

  subscript(key: TokenKey) -> [Int32]? {
    get {
      lock.lock()
      defer { lock.unlock() }
      return storage[key]
    }
    set {
      lock.lock()
      defer { lock.unlock() }
      if storage.count < capacity { storage[key] = newValue }
    }
  }
}

/// A token's UTF-8 bytes as a dictionary key, hashed in one call rather than byte by byte
/// (which is what `[UInt8]`'s own `Hashable` does, and which dominated load time).
struct TokenKey: Hashable, Sendable {
  let bytes: [UInt8]

  init(_ bytes: [UInt8]) { self.bytes = bytes }
  init(_ text: String) { bytes = Array(text.utf8) }

  func hash(into hasher: inout Hasher) {
    bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
  }

  static func == (a: TokenKey, b: TokenKey) -> Bool {
    guard a.bytes.count == b.bytes.count else { return false }
    return a.bytes.withUnsafeBytes { x in
      b.bytes.withUnsafeBytes { y in
        guard let p = x.baseAddress, let q = y.baseAddress else { return true }  // both empty
        return memcmp(p, q, x.count) == 0
      }
    }
  }
}
