import Testing
import SXModel
@testable import SXFlowsheet

/// `FlowsheetWriter` round trip: a document written and read back by `FlowsheetParser` gives
/// the model the document describes (issue 13, item 19).
struct FlowsheetWriterTests {
    static let elements: [Element] = [.Pr, .Nd]
    static let provenance = Provenance(status: "illustrative", source: "a \"quoted\" source \\ with a backslash", conditions: "25 °C")

    /// Numbers chosen to need all 17 digits (1/3, 0.1 + 0.2), a tiny and a large one.
    static let document = FlowsheetDocument(
        headerComments: ["written by a test"],
        name: "round trip: \"Pr|Nd\"", description: "every writer feature",
        elements: elements,
        equilibria: [.init(name: "beta", parameters: .separationFactors([1, 1.0 / 3 + 1], organicLoading: 0.1 + 0.01), provenance: provenance),
                     .init(name: "d", parameters: .constantDistribution([0.1 + 0.2, 2]), provenance: provenance),
                     .init(name: "strip", parameters: .constantDistribution([0.02, 1e-7]), provenance: provenance),
                     .init(name: "ma", parameters: .massAction([0.1, 0.15]), provenance: provenance)],
        streams: [.init(name: "feed", kind: .aqueous(flow: 100.0 / 3, concentrations: [0.3, 0.9], acidity: 0.05)),
                  .init(name: "scrub", kind: .aqueous(flow: 12.5, concentrations: [0, 0], acidity: 3.000000000000001)),
                  .init(name: "strip", kind: .aqueous(flow: 256, concentrations: [0, 0], acidity: 4.8)),
                  .init(name: "organic", kind: .organic(flow: 100.12345678901201, extractant: 1.5, saponification: 0.36, loading: [0, 0])),
                  .init(name: "feed-2", kind: .aqueous(flow: 100, concentrations: [0.1, 0.2], acidity: 0)),
                  .init(name: "organic-2", kind: .organic(flow: 150, extractant: 1.2, saponification: 0.3, loading: [1e-5, 2e-3])),
                  .init(name: "feed-3", kind: .aqueous(flow: 10, concentrations: [0.1, 0.2], acidity: 0.1)),
                  .init(name: "organic-3", kind: .organic(flow: 20, extractant: 1.5, saponification: 0.2, loading: [0, 0]))],
        cascades: [
            .init(name: "prnd",
                  sections: [.init(name: "extraction", stages: 7, equilibrium: "d", efficiency: 0.95),
                             .init(name: "scrub", stages: 5, equilibrium: "d"),
                             .init(name: "strip", stages: 3, equilibrium: "strip")],
                  feeds: [("feed", "extraction.last"), ("scrub", "scrub.last"), ("strip", "strip.last"), ("organic", "1")],
                  raffinate: "pr-product", organicOutlet: "bleed",
                  draws: [.init(name: "nd-product", stage: "strip.first", phase: .aqueous, fraction: 0.234)],
                  organicCircuit: OrganicCircuit(feedName: "organic", bleedFraction: 0.005)),
            .init(name: "other",
                  sections: [.init(name: "extraction", stages: 4, equilibrium: "beta")],
                  feeds: [("organic-2", "1"), ("feed-2", "4")]),
            .init(name: "third",
                  sections: [.init(name: "extraction", stages: 3, equilibrium: "ma")],
                  feeds: [("organic-3", "extraction.first"), ("feed-3", "extraction.3")]),
        ],
        targets: [ProductTarget(product: "nd-product", elements: [.Nd], minimumPurity: 0.995, minimumRecovery: 0.95,
                                maximumImpurities: [ImpurityLimit(element: .Pr, maximum: 5e-4)], location: TextLocation(file: "", line: 0, column: 0)),
                  ProductTarget(product: "other-organic", elements: [.Pr, .Nd], minimumPurity: nil, minimumRecovery: 0.5,
                                location: TextLocation(file: "", line: 0, column: 0))],
        trailingComments: ["the end"])

    /// The cascades the document describes, built by hand in model units.
    static var expectedCascades: [Cascade] {
        let beta = SeparationFactorModel(separationFactors: [1, 1.0 / 3 + 1], organicLoading: 0.1 + 0.01)
        let d = ConstantDistributionModel(distributionRatios: [0.1 + 0.2, 2])
        let strip = ConstantDistributionModel(distributionRatios: [0.02, 1e-7])
        let prnd = Cascade(name: "prnd", elements: elements,
                           sections: [Section(name: "extraction", stageCount: 7, equilibrium: d, murphreeEfficiency: 0.95),
                                      Section(name: "scrub", stageCount: 5, equilibrium: d),
                                      Section(name: "strip", stageCount: 3, equilibrium: strip)],
                           aqueousFeeds: [AqueousFeed(name: "feed", stage: 7, flow: 100.0 / 3, concentrations: [0.3, 0.9], acidity: 0.05),
                                          AqueousFeed(name: "scrub", stage: 12, flow: 12.5, concentrations: [0, 0], acidity: 3.000000000000001),
                                          AqueousFeed(name: "strip", stage: 15, flow: 256, concentrations: [0, 0], acidity: 4.8)],
                           organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: 100.12345678901201, extractant: 1.5, saponification: 0.36, concentrations: [0, 0])],
                           splits: [OutletSplit(stage: 13, phase: .aqueous, fraction: 0.234, destination: .product("nd-product"))],
                           raffinateName: "pr-product", organicOutletName: "bleed",
                           organicCircuit: OrganicCircuit(feedName: "organic", bleedFraction: 0.005))
        let other = Cascade(name: "other", elements: elements,
                            sections: [Section(name: "extraction", stageCount: 4, equilibrium: beta)],
                            aqueousFeeds: [AqueousFeed(name: "feed-2", stage: 4, flow: 100, concentrations: [0.1, 0.2])],
                            organicFeeds: [OrganicFeed(name: "organic-2", stage: 1, flow: 150, extractant: 1.2, saponification: 0.3, concentrations: [1e-5, 2e-3])],
                            raffinateName: "other-raffinate", organicOutletName: "other-organic")
        let third = Cascade(name: "third", elements: elements,
                            sections: [Section(name: "extraction", stageCount: 3, equilibrium: MassActionModel(extractionConstants: [0.1, 0.15]))],
                            aqueousFeeds: [AqueousFeed(name: "feed-3", stage: 3, flow: 10, concentrations: [0.1, 0.2], acidity: 0.1)],
                            organicFeeds: [OrganicFeed(name: "organic-3", stage: 1, flow: 20, extractant: 1.5, saponification: 0.2, concentrations: [0, 0])],
                            raffinateName: "third-raffinate", organicOutletName: "third-organic")
        return [prnd, other, third]
    }

    @Test func writtenDocumentReadsBackAsTheSameModel() throws {
        let text = FlowsheetWriter.yaml(Self.document)
        let parsed = FlowsheetParser.parse(text: text, fileName: "written.yaml")
        #expect(!parsed.diagnostics.contains { $0.severity == .error }, "\(parsed.diagnostics.map(\.description))\n\(text)")
        let sheet = try #require(parsed.flowsheet)
        #expect(sheet.name == "round trip: \"Pr|Nd\"")
        #expect(sheet.description == "every writer feature")
        #expect(sheet.elements == Self.elements)
        #expect(sheet.train.cascades == Self.expectedCascades, "\(text)")
        #expect(sheet.equilibria.map(\.provenance) == Array(repeating: Self.provenance, count: 4))
        #expect(sheet.equilibria.map(\.name) == ["beta", "d", "strip", "ma"])
        #expect(sheet.targets.count == 2)
        for (read, written) in zip(sheet.targets, Self.document.targets) {
            #expect(read.product == written.product && read.elements == written.elements)
            #expect(read.minimumPurity == written.minimumPurity && read.minimumRecovery == written.minimumRecovery)
            #expect(read.maximumImpurities.map(\.element) == written.maximumImpurities.map(\.element))
            // Written in ppm: x·1e6 read back ·1e-6, within one rounding of each.
            for (a, b) in zip(read.maximumImpurities, written.maximumImpurities) { #expect(abs(a.maximum - b.maximum) <= 4e-16 * b.maximum) }
        }
        #expect(text.hasPrefix("# written by a test\nversion: 1\n"))
        #expect(text.hasSuffix("# the end\n"))
    }

    /// Writing is deterministic and a second document equal to the first writes the same text.
    @Test func writingIsDeterministic() {
        #expect(FlowsheetWriter.yaml(Self.document) == FlowsheetWriter.yaml(Self.document))
    }
}
