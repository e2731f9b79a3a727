import Foundation

/// Proposes a token for one canvas position from its logits row `[V]`, the LLaDA way or the
/// Dream way (`ProposalRule`), and measures confidence, margin and entropy on the way.
///
/// Buffers of size `V` are allocated once and reused for every row and step.
public struct TokenProposer {
  private let settings: DenoisingSettings
  private var work: [Float]
  private var probabilities: [Double]
  private var floatProbabilities: [Float]
  private var kthBuffer: [Float]
  private var order: [Int]

  /// A proposer for vocabulary size `vocabularySize`.
  public init(settings: DenoisingSettings, vocabularySize: Int) {
    self.settings = settings
    work = [Float](repeating: 0, count: vocabularySize)
    probabilities = [Double](repeating: 0, count: vocabularySize)
    floatProbabilities = [Float](repeating: 0, count: vocabularySize)
    kthBuffer = []
    order = []
  }

  /// Whether proposing draws nothing from the generator (temperature 0: an argmax, however the
  /// logits are filtered), so that rows give the same proposals in any order and on any thread.
  public var drawsNothing: Bool { settings.temperature == 0 }

  /// The proposal at `position` from `row` (logits `[V]` after guidance and `logitsEosInf`).
  public mutating func propose(
    row: UnsafeBufferPointer<Float>, position: Int, rng: inout SeededGenerator
  ) -> Proposal {
    switch settings.proposal {
    case .llada: return proposeLLaDA(row: row, position: position, rng: &rng)
    case .dream: return proposeDream(row: row, position: position, rng: &rng)
    }
  }

  // MARK: LLaDA

  /// LLaDA `generate()`: `x0 = argmax(exp(l) / (-log u)^T)` with u uniform float64 (plain
  /// argmax at T = 0), confidence `softmax(l)[x0]` in float64 from the logits before noise.
  /// With `confidenceEosEotInf` that softmax has the EOS and EoT logits at -inf. With
  /// `confidencePrecision` float32 it is torch's float32 kernel (`TorchSoftmax`), with bfloat16
  /// the float64 result rounded to bf16 (an approximation of torch's bf16 path). Optional
  /// top-k/top-p (not in LLaDA) filter the logits first, as Dream does.
  mutating func proposeLLaDA(
    row: UnsafeBufferPointer<Float>, position: Int, rng: inout SeededGenerator
  ) -> Proposal {
    let v = row.count
    for j in 0..<v { work[j] = row[j] }
    applyFilters()
    var token = 0
    if settings.temperature == 0 {
      token = Self.firstArgmax(work)
    } else {
      // Gumbel-max in float64, exactly LLaDA's add_gumbel_noise formula.
      var best = -Double.infinity
      for j in 0..<v {
        let u = rng.nextUniform()
        let noise = -log(u)
        let noisy =
          exp(Double(work[j]))
          / (settings.temperature == 1 ? noise : pow(noise, settings.temperature))
        if noisy > best {
          best = noisy
          token = j
        }
      }
    }
    if settings.confidenceEosEotInf {
      // LLaDA issue 137: at temperature > 0 the reference writes EOS into the noisy copy, so
      // only EoT reaches its softmax; `referenceEOSBug` keeps that for golden tests.
      let eosReachesSoftmax = !(settings.referenceEOSBug && settings.temperature > 0)
      if eosReachesSoftmax, let e = settings.eosID, Int(e) < v, e >= 0 { work[Int(e)] = -.infinity }
      if let e = settings.eotID, Int(e) < v, e >= 0 { work[Int(e)] = -.infinity }
    }
    // float64 softmax (or torch's float32 kernel) and statistics.
    var sum = 1.0
    let precision = settings.confidencePrecision
    if precision == .float32 {
      work.withUnsafeBufferPointer { TorchSoftmax.softmax($0, into: &floatProbabilities) }
      for j in 0..<v { probabilities[j] = Double(floatProbabilities[j]) }
    } else {
      var maxLogit = -Double.infinity
      for j in 0..<v { maxLogit = max(maxLogit, Double(work[j])) }
      sum = 0
      for j in 0..<v {
        let e = exp(Double(work[j]) - maxLogit)
        probabilities[j] = e
        sum += e
      }
    }
    var top1 = 0.0
    var top2 = 0.0
    var negEntropy = 0.0
    for j in 0..<v {
      let p = precision == .float32 ? probabilities[j] : precision.round(probabilities[j] / sum)
      probabilities[j] = p
      if p > top1 {
        top2 = top1
        top1 = p
      } else if p > top2 {
        top2 = p
      }
      if p > 0 { negEntropy += p * log(p) }
    }
    return Proposal(
      position: position, token: Int32(token), confidence: probabilities[token],
      margin: top1 - top2, negativeEntropy: negEntropy)
  }

  // MARK: Dream

  /// Dream `sample_tokens`: `l / T` (T > 0), `top_p_logits`, `top_k_logits` (removed logits
  /// set to the float32 minimum), float32 softmax, then argmax (first index, like
  /// `probs.max(-1)`) at T = 0 or a categorical draw. Confidence is the probability of the
  /// token; margin `p1 - p2` in float32; negative entropy `sum p * log(p + 1e-10)` in float32
  /// terms summed in float64. The softmax is torch's float32 kernel bit for bit
  /// (`TorchSoftmax`); the entropy sum's order differs from torch's, which matters only when
  /// two positions' entropies are within an ulp.
  mutating func proposeDream(
    row: UnsafeBufferPointer<Float>, position: Int, rng: inout SeededGenerator
  ) -> Proposal {
    let v = row.count
    if settings.temperature > 0 {
      let t = Float(settings.temperature)
      for j in 0..<v { work[j] = row[j] / t }
    } else {
      for j in 0..<v { work[j] = row[j] }
    }
    applyFilters()
    work.withUnsafeBufferPointer { TorchSoftmax.softmax($0, into: &floatProbabilities) }
    var top1: Float = -1
    var top2: Float = -1
    var argmax = 0
    var negEntropy = 0.0
    for j in 0..<v {
      let p = floatProbabilities[j]
      probabilities[j] = Double(p)
      if p > top1 {
        top2 = top1
        top1 = p
        argmax = j
      } else if p > top2 {
        top2 = p
      }
      negEntropy += Double(p * Foundation.log(p + Float(1e-10)))
    }
    var token = argmax
    if settings.temperature > 0 {
      var total = 0.0
      for j in 0..<v { total += probabilities[j] }
      let u = rng.nextUniform() * total
      var cumulative = 0.0
      token = argmax
      for j in 0..<v {
        cumulative += probabilities[j]
        if u < cumulative && probabilities[j] > 0 {
          token = j
          break
        }
      }
    }
    var proposal = Proposal(
      position: position, token: Int32(token), confidence: probabilities[token],
      margin: Double(top1 - max(top2, 0)), negativeEntropy: Double(Float(negEntropy)))
    if settings.confidenceEosEotInf { removeEndTokens(from: &proposal) }
    return proposal
  }

  /// `confidenceEosEotInf` for the Dream numerics (Dream has no such control; this is LLaDA's
  /// intent carried over): a proposed EOS or EoT scores lowest under every strategy
  /// (confidence and margin 0, negative entropy -inf); another token's confidence is its
  /// probability renormalised without EOS and EoT, as a softmax with their logits at -inf gives.
  func removeEndTokens(from proposal: inout Proposal) {
    let ends = [settings.eosID, settings.eotID].compactMap { $0 }
      .filter { $0 >= 0 && Int($0) < probabilities.count }
    guard !ends.isEmpty else { return }
    if ends.contains(proposal.token) {
      proposal.confidence = 0
      proposal.margin = 0
      proposal.negativeEntropy = -.infinity
      return
    }
    let removed = Set(ends).reduce(0.0) { $0 + probabilities[Int($1)] }
    if removed < 1 { proposal.confidence /= (1 - removed) }
  }

  // MARK: filters

  /// Dream's `top_p_logits` then `top_k_logits` on `work`, in that order.
  mutating func applyFilters() {
    let floor = -Float.greatestFiniteMagnitude  // torch.finfo(float32).min
    if let p = settings.topP, p < 1 { applyTopP(Float(p), floor: floor) }
    if let k = settings.topK { applyTopK(k, floor: floor) }
  }

  /// `top_k_logits`: logits strictly below the k-th largest become the float32 minimum
  /// (values tied with the k-th largest survive, as in the reference).
  mutating func applyTopK(_ k: Int, floor: Float) {
    let v = work.count
    guard k < v else { return }
    // kthBuffer holds the k largest seen so far, in descending order.
    kthBuffer.removeAll(keepingCapacity: true)
    for j in 0..<v {
      let x = work[j]
      if kthBuffer.count < k {
        var i = kthBuffer.count
        kthBuffer.append(x)
        while i > 0 && kthBuffer[i - 1] < x {
          kthBuffer[i] = kthBuffer[i - 1]
          i -= 1
        }
        kthBuffer[i] = x
      } else if x > kthBuffer[k - 1] {
        var i = k - 1
        while i > 0 && kthBuffer[i - 1] < x {
          kthBuffer[i] = kthBuffer[i - 1]
          i -= 1
        }
        kthBuffer[i] = x
      }
    }
    let kth = kthBuffer[k - 1]
    for j in 0..<v where work[j] < kth { work[j] = floor }
  }

  /// `top_p_logits`: sort descending, cumulative softmax; drop tokens once the cumulative
  /// probability before them exceeds `p` (the first token always stays).
  ///
  /// Only logits within 30 nats of the maximum are sorted when their mass already exceeds `p`
  /// (then the crossing happens among them and every other token is dropped, exactly as a
  /// full sort would); otherwise the whole row is sorted.
  mutating func applyTopP(_ p: Float, floor: Float) {
    let v = work.count
    var maxLogit = -Double.infinity
    for j in 0..<v { maxLogit = max(maxLogit, Double(work[j])) }
    var sum = 0.0
    for j in 0..<v { sum += exp(Double(work[j]) - maxLogit) }
    order.removeAll(keepingCapacity: true)
    for j in 0..<v where Double(work[j]) >= maxLogit - 30 { order.append(j) }
    var head = 0.0
    for j in order { head += exp(Double(work[j]) - maxLogit) / sum }
    let partial = Float(head) > p
    if !partial { order = Array(0..<v) }
    let w = work
    order.sort { w[$0] > w[$1] || (w[$0] == w[$1] && $0 < $1) }
    var keptCount = 0
    var cumulative = 0.0
    for j in order {
      keptCount += 1
      cumulative += exp(Double(w[j]) - maxLogit) / sum
      if Float(cumulative) > p { break }  // the next token on is removed
    }
    for j in 0..<v { work[j] = floor }
    for j in order[0..<keptCount] { work[j] = w[j] }
  }

  /// Index of the first maximum (torch.argmax's choice among equal values).
  static func firstArgmax(_ values: [Float]) -> Int {
    var best = 0
    for j in 1..<values.count where values[j] > values[best] { best = j }
    return best
  }
}
