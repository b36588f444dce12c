import Foundation
import SXModel
import SXNumerics

/// A seeded generator of plant-like fractional-extraction flowsheets (issue 9, item 5): the
/// population over which "every flowsheet converges or is refused before solving" is measured
/// (`sxbench plants` in Benchmarks/, a sample in `PlantLikeCascadeTests`).
///
/// Each case: 2 to 7 elements of La, Ce, Pr, Nd, Sm, Eu, Gd (Pm is never fed), extraction +
/// scrub + strip of 20 to 400 stages in all, a cut between two neighbouring fed elements, a
/// saponified organic (0 to 45 %), part of the strip liquor refluxed into the scrub, and the
/// organic and scrub fluxes at Xu's optimum operating point for the key pair
/// (`XuTheory.optimumOperatingPoint`) each scaled by an independent factor in 0.7–1.5. Case
/// `index` of `seed` is the same on every machine (SplitMix64 seeded from both).
///
/// Models, in turn by index: constant D (the strip constant or acid-dependent), Xu's
/// separation factors (strip likewise), mass action in every section. All parameters are
/// illustrative (docs/references.md [TYP]): none is a fitted plant value.
public enum PlantLikeCascades {
    /// The equilibrium model family of a case.
    public enum Family: String, CaseIterable, Sendable {
        case constantDistribution = "constant-D"
        case separationFactors = "separation-factors"
        case massAction = "mass-action"
    }

    /// One generated case: the cascade and the choices that made it (for the report of a failure).
    public struct Case: Sendable {
        public var index: Int
        public var family: Family
        public var cascade: Cascade
        /// Extraction, scrub and strip stage counts.
        public var stages: (extraction: Int, scrub: Int, strip: Int)
        /// Saponified fraction of the extractant (0…0.45).
        public var saponification: Double
        /// Organic and scrub fluxes over Xu's optimum (0.7…1.5 each).
        public var organicFactor: Double
        public var scrubFactor: Double
        /// Fraction of the strip liquor refluxed into the scrub.
        public var reflux: Double
        /// Whether the strip's D depends on its acidity (models (a) and (b) only).
        public var acidDependentStrip: Bool

        /// One line naming the case's choices.
        public var summary: String {
            let symbols = cascade.elements.map(\.symbol).joined(separator: ",")
            return String(format: "#%d %@ [%@] %d+%d+%d stages, sap %.0f %%, organic ×%.2f, scrub ×%.2f, reflux %.2f%@",
                          index, family.rawValue, symbols, stages.extraction, stages.scrub, stages.strip,
                          100 * saponification, organicFactor, scrubFactor, reflux, acidDependentStrip ? ", acid-dependent strip" : "")
        }
    }

    /// The elements a case draws from, in order of rising extractability by P507.
    public static let candidateElements: [Element] = [.La, .Ce, .Pr, .Nd, .Sm, .Eu, .Gd]
    /// Separation factor of each candidate over the one before it (La: 1), illustrative values of
    /// the order reported for P507 in chloride (docs/references.md [TYP]); each case scales each
    /// ratio by a factor in 0.8–1.25 and keeps it ≥ `minimumAdjacentBeta`.
    public static let adjacentSeparationFactors: [Double] = [1, 5, 2, 1.5, 8, 2, 1.5]
    public static let minimumAdjacentBeta = 1.2

    /// Ranges of the generator (the issue's plant-like population).
    public static let elementCounts = 2...7
    public static let totalStages = 20...400
    public static let saponificationRange = 0.0...0.45
    public static let fluxFactorRange = 0.7...1.5
    /// Feed: total RE (mol/L), flow (L/h), free acid (mol/L).
    public static let feedConcentrationRange = 0.8...1.6
    public static let feedFlowRange = 50.0...200.0
    public static let feedAcidityRange = 0.01...0.1
    /// Organic: extractant (mol/L, monomer basis).
    public static let extractantRange = 1.0...1.5
    /// Strip liquor: RE (mol/L) and residual free acid (mol/L) aimed at; scrub acid (mol/L).
    public static let stripLiquorRange = 1.0...1.5
    public static let residualAcidRange = 0.2...0.6
    public static let scrubAcidityRange = 2.0...4.0
    /// Reflux fraction of the strip liquor drawn (lowered where the refluxed RE and acid would
    /// strip more than the scrub must).
    public static let refluxRange = 0.05...0.8
    /// Strip extraction factor D·O/A of the most extractable element at the strip liquor's
    /// acidity (below 1: the strip takes the load off).
    public static let stripExtractionFactor = 0.3
    /// Mass action: K of the key pair's geometric mean, drawn log-uniform in this range.
    public static let massActionConstantRange = 10.0...100.0

    /// Case `index` of the population seeded by `seed`, its total stage count drawn from
    /// `totalStages` (a smaller range gives a quicker sample of the same kind of plant).
    public static func make(index: Int, seed: UInt64, totalStages stageRange: ClosedRange<Int> = totalStages) -> Case {
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
        func uniform(_ r: ClosedRange<Double>) -> Double { r.lowerBound + (r.upperBound - r.lowerBound) * rng.nextUnit() }
        func integer(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(rng.next() % UInt64(r.count)) }

        let family = Family.allCases[index % Family.allCases.count]
        // Elements: a random subset of the candidates, kept in order.
        let count = integer(elementCounts)
        var chosen = Array(candidateElements.indices)
        while chosen.count > count { chosen.remove(at: integer(0...(chosen.count - 1))) }
        let elements = chosen.map { candidateElements[$0] }
        var beta = [1.0]
        for (a, b) in zip(chosen, chosen.dropFirst()) {
            var ratio = 1.0
            for c in (a + 1)...b { ratio *= max(minimumAdjacentBeta, adjacentSeparationFactors[c] * uniform(0.8...1.25)) }
            beta.append(beta.last! * ratio)
        }
        var weights = (0..<count).map { _ in uniform(0.2...1) }
        let weightSum = weights.reduce(0, +)
        weights = weights.map { $0 / weightSum }
        let cut = integer(1...(count - 1))   // elements 0..<cut leave in the raffinate
        let heavyFraction = weights[cut...].reduce(0, +)
        let keyBeta = beta[cut] / beta[cut - 1]
        let keyMean = (beta[cut] * beta[cut - 1]).squareRoot()

        // Stages: strip 10–25 % (at least 3), the rest split 40–60 % between extraction and scrub.
        let total = integer(stageRange)
        let strip = max(3, Int((uniform(0.1...0.25) * Double(total)).rounded()))
        let extraction = max(1, Int((uniform(0.4...0.6) * Double(total - strip)).rounded()))
        let scrub = max(1, total - strip - extraction)

        // Fluxes per mol/h of feed RE (Xu's normalisation), then scaled.
        let optimum = XuTheory.optimumOperatingPoint(beta: keyBeta, cut: heavyFraction)
        let organicFactor = uniform(fluxFactorRange), scrubFactor = uniform(fluxFactorRange)
        let s = optimum.s * organicFactor, w = optimum.w * scrubFactor
        let feedFlow = uniform(feedFlowRange), feedConcentration = uniform(feedConcentrationRange)
        let feedRE = feedFlow * feedConcentration   // mol/h
        let saponification = uniform(saponificationRange)
        let extractant = uniform(extractantRange)
        // Loading of the organic leaving extraction: the saponified capacity s·C/3, or half the
        // acid-form capacity C/6 when that is more (a lightly saponified organic loads by acid
        // exchange as well; docs/engine.md §6).
        let loading = max(saponification * extractant / 3, 0.5 * extractant / 6) * uniform(0.9...1.0)
        let organicFlow = s * feedRE / loading
        // Export, strip and reflux (docs/engine.md §6): the organic carries L = P/(1 − r) into the
        // strip, P = (S − W)·F the product; the strip acid is 3L plus the residual acid of the
        // liquor; the scrub acid makes up the RE the scrub must strip, W·F, less the refluxed
        // RE and acid.
        let product = max(s - w, 0.05 * heavyFraction) * feedRE
        var reflux = uniform(refluxRange)
        let stripLiquor = uniform(stripLiquorRange), residual = uniform(residualAcidRange)
        func load(_ r: Double) -> Double { product / (1 - r) }
        func stripFlow(_ r: Double) -> Double { load(r) / stripLiquor }
        // Refluxed RE and acid together strip at most what the scrub must: r(3L + R) ≤ 3W·F.
        let refluxBound = 3 * w * feedRE / (3 * load(reflux) + residual * stripFlow(reflux))
        if reflux > refluxBound { reflux = refluxBound * uniform(0.5...0.95) }
        let stripAcidFlow = stripFlow(reflux)
        let stripAcid = 3 * load(reflux) + residual * stripAcidFlow   // mol/h H⁺
        let scrubAcidMoles = max(3 * w * feedRE - reflux * stripAcid, 0)   // mol/h H⁺
        let scrubAcidity = uniform(scrubAcidityRange)

        // Equilibria.
        let aqueousInExtraction = (1 + w) * feedRE / (feedFlow + scrubAcidMoles / scrubAcidity)
        let stripRatios = beta.map { stripExtractionFactor * stripAcidFlow / organicFlow * $0 / beta.last! }
        let acidDependentStrip = family != .massAction && rng.nextUnit() < 0.5
        let stripModel: any EquilibriumModel = acidDependentStrip
            ? AcidDependentDistributionModel(referenceDistributionRatios: stripRatios, referenceAcidity: residual)
            : ConstantDistributionModel(distributionRatios: stripRatios)
        let loaded: any EquilibriumModel
        var stripping = stripModel
        switch family {
        case .constantDistribution:
            // Model (b)'s distribution ratios at the extraction section's aqueous total, the key
            // pair's mean composition: the constant-D version of the same plant.
            loaded = ConstantDistributionModel(distributionRatios: beta.map { loading / aqueousInExtraction * $0 / keyMean })
        case .separationFactors:
            loaded = SeparationFactorModel(separationFactors: beta, organicLoading: loading)
        case .massAction:
            let k = exp(uniform(log(massActionConstantRange.lowerBound)...log(massActionConstantRange.upperBound)))
            loaded = MassActionModel(extractionConstants: beta.map { k * $0 / keyMean })
            stripping = loaded
        }
        let none = [Double](repeating: 0, count: count)
        var aqueousFeeds = [AqueousFeed(name: "feed", stage: extraction, flow: feedFlow,
                                        concentrations: weights.map { $0 * feedConcentration }, acidity: uniform(feedAcidityRange))]
        if scrubAcidMoles > 0 {
            aqueousFeeds.append(AqueousFeed(name: "scrub-acid", stage: extraction + scrub, flow: scrubAcidMoles / scrubAcidity,
                                            concentrations: none, acidity: scrubAcidity))
        }
        aqueousFeeds.append(AqueousFeed(name: "strip-acid", stage: extraction + scrub + strip, flow: stripAcidFlow,
                                        concentrations: none, acidity: stripAcid / stripAcidFlow))
        let cascade = Cascade(
            name: "plant-like \(index)",
            elements: elements,
            sections: [Section(name: "extraction", stageCount: extraction, equilibrium: loaded),
                       Section(name: "scrub", stageCount: scrub, equilibrium: loaded),
                       Section(name: "strip", stageCount: strip, equilibrium: stripping)],
            aqueousFeeds: aqueousFeeds,
            organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: organicFlow, extractant: extractant,
                                       saponification: saponification, concentrations: none)],
            splits: [OutletSplit(stage: extraction + scrub + 1, phase: .aqueous, fraction: 1 - reflux,
                                 destination: .product("strip-liquor"))])
        return Case(index: index, family: family, cascade: cascade, stages: (extraction, scrub, strip),
                    saponification: saponification, organicFactor: organicFactor, scrubFactor: scrubFactor,
                    reflux: reflux, acidDependentStrip: acidDependentStrip)
    }
}
