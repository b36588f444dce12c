import Foundation
import Testing
import SXFlowsheet
import SXModel
@testable import SXDesign

/// Samples far from the nominal point are reached by continuation from the nominal steady
/// state (`SampleContinuation`, docs/uncertainty.md "Solving").
@Suite("Sample continuation")
struct SampleContinuationTests {
    static let key = "equilibria.p507-loaded.separation-factors.Nd"

    @Test("β(Nd) 1.5 → 1.6 on prnd-split: Newton from the tangent fails, continuation reaches the cold solve's steady state in fewer iterations, conserved and in equilibrium")
    func farSample() throws {
        let text = try Repository.text("Flowsheets/prnd-split.yaml")
        let composed = ComposedFlowsheet(text: text, fileName: "prnd-split.yaml")
        let nominalSheet = try #require(composed.parse().flowsheet)
        let nominal = try TrainSolver.solve(nominalSheet.train, options: nominalSheet.solveOptions)
        try #require(nominal.outcome.isConverged)
        let predictor = try #require(TangentPredictor(text: text, fileName: "prnd-split.yaml", nominal: nominal, keys: [Self.key]))
        let sample = SweepCase(number: 1, assignments: [(key: Self.key, value: "1.6")])
        let sheet = try #require(composed.parse(overrides: [(keyPath: Self.key, value: "1.6")]).flowsheet)

        // The case the continuation is for: the first-order prediction alone does not converge.
        var warmOnly = sheet.solveOptions
        warmOnly.coldChainAfterFailedWarmStart = false
        let direct = try TrainSolver.solve(sheet.train, options: warmOnly, startingFrom: predictor.seed(for: sample, flowsheet: sheet))
        #expect(!direct.outcome.isConverged)

        let continued = try SampleContinuation(composed: composed, text: text, nominal: nominal, keys: [Self.key], predictor: predictor)
            .solve(sample, flowsheet: sheet)
        let cold = try TrainSolver.solve(sheet.train, options: sheet.solveOptions)
        try #require(continued.outcome.isConverged && cold.outcome.isConverged)
        #expect(continued.totalIterations < cold.totalIterations, "continuation \(continued.totalIterations), cold \(cold.totalIterations)")

        // The same steady state as the cold chain's (reference: the cold solve of `sxsim run`):
        // every stage concentration to 1e-7 relative where it is above 1e-30 mol/L.
        let a = continued.results[0], b = cold.results[0]
        for s in 0..<a.stageCount {
            for j in 0..<2 {
                let pairs: [(Double, Double)] = [(a.aqueous[s][j], b.aqueous[s][j]), (a.organic[s][j], b.organic[s][j])]
                for (x, y) in pairs where max(x, y) > 1e-30 {
                    #expect(abs(x - y) <= 1e-7 * max(x, y), "stage \(s + 1) element \(j): \(x) vs \(y)")
                }
            }
        }
        // Conservation: fresh feed in = products out, per element.
        for c in continued.trainClosure(elements: sheet.elements) { #expect(abs(c) <= 1e-10) }
        // Equilibrium recomputed from the file's models (Xu's model with β = 1 : 1.6 in stages
        // 1–90, y_j / Σy = β_j x_j / Σ β x; constant D = 0.02 in the strip, stages 91–102).
        let beta = [1.0, 1.6]
        for s in 0..<a.stageCount {
            let x = a.aqueous[s], y = a.organic[s]
            if s < 90 {
                let weighted: [Double] = [beta[0] * x[0], beta[1] * x[1]]
                let totalY: Double = y[0] + y[1], totalW: Double = weighted[0] + weighted[1]
                for j in 0..<2 {
                    let organicFraction: Double = y[j] / totalY, predicted: Double = weighted[j] / totalW
                    #expect(abs(organicFraction - predicted) <= 1e-10 * organicFraction + 1e-15, "stage \(s + 1)")
                }
            } else {
                for j in 0..<2 where x[j] > 1e-30 {
                    let predicted: Double = 0.02 * x[j]
                    #expect(abs(y[j] - predicted) <= 1e-10 * predicted, "stage \(s + 1)")
                }
            }
        }
    }

    @Test("A value written in another unit than the flowsheet's is not compared by number (no tangent move, no ln path)")
    func unitMismatch() throws {
        let text = try Repository.text("Flowsheets/prnd-split.yaml")
        let nominal = try #require(FlowsheetParser.numericValue(at: "streams.organic.flow", in: text))
        #expect(nominal.unit == "L/h")
        #expect(TangentPredictor.logOffset(of: "2.3 m3/h", from: nominal) == nil)
        let offset = try #require(TangentPredictor.logOffset(of: "2300 L/h", from: nominal))
        #expect(abs(offset - log(2300.0 / 2243.0)) <= 1e-15)   // ln(v/p₀), the definition
        #expect(TangentPredictor.logOffset(of: "-5 L/h", from: nominal) == nil)
    }
}
