import Foundation
import SXFlowsheet
import SXModel

/// Warm starts for a study's samples from the first-order prediction of each sample's steady
/// state: the nominal state u₀ moved along the implicit-function tangent of every varied value,
///
///     u ≈ u₀ + Σ_k ln(p_k/p_k,0) · ∂u/∂ln p_k,
///
/// the tangents computed once at the nominal point (`CascadeLinearization`). Near a pinched cut
/// a few per cent in a separation factor moves trace profiles by many units of ln, and Newton
/// from u₀ itself often fails; from the prediction it starts much closer (docs/uncertainty.md,
/// "Solving"). The seed is a pure function of the sample, so rows stay independent of threads
/// and shards. Flowsheets of one cascade only (nil otherwise).
public struct TangentPredictor: Sendable {
    let linearization: CascadeLinearization
    /// Each varied value as written in the flowsheet, nil when it is not written there or not
    /// positive (that value then moves nothing).
    let nominalValues: [FlowsheetParser.NumericValue?]
    let tangents: [[Double]?]

    /// Nil when `nominal` is not a converged single-cascade result or its Jacobian is singular.
    public init?(text: String, fileName: String, nominal: TrainResult, keys: [String], step: Double = 1e-5) {
        guard nominal.outcome.isConverged, nominal.train.cascades.count == 1, nominal.train.links.isEmpty, nominal.results.count == 1,
              let linearization = try? CascadeLinearization(nominal: nominal.results[0]) else { return nil }
        self.linearization = linearization
        var values: [FlowsheetParser.NumericValue?] = [], tangents: [[Double]?] = []
        for key in keys {
            guard let p = FlowsheetParser.numericValue(at: key, in: text), p.number > 0 else { values.append(nil); tangents.append(nil); continue }
            let stencil = Stencil.central(step)
            let cascades = stencil.offsets.compactMap { s in
                FlowsheetParser.parse(text: text, fileName: fileName, overrides: [Override(keyPath: key, value: p.scaled(by: exp(s)))])
                    .flowsheet?.train.cascades.first
            }
            guard cascades.count == stencil.offsets.count, let t = try? linearization.tangent(stencil, cascades: cascades) else {
                values.append(nil); tangents.append(nil); continue
            }
            values.append(p); tangents.append(t)
        }
        nominalValues = values
        self.tangents = tangents
    }

    /// The predicted state of `sample` laid out for `flowsheet` (the sample's own flowsheet),
    /// as a seed for `TrainSolver.solve(startingFrom:)`; nil when the prediction leaves the
    /// model's domain or the structure differs.
    public func seed(for sample: SweepCase, flowsheet: Flowsheet) -> TrainResult? {
        guard flowsheet.train.cascades.count == 1, flowsheet.train.links.isEmpty else { return nil }
        var moves: [(offset: Double, tangent: [Double])] = []
        for (k, assignment) in sample.assignments.enumerated() {
            guard k < tangents.count, let t = tangents[k], let offset = Self.logOffset(of: assignment.value, from: nominalValues[k]) else { continue }
            moves.append((offset, t))
        }
        guard let r = try? linearization.predictedStart(moves: moves) else { return nil }
        return TrainResult(singleCascade: flowsheet.train, result: r)
    }

    /// ln(v/p₀) of a value text against the nominal value, nil unless both are positive
    /// numbers written in the same unit (a value in another unit is not compared by number).
    static func logOffset(of text: String, from nominal: FlowsheetParser.NumericValue?) -> Double? {
        guard let nominal, nominal.number > 0, let v = Units.split(text), v.number > 0, v.number.isFinite,
              v.unit == nominal.unit else { return nil }
        return log(v.number / nominal.number)
    }
}
