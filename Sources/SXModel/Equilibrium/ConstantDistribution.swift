import Foundation

/// Model (a): a constant distribution ratio per element, y_j = D_j · x*_j.
///
/// Linear: each element's balances form one tridiagonal system (the Kremser closed form is
/// its exact reference). A strip section under model (b) uses this model too.
public struct ConstantDistributionModel: EquilibriumModel, Equatable {
    /// D_j of the cascade's j-th element, (mol/L organic)/(mol/L aqueous), each > 0.
    public var distributionRatios: [Double] {
        didSet { logDistributionRatios = distributionRatios.map { log($0) } }
    }
    private(set) var logDistributionRatios: [Double]

    public init(distributionRatios: [Double]) {
        self.distributionRatios = distributionRatios
        logDistributionRatios = distributionRatios.map { log($0) }
    }

    public var modelName: String { "constant-D" }
    public var elementCount: Int { distributionRatios.count }
    public var stageChemistry: StageChemistry { .concentrationsOnly }
    public var isLinear: Bool { true }

    public func parameterProblems(section: String) -> [String] {
        ParameterCheck.positiveAndFinite(distributionRatios, name: "distribution ratio", section: section)
    }

    public func keepingElements(_ indices: [Int]) -> any EquilibriumModel {
        ConstantDistributionModel(distributionRatios: indices.map { distributionRatios[$0] })
    }

    public func evaluate(_ stage: inout StageEquilibrium) {
        let ne = stage.elementCount
        for j in 0..<ne {
            stage.logOrganic[j] = logDistributionRatios[j] + stage.logEquilibriumAqueous[j]
            if stage.wantsDerivatives { stage.logOrganicByLogEquilibriumAqueous[j * ne + j] = 1 }
        }
    }

    public static func == (a: Self, b: Self) -> Bool { a.distributionRatios == b.distributionRatios }
}

extension EquilibriumModel where Self == ConstantDistributionModel {
    /// Model (a) with D_j = `distributionRatios[j]`.
    public static func constantDistribution(distributionRatios: [Double]) -> ConstantDistributionModel {
        ConstantDistributionModel(distributionRatios: distributionRatios)
    }
}
