/// A square nonlinear system F(u) = 0 whose Jacobian is banded.
///
/// Implementations own any scratch space they need, so evaluation methods are `mutating`.
/// The solver never interprets the unknowns: scaling and transformation (for instance
/// logarithms of concentrations) are the implementation's business and part of its contract.
public protocol NewtonSystem {
    /// Number of unknowns, equal to the number of equations.
    var unknownCount: Int { get }
    /// Sub-diagonals of the Jacobian that may be non-zero.
    var lowerBandwidth: Int { get }
    /// Super-diagonals of the Jacobian that may be non-zero.
    var upperBandwidth: Int { get }

    /// Writes F(u) into `residual`. Throws `DomainViolation` when `unknowns` lie outside the
    /// physical domain (the solver then shortens its step instead of failing).
    mutating func residual(at unknowns: [Double], into residual: inout [Double]) throws(DomainViolation)

    /// Writes F(u) and ∂F/∂u. `jacobian` arrives zeroed with the system's bandwidths.
    mutating func residualAndJacobian(at unknowns: [Double], residual: inout [Double],
                                      jacobian: inout BandMatrix) throws(DomainViolation)

    /// Writes F(u) and ∂F/∂u at `unknowns`, where the system's last evaluation was
    /// `residual(at: unknowns, …)` with nothing changed since (the solver calls it only then): a
    /// system may reuse what that evaluation computed. `jacobian` arrives zeroed. The default
    /// evaluates both again (`residualAndJacobian`).
    mutating func jacobianAfterResidual(at unknowns: [Double], residual: inout [Double],
                                        jacobian: inout BandMatrix) throws(DomainViolation)

    /// Writes the largest change of each unknown in one Newton step at the last evaluated
    /// point into `limits` and returns true, or returns false for the solver's uniform
    /// `maximumStep`. A system whose unknowns span many orders of magnitude (logarithms of
    /// trace concentrations) can let negligible unknowns move further, so that they do not
    /// hold back the others. `limits` is the solver's buffer: nothing is allocated.
    func stepLimits(uniform: Double, into limits: inout [Double]) -> Bool
    /// Writes each equation's weight of the pseudo-transient term into `weights` and returns
    /// true, or returns false for weight 1 everywhere. Weight 0 keeps an equation algebraic
    /// during pseudo-transient continuation (a constraint that holds at every instant, such
    /// as electroneutrality, rather than a balance that relaxes). `weights` is the solver's
    /// buffer: nothing is allocated.
    func pseudoTransientWeights(into weights: inout [Double]) -> Bool
    /// Marks in `negligible` the unknowns that are negligible trace species, given the limits
    /// `stepLimits` just wrote: the pseudo-transient controller and the polishing merit
    /// discount their equations (`NewtonSolver.negligibleUnknownWeight`). The default marks
    /// every unknown allowed a step above `uniform`; a system that lets an unknown take long
    /// steps for another reason (an acidity that electroneutrality alone fixes) unmarks it.
    /// Called only after `stepLimits` returned true; `negligible` is the solver's buffer.
    func negligibleUnknowns(limits: [Double], uniform: Double, into negligible: inout [Bool])
}

extension NewtonSystem {
    public mutating func jacobianAfterResidual(at unknowns: [Double], residual: inout [Double],
                                               jacobian: inout BandMatrix) throws(DomainViolation) {
        try residualAndJacobian(at: unknowns, residual: &residual, jacobian: &jacobian)
    }
    public func stepLimits(uniform: Double, into limits: inout [Double]) -> Bool { false }
    public func pseudoTransientWeights(into weights: inout [Double]) -> Bool { false }
    public func negligibleUnknowns(limits: [Double], uniform: Double, into negligible: inout [Bool]) {
        for k in 0..<negligible.count { negligible[k] = limits[k] > uniform }
    }
}

/// Raised by a residual evaluation whose unknowns have left the physical domain
/// (a negative concentration, an acidity that would have to be negative, ...).
public struct DomainViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// The equation or unknown (0-based) where the violation was detected, when known.
    public var index: Int?
    /// What left the domain, in the model's terms.
    public var reason: String

    public init(index: Int?, reason: String) {
        self.index = index
        self.reason = reason
    }

    public var description: String { reason }
}
