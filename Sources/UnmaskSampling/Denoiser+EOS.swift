import UnmaskCore

/// The end-of-sequence controls of a run: `minLength`, `eosFill` and `stopAtEOS`.
///
/// LLaDA's own controls (`logitsEosInf`, `confidenceEosEotInf`) act on the logits and the
/// proposer; these act on the canvas, so they work the same at every temperature and with every
/// strategy.
extension Run {
  /// The ids that end a run (EOS, EoT and any more the settings list).
  var endIDs: [Int32] { settings.endIDs }

  /// `minLength`: EOS and EoT logits are -inf at the first `minLength` generated positions.
  func applyMinimumLength(to logits: inout Matrix) {
    guard settings.minLength > 0 else { return }
    let end = min(promptLength + settings.minLength, canvas.count)
    for id in endIDs where Int(id) >= 0 && Int(id) < logits.columns {
      for position in promptLength..<end where rowIndex.contains(position) {
        logits[rowIndex[position], Int(id)] = -.infinity
      }
    }
  }

  /// The first EOS or EoT position of the generated span, if one is committed.
  func firstEOS() -> Int? {
    let ends = Set(endIDs)
    return (promptLength..<generatedEnd).first { ends.contains(canvas[$0]) }
  }

  /// `eosFill`: once an EOS (or EoT) is committed in the generated span and every later position
  /// of the span is a mask or EOS, those masks become EOS (the EOS id; the EoT id when only it is
  /// known). `shouldContinue` then ends every block that has no mask left. Saved passes: with a
  /// fixed schedule, `Denoiser.generate` counts every planned pass not run; otherwise (early
  /// stop, threshold-style strategies) the steps of the blocks the fill completed, counted here.
  mutating func fillAfterEOS(block: Int, stepInBlock: Int) {
    guard settings.eosFill, let first = firstEOS() else { return }
    let ends = Set(endIDs)
    let tail = (first + 1)..<generatedEnd
    guard tail.allSatisfy({ masked[$0] || ends.contains(canvas[$0]) }) else { return }
    let fill = settings.eosID ?? canvas[first]
    var filled = 0
    for position in tail where masked[position] {
      canvas[position] = fill
      masked[position] = false
      filled += 1
    }
    guard filled > 0 else { return }
    eosFilled += filled
    guard !strategy.runsUntilBlockComplete else { return }
    let passesPerStep = settings.cfgScale > 0 ? 2 : 1
    var skipped = 0
    if maskCount(in: countRange(block)) == 0 {
      skipped += max(0, settings.stepsPerBlock - stepInBlock)
    }
    for later in (block + 1)..<blockEnd where maskCount(in: countRange(later)) == 0 {
      skipped += settings.stepsPerBlock
    }
    forwardPassesSaved += skipped * passesPerStep
  }
}
