import Foundation

/// Model (d): distribution ratios from correlations fitted to plant or bench data, per element
///
///     log10 D_j = (m0_j + m1_j · d) · pH + B0_j + B1_j · log10(d)
///
/// or a constant D_j, where pH = −log10 [H⁺] of the stage's aqueous outlet ([H⁺] in mol/L,
/// after the HSO₄⁻ ⇌ H⁺ + SO₄²⁻ equilibrium of a sulfate liquor; no activity coefficients)
/// and d the *free* extractant of the stage's organic outlet as a volume percentage of the
/// pure extractant: d = 100 · e · M / ρ, e the free extractant (mol/L, monomer), M its molar
/// mass (g/mol) and ρ its density (g/L). This is the form NETL's PrOMMiS fits for D2EHPA in
/// sulfate liquor (docs/engine.md §3 (d) lists where its definitions differ from SXSim's).
///
/// Stoichiometry (`StageChemistry.acidExchange`): an ion of charge z_j releases z_j H⁺ and
/// binds z_j monomer units of extractant when it is extracted, so the stage's extractant
/// balance is C_HA = e + Σ_j z_j y_j, and the aqueous proton balance is the engine's
/// (`AqueousChargeBalance`). The saponifying cation, if any, is not extracted by this model.
public struct EmpiricalModel: EquilibriumModel, Equatable {
    /// How one element distributes.
    public enum Distribution: Sendable, Equatable {
        /// log10 D = (m0 + m1·d)·pH + B0 + B1·log10(d), d in vol %.
        case correlation(m0: Double, m1: Double, b0: Double, b1: Double)
        /// A constant D, (mol/L organic)/(mol/L aqueous).
        case constant(Double)
    }

    /// The range of pH and dosage d (vol %) the fits were made over; a solved stage outside
    /// it is reported (`validityProblems`).
    public struct ValidityWindow: Sendable, Equatable {
        public var pH: ClosedRange<Double>
        public var dosage: ClosedRange<Double>
        public init(pH: ClosedRange<Double>, dosage: ClosedRange<Double>) {
            self.pH = pH
            self.dosage = dosage
        }
    }

    /// One per cascade element, in its order.
    public var distributions: [Distribution]
    /// Monomer extractant units bound per ion of each element: its charge z_j.
    public var extractantPerMetal: [Double]
    /// Molar mass (g/mol) and density (g/L) of the pure extractant, for the dosage
    /// (D2EHPA: 322.431 g/mol and 975.8 g/L as PrOMMiS uses them).
    public var extractantMolarMass: Double
    public var extractantDensity: Double
    public var validity: ValidityWindow?

    public init(distributions: [Distribution], extractantPerMetal: [Double], extractantMolarMass: Double,
                extractantDensity: Double, validity: ValidityWindow? = nil) {
        self.distributions = distributions
        self.extractantPerMetal = extractantPerMetal
        self.extractantMolarMass = extractantMolarMass
        self.extractantDensity = extractantDensity
        self.validity = validity
    }

    public var modelName: String { "empirical" }
    public var elementCount: Int { distributions.count }

    /// The free extractant is the monomer; each ion binds z_j of it.
    public var stageChemistry: StageChemistry {
        .acidExchange(AcidExchangeStoichiometry(perFreeExtractant: 1, perMetal: extractantPerMetal, perCation: 1))
    }

    /// ln of the factor turning the free extractant (mol/L) into the dosage d (vol %).
    var logDosagePerConcentration: Double { log(100 * extractantMolarMass / extractantDensity) }

    /// Dosage d (vol %) of a free extractant concentration (mol/L).
    public func dosage(freeExtractant e: Double) -> Double { 100 * e * extractantMolarMass / extractantDensity }

    public func parameterProblems(section: String) -> [String] {
        var problems: [String] = []
        for d in distributions {
            switch d {
            case .constant(let k) where !(k > 0 && k.isFinite):
                problems.append("section '\(section)': every constant distribution ratio must be positive and finite")
            case .correlation(let m0, let m1, let b0, let b1) where ![m0, m1, b0, b1].allSatisfy(\.isFinite):
                problems.append("section '\(section)': every correlation coefficient must be finite")
            default: break
            }
        }
        if extractantPerMetal.count != distributions.count || !extractantPerMetal.allSatisfy({ $0 > 0 }) {
            problems.append("section '\(section)': every element needs a positive charge (extractant bound per ion)")
        }
        if !(extractantMolarMass > 0 && extractantMolarMass.isFinite) || !(extractantDensity > 0 && extractantDensity.isFinite) {
            problems.append("section '\(section)': the extractant's molar mass and density must be positive")
        }
        return Array(Set(problems)).sorted()
    }

    public func keepingElements(_ indices: [Int]) -> any EquilibriumModel {
        EmpiricalModel(distributions: indices.map { distributions[$0] }, extractantPerMetal: indices.map { extractantPerMetal[$0] },
                       extractantMolarMass: extractantMolarMass, extractantDensity: extractantDensity, validity: validity)
    }

    public func evaluate(_ stage: inout StageEquilibrium) {
        let ne = stage.elementCount
        let ln10 = M_LN10
        let pH = -stage.logAcidity / ln10
        let logDosage = stage.logFreeExtractant + logDosagePerConcentration
        let d = exp(logDosage)
        for j in 0..<ne {
            switch distributions[j] {
            case .constant(let k):
                stage.logOrganic[j] = log(k) + stage.logEquilibriumAqueous[j]
            case .correlation(let m0, let m1, let b0, let b1):
                let log10D = (m0 + m1 * d) * pH + b0 + b1 * logDosage / ln10
                stage.logOrganic[j] = ln10 * log10D + stage.logEquilibriumAqueous[j]
                if stage.wantsDerivatives {
                    // ∂ln D/∂ln[H⁺] = −(m0 + m1·d); ∂ln D/∂ln e = ln10·m1·d·pH + B1.
                    stage.logOrganicByLogAcidity[j] = -(m0 + m1 * d)
                    stage.logOrganicByLogFreeExtractant[j] = ln10 * m1 * d * pH + b1
                }
            }
            if stage.wantsDerivatives { stage.logOrganicByLogEquilibriumAqueous[j * ne + j] = 1 }
        }
    }

    /// Continuation scales the metal feeds up from trace, where the extractant is hardly
    /// loaded and the acid hardly changed.
    public var continuationPath: ContinuationPath { .rareEarthFeed }

    /// Stages (1-based) of a solved cascade section whose pH or dosage lies outside the
    /// validity window, with what is outside; empty without a window.
    public func validityProblems(stages: ClosedRange<Int>, pH: [Double], freeExtractant: [Double]) -> [(stage: Int, what: String)] {
        guard let window = validity else { return [] }
        var out: [(Int, String)] = []
        for s in stages {
            let p = pH[s - 1], d = dosage(freeExtractant: freeExtractant[s - 1])
            var parts: [String] = []
            if !window.pH.contains(p) { parts.append(String(format: "pH %.3g outside %.3g–%.3g", p, window.pH.lowerBound, window.pH.upperBound)) }
            if !window.dosage.contains(d) {
                parts.append(String(format: "dosage %.3g %% outside %.3g–%.3g %%", d, window.dosage.lowerBound, window.dosage.upperBound))
            }
            if !parts.isEmpty { out.append((s, parts.joined(separator: ", "))) }
        }
        return out
    }
}
