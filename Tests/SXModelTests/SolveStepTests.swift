import Foundation
import Testing
@testable import SXModel

/// The per-step callback and the convergence history (issue 9, item 7).
@Suite("Solver steps: observer, history and trace format")
struct SolveStepTests {
    final class Collector: @unchecked Sendable {
        let lock = NSLock()
        var steps: [SolveStep] = []
        func add(_ s: SolveStep) { lock.lock(); steps.append(s); lock.unlock() }
    }

    @Test("The observer sees every recorded step, numbered over all phases, in order")
    func observerMatchesHistory() throws {
        // A 1000 × 2 mass-action cascade with the continuation in the number of stages after its
        // direct attempt (`beforeStart` off; docs/engine.md §5): the direct attempt's probe fails,
        // so more than one phase is numbered, the coarser cascades' steps among them.
        let cascade = Build.fractionalWithStrip(model: "mass-action", elements: 2, n: 400, m: 400, k: 200, reflux: 0.2)
        let collector = Collector()
        var options = SolveOptions()
        options.stageContinuation.beforeStart = false
        let r = try CascadeSolver.solve(cascade, options: options, observer: { collector.add($0) })
        Check.solved(r)
        #expect(!r.history.isEmpty)
        #expect(collector.steps == r.history)
        #expect(zip(r.history, r.history.dropFirst()).allSatisfy { $0.iteration < $1.iteration })
        // Polishing steps after convergence are counted in `iterations` but not recorded.
        #expect(r.history.last!.iteration <= r.iterations)
        #expect(Set(r.history.map(\.phase)) == [.newton, .stageContinuation], "phases: \(Set(r.history.map(\.phase)))")
        #expect(r.history.allSatisfy { $0.cascade == cascade.name && $0.residualNorm.isFinite })
    }

    @Test("A linear cascade converges at its start: no step is recorded")
    func linearCascadeHasNoSteps() throws {
        let r = try CascadeSolver.solve(Build.kremser(extractionFactor: 1.5, stages: 5))
        Check.solved(r)
        #expect(r.history.isEmpty)
    }

    @Test("Trace lines have one fixed format")
    func traceFormat() {
        let s = SolveStep(cascade: "prnd", phase: .pseudoTransient, iteration: 12, residualNorm: 3.25e-5, damping: 1)
        #expect(s.traceLine == "prnd pseudo-transient 12 3.250000e-05 1.000000e+00")
        #expect(SolveStep.traceHeader == "# cascade phase iteration residual-inf damping")
    }
}
