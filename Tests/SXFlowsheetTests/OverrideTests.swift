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

/// `ComposedFlowsheet` reads the YAML once and builds the flowsheet per override set (sweeps,
/// uncertainty samples and their continuation points): each build must equal a fresh parse.
struct ComposedFlowsheetTests {
    @Test("Builds with different overrides from one composed text equal fresh parses, in any order, and leave the text unchanged")
    func sameAsFreshParse() throws {
        let composed = ComposedFlowsheet(text: minimalFlowsheet, fileName: "min.yaml")
        let sets: [[Override]] = [
            [Override(keyPath: "cascades.c.sections.scrub.stages", value: "7")],
            [Override(keyPath: "streams.feed.flow", value: "2 L/min"), Override(keyPath: "targets.0.min-purity", value: "70 %")],
            [],
            [Override(keyPath: "cascades.c.sectons.scrub.stages", value: "7")],  // refused: a diagnostic, no flowsheet
            [Override(keyPath: "cascades.c.sections.scrub.stages", value: "7")],
        ]
        for overrides in sets {
            let fresh = FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml", overrides: overrides)
            let reused = composed.parse(overrides: overrides)
            #expect(reused.diagnostics == fresh.diagnostics)
            #expect(reused.flowsheet?.train.cascades == fresh.flowsheet?.train.cascades)
            #expect(reused.flowsheet?.targets.map(\.minimumPurity) == fresh.flowsheet?.targets.map(\.minimumPurity))
        }
        // The first and last sets are the same: an earlier build did not change the tree.
        #expect(composed.parse(overrides: sets[0]).flowsheet?.train.cascades[0].sections[1].stageCount == 7)
        #expect(composed.parse().flowsheet?.train.cascades[0].sections[1].stageCount
                == FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml").flowsheet?.train.cascades[0].sections[1].stageCount)
    }

    @Test("A text that is not YAML gives the same located diagnostic on every build")
    func badYAML() {
        let composed = ComposedFlowsheet(text: "version: 1\nname: [unclosed\n", fileName: "bad.yaml")
        let fresh = FlowsheetParser.parse(text: "version: 1\nname: [unclosed\n", fileName: "bad.yaml")
        #expect(!fresh.diagnostics.isEmpty)
        for _ in 0..<2 {
            let r = composed.parse(overrides: [Override(keyPath: "name", value: "x")])
            #expect(r.flowsheet == nil)
            #expect(r.diagnostics == fresh.diagnostics)
        }
    }
}
