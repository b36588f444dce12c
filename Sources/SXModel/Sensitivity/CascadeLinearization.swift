import SXNumerics

/// Why local sensitivities could not be formed at a result.
public struct SensitivityError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A converged cascade linearised at its steady state: the implicit-function theorem gives
/// the tangent of the steady state along any parameter p,
///
///     J · ∂u/∂ln p = −∂R/∂ln p,
///
/// J the analytic banded Jacobian of `CascadeSystem` at the converged unknowns u (factored
/// once, by the same band LU as Newton), R the residuals. No re-solve is needed.
///
/// ∂R/∂ln p and the outputs' explicit dependence on p are taken by a difference *stencil*
/// in ln p at the fixed converged state (`Stencil`): the caller supplies the cascade at each
/// stencil offset (a flowsheet value scaled by e^s), `tangent` evaluates the residual of each
/// at u, and `linearizedResult` gives the result at u + s·∂u/∂ln p under that cascade. A
/// derivative of any output is then the same stencil applied to those results, which equals
/// the exact derivative of the steady state up to the stencil's O(h²) error in smooth,
/// explicit functions (no Newton tolerance enters; see docs/uncertainty.md §1).
public struct CascadeLinearization: Sendable {
    /// The nominal result (converged).
    public let nominal: CascadeResult
    let fedElements: [Int]
    let unknowns: [Double]
    let factors: BandMatrix
    let workspace: BandLUWorkspace

    /// Factors the Jacobian at `nominal`'s converged state. Throws when the result did not
    /// converge or kept no state, or when the Jacobian is singular there.
    public init(nominal: CascadeResult) throws(SensitivityError) {
        guard nominal.outcome.isConverged, let state = nominal.solverState else {
            throw SensitivityError("cascade '\(nominal.cascade.name)' did not converge: no sensitivities at a state that is not steady")
        }
        let fed = CascadeSolver.fedElements(of: nominal.cascade)
        let network: CascadeNetwork
        do { network = try CascadeNetwork(nominal.cascade.keepingElements(fed)) } catch {
            throw SensitivityError("cascade '\(nominal.cascade.name)': \(error.problems.first ?? "invalid specification")")
        }
        guard state.fits(network) else {
            throw SensitivityError("cascade '\(nominal.cascade.name)': the solver's state does not match the cascade")
        }
        var system = CascadeSystem(network: network)
        var residual = [Double](repeating: 0, count: system.unknownCount)
        var jacobian = BandMatrix(order: system.unknownCount, lowerBandwidth: system.lowerBandwidth, upperBandwidth: system.upperBandwidth)
        do { try system.residualAndJacobian(at: state.unknowns, residual: &residual, jacobian: &jacobian) } catch {
            throw SensitivityError("cascade '\(nominal.cascade.name)': \(error.reason)")
        }
        var workspace = BandLUWorkspace(order: system.unknownCount)
        do { try workspace.factorize(&jacobian) } catch {
            throw SensitivityError("cascade '\(nominal.cascade.name)': the Jacobian at the steady state is singular (\(error.description)); the steady state does not depend smoothly on its parameters there")
        }
        self.nominal = nominal
        fedElements = fed
        unknowns = state.unknowns
        factors = jacobian
        self.workspace = workspace
    }

    /// ∂u/∂ln p: `stencil` applied to the residuals, at the nominal unknowns, of the cascades
    /// at its offsets (`cascades[k]` is the cascade with ln p moved by `stencil.offsets[k]`).
    /// The cascades must have the nominal's structure (stages, fed elements, model kinds).
    public func tangent(_ stencil: Stencil, cascades: [Cascade]) throws(SensitivityError) -> [Double] {
        precondition(cascades.count == stencil.offsets.count, "one cascade per stencil offset")
        var rhs = [Double](repeating: 0, count: unknowns.count)
        var r = rhs
        for (k, cascade) in cascades.enumerated() {
            var system = try self.system(for: cascade)
            do { try system.residual(at: unknowns, into: &r) } catch {
                throw SensitivityError("cascade '\(cascade.name)': \(error.reason) when its parameter is moved by \(stencil.offsets[k]) in ln")
            }
            for i in rhs.indices { rhs[i] -= stencil.weights[k] * r[i] }
        }
        do { try workspace.solve(factors, &rhs) } catch {
            throw SensitivityError("cascade '\(nominal.cascade.name)': \(error.description)")
        }
        return rhs
    }

    /// The result at u + `offset` · `tangent` evaluated under `cascade` (the cascade at that
    /// offset of ln p): the first-order steady state there, reported as converged.
    public func linearizedResult(cascade: Cascade, offset: Double, tangent: [Double]) throws(SensitivityError) -> CascadeResult {
        try predictedResult(cascade: cascade, moves: [(offset, tangent)], keepingState: false)
    }

    /// The first-order prediction of the steady state at another point of several
    /// parameters, u + Σ offsets[k] · tangents[k] (offsets in ln p), as a seed for a warm
    /// start (`CascadeSolver.solve(startingFrom:)`): Newton then starts from the prediction
    /// rather than from the nominal state. Only the solver state is the prediction's: the
    /// profiles and outlets are the nominal result's, and it is marked converged only so that
    /// the solver accepts it as a seed; it is not a steady state. Nothing is evaluated (a
    /// prediction outside the model's domain is refused by Newton's first evaluation).
    public func predictedStart(moves: [(offset: Double, tangent: [Double])]) throws(SensitivityError) -> CascadeResult {
        var u = unknowns
        for (offset, tangent) in moves { for i in u.indices { u[i] += offset * tangent[i] } }
        guard u.allSatisfy(\.isFinite), let seed = nominal.replacingState(u) else {
            throw SensitivityError("cascade '\(nominal.cascade.name)': the prediction along the tangent is not finite")
        }
        return seed
    }

    func predictedResult(cascade: Cascade, moves: [(offset: Double, tangent: [Double])], keepingState: Bool) throws(SensitivityError) -> CascadeResult {
        var system = try self.system(for: cascade)
        var u = unknowns
        for (offset, tangent) in moves { for i in u.indices { u[i] += offset * tangent[i] } }
        var r = [Double](repeating: 0, count: u.count)
        do { try system.residual(at: u, into: &r) } catch {
            throw SensitivityError("cascade '\(cascade.name)': \(error.reason) along the tangent")
        }
        return CascadeResult(cascade: cascade, fedElements: fedElements, system: system, outcome: .converged,
                             iterations: 0, residualNorm: r.reduce(0) { max($0, abs($1)) }, continuationSteps: 0,
                             unknowns: keepingState ? u : nil)
    }

    func system(for cascade: Cascade) throws(SensitivityError) -> CascadeSystem {
        let network: CascadeNetwork
        do { network = try CascadeNetwork(cascade.keepingElements(fedElements)) } catch {
            throw SensitivityError("cascade '\(cascade.name)': \(error.problems.first ?? "invalid specification")")
        }
        let system = CascadeSystem(network: network)
        guard system.unknownCount == unknowns.count else {
            throw SensitivityError("cascade '\(cascade.name)': the perturbed cascade has another structure than the nominal one")
        }
        return system
    }
}

/// A finite-difference stencil in ln p: d f/d ln p ≈ Σ_k weights[k] · f(ln p + offsets[k]).
public struct Stencil: Sendable, Equatable {
    public var offsets: [Double]
    public var weights: [Double]

    /// Central, offsets ±h: error h²/6 · f‴.
    public static func central(_ h: Double) -> Stencil {
        Stencil(offsets: [h, -h], weights: [1 / (2 * h), -1 / (2 * h)])
    }

    /// One-sided (backward), offsets 0, −h, −2h: error h²/3 · f‴. For a parameter at the upper
    /// end of its range (a Murphree efficiency of 1).
    public static func backward(_ h: Double) -> Stencil {
        Stencil(offsets: [0, -h, -2 * h], weights: [3 / (2 * h), -4 / (2 * h), 1 / (2 * h)])
    }

    /// Applies the stencil to values at its offsets.
    public func apply(_ values: [Double]) -> Double {
        precondition(values.count == weights.count)
        var s = 0.0
        for k in values.indices { s += weights[k] * values[k] }
        return s
    }
}

extension TrainResult {
    /// A train of one cascade whose only result is `result` (e.g. a `linearizedResult`), for
    /// code that evaluates products and targets from a train's result.
    public init(singleCascade train: CascadeTrain, result: CascadeResult) {
        precondition(train.cascades.count == 1 && train.links.isEmpty, "a train of one cascade")
        self.init(train: train, results: [result], cascadeIndices: [0], outcome: result.outcome.isConverged ? .converged : .cascadeFailed(cascade: result.cascade.name, outcome: result.outcome),
                  passes: 1, recycleChange: 0, totalIterations: result.iterations)
    }
}
