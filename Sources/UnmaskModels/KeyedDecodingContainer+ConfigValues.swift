/// Values of Hugging Face configs that a plain `decodeIfPresent` would misread.
extension KeyedDecodingContainer {
  /// `absent` when `key` is missing, nil when it is `null`, else its value: where an absent
  /// key and an explicit `null` mean different things, the Python class's default applies to
  /// the first (LLaDA2's `num_shared_experts` defaults to 0, a zero-width shared expert), `None`
  /// to the second (no shared expert at all).
  func decodeNullable<T: Decodable>(_ type: T.Type, forKey key: Key, absent: T?) throws -> T? {
    guard contains(key) else { return absent }
    if try decodeNil(forKey: key) { return nil }
    return try decode(type, forKey: key)
  }

  /// A token id written as one integer or, as generation configs do, a list (its first);
  /// nil when absent, `null` or an empty list.
  func decodeTokenID(forKey key: Key) throws -> Int? {
    if let list = try? decodeIfPresent([Int].self, forKey: key) { return list.first }
    return try decodeIfPresent(Int.self, forKey: key)
  }
}
