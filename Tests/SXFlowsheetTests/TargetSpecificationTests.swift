import Testing
import SXModel
@testable import SXFlowsheet

/// Plant specifications in `targets` (issue 13, item 8): group purities, impurity maxima on an
/// oxide basis, several limits per product, effluent limits; and each bad entry located.
struct TargetSpecificationTests {
    static let base = """
    version: 1
    elements: [Pr, Nd, Sm]
    equilibria:
      d: {model: constant-D, distribution-ratios: {Pr: 0.8, Nd: 1.2, Sm: 2}, provenance: {source: t, status: textbook}}
    streams:
      feed: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L, Sm: 0.01 mol/L}}
      organic: {phase: organic, flow: 120 L/h}
    cascades:
      c:
        sections: {extraction: {stages: 10, equilibrium: d}}
        feeds: {organic: 1, feed: extraction.last}
    targets:

    """

    @Test func groupImpurityAndEffluentLimitsAreRead() throws {
        let text = Self.base + """
          - {product: c-organic, elements: [Nd, Sm], min-purity: 80 %, min-recovery: 50 %, max: {Pr: 10 %}}
          - {product: c-organic, element: Nd, max: {Sm: 10 ppm}}
          - {product: c-raffinate, max-reo: 500 mg/L REO}
        """
        let r = FlowsheetParser.parse(text: text, fileName: "t.yaml")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description).joined())")
        let f = try #require(r.flowsheet)
        #expect(f.targets.count == 2)
        #expect(f.targets[0].elements == [.Nd, .Sm] && f.targets[0].element == .Nd)
        #expect(f.targets[0].minimumPurity == 0.8 && f.targets[0].maximumImpurities == [ImpurityLimit(element: .Pr, maximum: 0.1)])
        #expect(f.targets[1].maximumImpurities.first?.maximum == 1e-5)
        #expect(f.effluentTargets == [EffluentTarget(product: "c-raffinate", maximumAcidity: nil, maximumOxide: 0.5, location: f.effluentTargets[0].location)])
    }

    @Test func badEntriesAreLocated() {
        Marked.check(Self.base + """
          - {product: c-organic, elements: [Nd, ⟪SX301⟫Nx], min-purity: 90 %}
          - {product: c-organic, element: Nd, max: {⟪SX301⟫Smm: 10 ppm, Pr: ⟪SX202⟫10}}
          - {product: c-organic, element: Nd, ⟪SX408⟫elements: [Nd, Sm], min-purity: 90 %}
          - {product: c-organic, elements: [Nd, Sm], min-purity: 90 %, max: {⟪SX408⟫Sm: 1 %}}
          - {product: c-raffinate, element: Pr, min-purity: 80 %}
          - {product: c-raffinate, element: Nd, min-purity: ⟪SX408⟫30 %}
          - {product: c-organic, element: Pr, max: {Sm: ⟪SX401⟫100 %}}
          - {product: c-raffinate, max-acidity: ⟪SX405⟫0.5 mol/L, max-reo: ⟪SX202⟫3}
          - {product: c-raffinate, element: Pr, min-purity: ⟪SX408⟫85 %}
          - ⟪SX111⟫{product: c-raffinate}
        """)
    }

    @Test func acidityNeedsAnAqueousMassActionOutlet() {
        Marked.check("""
        version: 1
        elements: [Pr, Nd]
        equilibria:
          k: {model: mass-action, extraction-constants: {Pr: 1.0, Nd: 1.5}, provenance: {source: t, status: illustrative}}
        streams:
          feed: {phase: aqueous, flow: 1 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L}, acidity: 0.05 mol/L}
          organic: {phase: organic, flow: 5 L/h, extractant: 1.5 mol/L}
        cascades:
          c:
            sections: {extraction: {stages: 5, equilibrium: k}}
            feeds: {organic: 1, feed: extraction.last}
        targets:
          - {product: c-raffinate, max-acidity: 0.5 mol/L, max-reo: 1 g/L REO}
          - {product: c-organic, max-acidity: ⟪SX321⟫0.5 mol/L}
          - {product: c-raffinate, max-acidity: ⟪SX204⟫0.5 L/h}
        """)
    }
}
