import Testing
@testable import SXModel

/// A solve that fails names the balance that would not close (issue 9, item 5: "every
/// failure that remains names the stage and the balance that would not close").
@Suite("Failure location")
struct FailureLocationTests {
    /// A mass-action cascade given two Newton iterations and no other strategy: it cannot
    /// converge, and its outcome must point at the worst stage balance of the last iterate.
    @Test("A not-converged outcome names the stage and balance with the largest error, and that error is the reported residual")
    func notConvergedNamesWorstBalance() throws {
        let cascade = Build.fractionalWithStrip(model: "mass-action", elements: 3, n: 12, m: 12, k: 6, reflux: 0.2)
        var options = SolveOptions()
        options.newton.maximumIterations = 2
        options.directIterations = 2
        options.directTrialIterations = 2
        options.pseudoTransientSteps = 0
        options.maximumContinuationSteps = 0
        options.timeStepping.enabled = false
        let result = try CascadeSolver.solve(cascade, options: options)
        let worst: UnclosedBalance
        switch result.outcome {
        case .notConverged(_, let w?, _), .stalled(_, let w?, _): worst = w
        default: Issue.record("expected a failed solve naming its worst balance, got \(result.outcome)"); return
        }
        #expect((1...cascade.stageCount).contains(worst.stage))
        let range = cascade.sectionStageRanges[try #require(cascade.sectionIndex(ofStage: worst.stage))]
        #expect(worst.stageInSection == worst.stage - range.lowerBound + 1)
        let names = cascade.elements.map(\.symbol) + ["extractant", "saponifying cation", "electroneutrality"]
        #expect(names.contains(worst.balance))
        // The residual's ∞-norm, evaluated independently by the result at the same unknowns.
        #expect(abs(worst.logError).isApproximatelyEqual(to: result.residualNorm, relativeTolerance: 1e-12))
        #expect(result.outcome.explanation.contains("largest balance error: \(worst.balance) at stage \(worst.stage)"))
    }
}

extension Double {
    fileprivate func isApproximatelyEqual(to other: Double, relativeTolerance: Double) -> Bool {
        abs(self - other) <= relativeTolerance * max(abs(self), abs(other))
    }
}
