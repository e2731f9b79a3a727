/// Hugging Face configs where an absent key and an explicit `null` mean different things: the
/// Python class's default applies to the first (LLaDA2's `num_shared_experts` defaults to 0, a
/// zero-width shared expert), `None` to the second (no shared expert at all).
extension KeyedDecodingContainer {
  /// `absent` when `key` is missing, nil when it is `null`, else its value.
  func decodeNullable<T: Decodable>(_ type: T.Type, forKey key: Key, absent: T?) throws -> T? {
    guard contains(key) else { return absent }
    if try decodeNil(forKey: key) { return nil }
    return try decode(type, forKey: key)
  }
}
