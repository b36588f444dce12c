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

    /// The ids no other test asserted (issue 13, item 20): each at the position its caret must point to.
    @Test func everyRemainingIdIsLocated() {
        Marked.check("""
        version: 1
        elements: [Pr, Nd]
        temperature: 25 °C
        equilibria:
          ⟪SX903⟫d:
            model: constant-D
            distribution-ratios: {Pr: 0.8, Nd: 1.2}
            temperature: 60 °C
            provenance: {source: t, status: textbook}
          m:
            model: mass-action
            extraction-constants: {Pr: 0.1, Nd: 0.15}
            provenance: {source: t, status: textbook}
        streams:
          feed: {phase: aqueous, flow: 100 L/h, total-reo: 100 g/L REO, reo-split: ⟪SX211⟫{Pr: 40 %, Nd: 50 %}}
          organic: {phase: organic, flow: 120 L/h, extractant: 1 mol/L}
          feed2: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L}}
          feed3: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L}}
          feed4: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L}}
          organic2: {phase: organic, flow: 120 L/h}
          organic4: {phase: organic, flow: 120 L/h}
          back: {from: ⟪SX321⟫a-organic, acidity: 1 mol/L}
          ⟪SX113⟫bad name: {phase: aqueous, flow: 1 L/h}
        cascades:
          a:
            sections:
              x: {stages: 3, equilibrium: ⟪SX405⟫d}
              y: {stages: 2, equilibrium: m}
            feeds: {organic: 1, feed: 3}
            organic-outlet: a-organic
          b:
            sections: {x: {stages: 2, equilibrium: d}}
            feeds: {feed2: 2, back: 1}
          ⟪SX404⟫c:
            sections: {x: {stages: 2, equilibrium: d}}
            feeds: {organic2: 1}
          ⟪SX403⟫e:
            sections: {x: {stages: 2, equilibrium: d}}
            feeds: {feed3: 1}
          f:
            sections: {x: {stages: ⟪SX201⟫ten, equilibrium: d}}
            feeds: {feed4: 1, organic4: 1}
        targets: ⟪SX112⟫5
        """)
        let bad = FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml", overrides: [Override(keyPath: "solver.tolerance", value: "[")])
        #expect(bad.diagnostics.map(\.id) == [.overrideValue])
        #expect(bad.diagnostics.first?.location.file == "<override 1>" && bad.diagnostics.first?.location.column == 18)
    }

    @Test("solver.time-stepping-fallback: read as a boolean, on by default, anything else located")
    func timeSteppingFallbackKey() {
        let byDefault = FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml")
        #expect(byDefault.flowsheet?.solveOptions.timeStepping.enabled == true)
        let off = FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml",
                                        overrides: [Override(keyPath: "solver.time-stepping-fallback", value: "false")])
        #expect(off.diagnostics.isEmpty, "\(off.diagnostics)")
        #expect(off.flowsheet?.solveOptions.timeStepping.enabled == false)
        let on = FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml",
                                       overrides: [Override(keyPath: "solver.time-stepping-fallback", value: "true")])
        #expect(on.diagnostics.isEmpty, "\(on.diagnostics)")
        #expect(on.flowsheet?.solveOptions.timeStepping.enabled == true)
        let bad = FlowsheetParser.parse(text: minimalFlowsheet, fileName: "min.yaml",
                                        overrides: [Override(keyPath: "solver.time-stepping-fallback", value: "yes please")])
        #expect(bad.diagnostics.map(\.id) == [.wrongType])
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

/// Specifications refused or warned about before solving (SX407, SX904), at the stream's
/// saponification value.
struct FeasibilityDiagnosticTests {
    static let massAction = """
    version: 1
    elements: [Pr, Nd]
    equilibria:
      k:
        model: mass-action
        extraction-constants: {Pr: 1.0, Nd: 1.5}
        cation-exchange-constant: 1e-5
        soap: NaA
        provenance: {source: "test", status: illustrative}
    streams:
      feed: {phase: aqueous, flow: 1 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L}, acidity: 0.05 mol/L}
      organic: {phase: organic, flow: 20 L/h, extractant: 1.5 mol/L, saponification: ⟪MARK⟫SAP}
      scrub-acid: {phase: aqueous, flow: 2.52 L/h, acidity: 3.5 mol/L}
    cascades:
      c:
        sections:
          extraction: {stages: 5, equilibrium: k}
          scrub: {stages: 5, equilibrium: k}
        feeds: {organic: 1, feed: extraction.last, scrub-acid: scrub.last}
    """

    static func text(saponification: String, marker: String) -> String {
        massAction.replacingOccurrences(of: "⟪MARK⟫SAP", with: marker + saponification)
    }

    @Test("E_M ≥ 1 is error SX407 at the saponification; 60 % adds warning SX904; 36 % passes")
    func overSaponificationIsLocated() {
        // Na in 20 × 1.5 × 0.6 = 18 mol/h; Cl leaving stage 1 = feed 0.05 + 3 × 1.2 = 3.65 plus
        // scrub 2.52 × 3.5 = 8.82, 12.47 mol/h (closed form): E_M = 1.44 → refused.
        Marked.check(Self.text(saponification: "60 %", marker: "⟪SX904⟫⟪SX407⟫"))
        // 36 %: Na 10.8 < Cl 12.47 → accepted, no warning (Flowsheets/prnd-mass-action.yaml).
        let ok = FlowsheetParser.parse(text: Self.text(saponification: "36 %", marker: ""), fileName: "ok.yaml")
        #expect(ok.flowsheet != nil && ok.diagnostics.isEmpty, "\(ok.diagnostics.map(\.description).joined())")
    }
}

/// The mass-action soap's stoichiometry (issue 9, item 3).
struct SoapOptionTests {
    @Test("soap: NaA·HA (or NaA.HA) is read; an unknown soap is SX310 at its value")
    func soapOption() throws {
        let base = FeasibilityDiagnosticTests.text(saponification: "36 %", marker: "")
        for spelling in ["NaA·HA", "NaA.HA"] {
            let text = base.replacingOccurrences(of: "    soap: NaA\n", with: "    soap: \(spelling)\n")
            let r = FlowsheetParser.parse(text: text, fileName: "soap.yaml")
            let model = try #require(r.flowsheet?.train.cascades.first?.sections.first?.equilibrium as? MassActionModel)
            #expect(model.soap == .solvated, "\(spelling)")
            #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description).joined())")
        }
        Marked.check(base.replacingOccurrences(of: "    soap: NaA\n", with: "    soap: ⟪SX310⟫NaX\n"))
    }

    /// K_C and the soap have no verified source (docs/references.md [MA]): a saponified organic
    /// meeting a set that leaves them to the defaults is warned about, at the set's name.
    @Test("SX909 when a saponified organic meets default K_C or soap; none when both are stated or nothing is saponified")
    func unsourcedDefaultsAreWarned() throws {
        let stated = FeasibilityDiagnosticTests.text(saponification: "36 %", marker: "")
        let neither = stated.replacingOccurrences(of: "    cation-exchange-constant: 1e-5\n    soap: NaA\n", with: "")
        #expect(neither != stated)
        Marked.check(neither.replacingOccurrences(of: "\n  k:\n", with: "\n  ⟪SX909⟫k:\n"))
        let both = FlowsheetParser.parse(text: neither, fileName: "d.yaml").diagnostics
        #expect(both.count == 1 && both[0].id == .defaultChemistry && both[0].severity == .warning)
        #expect(both[0].message.contains("cation-exchange-constant 10e-6") && both[0].message.contains("soap NaA"), "\(both[0].message)")
        // Only the soap stated: the warning names K_C alone.
        let soapOnly = stated.replacingOccurrences(of: "    cation-exchange-constant: 1e-5\n", with: "")
        let one = FlowsheetParser.parse(text: soapOnly, fileName: "d.yaml").diagnostics
        #expect(one.count == 1 && one[0].message.contains("cation-exchange-constant") && !one[0].message.contains("soap NaA"), "\(one.map(\.message))")
        // Not saponified: neither default is used, nothing to say.
        let unsaponified = neither.replacingOccurrences(of: ", saponification: 36 %", with: "")
        #expect(unsaponified != neither)
        Marked.check(unsaponified)
    }
}

/// Checks of a fully loaded (Xu) cascade before solving (SX409, SX410, SX411, SX907), at the
/// stream to change: a Pr|Nd split with a constant-D strip, 23.4 % of its liquor drawn and the
/// rest refluxed into the scrub (Tests/SXModelTests/AcidTests.swift solves the same cascade).
struct LoadedOrganicDiagnosticTests {
    static func text(acid: String = "4.8 mol/L", extractant: String = "1.5 mol/L", saponification: String = "36 %",
                     draw: String = "23.4 %", organicMark: String = "", stripMark: String = "", stripModel: String = "",
                     organicFlow: String = "2243 L/h", stripFlow: String = "256 L/h", feedAcidity: String = "0.05 mol/L",
                     feedMark: String = "") -> String {
        """
        version: 1
        elements: [Pr, Nd]
        equilibria:
          loaded:
            model: separation-factors
            separation-factors: {Pr: 1, Nd: 1.5}
            organic-loading: 0.18 mol/L
            provenance: {source: "test", status: illustrative}
          strip:
            model: constant-D
            distribution-ratios: {Pr: 0.02, Nd: 0.02}\(stripModel)
            provenance: {source: "test", status: illustrative}
        streams:
          \(feedMark)feed: {phase: aqueous, flow: 100 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L}, acidity: \(feedAcidity)}
          \(organicMark)organic: {phase: organic, flow: \(organicFlow), extractant: \(extractant), saponification: \(saponification)}
          \(stripMark)strip-acid: {phase: aqueous, flow: \(stripFlow), acidity: \(acid)}
        cascades:
          c:
            sections:
              extraction: {stages: 15, equilibrium: loaded}
              scrub: {stages: 20, equilibrium: loaded}
              strip: {stages: 4, equilibrium: strip}
            feeds: {organic: extraction.first, feed: extraction.last, strip-acid: strip.last}
            draws:
              nd: {stage: strip.first, phase: aqueous, fraction: \(draw)}
        """
    }

    @Test("The design passes; strip acid 0 is SX409, 0.1 mol/L P507 at 0 % is SX410, 20 % saponification SX907, no reflux SX411")
    func loadedOrganicChecksAreLocated() throws {
        let ok = FlowsheetParser.parse(text: Self.text(), fileName: "ok.yaml")
        #expect(ok.flowsheet != nil && ok.diagnostics.isEmpty, "\(ok.diagnostics.map(\.description).joined())")
        // 403.7 mol/h RE needs 1211 mol/h H⁺; none fed.
        Marked.check(Self.text(acid: "0 mol/L", stripMark: "⟪SX409⟫"))
        let short = FlowsheetParser.parse(text: Self.text(acid: "0 mol/L"), fileName: "short.yaml").diagnostics
        #expect(short.first?.message.contains("1211 mol/h short") == true, "\(short.map(\.description).joined())")
        // C/6 = 0.0167 mol/L < 0.18.
        Marked.check(Self.text(extractant: "0.1 mol/L", saponification: "0 %", organicMark: "⟪SX410⟫"))
        // s·C/3 = 0.1 < 0.18 ≤ C/6 = 0.25: a warning; the flowsheet is still built.
        Marked.check(Self.text(saponification: "20 %", organicMark: "⟪SX907⟫"))
        let warned = FlowsheetParser.parse(text: Self.text(saponification: "20 %"), fileName: "w.yaml")
        #expect(warned.flowsheet != nil && warned.diagnostics.allSatisfy { $0.severity == .warning })
        // Draw 99.9 %: the loaded organic exports 403 mol/h against 120 mol/h fed.
        Marked.check(Self.text(draw: "99.9 %", organicMark: "⟪SX411⟫"))
        #expect(DiagnosticID.stripAcidShortfall.isInfeasibleDesign && DiagnosticID.loadedOrganicExceedsFeed.isInfeasibleDesign)
    }

    @Test("A loaded stage the feed's acid drains is SX415 at the feed, with the numbers; 0.029 mol/L passes")
    func drainedLoadedStageIsLocated() throws {
        // Organic 555.6 L/h (100.0 mol/h RE), strip acid 64 L/h (307.2 mol/h H⁺), 1 % refluxed: the
        // scrub aqueous brings 0.01 × 307.2/3 = 1.024 mol/h to scrub stage 1, which must reload the
        // 5/3 = 1.667 mol/h the feed's acid (100 L/h × 0.05 mol/L) strips at the feed stage
        // (closed form, Tests/SXModelTests/AcidTests.swift `drainedLoadedStage`).
        let drained = Self.text(draw: "99 %", organicFlow: "555.6 L/h", stripFlow: "64 L/h", feedMark: "⟪SX415⟫")
        Marked.check(drained)
        let found = FlowsheetParser.parse(text: Marked.strip(drained).text, fileName: "drained.yaml").diagnostics
        let d = try #require(found.first { $0.id == .loadedStageDrained })
        #expect(d.severity == .error && d.message.contains("stage 16 (scrub stage 1)") && d.message.contains("-0.6427 mol/h"), "\(d.message)")
        #expect(d.help?.contains("below 0.03072 mol/L") == true, "\(d.help ?? "")")
        #expect(DiagnosticID.loadedStageDrained.isInfeasibleDesign && DiagnosticID.loadedStageDrained.code == "SX415")
        let inside = FlowsheetParser.parse(text: Self.text(draw: "99 %", organicFlow: "555.6 L/h", stripFlow: "64 L/h", feedAcidity: "0.029 mol/L"),
                                           fileName: "inside.yaml")
        #expect(inside.flowsheet != nil && inside.diagnostics.isEmpty, "\(inside.diagnostics.map(\.description).joined())")
    }
}

/// The acid-dependent strip, D = D_ref·(h_ref/h)^n (`reference-acidity`, `acid-exponent` on a
/// constant-D set; docs/flowsheet-format.md).
struct AcidDependentStripOptionTests {
    static func text(_ extra: String) -> String {
        LoadedOrganicDiagnosticTests.text(stripModel: "\n    " + extra)
    }

    @Test("reference-acidity makes D acid-dependent (n = 3 unless acid-exponent says otherwise); bad exponents are located")
    func referenceAcidityIsRead() throws {
        let r = FlowsheetParser.parse(text: Self.text("reference-acidity: 4.8 mol/L"), fileName: "a.yaml")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description).joined())")
        let model = try #require(r.flowsheet?.train.cascades.first?.sections.last?.equilibrium as? AcidDependentDistributionModel)
        #expect(model.referenceAcidity == 4.8 && model.acidExponent == 3 && model.referenceDistributionRatios == [0.02, 0.02])
        let two = FlowsheetParser.parse(text: Self.text("reference-acidity: 4.8 mol/L\n    acid-exponent: 2.2"), fileName: "b.yaml")
        #expect((two.flowsheet?.train.cascades.first?.sections.last?.equilibrium as? AcidDependentDistributionModel)?.acidExponent == 2.2)
        Marked.check(Self.text("acid-exponent: ⟪SX111⟫3"))
        Marked.check(Self.text("reference-acidity: 4.8 mol/L\n    acid-exponent: ⟪SX210⟫-1"))
        // Without either key the set stays constant D.
        let plain = FlowsheetParser.parse(text: Self.text(""), fileName: "c.yaml")
        #expect(plain.flowsheet?.train.cascades.first?.sections.last?.equilibrium is ConstantDistributionModel)
    }

    @Test("max-acidity is accepted on an outlet of a Xu cascade whose streams state acid (its acid is tracked)")
    func maxAcidityUnderXu() throws {
        let text = LoadedOrganicDiagnosticTests.text() + "\ntargets:\n  - {product: nd, max-acidity: 0.5 mol/L}\n"
        let r = FlowsheetParser.parse(text: text, fileName: "t.yaml")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description).joined())")
        #expect(r.flowsheet?.effluentTargets.first?.maximumAcidity == 0.5)
    }
}
