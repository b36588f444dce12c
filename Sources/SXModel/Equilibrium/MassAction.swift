import Foundation

/// Model (c): mass-action cation exchange with an acidic extractant (HA, a dimer (HA)₂ in
/// kerosene):
///
///     M³⁺ + 3 (HA)₂(o)  ⇌  M(A·HA)₃(o) + 3 H⁺         y_j = K_j · x*_j · ([(HA)₂] / [H⁺])³
///     C⁺  + ½ (HA)₂(o)  ⇌  CA(o) + H⁺                   [CA] = K_C · [C⁺] · [(HA)₂]^½ / [H⁺]   (soap NaA)
///     C⁺  +   (HA)₂(o)  ⇌  CA·HA(o) + H⁺                [CA·HA] = K_C · [C⁺] · [(HA)₂] / [H⁺]  (soap NaA·HA)
///
/// where C⁺ is the saponifying cation (Na⁺ or NH₄⁺) and K are conditional constants on the
/// molar concentration scale (activity coefficients folded in, as is usual for design work).
/// The cascade closes each stage with (`StageChemistry.acidExchange`):
///
/// - the extractant balance, monomer basis: C_HA = 2 [(HA)₂] + 6 Σ_j y_j + ν_C [soap] (organic,
///   mol/L; ν_C = 1 for NaA, 2 for NaA·HA);
/// - electroneutrality of the aqueous (`AqueousChargeBalance`): [H⁺] = [anion⁻] − [C⁺] − 3 Σ_j x_j;
/// - the balance of the cation over both phases.
///
/// Together with the element balances these conserve hydrogen: 3 H⁺ are released per RE
/// extracted and consumed per RE stripped. pH = −log10 [H⁺] is an output.
///
/// In the fully loaded limit ([(HA)₂] → 0 everywhere, so Σ y_j = C_HA / 6) with equal
/// stoichiometry, y_j / y_k = (K_j / K_k)(x_j / x_k): model (b) with β_j/k = K_j / K_k.
public struct MassActionModel: EquilibriumModel, Equatable {
    /// K_j for the cascade's j-th element (dimensionless on the mol/L scale), each > 0.
    public var extractionConstants: [Double] {
        didSet { logExtractionConstants = extractionConstants.map { log($0) } }
    }
    /// K_C of the saponifying cation, (mol/L)^(−½) for the soap NaA, dimensionless for NaA·HA.
    /// Only used when a stream carries C⁺. Default `illustrativeCationExchangeConstant`.
    public var cationExchangeConstant: Double {
        didSet { logCationExchangeConstant = log(cationExchangeConstant) }
    }
    /// Name of the saponifying cation, "Na" or "NH4", for reports.
    public var cationName: String
    /// The sodium (ammonium) soap's stoichiometry in the organic.
    public var soap: Soap = .monomer
    private(set) var logExtractionConstants: [Double]
    private(set) var logCationExchangeConstant: Double

    /// Exponent of ([(HA)₂]/[H⁺]) in D (the charge of RE³⁺) and of [(HA)₂] in [CA].
    static let rareEarthExponent = 3.0

    /// The default K_C, 1e-5 (mol/L)^(−½) with the soap NaA. *Illustrative: no verified
    /// source.* No published K_C for Na⁺ or NH₄⁺ with P507/PC88A in chloride could be read
    /// (docs/references.md [MA], with the search trail); flowsheets should state their own
    /// (`cation-exchange-constant`), and warning SX909 says when a saponified organic meets a
    /// set that does not. It puts the soap's half-exchange, [CA] = [C⁺], at
    /// pH = −log10(K_C·[(HA)₂]^½): 5.1 to 5.3 for a free dimer of 0.7 to 0.2 mol/L.
    public static let illustrativeCationExchangeConstant = 1e-5

    /// How the saponified extractant is written: NaA (one HA per cation) or NaA·HA (two). No
    /// source read decides between them for P507 in chloride, and saponified organophosphorus
    /// acids aggregate into reversed micelles (docs/references.md [MA], [WANG1996]), so either
    /// is a convenient formula. The choice changes the free dimer, and D with its cube, in
    /// saponified stages (docs/engine.md §3, measured there). Default `.monomer` (NaA), the
    /// form SXSim has always used, so that existing flowsheets keep their results; *no verified
    /// source*, flowsheets should state theirs (`soap`, warning SX909 otherwise).
    public enum Soap: String, Sendable, Equatable {
        /// C⁺ + ½ (HA)₂ ⇌ CA + H⁺: one HA per cation, [CA] ∝ [(HA)₂]^½.
        case monomer = "NaA"
        /// C⁺ + (HA)₂ ⇌ CA·HA + H⁺: two HA per cation, [CA·HA] ∝ [(HA)₂].
        case solvated = "NaA·HA"

        /// Exponent of [(HA)₂] in the soap's concentration, and HA units per cation.
        var dimerExponent: Double { self == .monomer ? 0.5 : 1 }
        var extractantPerCation: Double { self == .monomer ? 1 : 2 }
    }

    public init(extractionConstants: [Double], cationExchangeConstant: Double = MassActionModel.illustrativeCationExchangeConstant,
                cationName: String = "Na") {
        self.extractionConstants = extractionConstants
        self.cationExchangeConstant = cationExchangeConstant
        self.cationName = cationName
        logExtractionConstants = extractionConstants.map { log($0) }
        logCationExchangeConstant = log(cationExchangeConstant)
    }

    public var modelName: String { "mass-action" }
    public var elementCount: Int { extractionConstants.count }
    public var organicIsPowerLawInFreeExtractant: Bool { true }

    /// The free extractant is the dimer (HA)₂; M(A·HA)₃ binds 6 HA per rare earth; the soap
    /// binds 1 (NaA) or 2 (NaA·HA) per cation.
    public var stageChemistry: StageChemistry {
        .acidExchange(AcidExchangeStoichiometry(perFreeExtractant: 2, perMetal: Array(repeating: 6, count: elementCount),
                                                perCation: soap.extractantPerCation))
    }

    public func parameterProblems(section: String) -> [String] {
        var problems = ParameterCheck.positiveAndFinite(extractionConstants, name: "extraction constant", section: section)
        if !(cationExchangeConstant > 0) { problems.append("section '\(section)': the cation exchange constant must be positive") }
        return problems
    }

    public func keepingElements(_ indices: [Int]) -> any EquilibriumModel {
        var m = MassActionModel(extractionConstants: indices.map { extractionConstants[$0] },
                                cationExchangeConstant: cationExchangeConstant, cationName: cationName)
        m.soap = soap
        return m
    }

    public func evaluate(_ stage: inout StageEquilibrium) {
        let ne = stage.elementCount
        let n = Self.rareEarthExponent
        let logRatio = stage.logFreeExtractant - stage.logAcidity
        for j in 0..<ne {
            stage.logOrganic[j] = logExtractionConstants[j] + stage.logEquilibriumAqueous[j] + n * logRatio
        }
        if stage.logCation > -.infinity {
            stage.logOrganicCation = logCationExchangeConstant + stage.logCation
                + soap.dimerExponent * stage.logFreeExtractant - stage.logAcidity
        }
        if stage.wantsDerivatives {
            for j in 0..<ne {
                stage.logOrganicByLogEquilibriumAqueous[j * ne + j] = 1
                stage.logOrganicByLogFreeExtractant[j] = n
                stage.logOrganicByLogAcidity[j] = -n
            }
            if stage.logCation > -.infinity {
                stage.logOrganicCationByLogCation = 1
                stage.logOrganicCationByLogFreeExtractant = soap.dimerExponent
                stage.logOrganicCationByLogAcidity = -1
            }
        }
    }

    /// Continuation scales the rare-earth feed up from trace, where the organic is far from
    /// loaded and the model nearly linear.
    public var continuationPath: ContinuationPath { .rareEarthFeed }

    /// Fully loaded with equal stoichiometry, the model is Xu's with β_j = K_j.
    public func fullyLoadedLimit(capacity: Double) -> (any EquilibriumModel)? {
        SeparationFactorModel(separationFactors: extractionConstants, organicLoading: capacity)
    }
}

extension EquilibriumModel where Self == MassActionModel {
    /// Model (c) with K_j = `extractionConstants[j]`, K_C and the cation's name.
    public static func massAction(extractionConstants: [Double],
                                  cationExchangeConstant: Double = MassActionModel.illustrativeCationExchangeConstant,
                                  cationName: String = "Na") -> MassActionModel {
        MassActionModel(extractionConstants: extractionConstants, cationExchangeConstant: cationExchangeConstant,
                        cationName: cationName)
    }

    /// Model (c) with the given parameters.
    public static func massAction(_ model: MassActionModel) -> MassActionModel { model }
}
