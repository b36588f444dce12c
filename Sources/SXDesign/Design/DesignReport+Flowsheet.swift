import Foundation
import SXFlowsheet
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
        flowsheetDocument(name: name).map(FlowsheetWriter.yaml)
    }

    /// The designed flowsheet as a `FlowsheetDocument` (what `flowsheetText` writes through
    /// `FlowsheetWriter`, the project's one flowsheet writer).
    public func flowsheetDocument(name: String = "design") -> FlowsheetDocument? {
        guard let c = cascade else { return nil }
        let spec = specification
        let fl = flows
        let stages = designedStages
        func num(_ x: Double) -> String { String(format: "%.10g", x) }
        let light = spec.lighterKey.symbol.lowercased(), heavy = spec.heavierKey.symbol.lowercased()
        let productOutlet = "\(heavy)-strip-liquor", raffinate = "\(light)-raffinate"
        var header: [String] = []
        if !targetsReached {
            header.append("TARGETS NOT REACHED: the best split tried, written for inspection (see the design's section 5).")
        }
        header.append("Written by `sxsim design` (SXDesign): \(spec.lighterKey.symbol)|\(spec.heavierKey.symbol) split,")
        if let rec = recommended {
            header.append("minimal total n + m = \(rec.total) at S = \(num(s)), W = \(num(w)) (normalised to the feed RE flux),")
        } else {
            header.append("best split tried n + m = \(stages.total) at S = \(num(s)), W = \(num(w)) (normalised to the feed RE flux),")
        }
        header.append("found with the rigorous separation-factor model. See docs/design.md.")
        if spec.stageMargin > 0 {
            header.append("Stage margin \(Designer.formatPercent(spec.stageMargin)) included: \(stages.n) extraction + \(stages.m) scrub stages.")
        }
        header.append("Model: Xu's constant separation factors with a fully loaded organic; the strip at a constant D")
        header.append(String(format: "(saponification base: %.4g mol/h %@, not a stream of the flowsheet).", fl.baseFlow, fl.base.rawValue))
        let designInput = Provenance(status: "unverified", source: "design input of sxsim design")
        let stripProvenance = spec.stripDistributionRatio == DesignSpecification.illustrativeStripDistributionRatio
            ? Provenance(status: "illustrative", source: "illustrative default of sxsim design: strong HCl strips P507 almost completely")
            : designInput
        let feed = c.aqueousFeeds[0], scrub = c.aqueousFeeds[1], strip = c.aqueousFeeds[2], organic = c.organicFeeds[0]
        let none = [Double](repeating: 0, count: spec.elements.count)
        // The specification's extractant, also where the design cascade leaves it out (a loading
        // given outright): the run then checks the loading against it (SX410), as the note warns.
        let streams: [FlowsheetDocument.StreamEntry] = [
            .init(name: "feed", kind: .aqueous(flow: feed.flow, concentrations: feed.concentrations, acidity: feed.acidity)),
            .init(name: "scrub-acid", kind: .aqueous(flow: scrub.flow, concentrations: none, acidity: scrub.acidity)),
            .init(name: "strip-acid", kind: .aqueous(flow: strip.flow, concentrations: none, acidity: strip.acidity)),
            .init(name: "organic", kind: .organic(flow: organic.flow, extractant: spec.extractant, saponification: organic.saponification, loading: none)),
        ]
        let cascadeEntry = FlowsheetDocument.CascadeEntry(
            name: "\(light)\(heavy)",
            sections: [.init(name: "extraction", stages: stages.n, equilibrium: "design-beta", efficiency: spec.efficiency),
                       .init(name: "scrub", stages: stages.m, equilibrium: "design-beta", efficiency: spec.efficiency),
                       .init(name: "strip", stages: stripStages, equilibrium: "design-strip")],
            feeds: [("feed", "extraction.last"), ("scrub-acid", "scrub.last"), ("strip-acid", "strip.last"), ("organic", "1")],
            raffinate: raffinate, organicOutlet: "stripped-organic",
            draws: [.init(name: productOutlet, stage: "strip.first", phase: .aqueous, fraction: 1)])
        // Targets per side: `element` for a side of one element, `elements` (a group target) for
        // several. A mole-basis purity of a group has no exact oxide equivalent and is left to the comment.
        var targets: [ProductTarget] = []
        var omitted = false
        for (product, side, outlet) in [(DesignProduct.organic, split.organicSide, productOutlet), (.raffinate, split.raffinateSide, raffinate)] {
            var purity: Double? = nil, recovery: Double? = nil
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
                    purity = (oxide * 1e9).rounded(.down) / 1e9
                case .recovery(_, let y):
                    recovery = (y * 1e9).rounded(.down) / 1e9
                }
            }
            if purity != nil || recovery != nil {
                targets.append(ProductTarget(product: outlet, elements: side.map { spec.elements[$0] }, minimumPurity: purity,
                                             minimumRecovery: recovery, location: TextLocation(file: "", line: 0, column: 0)))
            }
        }
        var trailing: [String] = []
        if omitted {
            trailing.append("Design targets are on the sides of the split (\(spec.targets.map { "\($0.product.rawValue) \($0.value)" }.joined(separator: ", ")));")
            trailing.append("a mole-basis purity of a side of several elements has no exact oxide-basis target and is not written.")
        }
        return FlowsheetDocument(
            headerComments: header, name: name,
            description: "\(spec.lighterKey.symbol)|\(spec.heavierKey.symbol) split designed by sxsim design: n = \(stages.n) extraction, m = \(stages.m) scrub, \(stripStages) strip stages\(targetsReached ? "" : " (targets not reached)")",
            elements: spec.elements,
            equilibria: [.init(name: "design-beta", parameters: .separationFactors(spec.separationFactors, organicLoading: fl.organicLoading), provenance: designInput),
                         .init(name: "design-strip", parameters: .constantDistribution(Array(repeating: spec.stripDistributionRatio, count: spec.elements.count)),
                               provenance: stripProvenance)],
            streams: streams, cascades: [cascadeEntry], targets: targets, trailingComments: trailing)
    }
}
