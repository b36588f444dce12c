import Foundation
import SXNumerics

/// Settings of the steady solver's last resort: physical time stepping (docs/engine.md §5).
/// On by default (`enabled`): it runs only after the rest of the chain has failed (prnd-split at
/// 200 + 200 and 400 + 400 stages converges only here); flowsheet key `solver.time-stepping-fallback`.
public struct TimeSteppingOptions: Sendable, Equatable {
    /// Run the fallback when the rest of the chain did not converge.
    public var enabled = true
    /// Residence time of each phase in each stage, h: the holdups are V = flow × τ. The steady
    /// state does not depend on it; it only sets the time scale.
    public var residenceTime = 1.0
    /// Longest simulated time, h, before the fallback gives up.
    public var maximumTime = 1e9
    /// Most integrator steps before the fallback gives up.
    public var maximumSteps = 20_000
    /// The fallback also gives up when, over a window of `stagnationSteps` integrator steps (the
    /// first window is a warm-up, so at the earliest after two), the steady residual ‖F‖∞ has not
    /// fallen below `stagnationFactor` × its value at the window's start (0 turns this off):
    /// the integration has reached a state that is steady in time but not a solution of the
    /// steady equations (lace-split with β(La) = 1e-308 sat at ‖F‖∞ = 9.546513 for 19,000
    /// steps, 36 s). A moving front lowers ‖F‖∞ by more per window: prnd-split at 400 + 400
    /// stages converges in 747 steps, while a window of 2,000 steps cut short plant-like
    /// mass-action case 377 (`sxbench plants --seed 1`), which converges after about 6,600 steps.
    public var stagnationSteps = 5_000
    public var stagnationFactor = 0.9
    /// The steady residual ‖F‖∞ below which Newton is tried from the integrated state; if it
    /// fails, the integration goes on and Newton is tried again each time ‖F‖∞ has fallen by
    /// `retryFactor` more.
    public var switchTolerance = 1e-6
    public var retryFactor = 0.1
    /// Newton iterations of each polish attempt.
    public var polishIterations = 50
    /// The integrator's tolerances: the path to the steady state need not be accurate, only
    /// stable, so they are looser than `sxsim dynamic`'s.
    public var relativeTolerance = 1e-3
    public var absoluteTolerance = 1e-6

    public init() {}
}

/// Why the time-stepping fallback stopped without a steady state: quoted in the failed
/// outcome's explanation (`SolveOutcome.notConverged`, `.stalled`), so that a user sees whether
/// the integration broke down, went still short of a solution, or ran out of its budget.
public enum TimeSteppingEnding: Sendable, Equatable, CustomStringConvertible {
    /// The integrator could not take a step (e.g. its time step collapsed at a stage that the
    /// model cannot keep feasible).
    case integratorFailed(IntegrationFailure)
    /// ‖F‖∞ stopped falling (`TimeSteppingOptions.stagnationSteps`): the state is steady in
    /// time but does not solve the steady equations. `residualNorm` is ‖F‖∞ there; `time` in h.
    case stagnated(residualNorm: Double, steps: Int, time: Double)
    /// The step budget (`TimeSteppingOptions.maximumSteps`) or the time limit ran out; `time` in h.
    case budgetExhausted(residualNorm: Double, steps: Int, time: Double)
    /// The holdups or the start could not be set up; the fallback did not run.
    case notStarted(String)

    public var description: String {
        func g(_ x: Double) -> String { String(format: "%.3g", x) }
        switch self {
        case .integratorFailed(.stepTooSmall(let t, let h, let newton)):
            // In engineering form, with units (the integrator's own text prints raw doubles).
            let why = newton.map { " (\($0))" } ?? " (the error estimate stayed above the tolerance)"
            return "physical time stepping broke down: the time step fell to \(EngineeringFormat.string(h)) h at t = \(EngineeringFormat.string(t, digits: 6)) h\(why)"
        case .integratorFailed(let failure):
            return "physical time stepping broke down: \(failure)"
        case .stagnated(let norm, let steps, let time):
            return "physical time stepping reached a state that no longer changes but is not a steady state "
                + "(largest balance error \(g(norm)) after \(steps) steps, \(g(time)) h)"
        case .budgetExhausted(let norm, let steps, let time):
            return "physical time stepping used its budget (\(steps) steps, \(g(time)) h) with the largest balance error still \(g(norm))"
        case .notStarted(let why):
            return "physical time stepping could not start: \(why)"
        }
    }
}

/// The fallback itself: the start-up of the cascade in physical time (`DynamicCascadeSystem`,
/// `BDFIntegrator`), from a physical state, until the steady residual is small enough for
/// Newton to finish.
enum TimeSteppingFallback {
    /// Whether the integration should start from `reached`, the last steady state the
    /// continuation in the models' parameter converged (Xu's model: β^t at some t < 1), rather
    /// than from the chain's linear `start`. Under Xu's model the organic leaves every loaded
    /// stage with its full loading whatever the stage holds, so the rare-earth totals of the
    /// loaded sections are fixed by the flows and the acid alone (docs/engine.md §4), not by β;
    /// a state whose totals are off them drains a stage within a fraction of a residence time
    /// (the step collapses, docs/dynamic.md §4). A steady state at any t has those totals
    /// already, and the integration then only moves the compositions, which cannot drain
    /// (y_j ∝ x_j). Only for cascades with a fully loaded section and a parameter path.
    static func startsFromContinuation(_ network: CascadeNetwork, reached: [Double], start: [Double]) -> Bool {
        reached != start && reached.count == start.count
            && network.fullLoading.contains { $0 > 0 }
            && network.cascade.sections.allSatisfy { $0.equilibrium.continuationPath != .rareEarthFeed }
    }

    /// Integrates from `start` (the unknowns of a physical state: the strategy chain's start)
    /// and polishes with damped Newton on `system`. Returns the Newton report of the last
    /// polish (nil when none was tried), the unknowns reached, and the steps taken (integrator
    /// steps and polishing Newton iterations). `observer` receives one record per integrator
    /// step (the steady ‖F‖∞ after it, damping 1) and per Newton iteration, numbered 1, 2, …
    /// over both.
    static func run(from start: [Double], system: inout CascadeSystem, options: SolveOptions,
                    observer: @escaping (NewtonIterationRecord) -> Void)
        -> (report: NewtonReport?, unknowns: [Double], steps: Int, ending: TimeSteppingEnding?) {
        let settings = options.timeStepping
        let network = system.network
        let n = network.stageCount
        // V = flow × τ; a stage without a flow of one phase still needs a positive volume.
        let meanAqueous = network.aqueousFlow.reduce(0, +) / Double(n), meanOrganic = network.organicFlow.reduce(0, +) / Double(n)
        let holdups = StageHoldups(aqueous: network.aqueousFlow.map { ($0 > 0 ? $0 : meanAqueous) * settings.residenceTime },
                                   organic: network.organicFlow.map { ($0 > 0 ? $0 : meanOrganic) * settings.residenceTime })
        guard holdups.aqueous.allSatisfy({ $0 > 0 && $0.isFinite }), holdups.organic.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            return (nil, start, 0, .notStarted("a stage has no positive holdup (a phase without flow anywhere)"))
        }
        var bdf = BDFOptions()
        bdf.relativeTolerance = settings.relativeTolerance
        bdf.absoluteTolerance = settings.absoluteTolerance
        bdf.initialStep = 1e-4 * settings.residenceTime
        var integrator: BDFIntegrator<DynamicCascadeSystem>
        do {
            integrator = try BDFIntegrator(system: DynamicCascadeSystem(network: network, holdups: holdups), unknowns: start, options: bdf)
        } catch {
            return (nil, start, 0, .integratorFailed(error))
        }
        var polish = options.newton
        polish.maximumIterations = settings.polishIterations
        var solver = NewtonSolver(for: system, options: polish)
        var steps = 0
        final class Counter: @unchecked Sendable { var base = 0 }
        let counter = Counter()
        solver.observer = { record in
            var r = record
            r.iteration += counter.base
            observer(r)
        }
        var residual = [Double](repeating: 0, count: system.unknownCount)
        var nextTry = settings.switchTolerance
        var last: NewtonReport?
        var integratorSteps = 0
        var windowStartNorm = Double.infinity
        var norm = Double.infinity
        while integratorSteps < settings.maximumSteps && integrator.time < settings.maximumTime {
            if let failure = integrator.advance(notBeyond: settings.maximumTime) {
                return (last, integrator.unknowns, steps, .integratorFailed(failure))
            }
            integratorSteps += 1
            steps += 1
            norm = (try? system.residual(at: integrator.unknowns, into: &residual)) != nil
                ? residual.reduce(0) { max($0, abs($1)) } : Double.infinity
            observer(NewtonIterationRecord(iteration: steps, residualNorm: norm, damping: 1))
            if settings.stagnationSteps > 0 && integratorSteps % settings.stagnationSteps == 0 {
                if norm.isFinite && windowStartNorm.isFinite && !(norm < settings.stagnationFactor * windowStartNorm) {
                    return (last, integrator.unknowns, steps, .stagnated(residualNorm: norm, steps: integratorSteps, time: integrator.time))
                }
                windowStartNorm = norm
            }
            guard norm <= nextTry else { continue }
            var u = integrator.unknowns
            counter.base = steps
            let report = solver.solve(&system, unknowns: &u)
            steps += report.iterations
            last = report
            if report.reason.isConverged { return (report, u, steps, nil) }
            nextTry = norm * settings.retryFactor
        }
        return (last, integrator.unknowns, steps, .budgetExhausted(residualNorm: norm, steps: integratorSteps, time: integrator.time))
    }
}
