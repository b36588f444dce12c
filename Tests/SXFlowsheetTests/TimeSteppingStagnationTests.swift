import Foundation
import Testing
import SXModel
@testable import SXFlowsheet

/// The steady solver's time-stepping fallback gives up when the integration stagnates at a state
/// that is steady in time but not a solution of the steady equations
/// (`TimeSteppingOptions.stagnationSteps`). Found by the fuzz (docs/fuzz.md, seed 3, input
/// 2662): `sxsim run Flowsheets/lace-split.yaml --set equilibria.p507-loaded.separation-factors.La=1e-308`
/// sat at ‖F‖∞ = 9.546513 for all 20,000 allowed steps (36 s of a release build, over the fuzz's
/// 60 s limit under load) before answering "not converged".
@Suite("Steady solver: a stagnating time-stepping fallback gives up")
struct TimeSteppingStagnationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The fuzz's input: lace-split with β(La) = 1e-308.
    static func laceSplitWithVanishingLanthanumFactor() throws -> Cascade {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Flowsheets/lace-split.yaml"), encoding: .utf8)
        let parsed = FlowsheetParser.parse(text: text, fileName: "lace-split.yaml", overrides: [
            (keyPath: "equilibria.p507-loaded.separation-factors.La", value: "1e-308"),
        ])
        let flowsheet = try #require(parsed.flowsheet, "\(parsed.diagnostics.map(\.description).joined())")
        let cascade = try #require(flowsheet.train.cascades.first)
        return cascade
    }

    /// Options under which the rest of the chain fails at once, so that only the fallback works.
    static func fallbackOnly() -> SolveOptions {
        var options = SolveOptions()
        options.directIterations = 1
        options.directTrialIterations = 1
        options.pseudoTransientSteps = 0
        options.maximumContinuationSteps = 0
        return options
    }

    @Test func stagnationEndsTheFallbackEarly() throws {
        let cascade = try Self.laceSplitWithVanishingLanthanumFactor()
        // Only the fallback runs (the rest of the chain, 1,650 iterations here, fails the same way).
        var options = Self.fallbackOnly()
        options.timeStepping.stagnationSteps = 100
        let result = try CascadeSolver.solve(cascade, options: options)
        #expect(!result.outcome.isConverged)
        let steps = result.history.filter { $0.phase == .timeStepping }.count
        // Two windows of 100 steps (the first a warm-up) and the polishing Newton iterations
        // tried on the way; without the rule all 20,000 steps (`maximumSteps`) were taken.
        #expect(steps > 0, "the fallback did not run")
        #expect(steps < 1_000, "the fallback took \(steps) steps")
        // The outcome says how the fallback ended, in its explanation too.
        let ending: TimeSteppingEnding?
        switch result.outcome {
        case .notConverged(_, _, let e), .stalled(_, _, let e): ending = e
        default: ending = nil
        }
        guard case .stagnated(let norm, let windowSteps, _)? = ending else {
            Issue.record("expected a stagnated fallback, got \(String(describing: ending))")
            return
        }
        #expect(windowSteps == 200, "stagnation is judged at the end of the second window of 100 steps")
        #expect(norm > options.timeStepping.switchTolerance)
        #expect(result.outcome.explanation.contains("no longer changes but is not a steady state"))
    }

    /// With the stagnation rule off and a small step budget, the outcome names the budget instead.
    @Test func anExhaustedBudgetIsNamed() throws {
        let cascade = try Self.laceSplitWithVanishingLanthanumFactor()
        var options = Self.fallbackOnly()
        options.timeStepping.stagnationSteps = 0
        options.timeStepping.maximumSteps = 50
        let result = try CascadeSolver.solve(cascade, options: options)
        #expect(!result.outcome.isConverged)
        switch result.outcome {
        case .notConverged(_, _, .budgetExhausted(_, let steps, _)?), .stalled(_, _, .budgetExhausted(_, let steps, _)?):
            #expect(steps == 50)
        default:
            Issue.record("expected the fallback's budget to be named, got \(result.outcome)")
        }
        #expect(result.outcome.explanation.contains("physical time stepping used its budget (50 steps"))
    }

    /// A collapsed time step is quoted in engineering form with its unit, not as a raw double,
    /// and Newton's reason in words (`sxsim run` on Flowsheets/prnd-mass-action.yaml with every
    /// efficiency 0.6 printed "the time step fell to 7.078916819245235e-13 at t =
    /// 0.6057242824651967 (the last Newton iteration: stalled(iterations: 5))").
    @Test func aCollapsedStepIsQuotedInEngineeringForm() {
        let ending = TimeSteppingEnding.integratorFailed(.stepTooSmall(time: 0.6057242824651967, step: 7.078916819245235e-13,
                                                                       newton: .stalled(iterations: 5)))
        let text = ending.description
        #expect(text.contains("the time step fell to \(EngineeringFormat.string(7.078916819245235e-13)) h at t = 0.605724 h"), "\(text)")
        #expect(!text.contains("7.078916819245235e-13"))
        // The Newton reason in words, not the enum case ("stalled(iterations: 5)").
        #expect(text.contains("(Newton stalled after 5 iterations)"), "\(text)")
    }
}
