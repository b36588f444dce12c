import Foundation

/// Conditions of a specification under which the chosen model has no physical steady state
/// (or only one the plant cannot run), found from the feeds and flows alone, before any
/// Newton step: milliseconds instead of a failed solve.
public enum Feasibility {
    /// A specification the solver refuses (or, for `isRefusal == false`, solves with a
    /// warning), with the numbers that show it and a remedy.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// The saponified organic brings at least as much cation into its entry stage
            /// as that stage's aqueous outlet carries anion away.
            case overSaponification
            /// The acid fed to the strip stages (mol/h H⁺) is less than 3 H⁺ per RE³⁺ that the
            /// fully loaded organic brings into them.
            case stripAcidShortfall
            /// A fully loaded section's organic loading is above what the extractant can hold
            /// (C/6 unsaponified as M(A·HA)₃, s·C/3 saponified as MA₃).
            case loadingAboveCapacity
            /// The loading is above the saponified capacity s·C/3 but within C/6: the rest
            /// loads by acid exchange and releases H⁺ (a warning).
            case loadingAboveSaponifiedCapacity
            /// The fully loaded organic would carry more rare earth out of its sections than
            /// is fed (no raffinate), or the acid routed back into them would strip more than
            /// the organic carries (a negative export).
            case loadedOrganicExceedsFeed
            /// A loaded stage whose steady aqueous outflow of rare earth would be negative: the
            /// fully loaded organic takes more out of it than can reach it (e.g. the feed's acid
            /// strips the organic at the feed stage and the scrub aqueous cannot reload it).
            case loadedStageDrained
        }
        public var kind: Kind
        /// The stream a reader should look at (where a diagnostic is located).
        public var stream: String
        /// The stage it enters or concerns, 1-based.
        public var stage: Int
        /// True when no steady state exists and the solver refuses; false for a warning.
        public var isRefusal: Bool = true
        /// Saponifying cation (Na⁺/NH₄⁺) the organic brings, mol/h (over-saponification).
        public var cationFlux = 0.0
        /// Anion (Cl⁻, or ½ SO₄²⁻) the aqueous leaving that stage carries, mol/h (over-saponification).
        public var anionFlux = 0.0
        /// The largest organic flow (L/h) and saponified fraction that keep the ratio below 1,
        /// the other held (over-saponification).
        public var organicFlowLimit = 0.0
        public var saponificationLimit = 0.0
        /// Name of the cation, for messages ("Na" or "NH4").
        public var cationName = "Na"
        /// H⁺ the strip needs (3 per RE³⁺ the loaded organic brings) and H⁺ fed to it, mol/h
        /// (strip-acid shortfall).
        public var acidNeeded = 0.0
        public var acidFed = 0.0
        /// The section's loading and the extractant's capacity, mol/L RE (loading checks).
        public var loading = 0.0
        public var capacity = 0.0
        /// Rare earth the loaded organic exports and rare earth fed, mol/h (export check).
        public var export = 0.0
        public var rareEarthFed = 0.0
        /// The steady aqueous rare-earth outflow a loaded stage would need (negative: drained)
        /// and the rare earth that can reach it, mol/h (drained-stage check).
        public var stageOutflow = 0.0
        public var rareEarthReaching = 0.0
        /// What is wrong, with the numbers, and what to change.
        public var description: String
        public var remedy: String

        /// Cation in over anion out: Xu's extraction ratio on saponified capacity, E_M.
        public var extractionRatio: Double { anionFlux > 0 ? cationFlux / anionFlux : .infinity }
        /// H⁺ missing from the strip, mol/h.
        public var shortfall: Double { max(acidNeeded - acidFed, 0) }

        static func format(_ v: Double) -> String { EngineeringFormat.string(v, digits: 4) }
        static func percent(_ v: Double) -> String { String(format: "%.1f", 100 * v) }
    }

    /// Every problem of `network`'s specification that makes a steady state impossible
    /// (`isRefusal`), and those that deserve a warning.
    ///
    /// - Over-saponification (acid-exchange models): an organic feed whose saponifying cation
    ///   (mol/h) is at least the anion (mol/h) leaving its entry stage in the aqueous. With an
    ///   acid-free feed and the scrub acid consumed, that ratio is Xu's extraction ratio of the
    ///   extraction section counted on saponified capacity, E_M = S_sap / (1 + W). By
    ///   electroneutrality the raffinate cannot take that cation away, so the organic must
    ///   carry it on with spare capacity for every rare earth. In a sweep of the mass-action
    ///   Pr|Nd split over organic and scrub flows every case at E_M ≥ 1 (1.01–1.89) failed to
    ///   converge and every case at 0.98 or below converged (docs/engine.md §6).
    /// - Fully loaded sections (Xu's model, `fixedOrganicLoading`): the loading against the
    ///   extractant's capacity, the strip acid against the load, and the rare earth the
    ///   loaded organic exports against the rare earth fed (`loadedOrganicProblems`).
    public static func problems(_ network: CascadeNetwork) -> [Problem] {
        overSaponification(network) + loadedOrganicProblems(network)
    }

    /// The problems that make the solver refuse the specification.
    public static func refusals(_ network: CascadeNetwork) -> [Problem] {
        problems(network).filter(\.isRefusal)
    }

    static func overSaponification(_ network: CascadeNetwork) -> [Problem] {
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
            let flowLimit = room / (main.extractant * main.saponification)
            let saponificationLimit = room / (main.flow * main.extractant)
            let c = cationName == "NH4" ? "NH₄⁺" : "Na⁺"
            let ratio = cation / anion
            let description = "over-saponification: the organic '\(main.name)' brings \(Problem.format(cation)) mol/h of \(c) into stage \(stage), "
                + "whose aqueous outlet can carry away only \(Problem.format(anion)) mol/h of anion (extraction ratio on saponified "
                + "capacity E_M = \(String(format: "%.3f", ratio)) ≥ 1): the organic can take up every rare earth reaching "
                + "the extraction section, so no light-element raffinate exists and the raffinate pH would climb until rare-earth "
                + "hydroxides precipitate, which the model excludes"
            let remedy = "keep E_M below 1 (Xu's optimum is near 1/√β, 0.82 at β = 1.5): lower the organic flow below "
                + "\(Problem.format(flowLimit)) L/h or its saponification below \(Problem.percent(saponificationLimit)) %, "
                + "or bring more anion into stage \(stage)'s aqueous (more scrub or feed acid)"
            problems.append(Problem(kind: .overSaponification, stream: main.name, stage: stage, cationFlux: cation, anionFlux: anion,
                                    organicFlowLimit: flowLimit, saponificationLimit: saponificationLimit, cationName: cationName,
                                    description: description, remedy: remedy))
        }
        return problems
    }
}
