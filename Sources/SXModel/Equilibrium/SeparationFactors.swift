import Foundation
import SXNumerics

/// Model (b): constant separation factors with a fully loaded organic (Xu Guangxian's
/// theory of countercurrent extraction):
///
///     y_j = Y_i · β_j x*_j / Σ_k β_k x*_k
///
/// β_j relative to any common reference (only ratios matter); Y_i the organic's total rare
/// earth leaving stage i: `organicLoading` at every stage, except that acid fed directly into
/// a stage is consumed by exchange (3 H⁺ strip one RE³⁺), so a stage fed h mol/h of H⁺ has
/// Y_i = organicLoading − h / (3 · O_i), O_i its organic flow (L/h). This is Xu's scrub-end
/// condition: organic flux S − W leaves the scrub-feed stage.
public struct SeparationFactorModel: EquilibriumModel, Equatable {
    /// β_j of the cascade's j-th element, dimensionless, each > 0.
    public var separationFactors: [Double] {
        didSet { logSeparationFactors = separationFactors.map { log($0) } }
    }
    /// Y, the organic's total rare-earth loading, mol/L (> 0).
    public var organicLoading: Double
    private(set) var logSeparationFactors: [Double]

    public init(separationFactors: [Double], organicLoading: Double) {
        self.separationFactors = separationFactors
        self.organicLoading = organicLoading
        logSeparationFactors = separationFactors.map { log($0) }
    }

    public var modelName: String { "separation-factors" }
    public var elementCount: Int { separationFactors.count }
    public var stageChemistry: StageChemistry { .concentrationsOnly }
    public var fixedOrganicLoading: Double? { organicLoading }

    public func parameterProblems(section: String) -> [String] {
        var problems = ParameterCheck.positiveAndFinite(separationFactors, name: "separation factor", section: section)
        if !(organicLoading > 0) || !organicLoading.isFinite { problems.append("section '\(section)': organic loading must be positive") }
        return problems
    }

    public func keepingElements(_ indices: [Int]) -> any EquilibriumModel {
        SeparationFactorModel(separationFactors: indices.map { separationFactors[$0] }, organicLoading: organicLoading)
    }

    public func evaluate(_ stage: inout StageEquilibrium) {
        let ne = stage.elementCount
        var s = LogSumExp()
        for l in 0..<ne { s.add(logSeparationFactors[l] + stage.logEquilibriumAqueous[l]) }
        let logSum = s.value
        let logLoading = log(stage.organicLoading)
        for j in 0..<ne {
            stage.logOrganic[j] = logLoading + logSeparationFactors[j] + stage.logEquilibriumAqueous[j] - logSum
        }
        if stage.wantsDerivatives {
            for l in 0..<ne {
                let weight = exp(logSeparationFactors[l] + stage.logEquilibriumAqueous[l] - logSum)
                for j in 0..<ne { stage.logOrganicByLogEquilibriumAqueous[j * ne + l] = (j == l ? 1 : 0) - weight }
            }
        }
    }

    /// Continuation raises every β to the power t: at t = 0 all elements distribute alike.
    public var continuationPath: ContinuationPath { .parameter }

    public func atContinuationParameter(_ t: Double) -> any EquilibriumModel {
        SeparationFactorModel(separationFactors: separationFactors.map { pow($0, t) }, organicLoading: organicLoading)
    }
}

extension EquilibriumModel where Self == SeparationFactorModel {
    /// Model (b) with β_j = `separationFactors[j]` and loading Y = `organicLoading` mol/L.
    public static func separationFactors(separationFactors: [Double], organicLoading: Double) -> SeparationFactorModel {
        SeparationFactorModel(separationFactors: separationFactors, organicLoading: organicLoading)
    }
}
