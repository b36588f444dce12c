import Foundation

/// One step of a cascade solve, as the solver reports it to a progress display and as the
/// result keeps it (`CascadeResult.history`): which phase of the strategy chain, the step's
/// number over the whole solve, ‖F‖∞ before it and the fraction of the step taken.
public struct SolveStep: Sendable, Equatable {
    /// The solver's phases (docs/engine.md §5).
    public enum Phase: String, Sendable, Equatable {
        /// Damped Newton from a previous result's state (`CascadeSolver.solve(_:options:startingFrom:)`).
        case warmStart = "warm-start"
        /// Damped Newton from the start.
        case newton
        /// Pseudo-transient continuation.
        case pseudoTransient = "pseudo-transient"
        /// A Newton solve of one continuation step.
        case continuation
        /// Continuation in the number of stages (`StageContinuation`): every step of the
        /// coarser cascades' solves, then Newton on the real cascade from their stretched state.
        case stageContinuation = "stage-continuation"
        /// Physical time stepping (`SolveOptions.timeStepping`): an integrator step (its
        /// residual is the steady ‖F‖∞ after the step) or a Newton iteration polishing its end.
        case timeStepping = "time-stepping"
    }

    public var cascade: String
    public var phase: Phase
    /// 1-based, counted over every phase of the solve (as `CascadeResult.iterations`).
    public var iteration: Int
    /// ‖F‖∞ before the step: the largest relative balance error.
    public var residualNorm: Double
    /// Fraction of the Newton step taken (line search), or 1/0 for an accepted/refused
    /// pseudo-transient step.
    public var damping: Double
    /// True for a chord step: the step reused an earlier step's factorised Jacobian instead of
    /// evaluating and factorising its own (`NewtonOptions.chordContraction`, docs/engine.md §5).
    public var reusedJacobian: Bool

    public init(cascade: String, phase: Phase, iteration: Int, residualNorm: Double, damping: Double,
                reusedJacobian: Bool = false) {
        self.cascade = cascade
        self.phase = phase
        self.iteration = iteration
        self.residualNorm = residualNorm
        self.damping = damping
        self.reusedJacobian = reusedJacobian
    }

    /// The header of `traceLine`, the one fixed trace format (`sxsim run --trace`).
    public static let traceHeader = "# cascade phase iteration residual-inf damping"

    /// "CASCADE PHASE ITERATION RESIDUAL DAMPING", space-separated, numbers in %.6e.
    public var traceLine: String {
        "\(cascade) \(phase.rawValue) \(iteration) \(String(format: "%.6e", residualNorm)) \(String(format: "%.6e", damping))"
    }
}

/// Receives each step of a solve as it happens (from the solving thread).
public typealias SolveObserver = @Sendable (SolveStep) -> Void
