import Foundation
import Testing
@testable import SXModel
import SXNumerics

/// Continuation in the number of stages (`StageContinuation`, docs/engine.md §5): the coarse
/// cascade maps every stream to the same section end, the stretched coarse steady state is a
/// close start for the long cascade, and long 15-element mass-action cascades converge cold
/// through it, conserving every element with every stage at equilibrium (`Check.solved`).
@Suite("Continuation in the number of stages")
struct StageContinuationTests {
    static func massAction15(stages: Int) -> Cascade {
        StandardCascades.fractionalWithStrip(model: .massAction, elementCount: 15, totalStages: stages, reflux: 0.2)
    }

    @Test("The coarse cascade halves every section and keeps every feed and split at its section end")
    func coarserCascade() throws {
        let fine = Self.massAction15(stages: 200)   // 80 + 80 + 40
        let coarse = try #require(StageContinuation.coarser(fine, factor: 2))
        #expect(coarse.sections.map(\.stageCount) == [40, 40, 20])
        // Feed at the last extraction stage, scrub at the last scrub stage, strip acid at the
        // last stage, organic at stage 1, the strip liquor split at the first strip stage.
        #expect(coarse.aqueousFeeds.map(\.stage) == [40, 80, 100])
        #expect(coarse.organicFeeds.map(\.stage) == [1])
        #expect(coarse.splits.map(\.stage) == [81])
        // A feed in the middle of a section has no image: no coarse cascade.
        var interior = fine
        interior.aqueousFeeds[0].stage = 30
        #expect(StageContinuation.coarser(interior, factor: 2) == nil)
        #expect(StageContinuation.coarser(fine, factor: 1) == nil)
        // 80 + 80 + 40 halved twice is 20 + 20 + 10; a third time would leave a 5-stage strip.
        #expect(StageContinuation.coarser(coarse, factor: 2, minimumSectionStages: 10)?.sections.map(\.stageCount) == [20, 20, 10])
        #expect(StageContinuation.coarser(coarse, factor: 4, minimumSectionStages: 6) == nil)
    }

    @Test("The stretched coarse solution starts Newton within a few iterations of the long cascade's steady state")
    func stretchedStartIsClose() throws {
        let fine = Self.massAction15(stages: 120)
        let coarse = try #require(StageContinuation.coarser(fine, factor: 2))
        var options = SolveOptions()
        options.stageContinuation.enabled = false
        let coarseResult = try CascadeSolver.solve(coarse, options: options)
        Check.solved(coarseResult)
        let network = try CascadeNetwork(fine)
        let state = try #require(coarseResult.solverState)
        let start = StageContinuation.refine(state.unknowns, coarseCascade: coarse, fine: fine, network: network,
                                             tailFraction: options.stageContinuation.tailFraction,
                                             tailStep: options.stageContinuation.tailStep)
        #expect(start.count == fine.stageCount * network.blockSize)
        var system = CascadeSystem(network: network)
        var r = [Double](repeating: 0, count: start.count)
        try system.residual(at: start, into: &r)
        let startNorm = r.reduce(0) { max($0, abs($1)) }
        // The linear start of the same cascade, for comparison.
        guard case .success(let cold) = StartingPoint.make(network, system: &system, options: options.start) else {
            Issue.record("no cold start"); return
        }
        try system.residual(at: cold, into: &r)
        let coldNorm = r.reduce(0) { max($0, abs($1)) }
        #expect(startNorm < coldNorm, "stretched start ‖R‖∞ \(startNorm), cold start \(coldNorm)")
        var u = start
        var solver = NewtonSolver(for: system, options: options.newton)
        let report = solver.solve(&system, unknowns: &u)
        #expect(report.reason.isConverged, "\(report.reason)")
        #expect(report.iterations <= 20, "\(report.iterations) Newton iterations from the stretched start")
    }

    /// 150 stages (60 + 60 + 30), fifteen elements whose K span 1.5¹⁴ ≈ 292: solved cold with
    /// the default chain, which goes through the 75- and 38-stage cascades when the direct
    /// attempt fails. The long La plateau of the extraction section is what a cold start cannot
    /// place (docs/engine.md §6).
    @Test("A 150-stage, 15-element mass-action cascade converges cold through the coarser cascades")
    func longMassAction() throws {
        let r = try CascadeSolver.solve(Self.massAction15(stages: 150))
        Check.solved(r)
        #expect(r.history.contains { $0.phase == .stageContinuation })
        print("mass action 150 x 15: \(r.outcome.code), \(r.iterations) iterations")
    }
}
