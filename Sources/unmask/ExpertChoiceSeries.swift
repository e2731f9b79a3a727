import UnmaskModels
import UnmaskTrace

/// Which experts each canvas position chose, per step, as two trace series read from one
/// `ExpertLoadMeter.takeChoices()` a step:
/// - `expert_choice.npy`: `[layers, positions, top-k]` expert ids per step (best first; NaN
///   where the step's passes did not route the position: cached, or skipped by the last layer);
/// - `expert_position_load.npy` and `.png`: `[positions, experts]`, how many MoE layers sent
///   each position to each expert, summed over the run in the figure.
final class ExpertChoiceSeries {
  private let meter: ExpertLoadMeter
  private let canvasLength: Int
  private var choices: [Int16] = []

  init(meter: ExpertLoadMeter, canvasLength: Int) {
    self.meter = meter
    self.canvasLength = canvasLength
    meter.watchPositions(canvasLength: canvasLength)
    _ = meter.takeChoices()  // choices from before the run are not its own
  }

  /// The two series; the recorder calls them in this order each step.
  var series: [StepSeries] {
    let k = meter.topK
    let choice = StepSeries(
      name: "expert_choice", rows: meter.layers, columns: canvasLength * k,
      rowLabel: "MoE layer", columnLabel: "position x rank", drawn: false
    ) { [self] in
      choices = meter.takeChoices()
      return choices.map { $0 < 0 ? .nan : Float($0) }
    }
    let load = StepSeries(
      name: "expert_position_load", rows: canvasLength, columns: meter.expertCount,
      rowLabel: "position", columnLabel: "expert"
    ) { [self] in
      var counts = [Float](repeating: 0, count: canvasLength * meter.expertCount)
      for (i, expert) in choices.enumerated() where expert >= 0 {
        let position = (i / k) % canvasLength
        counts[position * meter.expertCount + Int(expert)] += 1
      }
      return counts
    }
    return [choice, load]
  }
}
