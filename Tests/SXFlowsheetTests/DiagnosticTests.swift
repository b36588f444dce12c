import Testing
import SXModel
@testable import SXFlowsheet

/// Located diagnostics: markers ⟪SXnnn⟫ sit where each caret must point.
struct DiagnosticTests {
    @Test func validMinimalFlowsheetBuilds() throws {
        let r = FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description).joined())")
        let f = try #require(r.flowsheet)
        #expect(f.train.cascades.count == 1)
        #expect(f.train.cascades[0].stageCount == 15)
        #expect(f.train.cascades[0].aqueousFeeds[0].stage == 10)
        #expect(f.targets.first?.minimumPurity == 0.6)
    }

    @Test func templateReadsCleanly() {
        let r = FlowsheetParser.parse(text: FlowsheetTemplate.text, fileName: "template.yaml")
        #expect(r.flowsheet != nil)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description).joined())")
    }

    @Test func misspellingsAllReportedAtOnce() {
        Marked.check("""
        version: 1
        elements: [Pr, ⟪SX301⟫Nx]
        equilibria:
          d:
            model: constant-D
            distribution-ratios: {Pr: 0.8}
            provenance: {source: "test", status: illustrative}
        streams:
          feed: {phase: aqueous, flow: 100 L/h, ⟪SX110⟫concentraions: {Pr: 0.3 mol/L}}
          organic: {phase: organic, flow: ⟪SX202⟫120}
        cascades:
          c:
            sections:
              ⟪SX111⟫extraction: {⟪SX110⟫stges: 10, equilibrium: d}
            feeds: {organic: 1, feed: ⟪SX310⟫extration.last}
        """)
    }

    @Test func physicallyImpossibleValues() {
        Marked.check("""
        version: 1
        elements: [Pr, Nd]
        equilibria:
          d:
            model: constant-D
            distribution-ratios: {Pr: 0.8, Nd: ⟪SX210⟫-1}
            provenance: {source: "test", status: illustrative}
        streams:
          feed: {phase: aqueous, flow: ⟪SX210⟫0 L/h, concentrations: {Pr: ⟪SX210⟫-0.3 mol/L}}
          organic: {phase: organic, flow: 120 L/h, saponification: ⟪SX210⟫1.2}
        cascades:
          c:
            sections:
              extraction: {stages: 10, equilibrium: d}
            feeds: {organic: 1, feed: ⟪SX320⟫11}
        targets:
          - {product: c-organic, element: Nd, min-purity: ⟪SX401⟫101 %}
        """)
    }

    @Test func crossReferencesNameBothPlaces() {
        let text = """
        version: 1
        elements: [Pr, Nd]
        equilibria:
          d: {model: constant-D, distribution-ratios: {Pr: 0.8, Nd: 1.2}, provenance: {source: t, status: textbook}}
        streams:
          feed: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L}}
          organic: {phase: organic, flow: 120 L/h}
        cascades:
          a: {sections: {x: {stages: 3, equilibrium: d}}, feeds: {organic: 1, feed: 3}}
          b: {sections: {x: {stages: 3, equilibrium: d}}, feeds: {feed: 3}}
        """
        let r = FlowsheetParser.parse(text: text, fileName: "t.yaml")
        let twice = r.diagnostics.first { $0.id == .streamUsedTwice }
        #expect(twice?.location.line == 10)
        #expect(twice?.notes.first?.location?.line == 9)
        #expect(twice?.description.contains("first fed here") == true)
    }

    @Test func yamlSyntaxErrorIsLocated() {
        let r = FlowsheetParser.parse(text: "version: 1\nelements: [Pr, Nd\n", fileName: "t.yaml")
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.id == .yamlSyntax)
        #expect(r.diagnostics.first?.location.line ?? 0 >= 2)
    }

    @Test func caretDisplay() {
        let d = Diagnostic(.unknownKey, "unknown key 'stges'", at: TextLocation(file: "f.yaml", line: 3, column: 5, sourceLine: "    stges: 40"),
                           length: 5, help: "did you mean 'stages'?")
        #expect(d.description == """
        f.yaml:3:5: error[SX110]: unknown key 'stges'
            3 |     stges: 40
              |     ^~~~~
             = help: did you mean 'stages'?

        """)
    }
}
