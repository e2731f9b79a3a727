/// `torch.topk(values, k)` on the CPU, reproduced down to which of several equal values it picks.
///
/// Why: a masked-diffusion sampler commits the `k` best-scored positions, and real models often
/// score many positions identically (a float32 confidence of exactly 1.0, say). Which of the tied
/// positions torch keeps is decided by libstdc++'s `std::partial_sort` (when `k * 64 <= n`) or
/// `std::nth_element` followed by `std::sort` of the first `k - 1` (otherwise), called by ATen's
/// `topk_impl_loop` (aten/src/ATen/native/TopKImpl.h) with the comparator
/// `(isnan(x) && !isnan(y)) || x > y`. This type ports those libstdc++ algorithms line by line
/// (heap select, introselect with median-of-three pivots, introsort with a final insertion sort),
/// so ties break exactly as torch 2.x built with GCC breaks them. Checked against torch.topk on
/// thousands of tie-heavy vectors (see `Tests/Fixtures/sampler/topk_ties.json`).
///
/// - Complexity: O(n log k) for the partial sort path, O(n + k log k) on average otherwise.
public enum TorchTopK {
  /// Indices of the `k` largest values, in the order `torch.topk(values, k).indices` returns them
  /// (sorted = True). `k` is clamped to `0...values.count`.
  public static func indices(of values: [Double], k: Int) -> [Int] {
    let n = values.count
    let k = min(max(k, 0), n)
    if k == 0 { return [] }
    var queue = Queue(values: values)
    if k * 64 <= n {
      queue.partialSort(0, k, n)
    } else {
      queue.nthElement(0, k - 1, n)
      queue.sort(0, k - 1)
    }
    return Array(queue.index[0..<k])
  }

  /// The (value, index) pairs being ordered, stored as two parallel arrays.
  struct Queue {
    var value: [Double]
    var index: [Int]

    init(values: [Double]) {
      value = values
      index = Array(0..<values.count)
    }

    /// ATen's comparator: NaN first, then larger first.
    @inline(__always)
    func before(_ x: Double, _ y: Double) -> Bool {
      (x.isNaN && !y.isNaN) || x > y
    }
    @inline(__always)
    func before(_ i: Int, _ j: Int) -> Bool { before(value[i], value[j]) }

    @inline(__always)
    mutating func swapAt(_ i: Int, _ j: Int) {
      value.swapAt(i, j)
      index.swapAt(i, j)
    }

    // MARK: heaps (libstdc++ bits/stl_heap.h)

    mutating func adjustHeap(_ first: Int, _ hole0: Int, _ len: Int, _ v: (Double, Int)) {
      var hole = hole0
      let top = hole0
      var second = hole0
      while second < (len - 1) / 2 {
        second = 2 * (second + 1)
        if before(first + second, first + second - 1) { second -= 1 }
        value[first + hole] = value[first + second]
        index[first + hole] = index[first + second]
        hole = second
      }
      if len & 1 == 0 && second == (len - 2) / 2 {
        second = 2 * (second + 1)
        value[first + hole] = value[first + second - 1]
        index[first + hole] = index[first + second - 1]
        hole = second - 1
      }
      var parent = (hole - 1) / 2
      while hole > top && before(value[first + parent], v.0) {
        value[first + hole] = value[first + parent]
        index[first + hole] = index[first + parent]
        hole = parent
        parent = (hole - 1) / 2
      }
      value[first + hole] = v.0
      index[first + hole] = v.1
    }

    mutating func makeHeap(_ first: Int, _ last: Int) {
      let len = last - first
      if len < 2 { return }
      var parent = (len - 2) / 2
      while true {
        adjustHeap(first, parent, len, (value[first + parent], index[first + parent]))
        if parent == 0 { return }
        parent -= 1
      }
    }

    mutating func popHeap(_ first: Int, _ last: Int, _ result: Int) {
      let v = (value[result], index[result])
      value[result] = value[first]
      index[result] = index[first]
      adjustHeap(first, 0, last - first, v)
    }

    mutating func heapSelect(_ first: Int, _ middle: Int, _ last: Int) {
      makeHeap(first, middle)
      var i = middle
      while i < last {
        if before(i, first) { popHeap(first, middle, i) }
        i += 1
      }
    }

    mutating func sortHeap(_ first: Int, _ last0: Int) {
      var last = last0
      while last - first > 1 {
        last -= 1
        popHeap(first, last, last)
      }
    }

    mutating func partialSort(_ first: Int, _ middle: Int, _ last: Int) {
      heapSelect(first, middle, last)
      sortHeap(first, middle)
    }

    // MARK: introselect / introsort (libstdc++ bits/stl_algo.h)

    mutating func moveMedianToFirst(_ result: Int, _ a: Int, _ b: Int, _ c: Int) {
      if before(a, b) {
        if before(b, c) {
          swapAt(result, b)
        } else if before(a, c) {
          swapAt(result, c)
        } else {
          swapAt(result, a)
        }
      } else if before(a, c) {
        swapAt(result, a)
      } else if before(b, c) {
        swapAt(result, c)
      } else {
        swapAt(result, b)
      }
    }

    mutating func unguardedPartition(_ first0: Int, _ last0: Int, _ pivot: Int) -> Int {
      var first = first0
      var last = last0
      while true {
        while before(first, pivot) { first += 1 }
        last -= 1
        while before(pivot, last) { last -= 1 }
        if !(first < last) { return first }
        swapAt(first, last)
        first += 1
      }
    }

    mutating func partitionPivot(_ first: Int, _ last: Int) -> Int {
      let mid = first + (last - first) / 2
      moveMedianToFirst(first, first + 1, mid, last - 1)
      return unguardedPartition(first + 1, last, first)
    }

    mutating func unguardedLinearInsert(_ last0: Int) {
      var last = last0
      let v = (value[last], index[last])
      var next = last - 1
      while before(v.0, value[next]) {
        value[last] = value[next]
        index[last] = index[next]
        last = next
        next -= 1
      }
      value[last] = v.0
      index[last] = v.1
    }

    mutating func insertionSort(_ first: Int, _ last: Int) {
      if first == last { return }
      var i = first + 1
      while i < last {
        if before(i, first) {
          let v = (value[i], index[i])
          var j = i
          while j > first {
            value[j] = value[j - 1]
            index[j] = index[j - 1]
            j -= 1
          }
          value[first] = v.0
          index[first] = v.1
        } else {
          unguardedLinearInsert(i)
        }
        i += 1
      }
    }

    static func lg(_ n: Int) -> Int { Int.bitWidth - 1 - n.leadingZeroBitCount }

    mutating func nthElement(_ first0: Int, _ nth: Int, _ last0: Int) {
      var first = first0
      var last = last0
      if first == last || nth == last { return }
      var depth = Self.lg(last - first) * 2
      while last - first > 3 {
        if depth == 0 {
          heapSelect(first, nth + 1, last)
          swapAt(first, nth)
          return
        }
        depth -= 1
        let cut = partitionPivot(first, last)
        if cut <= nth { first = cut } else { last = cut }
      }
      insertionSort(first, last)
    }

    mutating func introsortLoop(_ first: Int, _ last0: Int, _ depth0: Int) {
      var last = last0
      var depth = depth0
      while last - first > 16 {
        if depth == 0 {
          partialSort(first, last, last)
          return
        }
        depth -= 1
        let cut = partitionPivot(first, last)
        introsortLoop(cut, last, depth)
        last = cut
      }
    }

    mutating func sort(_ first: Int, _ last: Int) {
      if first == last { return }
      introsortLoop(first, last, Self.lg(last - first) * 2)
      if last - first > 16 {
        insertionSort(first, first + 16)
        var i = first + 16
        while i < last {
          unguardedLinearInsert(i)
          i += 1
        }
      } else {
        insertionSort(first, last)
      }
    }
  }
}
