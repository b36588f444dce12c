import Foundation
import Testing
@testable import SXModel

/// Acid as a conserved species under Xu's model (docs/engine.md §3 (b), §6): refluxed strip
/// liquor strips rare earth where it meets the loaded organic, and the checks before solving.
@Suite("Acid under the fully loaded model")
struct AcidTests {
    /// A Pr|Nd split under Xu's model with a constant-D strip whose liquor is partly refluxed
    /// into the scrub: `extraction` + `scrub` + 4 strip stages, organic `organic` L/h loaded to
    /// 0.18 mol/L, 100 L/h of feed (0.3 Pr + 0.9 Nd mol/L, 0.05 mol/L acid), strip acid
    /// `stripAcid` mol/L at 256 L/h, a fraction `draw` of the strip liquor drawn as product.
    /// `acidDependentStrip`: the strip's D = 0.002·(4.8 mol/L / h)³ instead of a constant 0.02.
    /// `stripFlow` L/h of strip acid; `feedAcidity` mol/L of free acid in the feed.
    static func prNd(extraction: Int = 15, scrub: Int = 20, organic: Double = 2243, stripAcid: Double = 4.8,
                     draw: Double = 0.234, saponification: Double = 0.36, extractant: Double = 1.5,
                     acidDependentStrip: Bool = false, stripFlow: Double = 256, feedAcidity: Double = 0.05) -> Cascade {
        let loaded = SeparationFactorModel(separationFactors: [1, 1.5], organicLoading: 0.18)
        let strip: any EquilibriumModel = acidDependentStrip
            ? AcidDependentDistributionModel(referenceDistributionRatios: [0.002, 0.002], referenceAcidity: 4.8)
            : ConstantDistributionModel(distributionRatios: [0.02, 0.02])
        let first = extraction + scrub + 1
        return Cascade(name: "prnd", elements: [.Pr, .Nd],
                       sections: [Section(name: "extraction", stageCount: extraction, equilibrium: loaded),
                                  Section(name: "scrub", stageCount: scrub, equilibrium: loaded),
                                  Section(name: "strip", stageCount: 4, equilibrium: strip)],
                       aqueousFeeds: [AqueousFeed(name: "feed", stage: extraction, flow: 100, concentrations: [0.3, 0.9], acidity: feedAcidity),
                                      AqueousFeed(name: "strip-acid", stage: first + 3, flow: stripFlow, concentrations: [0, 0], acidity: stripAcid)],
                       organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: organic, extractant: extractant,
                                                  saponification: saponification, concentrations: [0, 0])],
                       splits: [OutletSplit(stage: first, phase: .aqueous, fraction: draw, destination: .product("nd"))])
    }

    @Test("Refluxed strip acid strips in the scrub: the loaded organic exports Y·O − r·A_s/3, and acid closes")
    func refluxedAcidIsConsumed() throws {
        let cascade = Self.prNd()
        let r = try CascadeSolver.solve(cascade)
        Check.solved(r)
        // Closed form (Feasibility.loadedOrganicProblems): E = Y·O − r·A_s/3 with a complete strip.
        let reflux = 1 - 0.234, stripAcid = 256 * 4.8
        let export = 0.18 * 2243 - reflux * stripAcid / 3
        let nd = try #require(r.outlets.first { $0.name == "nd" })
        let organicOut = try #require(r.outlets.first { $0.phase == .organic })
        let exported = nd.elementFlows.reduce(0, +) + organicOut.elementFlows.reduce(0, +)
        #expect(abs(exported - export) / export < 1e-9, "exported \(exported) mol/h, closed form \(export)")
        // The strip liquor's residual acid: A_s − 3·(RE it carries in total, product and reflux).
        let liquorRE = nd.elementFlows.reduce(0, +) / 0.234
        let residual = (stripAcid - 3 * liquorRE) / 256
        #expect(abs(try #require(nd.acidity) - residual) < 1e-9 * stripAcid / 256, "strip liquor acid \(nd.acidity ?? .nan), expected \(residual)")
        // Whole-cascade proton balance: H⁺ out = H⁺ fed − Na⁺ released into the aqueous
        // + 3 × (RE leaving in the organic − RE the organic brought), every flux in mol/h.
        let out = r.outlets.filter { $0.phase == .aqueous }.reduce(0.0) { $0 + $1.flow * ($1.acidity ?? .nan) }
        let fed = cascade.aqueousFeeds.reduce(0.0) { $0 + $1.flow * $1.acidity }
        let sodium = 2243 * 1.5 * 0.36
        let balance = fed - sodium + 3 * organicOut.elementFlows.reduce(0, +)
        #expect(abs(out - balance) < 1e-9 * fed, "H⁺ out \(out) mol/h, balance \(balance)")
        // The reflux stage's loading: Y less the routed H⁺ over 3·O.
        let loading = try #require(r.fullLoading)
        let refluxed = reflux * 256 * (try #require(nd.acidity))
        #expect(abs(loading[34] - (0.18 - refluxed / (3 * 2243))) < 1e-12)
    }

    @Test("Strip acid 0 and 5 mol/L answer differently: refused, and solved with less recovery")
    func stripAcidMatters() throws {
        let none = try CascadeSolver.solve(Self.prNd(stripAcid: 0))
        guard case .infeasible(let reason) = none.outcome else { Issue.record("expected infeasible, got \(none.outcome.explanation)"); return }
        #expect(none.iterations == 0 && reason.contains("strip acid shortfall") && reason.contains("1211 mol/h"), "\(reason)")
        let five = try CascadeSolver.solve(Self.prNd(stripAcid: 5))
        let design = try CascadeSolver.solve(Self.prNd())
        Check.solved(five)
        let ndFive = try #require(five.outlets.first { $0.name == "nd" }), ndDesign = try #require(design.outlets.first { $0.name == "nd" })
        // More strip acid leaves more residual acid, which the reflux takes into the scrub.
        #expect(ndFive.acidity! > ndDesign.acidity! + 0.1)
        #expect(ndFive.concentrations[1] < ndDesign.concentrations[1] - 0.05)
    }

    @Test("Strip acid shortfall: refused with the shortfall in mol/h when the streams state acid, a warning when none does")
    func stripShortfall() throws {
        let short = try #require(Feasibility.problems(try CascadeNetwork(Self.prNd(stripAcid: 4))).first)
        // Load 2243 × 0.18 = 403.74 mol/h RE needs 1211.22 mol/h H⁺; fed 256 × 4 = 1024.
        #expect(short.kind == .stripAcidShortfall && short.isRefusal && short.stream == "strip-acid")
        #expect(abs(short.acidNeeded - 3 * 403.74) < 1e-9 && abs(short.acidFed - 1024) < 1e-9)
        #expect(abs(short.shortfall - (1211.22 - 1024)) < 1e-9)
        #expect(short.remedy.contains("4.731 mol/L"), "\(short.remedy)")
        // A textbook cascade: no stream states acid. Warned, and solved.
        var textbook = Self.prNd(stripAcid: 0)
        textbook.aqueousFeeds[0].acidity = 0
        let warning = try #require(Feasibility.problems(try CascadeNetwork(textbook)).first)
        #expect(warning.kind == .stripAcidShortfall && !warning.isRefusal)
        #expect(Feasibility.refusals(try CascadeNetwork(textbook)).isEmpty)
        Check.solved(try CascadeSolver.solve(textbook))
    }

    @Test("Loading against the extractant: above C/6 and s·C/3 refused; above s·C/3 within C/6 warned")
    func loadingCapacity() throws {
        // 0.1 mol/L P507 unsaponified holds 0.1/6 = 0.01667 mol/L; 0.18 is refused.
        let thin = try #require(Feasibility.problems(try CascadeNetwork(Self.prNd(saponification: 0, extractant: 0.1))).first)
        #expect(thin.kind == .loadingAboveCapacity && thin.isRefusal && abs(thin.capacity - 0.1 / 6) < 1e-15)
        #expect(thin.remedy.contains("1.08 mol/L"), "\(thin.remedy)")
        // 1.5 mol/L at 20 %: s·C/3 = 0.1 < 0.18 ≤ C/6 = 0.25: a warning with the acid released,
        // 3 × 0.08 × 2243 = 538.3 mol/h.
        let partly = try #require(Feasibility.problems(try CascadeNetwork(Self.prNd(saponification: 0.2))).first)
        #expect(partly.kind == .loadingAboveSaponifiedCapacity && !partly.isRefusal)
        #expect(partly.description.contains("538.3 mol/h"), "\(partly.description)")
        // The design: s·C/3 = 0.18 exactly.
        #expect(Feasibility.problems(try CascadeNetwork(Self.prNd())).isEmpty)
    }

    @Test("A fully loaded organic with more capacity than the rare earth fed is refused; so is reflux acid that strips it all")
    func exportAgainstFeed() throws {
        // Almost no reflux (draw 99.9 %): export 0.18 × 2243 − 0.001 × 1228.8/3 = 403.33 mol/h
        // against 120 mol/h fed.
        let over = try #require(Feasibility.problems(try CascadeNetwork(Self.prNd(draw: 0.999))).first)
        #expect(over.kind == .loadedOrganicExceedsFeed && over.isRefusal)
        #expect(abs(over.export - (403.74 - 0.001 * 1228.8 / 3)) < 1e-9 && abs(over.rareEarthFed - 120) < 1e-9)
        let refused = try CascadeSolver.solve(Self.prNd(draw: 0.999))
        if case .infeasible = refused.outcome {} else { Issue.record("expected infeasible, got \(refused.outcome.explanation)") }
        #expect(refused.iterations == 0)
        // Strip acid 8 mol/L with 76.6 % reflux: 0.766 × 2048 / 3 = 523 mol/h stripped back > 403.7 carried.
        let stripped = try #require(Feasibility.problems(try CascadeNetwork(Self.prNd(stripAcid: 8))).first)
        #expect(stripped.kind == .loadedOrganicExceedsFeed && stripped.export < 0)
    }

    @Test("A loaded stage drained by the feed's acid is refused with its numbers; just inside the boundary it converges")
    func drainedLoadedStage() throws {
        // Organic 555.6 L/h × 0.18 mol/L = 100.0 mol/h RE; strip acid 64 L/h × 4.8 mol/L = 307.2 mol/h
        // H⁺ (≥ 3 × 100.0), 1 % of its liquor refluxed. Closed form (Feasibility check 4,
        // docs/engine.md §6): the scrub aqueous carries r·A_s/3 = 0.01 × 307.2/3 = 1.024 mol/h; the
        // feed's 100 L/h × 0.05 mol/L = 5 mol/h H⁺ strips 5/3 = 1.667 mol/h off the organic at the
        // feed stage 15, which stage 16 must reload: its aqueous outflow would be 1.024 − 1.667 =
        // −0.6427 mol/h. The export check passes (E = 100.0 − 1.024 < 120 mol/h fed), and so does
        // the strip acid.
        let drained = Self.prNd(organic: 555.6, draw: 0.99, stripFlow: 64)
        let problems = try Feasibility.problems(CascadeNetwork(drained))
        let p = try #require(problems.first)
        #expect(problems.count == 1 && p.kind == .loadedStageDrained && p.isRefusal && p.stream == "feed" && p.stage == 15)
        #expect(abs(p.stageOutflow - (0.01 * 307.2 / 3 - 5.0 / 3)) < 1e-9, "outflow \(p.stageOutflow) mol/h")
        #expect(p.description.contains("stage 16 (scrub stage 1)") && p.description.contains("-0.6427 mol/h"), "\(p.description)")
        // The feed's acid that would leave 0: 3 × 1.024 / 100 = 0.03072 mol/L.
        #expect(p.remedy.contains("below 0.03072 mol/L"), "\(p.remedy)")
        let refused = try CascadeSolver.solve(drained)
        guard case .infeasible(let reason) = refused.outcome else { Issue.record("expected infeasible, got \(refused.outcome.explanation)"); return }
        #expect(refused.iterations == 0 && reason.contains("stage 16"), "\(reason)")
        // Just inside: 0.029 mol/L strips 0.9667 mol/h < 1.024, leaving stage 16 0.0573 mol/h to send on.
        let inside = Self.prNd(organic: 555.6, draw: 0.99, stripFlow: 64, feedAcidity: 0.029)
        #expect(try Feasibility.refusals(CascadeNetwork(inside)).isEmpty)
        let r = try CascadeSolver.solve(inside)
        Check.solved(r)
        let outflow = r.aqueous[15].reduce(0, +) * r.aqueousFlow[15]
        #expect(abs(outflow - (0.01 * 307.2 / 3 - 2.9 / 3)) < 1e-8, "stage 16 sends \(outflow) mol/h RE in its aqueous")
    }

    @Test("An acid-dependent strip, D = D_ref·(h_ref/h)³: solved and checked against the formula; less strip acid strips less")
    func acidDependentStrip() throws {
        let design = try CascadeSolver.solve(Self.prNd(acidDependentStrip: true))
        Check.solved(design)
        // D at the strip-liquor end (stage 36) is (4.8/h)³ times D_ref, h the liquor's acid.
        let h = try #require(design.acidity)[35]
        let d = design.distributionRatios[35][1]
        #expect(abs(d / (0.002 * pow(4.8 / h, 3)) - 1) < 1e-10, "D \(d) at h \(h)")
        #expect(d > 10 * 0.002, "the liquor end strips far less than the fresh-acid end (D \(d), h \(h) mol/L)")
        // 4.75 mol/L still covers 3 H⁺ per RE (1216 against 1211 mol/h) but leaves less residual
        // acid, so the strip's acid end is weaker and more RE stays on the stripped organic.
        let leaner = try CascadeSolver.solve(Self.prNd(stripAcid: 4.75, acidDependentStrip: true))
        Check.solved(leaner)
        let stripped = { (r: CascadeResult) in r.outlets.first { $0.phase == .organic }!.elementFlows.reduce(0, +) }
        #expect(stripped(leaner) > stripped(design), "stripped organic \(stripped(leaner)) vs \(stripped(design)) mol/h")
    }
}
