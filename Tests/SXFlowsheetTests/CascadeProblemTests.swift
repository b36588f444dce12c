import Testing
import SXModel
@testable import SXFlowsheet

/// Model problems are typed values (`CascadeSpecificationError.Problem`: a kind, the feed or
/// stage concerned) that the flowsheet layer turns into located diagnostics under their own
/// ids (issue 13, item 19), not strings squeezed into one SX402.
struct CascadeProblemTests {
    static func cascade() -> Cascade {
        let d = ConstantDistributionModel(distributionRatios: [0.8, 1.2])
        return Cascade(name: "c", elements: [.Pr, .Nd],
                       sections: [Section(name: "extraction", stageCount: 4, equilibrium: d), Section(name: "strip", stageCount: 2, equilibrium: d)],
                       aqueousFeeds: [AqueousFeed(name: "feed", stage: 4, flow: 10, concentrations: [0.1, 0.2])],
                       organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: 10, concentrations: [0, 0])])
    }

    @Test func theModelNamesTheKindTheFeedAndTheStage() {
        var c = Self.cascade()
        c.aqueousFeeds[0].stage = 9
        c.organicFeeds[0].flow = -1
        c.splits = [OutletSplit(stage: 5, phase: .aqueous, fraction: 2, destination: .product("x"))]
        do {
            _ = try CascadeNetwork(c)
            Issue.record("accepted")
        } catch {
            // Stage 5 of a 6-stage cascade exists: the split is refused for its fraction, and the
            // fractions of that outlet then add up to more than 1.
            #expect(error.items.map(\.kind) == [.feedStage, .feedValue, .split, .split])
            #expect(error.items[0].stream == "feed" && error.items[0].stage == 9)
            #expect(error.items[1].stream == "organic")
            #expect(error.items[2].stage == 5)
        }
        c = Self.cascade()
        c.organicFeeds = []
        #expect(throws: CascadeSpecificationError([.init(.noOrganicFeed, "no organic feed: the organic never enters the cascade")])) { try CascadeNetwork(c) }
        // An organic route from the last stage back to the first, all of it: nothing leaves.
        c = Self.cascade()
        c.splits = [OutletSplit(stage: 6, phase: .organic, fraction: 1, destination: .stage(1))]
        do { _ = try CascadeNetwork(c); Issue.record("accepted") } catch { #expect(error.items.map(\.kind) == [.circulation]) }
    }

    /// A section's Murphree efficiency or equilibrium parameter out of range is a typed
    /// `sectionValue` naming the section's first stage, reported as SX210 at the section (it was
    /// an untyped SX402 at the cascade). The parser refuses such values in a file first; this is
    /// the path of a cascade built in code.
    @Test func aSectionValueOutOfRangeIsLocatedAtItsSection() throws {
        var c = Self.cascade()
        c.sections[1].equilibrium = ConstantDistributionModel(distributionRatios: [0.8, -1])
        c.sections[0].murphreeEfficiency = 1.5
        do {
            _ = try CascadeNetwork(c)
            Issue.record("accepted")
        } catch {
            #expect(error.items.map(\.kind) == [.sectionValue, .sectionValue])
            #expect(error.items.map(\.stage) == [1, 5])
            let file = "f.yaml"
            let places = CascadeLocations(cascade: TextLocation(file: file, line: 10, column: 3),
                                          sections: [("extraction", 1...4, TextLocation(file: file, line: 12, column: 7)),
                                                     ("strip", 5...6, TextLocation(file: file, line: 13, column: 7))])
            let found = error.diagnostics(cascade: "c", at: places)
            #expect(found.map(\.id.code) == ["SX210", "SX210"])
            #expect(found.map(\.location.line) == [12, 13])
        }
    }

    @Test func theFlowsheetLayerLocatesEachProblemUnderItsOwnId() {
        let file = "f.yaml"
        let places = CascadeLocations(cascade: TextLocation(file: file, line: 10, column: 3),
                                      feeds: ["feed": TextLocation(file: file, line: 20, column: 13)],
                                      sections: [("extraction", 1...4, TextLocation(file: file, line: 12, column: 7)),
                                                 ("strip", 5...6, TextLocation(file: file, line: 13, column: 7))])
        let error = CascadeSpecificationError([
            .init(.feedValue, "feed flow", stream: "feed"),
            .init(.acidExceedsLoading, "stage 5 acid", stage: 5),
            .init(.acidExceedsLoading, "stage 6 acid", stage: 6),
            .init(.circulation, "circulates"),
            .init(.sections, "something else"),
        ])
        let found = error.diagnostics(cascade: "c", at: places)
        #expect(found.map(\.id.code) == ["SX210", "SX411", "SX413", "SX402"])
        #expect(found.map(\.location.line) == [20, 13, 10, 10])
        // Two problems of one kind at one place: one diagnostic, the second as a note.
        #expect(found[1].notes.map(\.message) == ["stage 6 acid"])
        #expect(found[0].message == "cascade 'c': feed flow")
    }

    /// Every kind maps to an id of its own or to SX402, and none to a warning.
    @Test(arguments: CascadeSpecificationError.Kind.allCases)
    func everyKindIsAnError(_ kind: CascadeSpecificationError.Kind) {
        #expect(DiagnosticID(cascadeProblem: kind).defaultSeverity == .error)
    }
}
