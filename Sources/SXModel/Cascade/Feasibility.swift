import Foundation

/// Conditions of a specification under which the chosen model has no physical steady state
/// (or only one the plant cannot run), found from the feeds and flows alone, before any
/// Newton step: milliseconds instead of a failed solve.
public enum Feasibility {
    /// A specification the solver refuses, with the numbers that show it and a remedy.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// The saponified organic brings at least as much cation into its entry stage
            /// as that stage's aqueous outlet carries anion away.
            case overSaponification
        }
        public var kind: Kind
        /// The organic stream that causes it.
        public var stream: String
        /// The stage it enters, 1-based.
        public var stage: Int
        /// Saponifying cation (Na⁺/NH₄⁺) the organic brings, mol/h.
        public var cationFlux: Double
        /// Anion (Cl⁻, or ½ SO₄²⁻) the aqueous leaving that stage carries, mol/h.
        public var anionFlux: Double
        /// The largest organic flow (L/h) and saponified fraction that keep the ratio below 1,
        /// the other held.
        public var organicFlowLimit: Double
        public var saponificationLimit: Double
        /// Name of the cation, for messages ("Na" or "NH4").
        public var cationName: String

        /// Cation in over anion out: Xu's extraction ratio on saponified capacity, E_M.
        public var extractionRatio: Double { cationFlux / anionFlux }

        /// What is wrong, with the numbers.
        public var description: String {
            let c = cationName == "NH4" ? "NH₄⁺" : "Na⁺"
            return "over-saponification: the organic '\(stream)' brings \(Self.format(cationFlux)) mol/h of \(c) into stage \(stage), "
                + "whose aqueous outlet can carry away only \(Self.format(anionFlux)) mol/h of anion (extraction ratio on saponified "
                + "capacity E_M = \(String(format: "%.3f", extractionRatio)) ≥ 1): the organic can take up every rare earth reaching "
                + "the extraction section, so no light-element raffinate exists and the raffinate pH would climb until rare-earth "
                + "hydroxides precipitate, which the model excludes"
        }

        /// What to change.
        public var remedy: String {
            "keep E_M below 1 (Xu's optimum is near 1/√β, 0.82 at β = 1.5): lower the organic flow below "
                + "\(Self.format(organicFlowLimit)) L/h or its saponification below \(String(format: "%.1f", 100 * saponificationLimit)) %, "
                + "or bring more anion into stage \(stage)'s aqueous (more scrub or feed acid)"
        }

        static func format(_ v: Double) -> String { String(format: "%.4g", v) }
    }

    /// Every problem of `network`'s specification that makes a steady state impossible.
    ///
    /// Over-saponification (acid-exchange models): an organic feed whose saponifying cation
    /// (mol/h) is at least the anion (mol/h) leaving its entry stage in the aqueous. With an
    /// acid-free feed and the scrub acid consumed, that ratio is Xu's extraction ratio of the
    /// extraction section counted on saponified capacity, E_M = S_sap / (1 + W). By
    /// electroneutrality the raffinate cannot take that cation away, so the organic must carry
    /// it on with spare capacity for every rare earth. In a sweep of the mass-action Pr|Nd
    /// split over organic and scrub flows every case at E_M ≥ 1 (1.01–1.89) failed to
    /// converge and every case at 0.98 or below converged (docs/engine.md §6).
    public static func problems(_ network: CascadeNetwork) -> [Problem] {
        guard network.exchangesAcid else { return [] }
        let cationName = network.cascade.sections.lazy.compactMap { ($0.equilibrium as? MassActionModel)?.cationName }.first ?? "Na"
        var problems: [Problem] = []
        let saponified = network.cascade.organicFeeds.filter { $0.saponification > 0 && $0.extractant > 0 }
        for stage in Set(saponified.map(\.stage)).sorted() {
            let feeds = saponified.filter { $0.stage == stage }
            let cation = feeds.reduce(0) { $0 + $1.flow * $1.extractant * $1.saponification }
            let i = stage - 1
            let anion = network.aqueousFlow[i] * network.anionConcentration[i]
            guard cation >= anion else { continue }
            // Limits for the largest of the feeds (the one a user would adjust), others held.
            let main = feeds.max { $0.flow * $0.extractant * $0.saponification < $1.flow * $1.extractant * $1.saponification }!
            let others = cation - main.flow * main.extractant * main.saponification
            let room = max(anion - others, 0)
            problems.append(Problem(kind: .overSaponification, stream: main.name, stage: stage, cationFlux: cation, anionFlux: anion,
                                    organicFlowLimit: room / (main.extractant * main.saponification),
                                    saponificationLimit: room / (main.flow * main.extractant), cationName: cationName))
        }
        return problems
    }
}
