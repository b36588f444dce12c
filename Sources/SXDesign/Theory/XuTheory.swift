import Foundation

/// Closed forms of Xu Guangxian's theory of countercurrent extraction for a two-group split
/// under model (b) (constant separation factor β of A over B, fully loaded organic, constant
/// rare-earth fluxes in each section), with an **aqueous feed** normalised to a rare-earth flux
/// of 1 (see docs/design.md and docs/references.md [XU], [RC-X1], [RC-X2]).
///
/// Notation (all mole fractions of the rare earth, Xu's convention):
/// - A is the more extractable group (leaves in the organic product), B the less extractable
///   (leaves in the raffinate); f_A + f_B = 1 in the feed.
/// - P_A: A's fraction of the organic product; P_B: B's fraction of the raffinate.
/// - S: organic RE flux through extraction and scrub; W: aqueous RE flux in the scrub section
///   (the scrub acid strips W); the extraction section carries W + 1 in the aqueous.
/// - f'_A = S − W: fraction of the feed RE that leaves in the organic product.
public enum XuTheory {
    /// The cut f'_A = (P_B − f_B)/(P_A + P_B − 1): the fraction of the feed's rare earth that
    /// the organic product must carry for both purities to hold (A balance over the cascade).
    public static func cut(feedFractionA fA: Double, purityA pA: Double, purityB pB: Double) -> Double {
        (pB - (1 - fA)) / (pA + pB - 1)
    }

    /// Recoveries implied by a cut: Y_A = f'_A·P_A/f_A into the organic product and
    /// Y_B = (1 − f'_A)·P_B/f_B into the raffinate.
    public static func recoveries(feedFractionA fA: Double, purityA pA: Double, purityB pB: Double) -> (a: Double, b: Double) {
        let c = cut(feedFractionA: fA, purityA: pA, purityB: pB)
        return (c * pA / fA, (1 - c) * pB / (1 - fA))
    }

    /// Minimum fluxes (Xu / Underwood pinch at the feed stage, aqueous feed):
    ///
    ///     W_min = f'_A [P_A/f_A − β(1 − P_A)/f_B] / (β − 1),   S_min = W_min + f'_A.
    ///
    /// Below them the purities cannot be reached with any number of stages.
    public static func minimumFluxes(beta: Double, feedFractionA fA: Double, purityA pA: Double, purityB pB: Double)
        -> (s: Double, w: Double, cut: Double)
    {
        let c = cut(feedFractionA: fA, purityA: pA, purityB: pB)
        let w = c * (pA / fA - beta * (1 - pA) / (1 - fA)) / (beta - 1)
        return (w + c, w, c)
    }

    /// Fenske's minimum number of stages (total reflux, constant β):
    /// N_min = lg(a·b)/lg β, a = [P_A/(1 − P_A)]/[f_A/f_B], b = [P_B/(1 − P_B)]/[f_B/f_A].
    public static func fenskeMinimumStages(beta: Double, feedFractionA fA: Double, purityA pA: Double, purityB pB: Double) -> Double {
        let (a, b) = enrichments(feedFractionA: fA, purityA: pA, purityB: pB)
        return log10(a * b) / log10(beta)
    }

    /// Xu's enrichment ratios a (of A in the organic product) and b (of B in the raffinate).
    public static func enrichments(feedFractionA fA: Double, purityA pA: Double, purityB pB: Double) -> (a: Double, b: Double) {
        let fB = 1 - fA
        return ((pA / (1 - pA)) / (fA / fB), (pB / (1 - pB)) / (fB / fA))
    }

    /// Which section sets Xu's optimum operating point.
    public enum ControllingSection: String, Sendable, Equatable {
        /// The scrub section runs at E'_M = √β (f'_A ≥ 1/(1 + √β)).
        case scrub
        /// The extraction section runs at E_M = 1/√β (f'_A < 1/(1 + √β)).
        case extraction
    }

    /// Mixed extraction ratios of an operating point: E_M = S/(1 + W) in the extraction
    /// section and E'_M = S/W in the scrub section (aqueous feed).
    public static func extractionRatios(s: Double, w: Double) -> (extraction: Double, scrub: Double) {
        (s / (1 + w), s / w)
    }

    /// Xu's optimum operating point: E'_M = √β in the scrub section or E_M = 1/√β in the
    /// extraction section, whichever needs the larger scrub flux W (the other section then runs
    /// with margin). With S − W = f'_A:
    ///
    ///     W = f'_A/(√β − 1)              (scrub controls, when f'_A ≥ 1/(1 + √β))
    ///     W = (1 − √β·f'_A)/(√β − 1)     (extraction controls, otherwise)
    public static func optimumOperatingPoint(beta: Double, cut: Double)
        -> (s: Double, w: Double, controlling: ControllingSection)
    {
        let r = beta.squareRoot()
        let scrubW = cut / (r - 1)
        let extractionW = (1 - r * cut) / (r - 1)
        if scrubW >= extractionW { return (scrubW + cut, scrubW, .scrub) }
        return (extractionW + cut, extractionW, .extraction)
    }

    /// Xu's approximate stage numbers at an operating point:
    ///
    ///     n = lg b / lg(β·E_M),   m + 1 = lg a / lg(β/E'_M).
    ///
    /// nil for a section whose ratio leaves the formula without a finite positive answer
    /// (β·E_M ≤ 1 or β/E'_M ≤ 1). They underestimate the exact counts by several per cent.
    public static func approximateStages(beta: Double, feedFractionA fA: Double, purityA pA: Double, purityB pB: Double,
                                         s: Double, w: Double) -> (n: Double?, m: Double?)
    {
        let (a, b) = enrichments(feedFractionA: fA, purityA: pA, purityB: pB)
        let (em, ems) = extractionRatios(s: s, w: w)
        let n = beta * em > 1 ? log10(b) / log10(beta * em) : nil
        let m = beta / ems > 1 ? log10(a) / log10(beta / ems) - 1 : nil
        return (n, m)
    }
}
