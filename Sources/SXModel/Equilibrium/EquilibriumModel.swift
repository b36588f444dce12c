/// The seam between the cascade and its chemistry (a "property package", as IDAES separates
/// property packages from unit models): what an equilibrium model contributes to each stage.
///
/// The cascade owns transport (flows, links, feeds, Murphree mixing, the element, extractant
/// and cation balances, the aqueous charge balance); a model only says how the organic outlet
/// of a stage follows from the stage's state, and what else it needs. The solver's start and
/// continuation use the same `evaluate(_:)`, so a new model is one new file in this folder,
/// one case in the flowsheet parser and a section in docs/engine.md.
///
/// Notation (mol/L): x_j aqueous, y_j organic concentration of rare earth j leaving a stage;
/// x*_j the aqueous concentration in equilibrium with the organic outlet (x* = x for an ideal
/// stage, see `Section.murphreeEfficiency`); D_j = y_j / x*_j the distribution ratio.
public protocol EquilibriumModel: Sendable {
    /// Short name for reports: "constant-D", "separation-factors", "mass-action".
    var modelName: String { get }

    /// Number of elements the parameters are given for, in the cascade's element order.
    var elementCount: Int { get }

    /// What a stage under this model solves besides the element balances. Every section of a
    /// cascade must share it (it fixes the unknowns of every stage).
    var stageChemistry: StageChemistry { get }

    /// True when y_j = D_j · x*_j with D_j constant (no dependence on the stage's state): each
    /// element's balances are then a linear system of their own, solved exactly by the start,
    /// and the Jacobian's stage blocks are diagonal.
    var isLinear: Bool { get }

    /// True when ln y_j and ln [CA] are linear in ln [(HA)₂] at fixed aqueous and acidity
    /// (mass action: y ∝ [(HA)₂]³, [CA] ∝ [(HA)₂]^½): the start's extractant balance is then
    /// solved exactly from one evaluation. Default false.
    var organicIsPowerLawInFreeExtractant: Bool { get }

    /// The organic's total rare-earth concentration leaving every stage, when the model fixes
    /// it (Xu's fully loaded organic), mol/L; nil when it follows from the equilibrium. Acid
    /// meeting the loaded organic (fed into the stage, or routed in from outside the loaded
    /// sections) is then consumed by exchange (3 H⁺ strip one RE³⁺), and the model must write
    /// y proportional to `StageEquilibrium.organicLoading` (the cascade's Jacobian relies on
    /// ∂ln y/∂ln Y = 1).
    var fixedOrganicLoading: Double? { get }

    /// True when a `.concentrationsOnly` model reads `StageEquilibrium.logAcidity` (the free
    /// [H⁺] of the stage's aqueous outlet from the conserved acid capacity) and writes
    /// ∂ln y/∂ln [H⁺]; the cascade then keeps that acid positive in the stage. Default false
    /// (acid-exchange models always receive the acidity).
    var dependsOnAcidity: Bool { get }

    /// Problems with the parameters, one sentence each, for the section named `section`
    /// (positivity, finiteness); empty when there are none.
    func parameterProblems(section: String) -> [String]

    /// The same model restricted to the elements at `indices` (in that order).
    func keepingElements(_ indices: [Int]) -> any EquilibriumModel

    /// True when `other` is the same model with the same parameters.
    func isEqual(to other: any EquilibriumModel) -> Bool

    /// The organic outlet of one stage: reads the inputs of `stage`, writes
    /// `stage.logOrganic` (and, for acid exchange, the organic cation) and, when
    /// `stage.wantsDerivatives`, their partial derivatives with respect to ln x*, ln [H⁺],
    /// ln [(HA)₂] and ln [C⁺]. The cascade composes them with the Murphree and charge
    /// balance derivatives. Must not allocate (it runs inside the Newton loop).
    func evaluate(_ stage: inout StageEquilibrium)

    /// How the solver's last strategy reaches this model from an easier problem.
    var continuationPath: ContinuationPath { get }

    /// The model at continuation parameter t ∈ [0, 1] of a `.parameter` path; t = 1 is the
    /// model itself. The default returns the model unchanged.
    func atContinuationParameter(_ t: Double) -> any EquilibriumModel

    /// For an acid-exchange model: the constant-separation-factor model it reduces to when
    /// its organic is fully loaded at `capacity` mol/L (used to start long, loaded cascades);
    /// nil when there is none. The default is nil.
    func fullyLoadedLimit(capacity: Double) -> (any EquilibriumModel)?
}

extension EquilibriumModel {
    public var isLinear: Bool { false }
    public var organicIsPowerLawInFreeExtractant: Bool { false }
    public var fixedOrganicLoading: Double? { nil }
    public var dependsOnAcidity: Bool { false }
    public var continuationPath: ContinuationPath { .none }
    public func atContinuationParameter(_ t: Double) -> any EquilibriumModel { self }
    public func fullyLoadedLimit(capacity: Double) -> (any EquilibriumModel)? { nil }

    /// `isEqual(to:)` for models that are `Equatable`.
    public func isEqual(to other: any EquilibriumModel) -> Bool where Self: Equatable {
        (other as? Self) == self
    }
}

/// What a stage solves besides the element balances.
public enum StageChemistry: Sendable, Equatable {
    /// The organic outlet follows from the aqueous alone (constant D, separation factors):
    /// the unknowns of a stage are ln x_j of its elements.
    case concentrationsOnly
    /// Cation exchange with an acidic extractant: every stage also carries ln [(HA)₂] of its
    /// organic (closed by the extractant balance) and, when a saponifying cation is fed,
    /// ln [C⁺] of its aqueous (closed by the cation balance); [H⁺] follows from the aqueous
    /// charge balance (`AqueousChargeBalance`).
    case acidExchange(AcidExchangeStoichiometry)

    /// True for `.acidExchange`.
    public var exchangesAcid: Bool {
        if case .acidExchange = self { true } else { false }
    }

    /// The extractant stoichiometry of `.acidExchange`, nil otherwise.
    public var stoichiometry: AcidExchangeStoichiometry? {
        if case .acidExchange(let s) = self { s } else { nil }
    }
}

/// How much extractant the organic species of an acid-exchange model bind, on a monomer (HA)
/// basis: the extractant balance of a stage is
///
///     C_HA = perFreeExtractant · e + Σ_j perMetal_j · y_j + perCation · [CA]        (mol/L)
///
/// e the model's free-extractant variable (`StageEquilibrium.logFreeExtractant`).
public struct AcidExchangeStoichiometry: Sendable, Equatable {
    /// HA units per unit of the free-extractant variable: 2 when it is the dimer (HA)₂, 1
    /// when it is the monomer.
    public var perFreeExtractant: Double
    /// HA units bound per ion of each element in the organic (the cascade's element order):
    /// 6 for M(A·HA)₃, z_j for a monomer exchange releasing z_j H⁺.
    public var perMetal: [Double]
    /// HA units bound per saponifying cation in the organic: 1 for CA (NaA).
    public var perCation: Double

    public init(perFreeExtractant: Double, perMetal: [Double], perCation: Double) {
        self.perFreeExtractant = perFreeExtractant
        self.perMetal = perMetal
        self.perCation = perCation
    }
}

/// How the solver's continuation strategy reaches a model's solution.
public enum ContinuationPath: Sendable, Equatable {
    /// No continuation (a linear model is solved exactly from its start).
    case none
    /// Scale every rare-earth feed from trace (factor 1e-3, where the organic is far from
    /// loaded and the model nearly linear) up to the real feed, the anion kept.
    case rareEarthFeed
    /// Follow `atContinuationParameter(t)` from t = 0 to t = 1.
    case parameter
}

/// One stage's equilibrium evaluation: the inputs the cascade gives a model (read-only to
/// it) and the outputs the model writes. One value is reused for every stage and iteration,
/// so that evaluation allocates nothing.
public struct StageEquilibrium: Sendable {
    /// Elements of the cascade (the length of every per-element array).
    public let elementCount: Int
    /// The stage, 1-based.
    public internal(set) var stage: Int = 1
    /// Whether the model must write the derivatives.
    public internal(set) var wantsDerivatives = false

    // MARK: Inputs
    /// ln x*_j, the aqueous in equilibrium with the organic outlet (mol/L).
    public internal(set) var logEquilibriumAqueous: [Double]
    /// Organic total RE of a model with `fixedOrganicLoading`, after acid fed to the stage has
    /// stripped its share, mol/L (0 for other models).
    public internal(set) var organicLoading = 0.0
    /// ln [H⁺] of the aqueous outlet (acid exchange), [H⁺] in mol/L.
    public internal(set) var logAcidity = 0.0
    /// ln [(HA)₂], free dimer of the organic outlet (acid exchange), mol/L.
    public internal(set) var logFreeExtractant = 0.0
    /// ln [C⁺] of the aqueous outlet (acid exchange with a saponifying cation), mol/L; −∞ when
    /// the cascade carries none.
    public internal(set) var logCation = -Double.infinity

    // MARK: Outputs
    /// ln y_j of the organic outlet.
    public var logOrganic: [Double]
    /// ∂ln y_j/∂ln x*_l at [j · elementCount + l].
    public var logOrganicByLogEquilibriumAqueous: [Double]
    /// ∂ln y_j/∂ln [H⁺].
    public var logOrganicByLogAcidity: [Double]
    /// ∂ln y_j/∂ln [(HA)₂].
    public var logOrganicByLogFreeExtractant: [Double]
    /// ln [CA], the saponifying cation in the organic outlet (mol/L); −∞ when none.
    public var logOrganicCation = -Double.infinity
    /// ∂ln [CA]/∂ln [C⁺], ∂ln [CA]/∂ln [H⁺], ∂ln [CA]/∂ln [(HA)₂].
    public var logOrganicCationByLogCation = 0.0
    public var logOrganicCationByLogAcidity = 0.0
    public var logOrganicCationByLogFreeExtractant = 0.0

    public init(elementCount ne: Int) {
        elementCount = ne
        logEquilibriumAqueous = Array(repeating: 0, count: ne)
        logOrganic = Array(repeating: 0, count: ne)
        logOrganicByLogEquilibriumAqueous = Array(repeating: 0, count: ne * ne)
        logOrganicByLogAcidity = Array(repeating: 0, count: ne)
        logOrganicByLogFreeExtractant = Array(repeating: 0, count: ne)
    }

    /// Sets the inputs (for tests and tools that evaluate a model on its own).
    public mutating func setInputs(stage: Int = 1, logEquilibriumAqueous: [Double], organicLoading: Double = 0,
                                   logAcidity: Double = 0, logFreeExtractant: Double = 0,
                                   logCation: Double = -.infinity, wantsDerivatives: Bool = false) {
        precondition(logEquilibriumAqueous.count == elementCount)
        self.stage = stage
        self.logEquilibriumAqueous = logEquilibriumAqueous
        self.organicLoading = organicLoading
        self.logAcidity = logAcidity
        self.logFreeExtractant = logFreeExtractant
        self.logCation = logCation
        self.wantsDerivatives = wantsDerivatives
    }

    /// Zeroes every derivative output (models write only their non-zero entries).
    mutating func clearDerivatives() {
        for k in logOrganicByLogEquilibriumAqueous.indices { logOrganicByLogEquilibriumAqueous[k] = 0 }
        clearDerivativesExceptAqueous()
    }

    /// Zeroes the outputs other than ∂ln y/∂ln x* (O(elements), for callers that do not read
    /// that matrix: the start's probes).
    mutating func clearDerivativesExceptAqueous() {
        for k in 0..<elementCount { logOrganicByLogAcidity[k] = 0; logOrganicByLogFreeExtractant[k] = 0 }
        logOrganicCation = -.infinity
        logOrganicCationByLogCation = 0
        logOrganicCationByLogAcidity = 0
        logOrganicCationByLogFreeExtractant = 0
    }
}

/// Checks shared by the models' `parameterProblems`.
enum ParameterCheck {
    /// "section 'S': every NAME must be positive and finite" when one of `values` is not.
    static func positiveAndFinite(_ values: [Double], name: String, section: String) -> [String] {
        values.allSatisfy({ $0 > 0 && $0.isFinite }) ? [] : ["section '\(section)': every \(name) must be positive and finite"]
    }
}
