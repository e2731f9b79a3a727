import UnmaskKernels

/// `torch.topk` with torch's exact tie breaking: the one implementation lives in UnmaskKernels
/// (`UnmaskKernels.TorchTopK`), where the mixture-of-experts routers in UnmaskModels use it too;
/// this name keeps the samplers' and their tests' spelling.
public typealias TorchTopK = UnmaskKernels.TorchTopK
