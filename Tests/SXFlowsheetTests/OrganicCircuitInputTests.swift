import Testing
import SXModel
@testable import SXFlowsheet

/// `organic-circuit` and the static check that every phase leaves the train
/// (docs/flowsheet-format.md, "organic-circuit"; SX413, SX414).
struct OrganicCircuitInputTests {
    static let head = """
    version: 1
    elements: [Pr, Nd]
    equilibria:
      d:
        model: constant-D
        distribution-ratios: {Pr: 0.8, Nd: 1.2}
        provenance: {source: "test", status: illustrative}
      s:
        model: constant-D
        distribution-ratios: {Pr: 0.05, Nd: 0.05}
        provenance: {source: "test", status: illustrative}

    """

    /// One extraction + strip cascade 'c' fed `organic` (the stream's definition given) with
    /// `extra` lines added to the cascade and `tail` after it.
    static func single(organic: String = "{phase: organic, flow: 120 L/h}", extra: String, tail: String = "") -> String {
        head + """
        streams:
          feed: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L}}
          organic: \(organic)
          strip: {phase: aqueous, flow: 20 L/h}
        cascades:
          c:
            sections:
              extraction: {stages: 6, equilibrium: d}
              strip: {stages: 3, equilibrium: s}
            feeds: {organic: 1, feed: extraction.last, strip: strip.last}
        \(extra)
        \(tail)
        """
    }

    @Test func circuitIsReadIntoTheCascade() throws {
        let text = Self.single(extra: "    organic-outlet: bleed\n    organic-circuit: {stream: organic, bleed: 2 %}")
        let r = FlowsheetParser.parse(text: text, fileName: "test.yaml")
        #expect(!r.diagnostics.contains { $0.severity == .error }, "\(r.diagnostics.map(\.description))")
        let c = try #require(r.flowsheet?.train.cascades.first)
        #expect(c.organicCircuit == OrganicCircuit(feedName: "organic", bleedFraction: 0.02))
    }

    /// The template's organic replaced by the cascade's own stripped organic: before, the
    /// placeholder flow of the unsolved link gave a misleading SX402 about acid stripping.
    @Test func ownStrippedOrganicLinkedBackIsFoundStatically() {
        let marked = Self.single(organic: "{from: ⟪SX413⟫stripped}", extra: "    organic-outlet: stripped")
        Marked.check(marked)
        let r = FlowsheetParser.parse(text: Marked.strip(marked).text, fileName: "test.yaml")
        #expect(r.diagnostics.first { $0.id == .phaseWithoutOutlet }?.help?.contains("organic-circuit") == true)
    }

    /// Two cascades that pass their only aqueous outlets to each other: the aqueous never leaves.
    /// Found by `check`, not after the recycle passes of `run`.
    @Test func aqueousLoopWithoutOutletIsFoundStatically() {
        Marked.check(Self.head + """
        streams:
          feed: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L}}
          org-a: {phase: organic, flow: 120 L/h}
          org-b: {phase: organic, flow: 120 L/h}
          from-b: {from: ⟪SX413⟫b-raffinate}
          from-a: {from: ⟪SX413⟫a-raffinate}
        cascades:
          a:
            sections: {extraction: {stages: 4, equilibrium: d}}
            feeds: {org-a: 1, feed: 4, from-b: 4}
          b:
            sections: {extraction: {stages: 4, equilibrium: d}}
            feeds: {org-b: 1, from-a: 4}

        """)
    }

    /// The same loop with a draw that leaves as a product has an outlet: accepted.
    @Test func loopWithAnOutletIsAccepted() {
        Marked.check(Self.head + """
        streams:
          feed: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L}}
          org-a: {phase: organic, flow: 120 L/h}
          org-b: {phase: organic, flow: 120 L/h}
          from-b: {from: b-raffinate}
          from-a: {from: a-raffinate}
        cascades:
          a:
            sections: {extraction: {stages: 4, equilibrium: d}}
            feeds: {org-a: 1, feed: 4, from-b: 4}
          b:
            sections: {extraction: {stages: 4, equilibrium: d}}
            feeds: {org-b: 1, from-a: 4}
            draws: {b-product: {stage: 1, fraction: 50 %}}

        """)
    }

    @Test func badCircuitEntriesAreLocated() {
        Marked.check(Self.head + """
        streams:
          feed: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L}}
          organic: {phase: organic, flow: 120 L/h, loading: {Nd: 1 mmol/L}}
          organic-2: {phase: organic, flow: 120 L/h}
          strip: {phase: aqueous, flow: 20 L/h}
          strip-2: {phase: aqueous, flow: 20 L/h}
          feed-2: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L}}
          feed-3: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L}}
          organic-3: {phase: organic, flow: 120 L/h}
        cascades:
          a:
            sections: {extraction: {stages: 4, equilibrium: d}, strip: {stages: 2, equilibrium: s}}
            feeds: {organic: 1, feed: 4, strip: strip.last}
            organic-circuit: {stream: ⟪SX414⟫organic}
          b:
            sections: {extraction: {stages: 4, equilibrium: d}, strip: {stages: 2, equilibrium: s}}
            feeds: {organic-2: 1, feed-2: 4, strip-2: strip.last}
            organic-circuit: {stream: ⟪SX414⟫strip-2, bleed: ⟪SX210⟫100 %}
          c:
            sections: {extraction: {stages: 4, equilibrium: d}}
            feeds: {organic-3: 1, feed-3: 4}
            organic-circuit: {stream: ⟪SX414⟫organic-2}
          d:
            sections: {extraction: {stages: 4, equilibrium: d}}
            feeds: {⟪SX310⟫unknown: 1}
            organic-circuit: {stream: ⟪SX310⟫orgnic}

        """)
    }

    /// With no bleed the stripped organic never leaves: its outlet name is not a product.
    @Test func unbledOutletIsNotAProduct() {
        Marked.check(Self.single(extra: "    organic-circuit: {stream: organic}",
                                 tail: "targets:\n  - {product: ⟪SX310⟫c-organic, element: Nd, min-recovery: 50 %}\n"))
    }
}
