import Foundation
import Testing
@testable import SXModel

@Suite("Cold starts on long cascades")
struct ColdStartTests {
    @Test("500-stage fractional extraction + strip, 6 elements, converges from a cold start",
          arguments: ["constant-D", "separation-factors", "mass-action"])
    func fiveHundredStages(model: String) throws {
        let cascade = Build.fractionalWithStrip(model: model, elements: 6, n: 200, m: 200, k: 100, reflux: 0.2)
        #expect(cascade.stageCount == 500)
        let r = try CascadeSolver.solve(cascade)
        print("\(model): \(r.outcome.code) iterations \(r.iterations) continuation \(r.continuationSteps) residual \(r.residualNorm) closure \(r.worstClosure)")
        Check.solved(r)
    }
}

@Suite("Cold starts where damped Newton creeps")
struct CreepingNewtonTests {
    /// Cases of the benchmark grid (Benchmarks/README.md) on which damped Newton from the
    /// linear start makes almost no progress (a loading front has to travel along the
    /// cascade), so the pseudo-transient phase must carry the solve. Before its Δt controller
    /// doubled Δt on every residual decrease, mass action 1000 × 2 stalled after 1,554
    /// iterations and Xu's model 200 × 15 needed 353.
    @Test("Converges from a cold start", arguments: [
        ("mass-action", 2, 400, 400, 200),
        ("separation-factors", 15, 80, 80, 40),
        ("mass-action", 15, 20, 20, 10),
    ])
    func converges(_ setup: (model: String, elements: Int, n: Int, m: Int, k: Int)) throws {
        let cascade = Build.fractionalWithStrip(model: setup.model, elements: setup.elements,
                                                n: setup.n, m: setup.m, k: setup.k, reflux: 0.2)
        let r = try CascadeSolver.solve(cascade)
        print("\(setup.model) \(cascade.stageCount)x\(setup.elements): \(r.outcome.code) iterations \(r.iterations) continuation \(r.continuationSteps)")
        Check.solved(r)
        #expect(r.continuationSteps == 0, "solved without falling back to continuation")
    }
}
