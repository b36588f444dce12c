import Foundation
import Testing
@testable import SXModel

/// Warm starts (issue 9, item 6): a solve from a previous result reaches the state a cold
/// solve reaches, and falls back to the cold strategy chain whenever it cannot.
@Suite("Warm start")
struct WarmStartTests {
    /// The benchmark problem (`StandardCascades`, Benchmarks/README.md) at 60 stages, 3 elements.
    static func base(_ model: String) -> Cascade {
        Build.fractionalWithStrip(model: model, elements: 3, n: 24, m: 24, k: 12, reflux: 0.2)
    }

    /// The same cascade with its feed flow 2 % higher (a sweep's next case).
    static func perturbed(_ model: String) -> Cascade {
        var c = base(model)
        c.aqueousFeeds[0].flow *= 1.02
        return c
    }

    /// Largest relative difference of two profiles, over entries a double still resolves
    /// (`Check.representable`).
    static func difference(_ a: [[Double]], _ b: [[Double]]) -> Double {
        var worst = 0.0
        for (ra, rb) in zip(a, b) {
            for (x, y) in zip(ra, rb) where max(abs(x), abs(y)) >= Check.representable {
                worst = max(worst, abs(x - y) / max(abs(x), abs(y)))
            }
        }
        return worst
    }

    @Test("A warm start from the unperturbed solution converges to the cold solution (1e-10 relative), in no more iterations",
          arguments: ["separation-factors", "mass-action"])
    func convergesToColdResult(model: String) throws {
        let previous = try CascadeSolver.solve(Self.base(model))
        Check.solved(previous)
        let cold = try CascadeSolver.solve(Self.perturbed(model))
        let warm = try CascadeSolver.solve(Self.perturbed(model), startingFrom: previous)
        print("\(model): cold \(cold.iterations) iterations, warm \(warm.iterations) (startedWarm \(warm.startedWarm))")
        Check.solved(cold)
        Check.solved(warm)
        #expect(!cold.startedWarm)
        #expect(warm.startedWarm)
        #expect(warm.history.first?.phase == .warmStart)
        // The tolerance of the issue: the same converged state within 1e-10 relative.
        #expect(Self.difference(warm.aqueous, cold.aqueous) <= 1e-10)
        #expect(Self.difference(warm.organic, cold.organic) <= 1e-10)
        if let h = cold.acidity, let e = cold.freeDimer {
            #expect(Self.difference([warm.acidity ?? []], [h]) <= 1e-10)
            #expect(Self.difference([warm.freeDimer ?? []], [e]) <= 1e-10)
        }
        // What a warm start saves is the cold start itself (for mass action half of a solve,
        // docs/engine.md §6), never Newton iterations lost. (Mass action here took 5 warm
        // against 8 cold iterations before ln [H⁺] became an unknown and converged trials
        // were polished; then 6 against 6.) Since chord steps (docs/engine.md §5) an iteration
        // may reuse an earlier factorisation, so the cost compared is the steps that evaluated
        // and factorised a Jacobian: separation factors took 7 warm iterations (1 Newton, 4
        // chord steps, 2 polishing) against 5 cold (2 Newton, 1 chord, 2 polishing).
        func factorised(_ r: CascadeResult) -> Int { r.history.filter { !$0.reusedJacobian }.count }
        #expect(factorised(warm) <= factorised(cold),
                "warm \(factorised(warm)) of \(warm.iterations) iterations vs cold \(factorised(cold)) of \(cold.iterations)")
    }

    @Test("Constant D always starts cold: its linear start is the solution")
    func linearModelsStartCold() throws {
        let previous = try CascadeSolver.solve(Self.base("constant-D"))
        let cold = try CascadeSolver.solve(Self.perturbed("constant-D"))
        let r = try CascadeSolver.solve(Self.perturbed("constant-D"), startingFrom: previous)
        #expect(!r.startedWarm)
        Check.solved(r)
        #expect(r.aqueous == cold.aqueous)
        #expect(r.iterations == cold.iterations)
    }

    @Test("A structurally different previous result is not used: the cold start answers, unchanged")
    func structureMismatchFallsBackToCold() throws {
        let model = "mass-action"
        let cold = try CascadeSolver.solve(Self.base(model))
        // Another stage count; other elements fed; another unknown block (no saponification).
        let longer = try CascadeSolver.solve(Build.fractionalWithStrip(model: model, elements: 3, n: 25, m: 24, k: 12, reflux: 0.2))
        let twoElements = try CascadeSolver.solve(Build.fractionalWithStrip(model: model, elements: 2, n: 24, m: 24, k: 12, reflux: 0.2))
        let xu = try CascadeSolver.solve(Self.base("separation-factors"))
        for previous in [longer, twoElements, xu] {
            #expect(previous.outcome == .converged)
            let r = try CascadeSolver.solve(Self.base(model), startingFrom: previous)
            #expect(!r.startedWarm)
            #expect(r.iterations == cold.iterations)
            #expect(r.aqueous == cold.aqueous)   // the cold path, bit for bit
            #expect(r.organic == cold.organic)
            #expect(!r.history.contains { $0.phase == .warmStart })
        }
    }

    @Test("A warm attempt that fails gives way to the full cold chain, whose answer is returned")
    func failedWarmAttemptFallsBackToCold() throws {
        let model = "separation-factors"
        let previous = try CascadeSolver.solve(Self.base(model))
        var options = SolveOptions()
        options.warmStartIterations = 1   // too few for any warm start to converge
        let cold = try CascadeSolver.solve(Self.perturbed(model), options: options)
        let r = try CascadeSolver.solve(Self.perturbed(model), options: options, startingFrom: previous)
        #expect(!r.startedWarm)
        Check.solved(r)
        #expect(r.aqueous == cold.aqueous)
        #expect(r.organic == cold.organic)
        #expect(r.iterations == cold.iterations + 1)   // the warm attempt's iteration is counted
        #expect(r.history.first?.phase == .warmStart)
        #expect(r.history.dropFirst().first?.phase == .newton)
    }

    @Test("A previous result that did not converge is not started from")
    func nonConvergedPreviousIsIgnored() throws {
        var options = SolveOptions()
        options.newton.maximumIterations = 1
        options.pseudoTransientSteps = 0
        options.maximumContinuationSteps = 0
        options.timeStepping.enabled = false
        let failed = try CascadeSolver.solve(Self.base("mass-action"), options: options)
        #expect(failed.outcome != .converged)
        let cold = try CascadeSolver.solve(Self.perturbed("mass-action"))
        let r = try CascadeSolver.solve(Self.perturbed("mass-action"), startingFrom: failed)
        #expect(!r.startedWarm)
        #expect(r.aqueous == cold.aqueous)
    }
}
