import Foundation

/// Model (a′): a distribution ratio that falls with the aqueous acid, the usual description of
/// a strip with an acidic extractant under models that carry no acid unknowns:
///
///     D_j = D_ref,j · (h_ref / h)^n          y_j = D_j · x*_j
///
/// h the free [H⁺] of the stage's aqueous outlet (mol/L), from the conserved acid capacity
/// (`AqueousChargeBalance`: h = Q − [C⁺] − Σ z x, with bisulfate buffering in sulfate), D_ref,j
/// the distribution ratio at the reference acidity h_ref (mol/L) and n the acid exponent: 3 for
/// RE³⁺ exchanging 3 H⁺ with a cation-exchange extractant (the mass-action slope of
/// docs/engine.md §3 (c) at a constant free extractant; fitted pH slopes of log D are 2.2–3 for
/// PC-88A/D2EHPA in chloride, docs/references.md). A strip short of acid then strips only what
/// its acid allows: as h → 0, D → ∞ and the rare earth stays in the organic.
///
/// Where the acid is low the stage's D rises by (h_ref/h)^n: with n = 3, a strip liquor at
/// 0.5 mol/L against 5 mol/L fresh acid gives D 1000 times D_ref (domain knowledge of the
/// strip's acid end).
public struct AcidDependentDistributionModel: EquilibriumModel, Equatable {
    /// D_ref,j of the cascade's j-th element at `referenceAcidity`, (mol/L)/(mol/L), each > 0.
    public var referenceDistributionRatios: [Double] {
        didSet { logReferenceDistributionRatios = referenceDistributionRatios.map { log($0) } }
    }
    /// h_ref, the free acid at which D = D_ref, mol/L (> 0).
    public var referenceAcidity: Double
    /// n, the exponent of (h_ref/h), dimensionless (≥ 0; 3 by default).
    public var acidExponent: Double
    private(set) var logReferenceDistributionRatios: [Double]

    public init(referenceDistributionRatios: [Double], referenceAcidity: Double, acidExponent: Double = 3) {
        self.referenceDistributionRatios = referenceDistributionRatios
        self.referenceAcidity = referenceAcidity
        self.acidExponent = acidExponent
        logReferenceDistributionRatios = referenceDistributionRatios.map { log($0) }
    }

    public var modelName: String { "constant-D (acid-dependent)" }
    public var elementCount: Int { referenceDistributionRatios.count }
    public var stageChemistry: StageChemistry { .concentrationsOnly }
    public var dependsOnAcidity: Bool { acidExponent != 0 }

    public func parameterProblems(section: String) -> [String] {
        var problems = ParameterCheck.positiveAndFinite(referenceDistributionRatios, name: "distribution ratio", section: section)
        if !(referenceAcidity > 0) || !referenceAcidity.isFinite { problems.append("section '\(section)': the reference acidity must be positive") }
        if !(acidExponent >= 0) || !acidExponent.isFinite { problems.append("section '\(section)': the acid exponent must be ≥ 0 and finite") }
        return problems
    }

    public func keepingElements(_ indices: [Int]) -> any EquilibriumModel {
        AcidDependentDistributionModel(referenceDistributionRatios: indices.map { referenceDistributionRatios[$0] },
                                       referenceAcidity: referenceAcidity, acidExponent: acidExponent)
    }

    /// ln y_j = ln D_ref,j + n·(ln h_ref − ln h) + ln x*_j; ∂ln y_j/∂ln x*_j = 1, ∂ln y_j/∂ln h = −n.
    public func evaluate(_ stage: inout StageEquilibrium) {
        let ne = stage.elementCount
        let acidTerm = acidExponent * (log(referenceAcidity) - stage.logAcidity)
        for j in 0..<ne {
            stage.logOrganic[j] = logReferenceDistributionRatios[j] + acidTerm + stage.logEquilibriumAqueous[j]
            if stage.wantsDerivatives {
                stage.logOrganicByLogEquilibriumAqueous[j * ne + j] = 1
                stage.logOrganicByLogAcidity[j] = -acidExponent
            }
        }
    }

    /// Continuation scales the exponent: at t = 0 the model is constant D = D_ref.
    public var continuationPath: ContinuationPath { .parameter }

    public func atContinuationParameter(_ t: Double) -> any EquilibriumModel {
        AcidDependentDistributionModel(referenceDistributionRatios: referenceDistributionRatios,
                                       referenceAcidity: referenceAcidity, acidExponent: t * acidExponent)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.referenceDistributionRatios == b.referenceDistributionRatios && a.referenceAcidity == b.referenceAcidity
            && a.acidExponent == b.acidExponent
    }
}
