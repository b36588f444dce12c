import Testing
import SXModel
@testable import SXFlowsheet

/// Overrides address YAML nodes by dotted key path before the flowsheet is read.
struct OverrideTests {
    @Test func replacesValues() throws {
        let r = FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml", overrides: [
            (keyPath: "cascades.c.sections.scrub.stages", value: "7"),
            (keyPath: "streams.feed.flow", value: "2 L/min"),
            (keyPath: "targets.0.min-purity", value: "70 %"),
        ])
        let f = try #require(r.flowsheet, "\(r.diagnostics.map(\.description).joined())")
        #expect(f.train.cascades[0].sections[1].stageCount == 7)
        #expect(f.train.cascades[0].aqueousFeeds[0].flow == 120)  // 2 L/min = 120 L/h
        #expect(f.targets[0].minimumPurity == 0.7)
    }

    @Test func addsAMissingLastKey() throws {
        let r = FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml", overrides: [
            Override(keyPath: "cascades.c.sections.scrub.efficiency", value: "90 %"),
        ])
        let f = try #require(r.flowsheet)
        #expect(f.train.cascades[0].sections[1].murphreeEfficiency == 0.9)
    }

    @Test func unknownPathIsADiagnosticWithSuggestion() {
        let r = FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml", overrides: [
            Override(keyPath: "cascades.c.sectons.scrub.stages", value: "7"),
        ])
        #expect(r.flowsheet == nil)
        let d = r.diagnostics.first { $0.id == .overridePath }
        #expect(d?.help == "did you mean 'sections'?")
        #expect(d?.location.file == "<override 1>")
        #expect(d?.location.column == 12)
    }

    @Test func badOverrideValueIsLocatedAtTheOverride() {
        let r = FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml", overrides: [
            Override(keyPath: "streams.feed.flow", value: "12 mol/L"),
        ])
        let d = r.diagnostics.first { $0.id == .wrongDimension }
        #expect(d?.location.file == "<override 1>")
        #expect(d?.location.column == "streams.feed.flow=".count + 1)
    }
}
