import Foundation

/// Reference cascades with realistic, self-consistent flows, shared by tests, benchmarks
/// and examples, so that every timing or convergence figure SXSim publishes refers to one
/// named, reproducible problem.
///
/// The parameters are illustrative (not fitted to any plant); they are chosen so that every
/// model puts the cut between the two middle elements of the feed.
public enum StandardCascades {
    /// The equilibrium fidelity of a standard cascade.
    public enum Model: String, CaseIterable, Sendable {
        /// Constant D per element and section (linear per element).
        case constantDistribution = "constant-D"
        /// Xu's constant separation factors with a fully loaded organic in extraction and scrub.
        case separationFactors = "separation-factors"
        /// Mass-action cation exchange in every section, 25 % saponified 1.5 mol/L extractant.
        case massAction = "mass-action"
    }

    /// Feed elements in the order they are taken: La, Ce, Pr, Nd, Sm, Gd, Eu, Tb, Dy, Ho, Er,
    /// Tm, Yb, Lu, Y (2 elements = La, Ce; 6 = La … Gd; 15 = all).
    public static let elementSequence: [Element] = [.La, .Ce, .Pr, .Nd, .Sm, .Gd, .Eu, .Tb, .Dy, .Ho, .Er, .Tm, .Yb, .Lu, .Y]

    /// Stage counts (extraction, scrub, strip) for `total` stages split 2 : 2 : 1
    /// (the strip section gets the remainder; each section has at least one stage).
    public static func sectionSizes(totalStages total: Int) -> (extraction: Int, scrub: Int, strip: Int) {
        precondition(total >= 3, "a fractional extraction + strip cascade needs at least 3 stages")
        let extraction = max(1, 2 * total / 5)
        let scrub = max(1, 2 * total / 5)
        return (extraction, scrub, total - extraction - scrub)
    }

    /// Fractional extraction (stages 1…n) + scrub (n+1…n+m) + strip (n+m+1…n+m+k) of an
    /// equimolar chloride feed (1 L/h, 1.2 mol/L total RE) entering stage n.
    ///
    /// Separation factors rise by 1.5 per element (β_j = 1.5^j relative to La). Organic enters
    /// stage 1; scrub liquor enters stage n+m; strip acid (0.8 L/h) enters the last stage. The
    /// strip liquor leaves stage n+m+1; a fraction `reflux` of it continues into the scrub
    /// section instead (0 ≤ reflux < 1; reflux ≥ 1 sends it all back).
    ///
    /// - constant-D: D_j = 1.6 β_j β_key⁻¹ (extraction, scrub), 0.02 β_j β_key⁻¹ (strip); O = 2 L/h.
    /// - separation-factors: loading 0.17 mol/L, O = 4.5 L/h, scrub acid 2.5 mol/L at 0.3 L/h
    ///   (strips W ≈ 0.25 mol/h RE); strip section constant D as above.
    /// - mass-action: K_j = 30 β_j β_key⁻¹, organic 15 L/h of 1.5 mol/L HA (P507-like),
    ///   25 % saponified; feed acid 0.1 mol/L, scrub 1 mol/L HCl at 1.8 L/h, strip 5 mol/L HCl
    ///   at 1.5 L/h (organic RE flux sized on Xu's S ≈ 2.5 per unit feed RE).
    ///
    /// β_key = 1.5^((count − 1)/2) centres the key pair on D ≈ 1.
    public static func fractionalWithStrip(model: Model, elementCount count: Int,
                                           extraction n: Int, scrub m: Int, strip k: Int,
                                           reflux: Double = 0, efficiency: Double = 1) -> Cascade {
        precondition((1...elementSequence.count).contains(count), "1 to \(elementSequence.count) elements")
        precondition(n > 0 && m > 0 && k > 0, "every section needs a stage")
        let elements = Array(elementSequence.prefix(count))
        let beta = (0..<count).map { pow(1.5, Double($0)) }
        let centred = beta.map { $0 * pow(1.5, -0.5 * Double(count - 1)) }
        let none = [Double](repeating: 0, count: count)

        var loaded: any EquilibriumModel
        var stripping: any EquilibriumModel = .constantDistribution(distributionRatios: centred.map { 0.02 * $0 })
        var organic = OrganicFeed(name: "organic", stage: 1, flow: 2.0, concentrations: none)
        var acid = (feed: 0.01, scrub: 1.0, strip: 4.0)
        var scrubFlow = 0.3
        var stripFlow = 0.8
        switch model {
        case .constantDistribution:
            loaded = .constantDistribution(distributionRatios: centred.map { 1.6 * $0 })
        case .separationFactors:
            loaded = .separationFactors(separationFactors: beta, organicLoading: 0.17)
            organic.flow = 4.5
            acid.feed = 0
            acid.scrub = 3 * 0.25 / scrubFlow
        case .massAction:
            loaded = .massAction(extractionConstants: centred.map { 30 * $0 })
            stripping = loaded
            organic = OrganicFeed(name: "organic", stage: 1, flow: 15.0, extractant: 1.5,
                                  saponification: 0.25, concentrations: none)
            acid = (feed: 0.1, scrub: 1.0, strip: 5.0)
            scrubFlow = 1.8
            stripFlow = 1.5
        }
        let feedConcentration = [Double](repeating: 1.2 / Double(count), count: count)
        let splits = reflux >= 1 ? [] : [OutletSplit(stage: n + m + 1, phase: .aqueous, fraction: 1 - reflux,
                                                     destination: .product("strip liquor"))]
        return Cascade(
            name: "standard \(model.rawValue) \(count)-element \(n)+\(m)+\(k)",
            elements: elements,
            sections: [Section(name: "extraction", stageCount: n, equilibrium: loaded, murphreeEfficiency: efficiency),
                       Section(name: "scrub", stageCount: m, equilibrium: loaded, murphreeEfficiency: efficiency),
                       Section(name: "strip", stageCount: k, equilibrium: stripping, murphreeEfficiency: efficiency)],
            aqueousFeeds: [AqueousFeed(name: "feed", stage: n, flow: 1, concentrations: feedConcentration, acidity: acid.feed),
                           AqueousFeed(name: "scrub", stage: n + m, flow: scrubFlow, concentrations: none, acidity: acid.scrub),
                           AqueousFeed(name: "strip", stage: n + m + k, flow: stripFlow, concentrations: none, acidity: acid.strip)],
            organicFeeds: [organic],
            splits: splits)
    }

    /// The same cascade with `totalStages` split by `sectionSizes(totalStages:)`.
    public static func fractionalWithStrip(model: Model, elementCount count: Int, totalStages: Int,
                                           reflux: Double = 0, efficiency: Double = 1) -> Cascade {
        let s = sectionSizes(totalStages: totalStages)
        return fractionalWithStrip(model: model, elementCount: count, extraction: s.extraction, scrub: s.scrub,
                                   strip: s.strip, reflux: reflux, efficiency: efficiency)
    }
}
