import Foundation
import Testing
import SXFlowsheet
import SXModel
import SXReport

/// Flowsheets/prommis-p1.yaml: the P1 case through the flowsheet format (issue 10).
@Suite("Empirical model through the flowsheet format")
struct EmpiricalFlowsheetTests {
    static let path = "Flowsheets/prommis-p1.yaml"

    @Test("The P1 example reproduces PrOMMiS's outlets in mg/L (1e-4 relative)")
    func exampleMatchesPrOMMiS() throws {
        let out = Pipeline.run(text: try Repository.text(Self.path), fileName: Self.path, measureTime: false)
        #expect(out.status == .ok, "\(out.standardError)")
        let report = try #require(out.report)
        let r = try #require(report.results.first)
        // PrOMMiS's test_solvent_extraction_steady.py assertions (mg/L), domain.md §5 P1.
        let raffinate: [Element: Double] = [.La: 0.91421, .Ce: 2.1095, .Pr: 0.27631, .Nd: 0.88099, .Sm: 0.086579, .Dy: 1.1699e-3]
        let organic: [Element: Double] = [.Nd: 0.065178, .Pr: 0.026727]
        for (el, expected) in raffinate {
            let j = try #require(r.cascade.elements.firstIndex(of: el))
            let mgPerL = r.aqueous[0][j] * el.atomicWeight * 1000
            #expect(abs(mgPerL / expected - 1) <= 1e-4, "raffinate \(el.symbol): \(mgPerL) mg/L, PrOMMiS \(expected)")
        }
        for (el, expected) in organic {
            let j = try #require(r.cascade.elements.firstIndex(of: el))
            let mgPerL = r.organic[2][j] * el.atomicWeight * 1000
            #expect(abs(mgPerL / expected - 1) <= 1e-4, "loaded organic \(el.symbol): \(mgPerL) mg/L, PrOMMiS \(expected)")
        }
        // H+ leaving in the raffinate: 39.513 mg/L at PrOMMiS's 1 g/mol.
        #expect(abs(r.acidity![0] * 1000 / 39.513 - 1) <= 1e-4)
    }

    @Test("A stage outside the fit's validity window is warning SX905 at the section's equilibrium")
    func validityWindow() throws {
        // The solved pH is 1.403 / 1.462 / 1.469 and the dosage 4.755 / 4.727 / 4.723 % (stage
        // 1 to 3): a window from pH 1.42 and dosage 4.73 % leaves out stage 1 (pH) and
        // stages 2 and 3 (dosage).
        let window = Override(keyPath: "equilibria.d2ehpa-sulfate.validity", value: "{pH: [1.42, 3], dosage: [4.73 %, 10 %]}")
        let out = Pipeline.run(text: try Repository.text(Self.path), fileName: Self.path, overrides: [window], measureTime: false)
        let report = try #require(out.report)
        let w = try #require(report.warnings.first { $0.id == .outsideValidity })
        #expect(w.location.file == Self.path && w.message.contains("3 stages"), "\(w.message)")
        #expect(w.message.contains("stage 1: pH") && w.message.contains("stage 3: dosage"), "\(w.message)")
        // Inside a wide window: no warning.
        let wide = Override(keyPath: "equilibria.d2ehpa-sulfate.validity", value: "{pH: [1, 3], dosage: [1 %, 10 %]}")
        let ok = Pipeline.run(text: try Repository.text(Self.path), fileName: Self.path, overrides: [wide], measureTime: false)
        #expect(ok.report?.warnings.contains { $0.id == .outsideValidity } == false)
    }

    @Test("Empirical sets are validated with located diagnostics")
    func badEmpiricalSet() throws {
        let text = try Repository.text(Self.path)
        let out = Pipeline.check(text: text, fileName: Self.path, overrides: [
            Override(keyPath: "equilibria.d2ehpa-sulfate.correlations.Nd", value: "{m0: 0.3, m1: 0, B0: -1.6}"),
            Override(keyPath: "equilibria.d2ehpa-sulfate.extractant-density", value: "975.8"),
        ])
        #expect(out.status == .inputError)
        #expect(out.diagnostics.contains { $0.id == .missingKey && $0.message.contains("B1") }, "\(out.standardError)")
        #expect(out.diagnostics.contains { $0.id == .missingUnit && $0.message.contains("extractant-density") }, "\(out.standardError)")
    }
}

/// Hydroxide precipitation (issue 9, item 3): stages whose pH exceeds an element's
/// precipitation pH, pH_p = (log *K − log10 [RE³⁺])/3.
@Suite("Hydroxide precipitation warning")
struct HydroxideWarningTests {
    static let path = "Flowsheets/prnd-mass-action.yaml"

    @Test("Built-in Nd constant: the example's pH (at most 0.68) is far below precipitation, no warning")
    func noWarningAtTheDesign() throws {
        let out = Pipeline.run(text: try Repository.text(Self.path), fileName: Self.path, measureTime: false)
        let report = try #require(out.report)
        #expect(!report.warnings.contains { $0.id == .hydroxidePrecipitation })
        // Closed form at the most basic stage: pH_p(Nd) = (14.96 − log10 x_Nd)/3 ≫ its pH.
        let r = try #require(report.results.first)
        let nd = try #require(r.cascade.elements.firstIndex(of: .Nd))
        let i = r.pH!.indices.max { r.pH![$0] < r.pH![$1] }!
        #expect(HydroxideSolubility.precipitationPH(logStarK: 14.96, concentration: r.aqueous[i][nd])! > r.pH![i] + 4)
    }

    @Test("A user constant that puts stages above their precipitation pH gives SX906 naming them")
    func warningWithUserConstant() throws {
        // log *K = −2 (a test value, not a property of Nd(OH)3): at [Nd] = 1e-3 mol/L
        // precipitation would start at pH (−2 + 3)/3 = 0.33.
        let out = Pipeline.run(text: try Repository.text(Self.path), fileName: Self.path,
                               overrides: [Override(keyPath: "hydroxide-solubility", value: "{Nd: -2}")], measureTime: false)
        let report = try #require(out.report)
        let w = try #require(report.warnings.first { $0.id == .hydroxidePrecipitation })
        #expect(w.message.contains("Nd(OH)3") && w.message.contains("stage 1:"), "\(w.message)")
        #expect(w.location.file == Self.path)
    }
}

/// A stream's chloride instead of its acidity (issue 10, item 2).
@Suite("Chloride given instead of acidity")
struct ChlorideInputTests {
    static let path = "Flowsheets/prnd-mass-action.yaml"
    static let feedAcidity = "acidity: 0.05 mol/L}"

    static func run(replacing acidity: String) throws -> PipelineOutput {
        let text = try Repository.text(Self.path)
        #expect(text.contains(Self.feedAcidity))
        return Pipeline.run(text: text.replacingOccurrences(of: Self.feedAcidity, with: acidity + "}"), fileName: Self.path, measureTime: false)
    }

    @Test("Chloride by electroneutrality gives the acidity: 3.65 mol/L (or its mg/L at 35.45 g/mol) is the example's feed")
    func chlorideFixesAcidity() throws {
        let reference = try Self.run(replacing: Self.feedAcidity.dropLast().description)
        // Closed form: [Cl⁻] = [H⁺] + 3([Pr] + [Nd]) = 0.05 + 3 × 1.2 = 3.65 mol/L.
        for chloride in ["chloride: 3.65 mol/L", "chloride: \(3.65 * 35.45 * 1000) mg/L"] {
            let out = try Self.run(replacing: chloride)
            #expect(out.status == reference.status, "\(chloride): \(out.standardError)")
            let a = try #require(reference.report?.results.first), b = try #require(out.report?.results.first)
            let feed = try #require(b.cascade.aqueousFeeds.first { $0.name == "feed" })
            #expect(abs(feed.acidity - 0.05) <= 1e-12, "\(chloride): acidity \(feed.acidity)")
            #expect(abs(b.aqueous[0][0] / a.aqueous[0][0] - 1) <= 1e-9)
        }
    }

    @Test("Too little chloride for the cations, or both keys, are located errors")
    func badChloride() throws {
        let low = try Self.run(replacing: "chloride: 1 mol/L")
        #expect(low.status == .inputError)
        #expect(low.diagnostics.contains { $0.id == .outOfRange && $0.message.contains("negative acidity") }, "\(low.standardError)")
        let both = try Self.run(replacing: "acidity: 0.05 mol/L, chloride: 3.65 mol/L")
        #expect(both.diagnostics.contains { $0.id == .unknownKey && $0.message.contains("either 'acidity' or 'chloride'") })
    }
}
