import Foundation
import Testing
import SXNumerics
import SXTestSupport
@testable import SXModel

/// The steady solver's last resort, physical time stepping (`SolveOptions.timeStepping`, on by
/// default, docs/engine.md §5): its answer is the steady state the rest of the chain finds.
@Suite("Steady solver: physical time-stepping fallback")
struct TimeSteppingFallbackTests {
    /// A chain crippled on purpose so that it cannot converge by itself: one direct Newton
    /// iteration, no pseudo-transient phase, no continuation.
    static func crippled(fallback: Bool) -> SolveOptions {
        var o = SolveOptions()
        o.directIterations = 1
        o.directTrialIterations = 1
        o.pseudoTransientSteps = 0
        o.maximumContinuationSteps = 0
        o.timeStepping.enabled = fallback
        return o
    }

    /// The largest relative difference of any stage concentration (aqueous or organic) of `a` from `reference`.
    static func largestRelativeDifference(_ a: CascadeResult, _ reference: CascadeResult) -> Double {
        var worst = 0.0
        for i in 0..<reference.aqueous.count {
            for (c, cr) in zip(a.aqueous[i] + a.organic[i], reference.aqueous[i] + reference.organic[i]) where cr > 0 {
                worst = max(worst, abs(c - cr) / cr)
            }
        }
        return worst
    }

    static func cascade(_ model: String) -> Cascade {
        switch model {
        case "separation-factors":
            // Reference case X1's cascade (domain.md §5), 37 stages.
            return Build.xu(beta: [1.5, 1], elements: [.Nd, .Pr], feedFractions: [0.75, 0.25], s: 4.1, w: 3.35, n: 17, m: 20)
        default:
            return Build.fractionalWithStrip(model: "mass-action", elements: 3, n: 8, m: 8, k: 4, reflux: 0.5)
        }
    }

    @Test("Where the crippled chain fails, time stepping reaches the default chain's steady state to 1e-8",
          arguments: ["mass-action", "separation-factors"])
    func fallbackReachesTheSteadyState(_ model: String) throws {
        let cascade = Self.cascade(model)
        let reference = try CascadeSolver.solve(cascade)
        Check.solved(reference)
        let without = try CascadeSolver.solve(cascade, options: Self.crippled(fallback: false))
        #expect(!without.outcome.isConverged, "the crippled chain converged by itself: the test would not exercise the fallback")
        #expect(!without.history.contains { $0.phase == .timeStepping })
        let with = try CascadeSolver.solve(cascade, options: Self.crippled(fallback: true))
        Check.solved(with)
        #expect(with.history.contains { $0.phase == .timeStepping })
        // Reference: the default strategy chain's answer (`CascadeSolver.solve`; it converges before the fallback).
        let worst = Self.largestRelativeDifference(with, reference)
        #expect(worst <= 1e-8, "\(model): largest relative difference from the default chain's steady state \(worst)")
    }

    @Test("Under Xu's model the loaded stages' rare-earth totals do not depend on β: a steady state at β^t already has the steady totals")
    func loadedTotalsDoNotDependOnBeta() throws {
        let cascade = Self.cascade("separation-factors")
        let real = try CascadeSolver.solve(cascade)
        let half = try CascadeSolver.solve(cascade.withModelsAtContinuationParameter(0.5))
        Check.solved(real)
        Check.solved(half)
        // Identity (docs/engine.md §6, check 4): the organic leaves every loaded stage at its full
        // loading, so the total-RE balances fix each stage's aqueous total from the flows alone.
        var worst = 0.0
        for i in 0..<cascade.stageCount {
            let a = real.aqueous[i].reduce(0, +), b = half.aqueous[i].reduce(0, +)
            worst = max(worst, abs(a - b) / a)
        }
        #expect(worst <= 1e-10, "largest relative difference of a stage's aqueous total between β and β^0.5: \(worst)")
        let net = try CascadeNetwork(cascade)
        #expect(TimeSteppingFallback.startsFromContinuation(net, reached: [1, 2], start: [1, 3]))
        #expect(!TimeSteppingFallback.startsFromContinuation(net, reached: [1, 3], start: [1, 3]))
        #expect(!TimeSteppingFallback.startsFromContinuation(try CascadeNetwork(Self.cascade("mass-action")), reached: [1, 2], start: [1, 3]))
    }

    @Test("Xu's model: when the continuation stops short of β, time stepping from its last steady state reaches the default chain's answer")
    func fallbackFromTheContinuationState() throws {
        let cascade = Self.cascade("separation-factors")
        let reference = try CascadeSolver.solve(cascade)
        Check.solved(reference)
        var options = Self.crippled(fallback: true)
        options.maximumContinuationSteps = 1   // t = 0, then 0.1: stops short of 1
        let with = try CascadeSolver.solve(cascade, options: options)
        Check.solved(with)
        #expect(with.history.contains { $0.phase == .continuation } && with.history.contains { $0.phase == .timeStepping })
        let worst = Self.largestRelativeDifference(with, reference)
        #expect(worst <= 1e-8, "largest relative difference from the default chain's steady state \(worst)")
    }

    @Test("On by default, and only after the rest of the chain has failed: a cascade the chain converges never steps in time")
    func onByDefaultAsTheLastResort() throws {
        #expect(SolveOptions().timeStepping.enabled == true)
        let r = try CascadeSolver.solve(Self.cascade("mass-action"))
        Check.solved(r)
        #expect(!r.history.contains { $0.phase == .timeStepping })
    }
}
