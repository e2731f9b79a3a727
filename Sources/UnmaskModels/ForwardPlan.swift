import UnmaskCore

/// A request's canvases laid out for one pass: each window's rows packed after the previous
/// one's, and the rows each canvas keeps past the last layer's keys and values.
struct ForwardPlan {
  struct Lane {
    var tokens: [Int32]
    /// Canvas positions computed.
    var window: Range<Int>
    var cache: KVCache?
    /// The window's rows in the packed residual stream.
    var segment: Range<Int>
    /// Rows kept past the last layer's keys and values, relative to the window (nil: all).
    var kept: [Int]?
    /// The canvas's noise level (`ForwardCanvas.sigma`).
    var sigma: Double

    var keptCount: Int { kept?.count ?? segment.count }
    /// Canvas positions of the kept rows.
    var keptPositions: [Int] { kept?.map { window.lowerBound + $0 } ?? Array(window) }
  }

  var lanes: [Lane] = []
  /// Packed rows in all.
  var rows = 0
  /// Whether some lane keeps fewer rows than its window.
  var restricted = false

  /// Checks every canvas (tokens in `0..<embeddingRows`, a non-empty window inside it, a cache
  /// of the canvas's size wherever the window is not the whole canvas, ascending rows inside
  /// the window) and packs them.
  init(_ request: ForwardRequest, embeddingRows: Int) throws {
    for canvas in request.canvases {
      try ModelError.check(canvas.tokens, vocabularySize: embeddingRows)
      let t = canvas.tokens.count
      let window = canvas.window
      precondition(
        window.lowerBound >= 0 && window.upperBound <= t && !window.isEmpty,
        "window \(window) is outside the canvas 0..<\(t)")
      if let cache = canvas.cache {
        precondition(
          cache.positions == t, "the cache covers \(cache.positions) positions, not \(t)")
      } else {
        precondition(window == 0..<t, "a window pass needs the cache of its canvas")
      }
      var kept = canvas.relativeRows
      if let relative = kept {
        LogitRows.checkPositions(relative, in: 0..<window.count)
        if relative.count == window.count { kept = nil }  // every row: the unrestricted pass
      }
      restricted = restricted || kept != nil
      lanes.append(
        Lane(
          tokens: canvas.tokens, window: window, cache: canvas.cache,
          segment: rows..<(rows + window.count), kept: kept, sigma: canvas.sigma))
      rows += window.count
    }
  }

  /// Each lane's rows in the packed stream: its segment, or with `compacted` (past the last
  /// layer's keys and values in a restricted pass) its kept rows, compacted in lane order.
  func laneRows(compacted: Bool) -> [Range<Int>] {
    var first = 0
    return lanes.map { lane in
      let count = compacted ? lane.keptCount : lane.segment.count
      defer { first += count }
      return first..<(first + count)
    }
  }

  /// The kept rows' indices in the packed stream, ascending.
  var keptPackedRows: [Int] {
    lanes.flatMap { lane in
      (lane.kept ?? Array(0..<lane.segment.count)).map { lane.segment.lowerBound + $0 }
    }
  }

  /// The RoPE angles of the kept rows, in order, out of the packed rows' `tables`.
  func keptTables(_ tables: (cos: [Float], sin: [Float]), half: Int) -> (
    cos: [Float], sin: [Float]
  ) {
    let rows = keptPackedRows
    var cosines = [Float](), sines = [Float]()
    cosines.reserveCapacity(rows.count * half)
    sines.reserveCapacity(rows.count * half)
    for row in rows {
      cosines.append(contentsOf: tables.cos[(row * half)..<((row + 1) * half)])
      sines.append(contentsOf: tables.sin[(row * half)..<((row + 1) * half)])
    }
    return (cosines, sines)
  }
}
