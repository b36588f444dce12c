/// A system of balances dN_k(u)/dt = f_k(u), possibly with algebraic rows (0 = g_k(u)), that
/// an implicit multistep method advances in time (`BDFIntegrator`).
///
/// The inventories N_k are what is conserved (mol in a chemical system); the unknowns u may be
/// any transformation of the state (logarithms of concentrations, so that they never become
/// negative). The integrator never forms N(u) − N_old itself: it hands the system the step's
/// coefficients (`ImplicitStep`) and the system writes its own step equations
///
///     a₀·N_k(u) + Σ_m a_m·N_k(u_{n−m}) = Δt·f_k(u)
///
/// in whatever scaled form suits its Newton iteration. Because N enters those equations
/// linearly, summing them over a closed set of rows telescopes: the change of the total
/// inventory equals the multistep quadrature of the net boundary flux, to the Newton
/// tolerance (conservation between steps).
public protocol InventorySystem: NewtonSystem {
    /// Number of inventories: one per unknown row (−∞ for algebraic rows), then any passive
    /// ones the system advances itself with the same step formula (quantities that only mix,
    /// solved linearly in `setImplicitStep`). At least `unknownCount`.
    var inventoryCount: Int { get }

    /// Writes ln N_k(u) of every inventory into `logInventory` (−∞ for algebraic rows and
    /// for empty balances). Throws when `unknowns` lie outside the domain.
    mutating func logInventory(at unknowns: [Double], into logInventory: inout [Double]) throws(DomainViolation)

    /// The size of each row's inventory per unit of the state's concentration scale (for a
    /// chemical system, the holdup volume, L), what `BDFOptions.absoluteTolerance` is
    /// multiplied by; 0 for algebraic rows, which the error estimate ignores.
    var inventoryScale: [Double] { get }

    /// Sets the equations `residual` evaluates: the implicit step equations above, or, for
    /// nil, the steady equations f(u) = 0 (and g(u) = 0).
    mutating func setImplicitStep(_ step: ImplicitStep?)

    /// Writes into `tolerances` the largest |F_k| of each residual row at the last evaluated
    /// point that keeps that row's inventory within its entry of `inventoryTolerances` (one per
    /// inventory, `inventoryCount`; the inventory's unit, e.g. mol), for the integrator's error-weighted Newton test
    /// (`BDFOptions.newtonErrorFraction`); rows without an inventory (algebraic) get
    /// `relativeTolerance`, in whatever relative measure the system's residual uses. Each
    /// value is clipped to [`floor`, `ceiling`].
    func residualTolerances(inventoryTolerances: [Double], relativeTolerance: Double, floor: Double, ceiling: Double,
                            into tolerances: inout [Double])

    /// ln N of every inventory after the current step's equations were solved at `unknowns`
    /// to the error-weighted test only: a system may return what its step formula's
    /// quadrature gives for the sums it conserves (e.g. each element over all stages), so that
    /// conservation telescopes to round-off however loosely each row was solved. The default
    /// is `logInventory(at:into:)`. Throws when `unknowns` lie outside the domain or the
    /// conserved quadrature is not positive.
    mutating func steppedLogInventory(at unknowns: [Double], into logInventory: inout [Double]) throws(DomainViolation)
}

/// The coefficients of one implicit multistep step: a₀·N(u) + Σ_m a_m·N_m = Δt·f(u).
public struct ImplicitStep: Sendable {
    /// Δt, in the system's time unit.
    public var timeStep: Double
    /// a₀ (> 0).
    public var newCoefficient: Double
    /// a_m and ln N_m of the past states, most recent first.
    public var history: [(coefficient: Double, logInventory: [Double])]

    public init(timeStep: Double, newCoefficient: Double, history: [(coefficient: Double, logInventory: [Double])]) {
        self.timeStep = timeStep
        self.newCoefficient = newCoefficient
        self.history = history
    }
}

extension InventorySystem {
    public var inventoryCount: Int { unknownCount }

    public func residualTolerances(inventoryTolerances: [Double], relativeTolerance: Double, floor: Double, ceiling: Double,
                                   into tolerances: inout [Double]) {
        for k in 0..<tolerances.count { tolerances[k] = min(max(relativeTolerance, floor), ceiling) }
    }

    public mutating func steppedLogInventory(at unknowns: [Double], into logInventory: inout [Double]) throws(DomainViolation) {
        try self.logInventory(at: unknowns, into: &logInventory)
    }
}
