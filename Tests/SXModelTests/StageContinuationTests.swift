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
        // 80 + 80 + 40 halved twice is 20 + 20 + 10; a section that dividing would leave shorter
        // than the minimum keeps its stages (40 / 4 = 10 + 10 + 5 keeps the 20-stage strip),
        // and when every section would, there is no coarser cascade.
        #expect(StageContinuation.coarser(coarse, factor: 2, minimumSectionStages: 10)?.sections.map(\.stageCount) == [20, 20, 10])
        #expect(StageContinuation.coarser(coarse, factor: 4, minimumSectionStages: 6)?.sections.map(\.stageCount) == [10, 10, 20])
        #expect(StageContinuation.coarser(coarse, factor: 4, minimumSectionStages: 11) == nil)
    }

    /// Only the long sections shrink (`StageContinuationOptions.longSectionFraction`): the
    /// Pr|Nd split with a 500-stage scrub halves its scrub alone until the extraction section
    /// is long beside it, and the short strip keeps its 12 stages throughout.
    @Test("Only sections with at least half the longest section's stages are halved")
    func onlyLongSectionsShrink() throws {
        let fine = Self.prNd(extraction: 40, scrub: 500, strip: 12)
        let fraction = SolveOptions().stageContinuation.longSectionFraction
        var counts: [[Int]] = []
        var cascade = fine
        while let coarse = StageContinuation.coarser(cascade, factor: 2, minimumSectionStages: 5, longSectionFraction: fraction) {
            counts.append(coarse.sections.map(\.stageCount))
            cascade = coarse
        }
        // 500 → 250 → 125 → 63 → 32 alone; at 40 + 63 + 12 the extraction section is long too.
        #expect(counts.prefix(5) == [[40, 250, 12], [40, 125, 12], [40, 63, 12], [20, 32, 12], [10, 16, 12]], "\(counts)")
        // Every stream keeps its section end: the feed at the last extraction stage, the scrub
        // acid at the last scrub stage, the product draw at the first strip stage.
        let first = try #require(StageContinuation.coarser(fine, factor: 2, minimumSectionStages: 5, longSectionFraction: fraction))
        #expect(first.aqueousFeeds.map(\.stage) == [40, 290, 302])
        #expect(first.splits.map(\.stage) == [291])
    }

    /// The Pr|Nd split of `Flowsheets/prnd-mass-action.yaml` (`FeasibilityTests.prNd`) with
    /// sections of the given lengths.
    static func prNd(extraction: Int, scrub: Int, strip: Int) -> Cascade {
        var cascade = FeasibilityTests.prNd(organic: 20, scrub: 2.52)
        let counts = [extraction, scrub, strip]
        for k in cascade.sections.indices { cascade.sections[k].stageCount = counts[k] }
        let ranges = cascade.sectionStageRanges
        cascade.aqueousFeeds[0].stage = ranges[0].upperBound   // feed: last extraction stage
        cascade.aqueousFeeds[1].stage = ranges[1].upperBound   // scrub acid: last scrub stage
        cascade.aqueousFeeds[2].stage = ranges[2].upperBound   // strip acid: last stage
        cascade.splits[0].stage = ranges[2].lowerBound         // Nd product: first strip stage
        return cascade
    }

    /// The fuzz finding of issue 9: `prnd-mass-action.yaml` with a 500-stage scrub converged
    /// only through the time-stepping fallback (362 iterations of the earlier phases, 39 s of
    /// CPU). Its coarser cascades now shorten the long sections only, and it converges through
    /// them, as do a long extraction + scrub and a long strip, each conserving every element
    /// with every stage at equilibrium (`Check.solved`).
    @Test("Pr|Nd split with one or two long sections converges through the coarser cascades, without time stepping",
          arguments: [(40, 500, 12), (400, 400, 12), (40, 50, 200)])
    func longSectionsOfThePrNdSplit(_ counts: (Int, Int, Int)) throws {
        let r = try CascadeSolver.solve(Self.prNd(extraction: counts.0, scrub: counts.1, strip: counts.2))
        #expect(r.outcome == .converged, "outcome: \(r.outcome.explanation)")
        // Conservation to the solver's own convergence threshold for this state: 1e-12, or the
        // round-off floor roundOffFactor·ε·‖ln u‖∞ when larger (`NewtonSolver.convergenceTolerance`,
        // issue 9 item 5). With a 500-stage scrub the Pr left in the Nd product is near e^−5229
        // mol/L, so the floor is 4.6e-12 and a stage may close to 1.3e-12 only.
        let unknowns = try #require(r.solverState?.unknowns)
        let newton = NewtonOptions(), magnitude = unknowns.reduce(0) { max($0, abs($1)) }
        let threshold = max(newton.residualTolerance, newton.roundOffFactor * Double.ulpOfOne * magnitude)
        Check.conservation(r, tolerance: threshold)
        Check.equilibrium(r)
        #expect(r.history.contains { $0.phase == .stageContinuation })
        #expect(!r.history.contains { $0.phase == .timeStepping }, "\(r.iterations) iterations")
        print("Pr|Nd split \(counts.0) + \(counts.1) + \(counts.2): \(r.outcome.code), \(r.iterations) iterations")
    }

    /// With the strategy after the direct attempt (`beforeStart` false), a direct attempt that
    /// does not halve ‖F‖∞ in `directProbeIterations` gives way to it at once instead of after
    /// the full trial (`SolveOptions.directTrialIterations`).
    @Test("A direct attempt that makes no progress gives way to the coarser cascades after the probe")
    func directProbe() throws {
        var options = SolveOptions()
        options.stageContinuation.beforeStart = false
        let r = try CascadeSolver.solve(Self.massAction15(stages: 150), options: options)
        Check.solved(r)
        let direct = r.history.prefix { $0.phase == .newton }
        #expect(direct.count == options.stageContinuation.directProbeIterations, "\(direct.count) direct iterations")
        #expect(r.history.contains { $0.phase == .stageContinuation })
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
