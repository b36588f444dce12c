import Testing
import SXModel
@testable import SXFlowsheet

/// The flowsheet keys of `sxsim dynamic`: section holdups and the `events` list, with located
/// diagnostics (markers ⟪SXnnn⟫ sit where each caret must point).
struct DynamicInputTests {
    static func flowsheet(sections: String, events: String) -> String {
        """
        version: 1
        elements: [Pr, Nd]
        equilibria:
          d:
            model: constant-D
            distribution-ratios: {Pr: 0.8, Nd: 1.6}
            provenance: {source: "test", status: illustrative}
          e:
            model: constant-D
            distribution-ratios: {Pr: 0.7, Nd: 1.7}
            provenance: {source: "test", status: illustrative}
        streams:
          feed: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.3 mol/L}}
          scrub: {phase: aqueous, flow: 50 L/h, acidity: 1 mol/L}
          organic: {phase: organic, flow: 120 L/h}
        cascades:
          c:
            sections:
        \(sections)
            feeds: {organic: 1, feed: extraction.last, scrub: scrub.last}
        \(events)
        """
    }

    @Test func holdupsAndEventsAreRead() throws {
        let text = Self.flowsheet(sections: """
                  extraction: {stages: 5, equilibrium: d, holdup: {mixer: 20 L, aqueous: 30 L, organic: 0.04 m3}}
                  scrub: {stages: 4, equilibrium: d, holdup: {aqueous: 10 L, organic: 10000 mL}}
            """, events: """
            events:
              - {at: 10 h, stream: feed, flow: 1.2 m3/h}
              - {at: 30 min, stream: scrub, stop: true}
              - {at: 1 d, stream: scrub, flow: 50 L/h}
              - {at: 2 d, stream: feed, concentrations: {Pr: 0.4 mol/L}}
              - {at: 2 d, stream: scrub, acidity: 2 mol/L}
              - {at: 3 d, section: scrub, equilibrium: e}
            """)
        let r = FlowsheetParser.parse(text: text, fileName: "t.yaml")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description).joined())")
        let f = try #require(r.flowsheet)
        #expect(f.sectionHoldups["c/extraction"] == SectionHoldup(mixer: 20, aqueousSettler: 30, organicSettler: 40))
        #expect(f.sectionHoldups["c/scrub"] == SectionHoldup(mixer: 0, aqueousSettler: 10, organicSettler: 10))
        #expect(f.events.map(\.event.time) == [10, 0.5, 24, 48, 48, 72])
        #expect(f.events.allSatisfy { $0.cascade == "c" })
        guard case .streamFlow("feed", let flow) = f.events[0].event.change else { Issue.record("first event"); return }
        #expect(flow == 1200)
        guard case .streamFlow("scrub", 0) = f.events[1].event.change else { Issue.record("stop"); return }
        guard case .streamConcentration("feed", .Pr, 0.4) = f.events[3].event.change else { Issue.record("concentration"); return }
        guard case .streamAcidity("scrub", 2) = f.events[4].event.change else { Issue.record("acidity"); return }
        guard case .sectionEquilibrium("scrub", let model) = f.events[5].event.change else { Issue.record("equilibrium"); return }
        #expect((model as? ConstantDistributionModel)?.distributionRatios == [0.7, 1.7])
    }

    @Test func badHoldupsAreLocated() {
        Marked.check(Self.flowsheet(sections: """
                  extraction: {stages: 5, equilibrium: d, holdup: {mixer: ⟪SX210⟫-2 L, ⟪SX110⟫settler: 3 L}}
                  scrub: {stages: 4, equilibrium: d, holdup: ⟪SX210⟫{aqueous: 10 L}}
            """, events: ""))
        Marked.check(Self.flowsheet(sections: """
                  extraction: {stages: 5, equilibrium: d, holdup: {mixer: ⟪SX204⟫20 L/h}}
                  scrub: {stages: 4, equilibrium: d, holdup: {mixer: ⟪SX202⟫20}}
            """, events: ""))
    }

    @Test func badEventsAreAllReportedAtOnce() {
        Marked.check(Self.flowsheet(sections: """
                  extraction: {stages: 5, equilibrium: d}
                  scrub: {stages: 4, equilibrium: d}
            """, events: """
            events:
              - {at: 1 h, stream: ⟪SX310⟫fed, flow: 1 L/h}
              - {at: ⟪SX204⟫1 L, stream: feed, flow: 1 L/h}
              - ⟪SX111⟫{stream: feed, flow: 1 L/h}
              - {at: 2 h, section: ⟪SX310⟫scrb, equilibrium: e}
              - {at: 2 h, section: scrub, equilibrium: ⟪SX310⟫f}
              - {at: 3 h, stream: organic, acidity: ⟪SX321⟫1 mol/L}
              - ⟪SX111⟫{at: 3 h, stream: feed}
              - {at: 4 h, stream: feed, flow: 2 L/h}
              - ⟪SX412⟫{at: 4 h, stream: feed, flow: 3 L/h}
              - {at: 5 h, stream: feed, ⟪SX110⟫flw: 3 L/h, flow: 1 L/h}
              - {at: 6 h, stream: feed, flow: ⟪SX210⟫-1 L/h}
            """))
    }

    // MARK: events file (`sxsim dynamic --events FILE`)

    static let plainSections = """
              extraction: {stages: 5, equilibrium: d}
              scrub: {stages: 4, equilibrium: d}
        """

    /// The events of a file are added after the flowsheet's; the file may be a bare list or a
    /// mapping with `events` (and a description).
    @Test func eventsFileAddsToTheFlowsheetsEvents() throws {
        let text = Self.flowsheet(sections: Self.plainSections, events: "events:\n  - {at: 10 h, stream: feed, flow: 1.2 m3/h}")
        for file in ["- {at: 2 h, stream: scrub, stop: true}\n- {at: 4 h, stream: scrub, flow: 50 L/h}\n",
                     "description: scrub-acid pump trip\nevents:\n  - {at: 2 h, stream: scrub, stop: true}\n  - {at: 4 h, stream: scrub, flow: 50 L/h}\n"] {
            let r = FlowsheetParser.parse(text: text, fileName: "t.yaml", events: EventsDocument(text: file, fileName: "trip.yaml"))
            #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description).joined())")
            let f = try #require(r.flowsheet)
            #expect(f.events.map(\.event.time) == [10, 2, 4])
            guard case .streamFlow("scrub", 0) = f.events[1].event.change else { Issue.record("stop from the file"); continue }
            #expect(f.events[1].location.file == "trip.yaml" && f.events[1].location.line == (file.hasPrefix("-") ? 1 : 3))
        }
    }

    /// Problems of the events file are located in it (file:line:column), after the flowsheet's,
    /// all at once; an event of the file that changes what a flowsheet event changes at the same
    /// time is SX412 with a note at the flowsheet's event.
    @Test func eventsFileProblemsAreLocatedInTheEventsFile() throws {
        let text = Self.flowsheet(sections: Self.plainSections, events: "events:\n  - {at: 10 h, stream: feed, flow: 1.2 m3/h}")
        let (file, expected) = Marked.strip("""
            - {at: 1 h, stream: ⟪SX310⟫scrb, stop: true}
            - ⟪SX412⟫{at: 10 h, stream: feed, flow: 1 L/h}
            - {at: 2 h, section: scrub, equilibrium: ⟪SX310⟫f}
            - {at: ⟪SX210⟫-1 h, stream: feed, flow: 2 L/h}
            - ⟪SX111⟫{at: 5 h, stream: feed, ⟪SX110⟫flw: 2 L/h}

            """)
        let r = FlowsheetParser.parse(text: text, fileName: "t.yaml", events: EventsDocument(text: file, fileName: "upset.yaml"))
        #expect(r.flowsheet == nil)
        #expect(r.diagnostics.allSatisfy { $0.location.file == "upset.yaml" })
        let found = Set(r.diagnostics.map { Marked.Expectation(code: $0.id.code, line: $0.location.line, column: $0.location.column) })
        #expect(found == expected)
        let conflict = try #require(r.diagnostics.first { $0.id == .conflictingEvents })
        let flowsheetEventLine = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("at: 10 h") }! + 1
        #expect(conflict.notes.first?.location?.file == "t.yaml" && conflict.notes.first?.location?.line == flowsheetEventLine)
        #expect(conflict.help?.contains("different times") == true)
        let suggestion = try #require(r.diagnostics.first { $0.id == .unknownReference })
        #expect(suggestion.help == "did you mean 'scrub'?")
    }

    /// An empty file, a YAML error and a mapping without `events` are located too.
    @Test func malformedEventsFiles() {
        let text = Self.flowsheet(sections: Self.plainSections, events: "")
        let cases: [(String, String, Int, Int)] = [
            ("  \n", "SX101", 1, 1),
            ("- {at: 1 h, stream: feed, flow: 1 L/h\n", "SX101", 2, 1),
            ("description: nothing\n", "SX111", 1, 1),
            ("- {at: 1 h, stream: feed, flow: 1 L/h}\nevents: []\n", "SX101", 2, 1),
            ("description: x\nevent: []\n", "SX110", 2, 1),
        ]
        for (file, code, line, column) in cases {
            let r = FlowsheetParser.parse(text: text, fileName: "t.yaml", events: EventsDocument(text: file, fileName: "e.yaml"))
            #expect(r.flowsheet == nil, "\(file)")
            #expect(r.diagnostics.contains { $0.id.code == code && $0.location.file == "e.yaml" && $0.location.line == line && $0.location.column == column },
                    "\(file): \(r.diagnostics.map(\.description).joined())")
        }
    }
}

