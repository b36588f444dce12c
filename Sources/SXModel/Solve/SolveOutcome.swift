import Foundation
import SXNumerics

/// Why a cascade solve stopped, in the cascade's own terms. Every case is explained by
/// `explanation`; only `.converged` results may be used as answers.
public enum SolveOutcome: Sendable, Equatable {
    case converged
    /// No attempt converged; `iterations` counts every Newton and pseudo-transient step of
    /// every phase (as `CascadeResult.iterations` does). (Specifications known to have no
    /// steady state are refused before solving instead: `Feasibility`, outcome `.infeasible`.)
    /// `timeStepping` says why the last phase, physical time stepping, stopped (nil when it did
    /// not run).
    case notConverged(iterations: Int, worst: UnclosedBalance? = nil, timeStepping: TimeSteppingEnding? = nil)
    /// The last attempt found no step that reduced the residual: usually a specification with
    /// no steady state. `iterations` counts all phases.
    case stalled(iterations: Int, worst: UnclosedBalance? = nil, timeStepping: TimeSteppingEnding? = nil)
    /// The Jacobian was exactly singular; `stage` is 1-based, `variable` names the unknown.
    case singular(stage: Int, variable: String)
    /// Every trial step left the physical domain.
    case leftDomain(reason: String)
    /// The specification cannot have a physical steady state (found before iterating).
    case infeasible(reason: String)
    /// NaN or infinity appeared.
    case nonFinite
    /// A LAPACK argument error (an SXSim bug; please report it).
    case internalError(String)

    public var isConverged: Bool { self == .converged }

    /// Short machine-readable name: "converged", "not-converged", "stalled", "singular", ...
    public var code: String {
        switch self {
        case .converged: "converged"
        case .notConverged: "not-converged"
        case .stalled: "stalled"
        case .singular: "singular"
        case .leftDomain: "left-domain"
        case .infeasible: "infeasible"
        case .nonFinite: "non-finite"
        case .internalError: "internal-error"
        }
    }

    /// One sentence for the user, with the next step where there is one.
    public var explanation: String {
        switch self {
        case .converged:
            return "converged"
        case .notConverged(let k, let worst, let timeStepping):
            return "not converged after \(k) iterations\(worst.map { "; " + $0.description } ?? "")\(timeStepping.map { "; " + $0.description } ?? "") (damped Newton, pseudo-transient steps, continuation and physical time stepping, unless turned off); the results are not a steady state. Check that flows and equilibrium data are realistic; if they are, compare with the solver's known limits in docs/engine.md §6 (a nearby flow may converge)"
        case .stalled(let k, let worst, let timeStepping):
            return "stalled after \(k) iterations\(worst.map { " (" + $0.description + ")" } ?? "")\(timeStepping.map { "; " + $0.description } ?? ""): no step reduced the balance errors. Either the specification has no steady state (under Xu's model, e.g. more organic capacity than the feed can fill, or acid too weak to strip), or the solver could not reach it (known limits: docs/engine.md §6)"
        case .singular(let stage, let variable):
            return "singular Jacobian at stage \(stage) (\(variable)): that stage's equations do not determine it. Check that the stage has flows of both phases and non-degenerate equilibrium data"
        case .leftDomain(let reason):
            return "every step left the physical domain: \(reason)"
        case .infeasible(let reason):
            return "no physical steady state: \(reason)"
        case .nonFinite:
            return "the iteration produced NaN or infinity; check for extreme parameters (distribution ratios or constants far outside 1e-12…1e12)"
        case .internalError(let what):
            return "internal error in the linear algebra (\(what)); please report it with the input file"
        }
    }
}

/// The balance furthest from closing at a failed solve's last iterate: where to look first.
public struct UnclosedBalance: Sendable, Equatable {
    /// 1-based stage number in the cascade.
    public var stage: Int
    /// The section holding it, and the stage's 1-based number within that section.
    public var section: String
    public var stageInSection: Int
    /// What the balance is of: an element symbol, "extractant" or "saponifying cation".
    public var balance: String
    /// ln(inflow) − ln(outflow) of that balance (dimensionless; about the relative error).
    public var logError: Double

    public init(stage: Int, section: String, stageInSection: Int, balance: String, logError: Double) {
        self.stage = stage
        self.section = section
        self.stageInSection = stageInSection
        self.balance = balance
        self.logError = logError
    }

    public var description: String {
        let relative = String(format: "%.1e", logError.magnitude)
        return "largest balance error: \(balance) at stage \(stage) (\(section) stage \(stageInSection)), in and out differ by \(relative) relative"
    }
}
