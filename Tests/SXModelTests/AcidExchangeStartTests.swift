import Foundation
import Testing
@testable import SXModel
import SXNumerics

/// The cold start of acid-exchange cascades (`StartingPoint`): its free-dimer root from any
/// starting guess, and the undamped substitution passes (`StartOptions.acidExchangeDamping`)
/// on the benchmark's standard cascade (docs/engine.md §5, item 1; §6 has the timings).
@Suite("Acid-exchange start: free-dimer root and undamped passes")
struct AcidExchangeStartTests {
    /// The root of every stage's extractant balance is the same whether the search starts at
    /// the bracket's top (C_HA/2), at its bottom or near the previous pass's root, and it closes
    /// the balance 2e + 6 Σ_j y_j + [CA] = C_HA with y_j = K_j x_j (e/h)³ and
    /// [CA] = K_C [C⁺] e^½ / h recomputed here from the model's constants (closed form, the
    /// reactions of `MassActionModel`).
    @Test("The free-dimer root does not depend on where its search starts, and closes the extractant balance")
    func freeDimerRootFromAnyGuess() throws {
        let cascade = StandardCascades.fractionalWithStrip(model: .massAction, elementCount: 6, totalStages: 50, reflux: 0.2)
        let network = try CascadeNetwork(cascade)
        var system = CascadeSystem(network: network)
        guard case .success(let u) = StartingPoint.make(network, system: &system, options: StartOptions()) else {
            Issue.record("no start"); return
        }
        let n = network.stageCount, ne = network.elementCount, b = network.blockSize
        #expect(network.hasCation, "the standard cascade is saponified")
        var logX = [Double](repeating: 0, count: n * ne)
        for i in 0..<n { for j in 0..<ne { logX[i * ne + j] = u[i * b + j] } }
        var worst = 0.0
        for i in 0..<n {
            let h = exp(u[i * b + network.acidityIndex])
            let logCation = u[i * b + ne + 1]
            let c = network.extractantConcentration[i]
            let cold = StartingPoint.freeExtractant(&system, stage: i, logX: logX, acidity: h, logCation: logCation)
            let previous = u[i * b + ne]
            for guess in [log(c / 2), log(c) - 59, previous - 3, previous + 0.5, previous] {
                let warm = StartingPoint.freeExtractant(&system, stage: i, logX: logX, acidity: h, logCation: logCation,
                                                        startingAt: guess)
                #expect(abs(warm / cold - 1) < 1e-9, "stage \(i + 1), guess \(guess): \(warm) against \(cold)")
            }
            let model = try #require(cascade.sections[network.sectionOfStage[i]].equilibrium as? MassActionModel)
            var bound = 0.0
            for j in 0..<ne { bound += 6 * model.extractionConstants[j] * exp(logX[i * ne + j]) * pow(cold / h, 3) }
            let soap = model.cationExchangeConstant * exp(logCation) * cold.squareRoot() / h
            worst = max(worst, abs((2 * cold + bound + soap) / c - 1))
        }
        #expect(worst < 1e-9, "extractant balance closes to \(worst) relative")
    }

    /// The benchmark's mass action 500 × 6 (issue 9 item 6): from the undamped start the
    /// direct Newton attempt converges (no later phase runs), with every element conserved and
    /// every stage at equilibrium (`Check.solved`). With the start's passes damped by 0.5 it
    /// also converged directly, but after 51 passes instead of 6 (docs/engine.md §6).
    @Test("Mass action 500 x 6 converges in the direct Newton attempt from the undamped start")
    func benchmarkCaseConvergesDirectly() throws {
        let cascade = StandardCascades.fractionalWithStrip(model: .massAction, elementCount: 6, totalStages: 500, reflux: 0.2)
        // The start itself is under test: the coarser cascades, which by default run before it
        // (`StageContinuationOptions.beforeStart`), are kept after the direct attempt.
        var options = SolveOptions()
        options.stageContinuation.beforeStart = false
        let r = try CascadeSolver.solve(cascade, options: options)
        Check.solved(r)
        #expect(r.history.allSatisfy { $0.phase == .newton }, "phases: \(Set(r.history.map(\.phase.rawValue)))")
    }
}
