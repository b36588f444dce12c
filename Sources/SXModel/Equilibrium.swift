/// The equilibrium model of one section of a cascade.
///
/// Notation (all concentrations in mol/L): x_j aqueous and y_j organic concentration of rare
/// earth j leaving a stage; D_j = y_j / x_j the distribution ratio.
public enum Equilibrium: Sendable, Equatable {
    /// Model (a): constant distribution ratio per element, y_j = D_j · x_j.
    /// `distributionRatios[k]` belongs to the cascade's k-th element; dimensionless
    /// ((mol/L organic)/(mol/L aqueous)), each > 0.
    case constantDistribution(distributionRatios: [Double])

    /// Model (b): constant separation factors with a fully loaded organic (Xu Guangxian's
    /// theory of countercurrent extraction).
    ///
    ///     y_j = Y · β_j x_j / Σ_k β_k x_k
    ///
    /// with `separationFactors[k]` = β of the k-th element relative to any common reference
    /// (only ratios matter; each > 0), and Y the organic's total rare-earth concentration
    /// leaving the stage: `organicLoading` (mol/L) at every stage, except that acid fed
    /// directly into a stage is consumed by exchange (3 H⁺ strip one RE³⁺), so a stage fed
    /// with h mol/h of H⁺ has Y = organicLoading − h / (3 · O), O its organic flow (L/h).
    /// This is Xu's scrub-end condition: organic flux S − W leaves the scrub-feed stage.
    case separationFactors(separationFactors: [Double], organicLoading: Double)

    /// Model (c): mass-action cation exchange (see `MassActionParameters`).
    case massAction(MassActionParameters)

    /// Short name for reports: "constant-D", "separation-factors", "mass-action".
    public var modelName: String {
        switch self {
        case .constantDistribution: "constant-D"
        case .separationFactors: "separation-factors"
        case .massAction: "mass-action"
        }
    }

    /// Number of elements the parameters are given for.
    public var elementCount: Int {
        switch self {
        case .constantDistribution(let d): d.count
        case .separationFactors(let b, _): b.count
        case .massAction(let p): p.extractionConstants.count
        }
    }
}

/// Mass-action cation exchange with an acidic extractant (HA, a dimer (HA)₂ in kerosene):
///
///     M³⁺ + 3 (HA)₂(o)  ⇌  M(A·HA)₃(o) + 3 H⁺         y_j = K_j · x_j · ([(HA)₂] / [H⁺])³
///     C⁺  + ½ (HA)₂(o)  ⇌  CA(o) + H⁺                   [CA] = K_C · [C⁺] · [(HA)₂]^½ / [H⁺]
///
/// where C⁺ is the saponifying cation (Na⁺ or NH₄⁺) and K are conditional constants on the
/// molar concentration scale (activity coefficients folded in, as is usual for
/// design work). Balances per stage:
///
/// - extractant, monomer basis: C_HA = 2 [(HA)₂] + 6 Σ_j y_j + [CA]   (organic, mol/L);
/// - electroneutrality of the aqueous: [H⁺] = [anion⁻] − [C⁺] − 3 Σ_j x_j, the anion
///   (Cl⁻ or ½ SO₄²⁻ counted as a monovalent equivalent) being conservative in the aqueous;
///   together with the element and C⁺ balances this conserves hydrogen: 3 H⁺ are released
///   per RE extracted and consumed per RE stripped. pH = −log10 [H⁺] is an output.
///
/// In the fully loaded limit ([(HA)₂] → 0 everywhere, so Σ y_j = C_HA / 6) with equal
/// stoichiometry, y_j / y_k = (K_j / K_k)(x_j / x_k): model (b) with β_j/k = K_j / K_k.
public struct MassActionParameters: Sendable, Equatable {
    /// K_j for the cascade's k-th element (dimensionless on the mol/L scale), each > 0.
    public var extractionConstants: [Double]
    /// K_C of the saponifying cation, (mol/L)^(−½). Only used when a stream carries C⁺.
    public var cationExchangeConstant: Double
    /// Name of the saponifying cation, "Na" or "NH4", for reports.
    public var cationName: String

    public init(extractionConstants: [Double], cationExchangeConstant: Double = 1e-5, cationName: String = "Na") {
        self.extractionConstants = extractionConstants
        self.cationExchangeConstant = cationExchangeConstant
        self.cationName = cationName
    }
}
