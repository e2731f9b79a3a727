// swift-tools-version:6.0
// Unmask: a Swift research playground for masked-diffusion language models.
// Dependencies run one way: unmask -> Trace, Sampling, Models, Formats, Tokenizer -> Core;
// Models and Formats -> Kernels -> C shims.
import PackageDescription

let package = Package(
  name: "Unmask",
  platforms: [.macOS(.v14)],
  products: [
    .library(name: "Unmask", targets: ["Unmask"]),
    .executable(name: "unmask", targets: ["unmask"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
    // YAML sweep files (UnmaskExperiments only).
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
  ],
  targets: [
    // C edges: module maps and tiny shims.
    .systemLibrary(
      name: "CBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
    .systemLibrary(
      name: "CZstd", pkgConfig: "libzstd",
      providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
    .target(
      name: "CPNG",
      linkerSettings: [.linkedLibrary("png16")]),
    // The forward pass's innermost loops (GEMM, int8 dots, attention) with intrinsics; each
    // instruction set under its own function target attribute, chosen at run time.
    .target(name: "CUnmaskKernels", exclude: ["README.md"]),

    // Swift modules.
    // What every module shares and no kernel needs: JSON, files and the atomic writer, .npy,
    // the logits matrix, the predictor protocol, key/value caches and logit rows.
    .target(name: "UnmaskCore", exclude: ["README.md"]),
    .target(
      name: "UnmaskKernels",
      // Apple platforms use Accelerate's BLAS instead (see #if canImport(Accelerate)).
      dependencies: [
        "CUnmaskKernels", .target(name: "CBLAS", condition: .when(platforms: [.linux])),
      ],
      exclude: ["README.md"]),
    .target(name: "UnmaskFormats", dependencies: ["UnmaskCore", "UnmaskKernels", "CZstd"], exclude: ["README.md"]),
    .target(name: "UnmaskTokenizer", dependencies: ["UnmaskCore"], exclude: ["README.md"]),
    .target(name: "UnmaskModels", dependencies: ["UnmaskCore", "UnmaskKernels", "UnmaskFormats"], exclude: ["README.md"]),
    .target(name: "UnmaskSampling", dependencies: ["UnmaskCore", "UnmaskKernels"], exclude: ["README.md"]),
    .target(name: "UnmaskTrace", dependencies: ["UnmaskSampling", "CPNG"], exclude: ["README.md"]),
    .target(
      name: "Unmask",
      dependencies: [
        "UnmaskCore", "UnmaskKernels", "UnmaskFormats", "UnmaskTokenizer", "UnmaskModels",
        "UnmaskSampling",
        "UnmaskTrace",
      ],
      exclude: ["README.md"]),
    // The OpenAI-compatible HTTP server (`unmask serve`); the only target that links Hummingbird.
    .target(
      name: "UnmaskServer",
      dependencies: [
        "Unmask", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
      ],
      exclude: ["README.md"]),
    // Tasks, scoring, intervals and sweeps: the logic behind `eval`, `score` and `sweep`.
    // Yams reads YAML sweep files into the same JSON tree the JSON path validates.
    .target(
      name: "UnmaskExperiments",
      dependencies: ["Unmask", .product(name: "Yams", package: "Yams")],
      exclude: ["README.md"]),
    .executableTarget(
      name: "unmask",
      dependencies: [
        "Unmask", "UnmaskServer", "UnmaskExperiments",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      exclude: ["README.md"]),

    // Tests (Swift Testing). Shared fixtures (tiny checkpoints, golden values) live in Tests/Fixtures
    // and are found from #filePath, so large files are not copied into test bundles.
    // Scratch folders that are removed when the test process exits.
    .target(name: "UnmaskTestSupport", path: "Tests/UnmaskTestSupport"),
    .testTarget(name: "UnmaskCoreTests", dependencies: ["UnmaskCore"]),
    .testTarget(name: "UnmaskKernelsTests", dependencies: ["UnmaskCore", "UnmaskKernels", "CUnmaskKernels"]),
    .testTarget(name: "UnmaskFormatsTests", dependencies: ["UnmaskTestSupport", "UnmaskFormats"]),
    .testTarget(name: "UnmaskTokenizerTests", dependencies: ["UnmaskTokenizer"]),
    .testTarget(name: "UnmaskModelsTests", dependencies: ["UnmaskModels"]),
    .testTarget(name: "UnmaskSamplingTests", dependencies: ["UnmaskSampling"]),
    .testTarget(name: "UnmaskTraceTests", dependencies: ["UnmaskTestSupport", "UnmaskTrace", "CPNG"]),
    .testTarget(name: "UnmaskTests", dependencies: ["UnmaskTestSupport", "Unmask"]),
    .testTarget(
      name: "UnmaskServerTests",
      dependencies: [
        "UnmaskServer", .product(name: "HummingbirdTesting", package: "hummingbird"),
      ]),
    .testTarget(name: "UnmaskExperimentsTests", dependencies: ["UnmaskTestSupport", "UnmaskExperiments"]),
  ],
  swiftLanguageModes: [.v5]
)
