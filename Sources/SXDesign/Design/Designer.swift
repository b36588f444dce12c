import Foundation
import SXModel

/// The split of a feed into the two sides of a key pair, by separation factor.
public struct KeySplit: Sendable, Equatable {
    /// Indices (into the specification's elements) of the organic side (β ≥ β of the heavier key).
    public var organicSide: [Int]
    /// Indices of the raffinate side (β ≤ β of the lighter key).
    public var raffinateSide: [Int]
    /// β of the heavier key over the lighter key.
    public var keySeparationFactor: Double
    /// Feed mole fraction of the organic side, f_A.
    public var feedFractionA: Double
    /// Feed-weighted mean oxide mass per mole of each side, g/mol (for oxide-basis purities).
    public var oxideMassA: Double
    public var oxideMassB: Double
}

/// Purity and recovery of the two sides in a solved cascade.
public struct SplitPerformance: Sendable, Equatable {
    /// Organic side's share of the organic product, and raffinate side's share of the raffinate, by moles.
    public var molePurityA: Double, molePurityB: Double
    /// The same by oxide mass.
    public var oxidePurityA: Double, oxidePurityB: Double
    /// Recoveries (moles) of each side into its product.
    public var recoveryA: Double, recoveryB: Double

    public func purity(_ product: DesignProduct, basis: PurityBasis) -> Double {
        switch (product, basis) {
        case (.organic, .mole): molePurityA
        case (.organic, .oxide): oxidePurityA
        case (.raffinate, .mole): molePurityB
        case (.raffinate, .oxide): oxidePurityB
        }
    }

    public func recovery(_ product: DesignProduct) -> Double { product == .organic ? recoveryA : recoveryB }

    /// Smallest achieved − target over the targets (≥ 0: all met).
    public func margin(_ targets: [DesignTarget], basis: PurityBasis) -> Double {
        targets.map { t in
            switch t {
            case .purity(let p, let v): purity(p, basis: basis) - v
            case .recovery(let p, let v): recovery(p) - v
            }
        }.min() ?? 0
    }
}

/// Where one element ends up in the designed cascade.
public struct ElementDistribution: Sendable, Equatable {
    public var element: Element
    public var side: DesignProduct
    /// Fraction of the element's feed leaving in the organic product and in the raffinate.
    public var toOrganic: Double, toRaffinate: Double
    /// Its oxide share of each product's TREO.
    public var oxideShareOrganic: Double, oxideShareRaffinate: Double
}

/// The result of a design, step by step (see `text` for the printed form).
public struct DesignReport: Sendable {
    public var specification: DesignSpecification
    public var split: KeySplit
    /// Group purities on the mole basis that the closed forms use (converted from oxide targets).
    public var purityA: Double, purityB: Double
    /// The cut f'_A and the recoveries it implies.
    public var cut: Double, recoveryA: Double, recoveryB: Double
    public var minimumS: Double, minimumW: Double
    public var fenskeStages: Double
    public var optimum: (s: Double, w: Double, controlling: XuTheory.ControllingSection)
    /// Operating fluxes used (per unit feed RE flux).
    public var s: Double, w: Double
    public var extractionRatio: Double, scrubRatio: Double
    public var approximateN: Double?, approximateM: Double?
    public var search: StageSearch.Result
    /// The recommended (n, m): among the minimal pairs, the one with the largest margin.
    public var recommended: StageSearch.Point?
    /// Solution of the recommended cascade.
    public var result: CascadeResult?
    public var performance: SplitPerformance?
    public var distribution: [ElementDistribution]
    public var flows: OperatingFlows
    /// The designed cascade: the minimal split plus the stage margin, or, when no stage count
    /// reaches the targets, the best split tried (`targetsReached` false).
    public var cascade: Cascade?
    /// Extraction and scrub stages of `cascade` (the search's split plus the stage margin).
    public var designedStages: StageSearch.Point
    /// Strip stages of `cascade`.
    public var stripStages: Int
    /// Remarks for the engineer (operating below the minimum fluxes, etc.).
    public var notes: [String]

    /// True when the exact search found a split meeting every target.
    public var targetsReached: Bool { recommended != nil }

    public var isBelowMinimum: Bool { s < minimumS * (1 - 1e-12) || w < minimumW * (1 - 1e-12) }
}

/// Xu's design method with rigorous confirmation (see docs/design.md).
public enum Designer {
    /// Solves the design. Throws when the specification is inconsistent; a design whose targets
    /// cannot be reached is returned with `search.outcome` saying why.
    ///
    /// `progress`, when given, is called after each rigorous solve of the stage search with the
    /// number of solves so far and the (n, m) just solved (from worker threads when `concurrent`).
    public static func design(_ spec: DesignSpecification, options: SolveOptions = SolveOptions(),
                              concurrent: Bool = true,
                              progress: (@Sendable (_ solves: Int, _ n: Int, _ m: Int) -> Void)? = nil) throws(DesignSpecificationError) -> DesignReport
    {
        let split = try keySplit(spec)
        let (pA, pB) = try moleTargets(spec, split)
        let beta = split.keySeparationFactor, fA = split.feedFractionA
        let minimum = XuTheory.minimumFluxes(beta: beta, feedFractionA: fA, purityA: pA, purityB: pB)
        let cut = minimum.cut
        let recoveries = XuTheory.recoveries(feedFractionA: fA, purityA: pA, purityB: pB)
        let fenske = XuTheory.fenskeMinimumStages(beta: beta, feedFractionA: fA, purityA: pA, purityB: pB)
        // Fenske's total-reflux count is a lower bound on n + m: beyond max-stages no search can
        // succeed (at β = 1.000001 it is millions, and each of hundreds of solves failed slowly).
        guard fenske <= Double(spec.maximumStages) else {
            throw DesignSpecificationError(problems: ["the targets need at least \(EngineeringFormat.string(fenske)) stages even at total reflux (Fenske, key β = \(EngineeringFormat.string(beta, digits: 9))), more than max-stages = \(spec.maximumStages); relax the purities, or raise max-stages if that many stages are meant"])
        }
        let optimum = XuTheory.optimumOperatingPoint(beta: beta, cut: cut)
        var s: Double, w: Double
        switch spec.operating {
        case .xuOptimum: (s, w) = (optimum.s, optimum.w)
        case .multipleOfMinimum(let k):
            guard k > 0 else { throw DesignSpecificationError(problems: ["the multiple of S_min must be > 0 (got \(k))"]) }
            s = k * minimum.s; w = s - cut
        case .fluxes(let s0, let w0): (s, w) = (s0, w0)
        }
        guard s > 0, w > 0, s > w else {
            throw DesignSpecificationError(problems: ["operating fluxes need S > W > 0 (got S = \(s), W = \(w))"])
        }
        guard OperatingFlows(spec: spec, s: s, w: w, productOxide: nil).isFinite else {
            throw DesignSpecificationError(problems: ["the operating flows overflow double precision (feed-flow \(spec.feedFlow) L/h, feed-concentrations, acids, loading); give realistic values"])
        }
        let ratios = XuTheory.extractionRatios(s: s, w: w)
        // Under a fully loaded organic, stage 1 moves the fraction E_M = S/(1 + W) of its
        // aqueous rare earth into the fresh organic; with Murphree efficiency E the equilibrium
        // aqueous x* = x_in − (x_in − x)/E is negative unless E > E_M.
        if spec.efficiency < 1 && spec.efficiency <= ratios.extraction {
            throw DesignSpecificationError(problems: ["a Murphree efficiency of \(formatPercent(spec.efficiency)) cannot be represented under Xu's fully loaded model at these fluxes: stage 1 must move E_M = S/(1 + W) = \(EngineeringFormat.string(ratios.extraction)) of its aqueous rare earth into fresh organic, more than a stage of efficiency \(formatPercent(spec.efficiency)) can; give efficiency above \(EngineeringFormat.string(ratios.extraction)), or keep efficiency 1 and add stages with stage-margin"])
        }
        let approx = XuTheory.approximateStages(beta: beta, feedFractionA: fA, purityA: pA, purityB: pB, s: s, w: w)
        var notes: [String] = []
        if abs((s - w) - cut) > 1e-6 {
            notes.append(String(format: "S − W = %.6f differs from the cut f'_A = %.6f: the organic product takes %@ rare earth than the targets need, so one purity is reached with margin and the other may be out of reach",
                                s - w, cut, (s - w) > cut ? "more" : "less"))
        }
        if s < minimum.s * (1 - 1e-12) || w < minimum.w * (1 - 1e-12) {
            notes.append(String(format: "the operating fluxes are below the minimum (S = %.6f < S_min = %.6f or W = %.6f < W_min = %.6f): by Xu's theory the purity plateaus below the target however many stages are added",
                                s, minimum.s, w, minimum.w))
        }
        notes += rangeWarnings(spec)
        if spec.elements.count > 2 {
            notes.append("multi-element feed: the closed forms treat each side of the split as one component with the key pair's β; the exact search solves every element")
        }

        // Exact search with the rigorous model (b).
        let targets = spec.targets, basis = spec.purityBasis
        let (fixedS, fixedW) = (s, w)
        // Each split starts from the solution of the neighbour the search names (same total:
        // the same cascade with the feed a stage away), when that one converged.
        let solutions = SplitSolutions()
        let evaluate: StageSearch.WarmEvaluate = { n, m, neighbour in
            defer { if let progress { progress(solutions.countSolve(), n, m) } }
            let previous = neighbour.flatMap { solutions.result(n: $0.n, m: $0.m) }
            guard let r = try? CascadeSolver.solve(cascade(spec, s: fixedS, w: fixedW, n: n, m: m), options: options,
                                                   startingFrom: previous),
                  r.outcome.isConverged else { return nil }
            solutions.store(r, n: n, m: m)
            return performance(r, split).margin(targets, basis: basis)
        }
        let start: Int
        let fraction: Double
        if let n = approx.n, let m = approx.m, n + m > 0 {
            start = max(2, Int((n + m).rounded())); fraction = n / (n + m)
        } else {
            start = max(2, Int((2 * fenske).rounded())); fraction = 0.5
        }
        let searcher = StageSearch(maximumTotal: spec.maximumStages, concurrent: concurrent)
        let search = searcher.run(startingTotal: start, startingFraction: fraction, evaluateFrom: evaluate)

        var recommended: StageSearch.Point? = nil
        var designed: Cascade? = nil
        var result: CascadeResult? = nil
        var perf: SplitPerformance? = nil
        var shown: StageSearch.Point
        switch search.outcome {
        case .found(_, let pairs, _):
            recommended = pairs.max { $0.margin < $1.margin }
            shown = recommended!
        case .plateau(let best):
            shown = best
            notes.append("purity plateau: the best split of \(best.total) stages misses the targets by \(EngineeringFormat.string(-best.margin, digits: 3)) and adding stages no longer helps; raise S (and W) above the minimum")
        case .notReached(let best):
            shown = best
            notes.append("the targets were not reached within \(spec.maximumStages) stages")
        }
        // The stage margin goes on top of the minimum found (or of the best split tried).
        let withMargin = StageSearch.Point(n: shown.n + marginStages(shown.n, spec.stageMargin),
                                           m: shown.m + marginStages(shown.m, spec.stageMargin), margin: shown.margin)
        if spec.stageMargin > 0 {
            notes.append("stage margin \(formatPercent(spec.stageMargin)): n = \(shown.n) + \(withMargin.n - shown.n), m = \(shown.m) + \(withMargin.m - shown.m) stages; the flowsheet, profiles and performance below are for \(withMargin.n) + \(withMargin.m)")
        }
        let c = cascade(spec, s: s, w: w, n: withMargin.n, m: withMargin.m)
        // Purities, recoveries and where each element goes come only from a steady state.
        if let r = try? CascadeSolver.solve(c, options: options) {
            result = r
            if r.outcome.isConverged { perf = performance(r, split) }
        }
        designed = c
        if recommended == nil {
            notes.append("the flowsheet written is the best split tried (n = \(withMargin.n), m = \(withMargin.m)), marked as not meeting the targets, for inspection")
        }
        let steady = result.flatMap { $0.outcome.isConverged ? $0 : nil }
        let distribution = steady.map { distributionOf($0, split, spec) } ?? []
        let productOxide = steady.flatMap { r in r.outlet(named: productName).map { $0.flow * $0.oxideConcentration(elements: spec.elements) / 1000 } }
        let flows = OperatingFlows(spec: spec, s: s, w: w, productOxide: productOxide)
        let stripFactor = spec.stripDistributionRatio * flows.organicFlow / flows.stripAcidFlow
        let stripStages = stripStageCount(spec, flows: flows)
        let unstripped = stripFactor < 1 ? unstrippedFraction(stripFactor, stages: stripStages) : 1
        if unstripped > DesignSpecification.unstrippedTarget {
            notes.append("the strip leaves \(EngineeringFormat.string(unstripped, digits: 3)) of the loaded rare earth on the organic (\(stripStages) stages, stripping factor D·O/A = \(EngineeringFormat.string(stripFactor, digits: 3)) at O/A = \(EngineeringFormat.string(flows.organicFlow / flows.stripAcidFlow, digits: 3))): a strip this lean in acid needs a lower D (stronger acid) or more strip acid (strip-acid-excess, strip-acid); the loss is counted in the recoveries above")
        }
        return DesignReport(specification: spec, split: split, purityA: pA, purityB: pB, cut: cut,
                            recoveryA: recoveries.a, recoveryB: recoveries.b, minimumS: minimum.s, minimumW: minimum.w,
                            fenskeStages: fenske, optimum: optimum, s: s, w: w,
                            extractionRatio: ratios.extraction, scrubRatio: ratios.scrub,
                            approximateN: approx.n, approximateM: approx.m, search: search, recommended: recommended,
                            result: result, performance: perf, distribution: distribution, flows: flows,
                            cascade: designed, designedStages: withMargin, stripStages: stripStages,
                            notes: notes)
    }

    /// Name of the organic product in the design cascade: the strip liquor, drawn whole from
    /// the first strip stage.
    public static let productName = "strip liquor"

    /// ⌈margin·stages⌉, the stages a fractional margin adds to a section.
    static func marginStages(_ stages: Int, _ margin: Double) -> Int {
        margin > 0 ? Int((Double(stages) * margin - 1e-9).rounded(.up)) : 0
    }

    static func formatPercent(_ f: Double) -> String {
        let p = f * 100
        return (p == p.rounded() ? String(Int(p)) : String(format: "%.3g", p)) + " %"
    }

    /// Strip stages: the specification's, or the fewest that leave at most
    /// `DesignSpecification.unstrippedTarget` of the loaded RE on the organic. Kremser for a
    /// strip with stripping factor E = D·O/A < 1 per stage: the unstripped fraction after k
    /// ideal stages is (1 − E)/(1 − E^(k+1)) · E^k (docs/references.md [KREMSER]).
    public static func stripStageCount(_ spec: DesignSpecification, flows: OperatingFlows) -> Int {
        if let k = spec.stripStages { return k }
        let e = spec.stripDistributionRatio * flows.organicFlow / max(flows.stripAcidFlow, .leastNormalMagnitude)
        guard e.isFinite, e < 1 else { return DesignSpecification.stripStageLimit }
        for k in 1...DesignSpecification.stripStageLimit where unstrippedFraction(e, stages: k) <= DesignSpecification.unstrippedTarget {
            return k
        }
        return DesignSpecification.stripStageLimit
    }

    /// Fraction of the loaded RE left on the organic after `stages` ideal strip stages at
    /// extraction factor `e` = D·O/A (Kremser).
    public static func unstrippedFraction(_ e: Double, stages k: Int) -> Double {
        abs(1 - e) < 1e-12 ? 1 / Double(k + 1) : (1 - e) * pow(e, Double(k)) / (1 - pow(e, Double(k + 1)))
    }

    /// The designed cascade in engineering units: n extraction and m scrub stages under model (b)
    /// with the specification's loading and Murphree efficiency; feed at stage n; scrub acid at
    /// stage n + m carrying 3·W·F_RE mol/h H⁺; stripped, saponified organic (S·F_RE/Y L/h) at
    /// stage 1; then the strip (`stripStageCount` stages at the strip's D, strip acid at its
    /// last stage), whose liquor is drawn whole from its first stage as `productName`, the
    /// organic product, so that design and `sxsim run` of the written flowsheet count the same
    /// reagents and the same product.
    public static func cascade(_ spec: DesignSpecification, s: Double, w: Double, n: Int, m: Int) -> Cascade {
        let flows = OperatingFlows(spec: spec, s: s, w: w, productOxide: nil)
        let eq = SeparationFactorModel(separationFactors: spec.separationFactors, organicLoading: flows.organicLoading)
        let zeros = [Double](repeating: 0, count: spec.elements.count)
        let k = stripStageCount(spec, flows: flows)
        let strip = ConstantDistributionModel(distributionRatios: Array(repeating: spec.stripDistributionRatio, count: spec.elements.count))
        return Cascade(name: "design", elements: spec.elements,
                       sections: [Section(name: "extraction", stageCount: n, equilibrium: eq, murphreeEfficiency: spec.efficiency),
                                  Section(name: "scrub", stageCount: m, equilibrium: eq, murphreeEfficiency: spec.efficiency),
                                  Section(name: "strip", stageCount: k, equilibrium: strip)],
                       aqueousFeeds: [AqueousFeed(name: "feed", stage: n, flow: spec.feedFlow, concentrations: spec.feedConcentrations),
                                      AqueousFeed(name: "scrub acid", stage: n + m, flow: flows.scrubAcidFlow,
                                                  concentrations: zeros, acidity: spec.scrubAcid),
                                      AqueousFeed(name: "strip acid", stage: n + m + k, flow: flows.stripAcidFlow,
                                                  concentrations: zeros, acidity: spec.stripAcid)],
                       // A loading given outright (Xu's normalised unit loading, whatever the extractant)
                       // is not checked against the extractant's capacity (Feasibility, SX410; the
                       // design notes it instead, `rangeWarnings`).
                       organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: flows.organicFlow,
                                                  extractant: spec.organicLoading == nil ? spec.extractant : 0,
                                                  saponification: spec.saponification, concentrations: zeros)],
                       splits: [OutletSplit(stage: n + m + 1, phase: .aqueous, fraction: 1, destination: .product(productName))],
                       organicOutletName: "stripped organic")
    }

    /// Values inside their limits that an engineer should still look at twice (design notes).
    static func rangeWarnings(_ spec: DesignSpecification) -> [String] {
        var notes: [String] = []
        if spec.saponification > 0.5 {
            notes.append("saponification \(formatPercent(spec.saponification)) is above about 50 %, where saponified P507 forms microemulsions and settles badly (docs/references.md [ME2013]); plants run 30–40 %")
        }
        let capacity = spec.saponification > 0 ? spec.saponification * spec.extractant / 3 : spec.extractant / 6
        if let y = spec.organicLoading, y > capacity * (1 + 1e-12) {
            notes.append(String(format: "organic-loading %.4g mol/L is above what %.4g mol/L extractant at %@ saponification carries (%.4g mol/L: s·C/3, or C/6 unsaponified; docs/references.md [LOAD]); the organic flow and base scale with the loading, so check it",
                                y, spec.extractant, formatPercent(spec.saponification), capacity))
        }
        return notes
    }

    /// Values that are not finite, outside physical limits, or whose products overflow
    /// (NaN and infinity pass some comparisons, and a loading of 1e307 mol/L gives an infinite
    /// oxide mass downstream).
    static func rangeProblems(_ spec: DesignSpecification) -> [String] {
        var problems: [String] = []
        let scalars: [(String, Double?)] = [("feed-flow", spec.feedFlow), ("extractant", spec.extractant), ("saponification", spec.saponification),
                                            ("organic-loading", spec.organicLoading), ("scrub-acid", spec.scrubAcid),
                                            ("strip-acid", spec.stripAcid), ("strip-acid-excess", spec.stripAcidExcess)]
        for case let (name, v?) in scalars where !v.isFinite { problems.append("\(name) must be a finite number (got \(v))") }
        if spec.feedConcentrations.contains(where: { !$0.isFinite }) { problems.append("feed concentrations must be finite numbers") }
        if spec.separationFactors.contains(where: { !$0.isFinite }) { problems.append("separation factors must be finite numbers") }
        if !(spec.saponification >= 0 && spec.saponification < 1) {
            problems.append("saponification is the saponified fraction of the extractant and lies in [0, 1) (got \(spec.saponification)); typical 30–40 %")
        }
        if !(spec.stripAcidExcess >= 0) { problems.append("strip-acid-excess is a fraction above 3 H⁺ per RE and must be ≥ 0 (got \(spec.stripAcidExcess))") }
        if !(spec.extractant <= DesignSpecification.extractantLimit) {
            problems.append("extractant \(spec.extractant) mol/L is more than a neat extractant holds (P507 about 3.1 mol/L); give at most \(DesignSpecification.extractantLimit) mol/L")
        }
        // Xu's normalised model uses a loading of 1 unit whatever the extractant, so the bound is
        // the neat extractant's concentration, not C_HA/3 of the given one.
        if let y = spec.organicLoading, !(y <= DesignSpecification.extractantLimit) {
            problems.append("organic-loading \(y) mol/L is more than any organic carries (a neat extractant loads at most C_HA/3, about 1 mol/L RE); give at most \(DesignSpecification.extractantLimit) mol/L")
        }
        if !(2...DesignSpecification.stageLimit).contains(spec.maximumStages) {
            problems.append("max-stages must lie in 2…\(DesignSpecification.stageLimit) (got \(spec.maximumStages))")
        }
        // Products that overflow: the feed's REO flux, and the spread of the separation factors.
        let feedOxide = zip(spec.elements, spec.feedConcentrations).reduce(0) { $0 + $1.0.oxideMassPerMole * $1.1 } * spec.feedFlow
        if problems.isEmpty, !feedOxide.isFinite { problems.append("feed-flow × feed concentrations overflow (\(feedOxide) g/h REO); give realistic values") }
        if let lo = spec.separationFactors.min(), let hi = spec.separationFactors.max(), lo > 0, !(hi / lo).isFinite {
            problems.append("the separation factors span more than double precision can hold (\(hi) / \(lo))")
        }
        return problems
    }

    /// Groups the elements by β around the key pair and checks the specification.
    public static func keySplit(_ spec: DesignSpecification) throws(DesignSpecificationError) -> KeySplit {
        var problems: [String] = []
        let k = spec.elements.count
        if k < 2 { problems.append("a split needs at least two elements (got \(k))") }
        if spec.feedConcentrations.count != k { problems.append("\(spec.feedConcentrations.count) feed concentrations for \(k) elements") }
        if spec.separationFactors.count != k { problems.append("\(spec.separationFactors.count) separation factors for \(k) elements") }
        if Set(spec.elements).count != k { problems.append("an element is listed twice") }
        if !(spec.feedFlow > 0) { problems.append("feed flow must be > 0 L/h (got \(spec.feedFlow))") }
        if spec.feedConcentrations.contains(where: { !($0 >= 0) }) { problems.append("feed concentrations must be ≥ 0 mol/L") }
        if spec.separationFactors.contains(where: { !($0 > 0) }) { problems.append("separation factors must be > 0") }
        if !(spec.effectiveLoading > 0) { problems.append("the organic loading must be > 0 mol/L (check extractant and saponification)") }
        if !(spec.scrubAcid > 0) || !(spec.stripAcid > 0) { problems.append("scrub and strip acid strengths must be > 0 mol/L") }
        if !(spec.saponification >= 0 && spec.saponification < 1) { problems.append("saponification must be in [0, 1) (got \(spec.saponification))") }
        problems += rangeProblems(spec)
        let symbols = spec.elements.map(\.symbol).joined(separator: ", ")
        let light = spec.elements.firstIndex(of: spec.lighterKey)
        let heavy = spec.elements.firstIndex(of: spec.heavierKey)
        if light == nil { problems.append("the lighter key \(spec.lighterKey.symbol) is not among the feed's elements (\(symbols))") }
        if heavy == nil { problems.append("the heavier key \(spec.heavierKey.symbol) is not among the feed's elements (\(symbols))") }
        if spec.targets.count != 2 { problems.append("give exactly two targets (two purities, a purity and a recovery, or two recoveries); got \(spec.targets.count)") }
        for t in spec.targets where !(t.value > 0 && t.value < 1) {
            problems.append("target values are fractions strictly between 0 and 1 (got \(t.value))")
        }
        // A purity or recovery is a ratio computed in double precision with the solver's 1e-12
        // relative accuracy: closer to 1 than that, no solve can tell a pass from a fail (at
        // 0.999999999999999 the search ran 87 s, 294 of 644 solves failed, and it still claimed a design).
        // (Compared with 1 − 1e-12 itself: 1 − 0.999999999999 is 9.9998e-13 in double precision,
        // so a test on 1 − value refused the very value the message suggests.)
        for t in spec.targets where t.value > 0 && t.value < 1 && !(t.value <= 1 - DesignSpecification.closestToOne) {
            problems.append("target \(t.value) is closer to 100 % than the solution's accuracy can judge; give at most \(1 - DesignSpecification.closestToOne)")
        }
        guard problems.isEmpty, let l = light, let h = heavy, spec.separationFactors.count == k, spec.feedConcentrations.count == k else {
            throw DesignSpecificationError(problems: problems)
        }
        let bl = spec.separationFactors[l], bh = spec.separationFactors[h]
        if !(bh > bl) {
            throw DesignSpecificationError(problems: ["the heavier key \(spec.heavierKey.symbol) must be more extractable than the lighter key \(spec.lighterKey.symbol) (β \(bh) ≤ \(bl)); swap the keys"])
        }
        let between = spec.elements.indices.filter { spec.separationFactors[$0] > bl && spec.separationFactors[$0] < bh }
        if !between.isEmpty {
            throw DesignSpecificationError(problems: ["the keys must be adjacent in extractability, but \(between.map { spec.elements[$0].symbol }.joined(separator: ", ")) lies between \(spec.lighterKey.symbol) and \(spec.heavierKey.symbol)"])
        }
        let a = spec.elements.indices.filter { spec.separationFactors[$0] >= bh }
        let b = spec.elements.indices.filter { spec.separationFactors[$0] <= bl }
        let total = spec.feedConcentrations.reduce(0, +)
        let fa = a.reduce(0) { $0 + spec.feedConcentrations[$1] } / total
        func meanOxide(_ g: [Int]) -> Double {
            let moles = g.reduce(0) { $0 + spec.feedConcentrations[$1] }
            return g.reduce(0) { $0 + spec.feedConcentrations[$1] * spec.elements[$1].oxideMassPerMole } / moles
        }
        if !(fa > 0 && fa < 1) {
            throw DesignSpecificationError(problems: ["both sides of the split must be present in the feed (organic-side fraction \(fa))"])
        }
        return KeySplit(organicSide: a, raffinateSide: b, keySeparationFactor: bh / bl, feedFractionA: fa,
                        oxideMassA: meanOxide(a), oxideMassB: meanOxide(b))
    }

    /// Converts the two targets to group mole purities (P_A, P_B) by solving the two linear
    /// conditions they put on the organic product's A and B fluxes (a, b), per unit feed RE:
    /// purity P of the organic: a = P(a + b); of the raffinate: f_B − b = P(1 − a − b);
    /// recovery Y of A: a = Y·f_A; of B: f_B − b = Y·f_B.
    static func moleTargets(_ spec: DesignSpecification, _ split: KeySplit) throws(DesignSpecificationError) -> (Double, Double) {
        let fA = split.feedFractionA, fB = 1 - fA
        // Each condition as c1·a + c2·b = r.
        var rows: [(Double, Double, Double)] = []
        for t in spec.targets {
            switch t {
            case .purity(.organic, var p):
                if spec.purityBasis == .oxide { p = (p / split.oxideMassA) / (p / split.oxideMassA + (1 - p) / split.oxideMassB) }
                rows.append((1 - p, -p, 0))
            case .purity(.raffinate, var p):
                if spec.purityBasis == .oxide { p = (p / split.oxideMassB) / (p / split.oxideMassB + (1 - p) / split.oxideMassA) }
                rows.append((p, p - 1, p - fB))   // f_B − b = p·(1 − a − b)
            case .recovery(.organic, let y): rows.append((1, 0, y * fA))
            case .recovery(.raffinate, let y): rows.append((0, 1, fB - y * fB))
            }
        }
        let (a1, b1, r1) = rows[0], (a2, b2, r2) = rows[1]
        let det = a1 * b2 - a2 * b1
        guard abs(det) > 1e-14 else {
            throw DesignSpecificationError(problems: ["the two targets do not fix the split (they say the same thing); give one target per product, or a purity and a recovery"])
        }
        let a = (r1 * b2 - r2 * b1) / det, b = (a1 * r2 - a2 * r1) / det
        guard a > 0, a < fA, b > 0, b < fB else {
            throw DesignSpecificationError(problems: [String(format: "the targets are inconsistent with the feed: they need the organic product to carry %.6g of the organic side (of %.6g fed) and %.6g of the raffinate side (of %.6g fed)", a, fA, b, fB)])
        }
        let pA = a / (a + b), pB = (fB - b) / (1 - a - b)
        let (ea, eb) = XuTheory.enrichments(feedFractionA: fA, purityA: pA, purityB: pB)
        guard ea > 1, eb > 1 else {
            throw DesignSpecificationError(problems: [String(format: "the targets need no separation: a purity (%.6g organic, %.6g raffinate) is not above the feed's share (%.6g, %.6g)", pA, pB, fA, fB)])
        }
        return (pA, pB)
    }

    /// Group purities and recoveries of a solved design cascade (the strip liquor, `productName`,
    /// and the raffinate).
    public static func performance(_ r: CascadeResult, _ split: KeySplit) -> SplitPerformance {
        let org = r.outlet(named: productName)!, raf = r.outlet(named: r.cascade.raffinateName)!
        // The same figures as the run report's targets (`OxideBasis`, one place).
        let e = r.cascade.elements
        let fed = e.indices.map { r.feedFlow(element: $0) }
        let a = split.organicSide, b = split.raffinateSide
        return SplitPerformance(
            molePurityA: OxideBasis.groupMoleFraction(a, concentrations: org.concentrations),
            molePurityB: OxideBasis.groupMoleFraction(b, concentrations: raf.concentrations),
            oxidePurityA: OxideBasis.groupPurity(a, elements: e, concentrations: org.concentrations),
            oxidePurityB: OxideBasis.groupPurity(b, elements: e, concentrations: raf.concentrations),
            recoveryA: OxideBasis.groupRecovery(a, flow: org.flow, concentrations: org.concentrations, fed: fed),
            recoveryB: OxideBasis.groupRecovery(b, flow: raf.flow, concentrations: raf.concentrations, fed: fed))
    }

    static func distributionOf(_ r: CascadeResult, _ split: KeySplit, _ spec: DesignSpecification) -> [ElementDistribution] {
        let org = r.outlet(named: productName)!, raf = r.outlet(named: r.cascade.raffinateName)!
        let po = org.oxidePurity(elements: spec.elements), pr = raf.oxidePurity(elements: spec.elements)
        return spec.elements.indices.map { j in
            ElementDistribution(element: spec.elements[j], side: split.organicSide.contains(j) ? .organic : .raffinate,
                                toOrganic: r.recovery(element: j, in: org), toRaffinate: r.recovery(element: j, in: raf),
                                oxideShareOrganic: po[j], oxideShareRaffinate: pr[j])
        }
    }
}

/// The converged solves of the stage search at the total it last evaluated, by (n, m): what a
/// neighbouring split warm-starts from. Solutions of other totals (another stage count, which
/// no warm start can use) are dropped when a new total comes, so memory stays at one total's
/// splits.
private final class SplitSolutions: @unchecked Sendable {
    private let lock = NSLock()
    private var total = -1
    private var results: [Int: CascadeResult] = [:]   // by n, at `total`
    private var solves = 0

    /// Counts one more solve; returns the count.
    func countSolve() -> Int {
        lock.withLock { solves += 1; return solves }
    }

    func result(n: Int, m: Int) -> CascadeResult? {
        lock.withLock { n + m == total ? results[n] : nil }
    }

    func store(_ r: CascadeResult, n: Int, m: Int) {
        lock.withLock {
            if n + m != total { total = n + m; results = [:] }
            results[n] = r
        }
    }
}
