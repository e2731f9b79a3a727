import CUnmaskKernels

/// Which implementation of the innermost loops (GEMM, int8 dots, attention) the forward pass
/// runs: picked at run time from the CPU's features, never at build time, so one binary runs on
/// any x86-64 machine.
///
/// `best` is the fastest path that is exact for bf16 weights (widened to float32 in registers,
/// float32 FMAs, so logits differ from the float32 PyTorch reference only by the order of the
/// sums). `.avx512BF16` multiplies bf16-rounded activations (`vdpbf16ps`), as llama.cpp's bf16
/// path does: about twice as fast on bf16 weights, but it moves logits by about 1e-3 of their
/// scale, more than the golden tolerance, so it is opt-in (`--kernel avx512-bf16`).
///
/// Tests and benchmarks force a path for a scope with `KernelPath.with(_:_:)`; it is task-local,
/// so tests running in parallel do not see each other's choice. `setDefault` changes the
/// process-wide choice (the command line's `--kernel`).
public enum KernelPath: String, Sendable, CaseIterable, Hashable {
  /// The previous engine: weights widened to float32 tiles and multiplied by BLAS `sgemm`
  /// (OpenBLAS on Linux, Accelerate on Apple), attention through BLAS with a `[T, T]` score
  /// matrix per head. The default on CPUs without AVX2.
  case blas
  /// Portable C: the reference the vector paths are tested against.
  case scalar
  /// AVX2 + FMA + F16C.
  case avx2
  /// AVX-512 F/BW/VL/DQ, with AVX512-VNNI for int8 dots when present.
  case avx512
  /// `.avx512` with AVX512-BF16 `vdpbf16ps` for bf16 weights (not exact; see above).
  case avx512BF16 = "avx512-bf16"

  /// Whether this CPU can run the path.
  public var isSupported: Bool {
    switch self {
    case .blas: return true
    default: return uk_path_supported(cPath) != 0
    }
  }

  /// Whether bf16 weights are computed exactly (every path but `.avx512BF16`).
  public var isExact: Bool { self != .avx512BF16 }

  /// The paths this CPU can run, in declaration order.
  public static var available: [KernelPath] { allCases.filter(\.isSupported) }

  /// The fastest exact path this CPU has: `.avx512`, else `.avx2`, else `.blas`.
  public static let best: KernelPath = {
    for path in [KernelPath.avx512, .avx2] where path.isSupported { return path }
    return .blas
  }()

  /// Whether int8 dots use AVX512-VNNI `vpdpbusd` on the AVX-512 paths.
  public static var hasVNNI: Bool { uk_has_avx512_vnni() != 0 }

  nonisolated(unsafe) private static var processDefault: KernelPath = best
  @TaskLocal private static var forced: KernelPath?

  /// The path in force here: the innermost `with(_:_:)`, else the process default.
  public static var current: KernelPath { forced ?? processDefault }

  /// Sets the process-wide path (call once at start, before any forward pass).
  ///
  /// - Throws: `KernelPathError` when this CPU cannot run `path`.
  public static func setDefault(_ path: KernelPath) throws {
    guard path.isSupported else { throw KernelPathError(path: path) }
    processDefault = path
  }

  /// Runs `body` with `path` in force for the current task (and what it calls synchronously).
  ///
  /// - Throws: `KernelPathError` when this CPU cannot run `path`, or what `body` throws.
  public static func with<R>(_ path: KernelPath, _ body: () throws -> R) throws -> R {
    guard path.isSupported else { throw KernelPathError(path: path) }
    return try $forced.withValue(path, operation: body)
  }

  /// The path `with(_:_:)` forced on this task, if any: what `ComputeThreads` hands on to its
  /// worker threads (dispatch threads are not tasks, so task-local values do not reach them).
  static var forcedHere: KernelPath? { forced }

  /// Runs `body` with `path` forced (nil: the process default), on a worker thread.
  static func inheriting<R>(_ path: KernelPath?, _ body: () -> R) -> R {
    $forced.withValue(path, operation: body)
  }

  /// The C enum for this path (`.blas` has none and maps to scalar; callers branch first).
  var cPath: uk_path {
    switch self {
    case .blas, .scalar: return UK_PATH_SCALAR
    case .avx2: return UK_PATH_AVX2
    case .avx512: return UK_PATH_AVX512
    case .avx512BF16: return UK_PATH_AVX512_BF16
    }
  }
}

/// A kernel path this CPU cannot run.
public struct KernelPathError: Error, CustomStringConvertible, Equatable {
  /// The path asked for.
  public var path: KernelPath

  /// An error about `path`.
  public init(path: KernelPath) { self.path = path }

  /// One line naming the path and what the CPU offers.
  public var description: String {
    let offered = KernelPath.available.map(\.rawValue).joined(separator: ", ")
    return "kernel path '\(path.rawValue)' needs instructions this CPU lacks; available: \(offered)"
  }
}
