import UnmaskKernels

/// How `convert` stores tensor data.
public enum UMKCodec: String, Sendable, CaseIterable {
  /// Every tensor raw and aligned: the fastest load, no compression.
  case raw
  /// Byte planes in chunks (lossless), each plane stored raw, as a zstd frame, or
  /// entropy-coded (Huffman by default, rANS with `UMKEntropyCoder.rans`), whichever is
  /// smallest. Quantized tensors stay raw blocks.
  case planes

  /// Accepts the names `--codec` takes, including `zstd`, the name this choice had before it
  /// was renamed (it never meant zstd alone), so old scripts keep working.
  public init?(name: String) {
    if name == "zstd" {
      self = .planes
    } else {
      self.init(rawValue: name)
    }
  }
}

/// Optional lossy quantization of weight matrices.
public enum UMKQuantization: String, Sendable, CaseIterable {
  /// Keep every tensor as it is.
  case none
  /// GGUF q8_0 (8.5 bits per weight).
  case q8_0
  /// GGUF q4_0 (4.5 bits per weight).
  case q4_0
  /// llama.cpp's Q4_K_M mix: Q4_K with Q6_K for the head and some value and down projections
  /// (about 4.9 bits per weight; `KQuantMix`).
  case q4_k_m
  /// llama.cpp's Q5_K_M mix: the same with Q5_K (about 5.7 bits per weight).
  case q5_k_m

  /// The stored type of every quantized tensor, for the single-type choices (nil for `none`
  /// and for `q4_k_m`'s mix).
  public var dtype: DType? {
    switch self {
    case .none, .q4_k_m, .q5_k_m: return nil
    case .q8_0: return .q8_0
    case .q4_0: return .q4_0
    }
  }

  /// Tensor name -> the type it is stored as, for the tensors this choice quantizes. A tensor
  /// that arrives quantized (from a `.umk`) is requantized by `q8_0` and `q4_0`, and by
  /// `q4_k_m` and `q5_k_m` where their mix says so.
  public func plan(_ tensors: [(name: String, dtype: DType, shape: [Int])]) -> [String: DType] {
    switch self {
    case .none: return [:]
    case .q4_k_m: return KQuantMix(base: .q4_K, tensors: tensors).types
    case .q5_k_m: return KQuantMix(base: .q5_K, tensors: tensors).types
    case .q8_0, .q4_0:
      var types: [String: DType] = [:]
      for t in tensors
      where t.dtype.isQuantized || Self.applies(name: t.name, dtype: t.dtype, shape: t.shape) {
        types[t.name] = dtype
      }
      return types
    }
  }

  /// Which tensors are quantized: 2-D floating matrices named `*.weight`, and 3-D stacked
  /// experts `[E, rows, columns]` named `*_proj` (transformers' fused expert modules:
  /// DiffusionGemma's `experts.gate_up_proj`, `experts.down_proj`), whose rows are a multiple
  /// of 32 elements, except embeddings and norms (names containing `embed`, `norm`, `wte`, `wpe`
  /// or `ln_`), which stay as they are. Everything else is kept unchanged.
  public static func applies(name: String, dtype: DType, shape: [Int]) -> Bool {
    let matrix = shape.count == 2 && name.hasSuffix(".weight")
    let stackedExperts = shape.count == 3 && name.hasSuffix("_proj")
    guard matrix || stackedExperts, dtype.isFloatingPoint, !dtype.isQuantized,
      let columns = shape.last, columns > 0, columns % 32 == 0
    else { return false }
    let lower = name.lowercased()
    return !["embed", "norm", "wte", "wpe", "ln_"].contains { lower.contains($0) }
  }
}

/// A float type to cast floating tensors to before storing.
public enum UMKDTypeChoice: String, Sendable, CaseIterable {
  /// Keep each tensor's type.
  case keep
  /// bfloat16 (round to nearest even).
  case bf16
  /// IEEE half.
  case f16
  /// IEEE single.
  case f32

  /// The target type, if any.
  public var dtype: DType? {
    switch self {
    case .keep: return nil
    case .bf16: return .bf16
    case .f16: return .f16
    case .f32: return .f32
    }
  }
}

/// Everything `UMKWriter.convert` needs to know.
public struct UMKConvertOptions: Sendable {
  /// Storage of tensor data.
  public var codec: UMKCodec = .planes
  /// Planes settings (level, policy, chunk size, threads).
  public var encode = UMKEncodeOptions()
  /// Lossy quantization of weight matrices.
  public var quantize: UMKQuantization = .none
  /// Cast of floating tensors.
  public var dtype: UMKDTypeChoice = .keep
  /// zstd level for embedded files (tokenizer.json is the only large one; level 3 is within
  /// 0.05% of the model size of level 19 and 40x faster).
  public var blobLevel = 3
  /// Whether to fsync before the final rename (on by default: a renamed file is a complete
  /// file even after a crash). Benchmarks turn it off to time the codec rather than the disk.
  public var durable = true

  /// Default options: lossless planes, level 3.
  public init() {}
}

/// Progress of a conversion, reported after each tensor.
public struct UMKConvertProgress: Sendable {
  /// Source tensor bytes read so far.
  public var bytesIn: Int
  /// Source tensor bytes in total.
  public var totalIn: Int
  /// Bytes written to the `.umk` so far.
  public var bytesOut: Int
  /// Seconds since the start.
  public var seconds: Double
}

/// What a conversion produced.
public struct UMKConvertSummary: Sendable {
  /// Tensors written.
  public var tensors: Int
  /// Tensors quantized.
  public var quantized: Int
  /// Source tensor bytes.
  public var bytesIn: Int
  /// Final file size.
  public var fileBytes: Int
  /// Wall time in seconds.
  public var seconds: Double
}
