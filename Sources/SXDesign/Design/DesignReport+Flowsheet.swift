import Foundation
import SXModel

extension DesignReport {
    /// A ready-to-run flowsheet (docs/flowsheet-format.md, version 1) for the designed cascade:
    /// extraction and scrub under the separation-factor model (with the Murphree efficiency),
    /// the strip at the strip's D with its liquor drawn whole from the first strip stage as the
    /// organic product, the feed, scrub acid, strip acid and saponified organic streams, and
    /// the targets (per element, or per group for a side of several elements). When no stage
    /// count reaches the targets it is the best split tried, marked so in its header and name.
    /// nil only when there is no cascade at all.
    public func flowsheetText(name: String = "design") -> String? {
        guard let c = cascade else { return nil }
        let spec = specification
        let fl = flows
        let stages = designedStages
        func num(_ x: Double) -> String {
            let s = String(format: "%.10g", x)
            return s
        }
        func map(_ values: [Double], unit: String = "") -> String {
            "{" + zip(spec.elements, values).map { "\($0.symbol): \(num($1))\(unit)" }.joined(separator: ", ") + "}"
        }
        let light = spec.lighterKey.symbol.lowercased(), heavy = spec.heavierKey.symbol.lowercased()
        let productOutlet = "\(heavy)-strip-liquor", raffinate = "\(light)-raffinate"
        var lines: [String] = []
        if !targetsReached {
            lines.append("# TARGETS NOT REACHED: the best split tried, written for inspection (see the design's section 5).")
        }
        lines.append("# Written by `sxsim design` (SXDesign): \(spec.lighterKey.symbol)|\(spec.heavierKey.symbol) split,")
        if let rec = recommended {
            lines.append("# minimal total n + m = \(rec.total) at S = \(num(s)), W = \(num(w)) (normalised to the feed RE flux),")
        } else {
            lines.append("# best split tried n + m = \(stages.total) at S = \(num(s)), W = \(num(w)) (normalised to the feed RE flux),")
        }
        lines.append("# found with the rigorous separation-factor model. See docs/design.md.")
        if spec.stageMargin > 0 {
            lines.append("# Stage margin \(Designer.formatPercent(spec.stageMargin)) included: \(stages.n) extraction + \(stages.m) scrub stages.")
        }
        lines.append("# Model: Xu's constant separation factors with a fully loaded organic; the strip at a constant D")
        lines.append(String(format: "# (saponification base: %.4g mol/h %@, not a stream of the flowsheet).", fl.baseFlow, fl.base.rawValue))
        lines.append("version: 1")
        lines.append("name: \(name)")
        lines.append("description: \"\(spec.lighterKey.symbol)|\(spec.heavierKey.symbol) split designed by sxsim design: n = \(stages.n) extraction, m = \(stages.m) scrub, \(stripStages) strip stages\(targetsReached ? "" : " (targets not reached)")\"")
        lines.append("elements: [\(spec.elements.map(\.symbol).joined(separator: ", "))]")
        lines.append("equilibria:")
        lines.append("  design-beta:")
        lines.append("    model: separation-factors")
        lines.append("    separation-factors: \(map(spec.separationFactors))")
        lines.append("    organic-loading: \(num(fl.organicLoading)) mol/L")
        lines.append("    provenance: {source: \"design input of sxsim design\", status: unverified}")
        lines.append("  design-strip:")
        lines.append("    model: constant-D")
        lines.append("    distribution-ratios: \(map(Array(repeating: spec.stripDistributionRatio, count: spec.elements.count)))")
        lines.append(spec.stripDistributionRatio == DesignSpecification.illustrativeStripDistributionRatio
                     ? "    provenance: {source: \"illustrative default of sxsim design: strong HCl strips P507 almost completely\", status: illustrative}"
                     : "    provenance: {source: \"design input of sxsim design\", status: unverified}")
        lines.append("streams:")
        let feed = c.aqueousFeeds[0], scrub = c.aqueousFeeds[1], strip = c.aqueousFeeds[2], organic = c.organicFeeds[0]
        lines.append("  feed: {phase: aqueous, flow: \(num(feed.flow)) L/h, concentrations: \(map(feed.concentrations, unit: " mol/L"))}")
        lines.append("  scrub-acid: {phase: aqueous, flow: \(num(scrub.flow)) L/h, acidity: \(num(scrub.acidity)) mol/L}")
        lines.append("  strip-acid: {phase: aqueous, flow: \(num(strip.flow)) L/h, acidity: \(num(strip.acidity)) mol/L}")
        // The specification's extractant, also where the design cascade leaves it out (a loading
        // given outright): the run then checks the loading against it (SX410), as the note warns.
        lines.append("  organic: {phase: organic, flow: \(num(organic.flow)) L/h, extractant: \(num(spec.extractant)) mol/L, saponification: \(num(organic.saponification))}")
        let efficiency = spec.efficiency < 1 ? ", efficiency: \(num(spec.efficiency))" : ""
        lines.append("cascades:")
        lines.append("  \(light)\(heavy):")
        lines.append("    sections:")
        lines.append("      extraction: {stages: \(stages.n), equilibrium: design-beta\(efficiency)}")
        lines.append("      scrub: {stages: \(stages.m), equilibrium: design-beta\(efficiency)}")
        lines.append("      strip: {stages: \(stripStages), equilibrium: design-strip}")
        lines.append("    feeds: {feed: extraction.last, scrub-acid: scrub.last, strip-acid: strip.last, organic: 1}")
        lines.append("    raffinate: \(raffinate)")
        lines.append("    organic-outlet: stripped-organic")
        lines.append("    draws:")
        lines.append("      \(productOutlet): {stage: strip.first, phase: aqueous, fraction: 100 %}")
        // Targets per side: `element` for a side of one element, `elements` (a group target) for
        // several. A mole-basis purity of a group has no exact oxide equivalent and is left to the comment.
        var targets: [String] = []
        var omitted = false
        for (product, side, outlet) in [(DesignProduct.organic, split.organicSide, productOutlet), (.raffinate, split.raffinateSide, raffinate)] {
            let symbols = side.map { spec.elements[$0].symbol }
            var fields = ["product: \(outlet)", symbols.count == 1 ? "element: \(symbols[0])" : "elements: [\(symbols.joined(separator: ", "))]"]
            for t in spec.targets where t.product == product {
                switch t {
                case .purity(_, let p):
                    var oxide = p
                    if spec.purityBasis == .mole {   // the flowsheet checks oxide purities: the equivalent oxide fraction
                        guard side.count == 1 else { omitted = true; continue }
                        let own = product == .organic ? split.oxideMassA : split.oxideMassB
                        let other = product == .organic ? split.oxideMassB : split.oxideMassA
                        oxide = p * own / (p * own + (1 - p) * other)
                    }
                    fields.append("min-purity: \(num((oxide * 1e9).rounded(.down) / 1e9))")
                case .recovery(_, let y):
                    fields.append("min-recovery: \(num((y * 1e9).rounded(.down) / 1e9))")
                }
            }
            if fields.count > 2 { targets.append("  - {\(fields.joined(separator: ", "))}") }
        }
        if !targets.isEmpty {
            lines.append("targets:")
            lines += targets
        }
        if omitted {
            lines.append("# Design targets are on the sides of the split (\(spec.targets.map { "\($0.product.rawValue) \($0.value)" }.joined(separator: ", ")));")
            lines.append("# a mole-basis purity of a side of several elements has no exact oxide-basis target and is not written.")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
