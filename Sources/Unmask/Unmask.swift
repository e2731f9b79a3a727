// The umbrella module: `import Unmask` brings in the whole public API.
@_exported import UnmaskCore
@_exported import UnmaskFormats
@_exported import UnmaskKernels
@_exported import UnmaskModels
@_exported import UnmaskSampling
@_exported import UnmaskTokenizer
@_exported import UnmaskTrace
