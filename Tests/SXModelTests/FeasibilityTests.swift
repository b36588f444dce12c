import Foundation
import Testing
@testable import SXModel

/// Specifications refused before solving (`Feasibility`, docs/engine.md §6).
@Suite("Feasibility before solving")
struct FeasibilityTests {
    /// The mass-action Pr|Nd split of Flowsheets/prnd-mass-action.yaml (40 + 50 + 12 stages,
    /// P507 1.5 mol/L, 36 % saponified) with the organic and scrub flows (L/h) and the feed's
    /// free acid (mol/L) given.
    static func prNd(organic: Double, scrub: Double, feedAcidity: Double = 0.05) -> Cascade {
        let eq = MassActionModel(extractionConstants: [1.0, 1.5])
        return Cascade(name: "prnd", elements: [.Pr, .Nd],
                       sections: [Section(name: "extraction", stageCount: 40, equilibrium: eq),
                                  Section(name: "scrub", stageCount: 50, equilibrium: eq),
                                  Section(name: "strip", stageCount: 12, equilibrium: eq)],
                       aqueousFeeds: [AqueousFeed(name: "feed", stage: 40, flow: 1, concentrations: [0.3, 0.9], acidity: feedAcidity),
                                      AqueousFeed(name: "scrub", stage: 90, flow: scrub, concentrations: [0, 0], acidity: 3.5),
                                      AqueousFeed(name: "strip", stage: 102, flow: 1.5, concentrations: [0, 0], acidity: 4.5)],
                       organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: organic, extractant: 1.5,
                                                  saponification: 0.36, concentrations: [0, 0])],
                       splits: [OutletSplit(stage: 91, phase: .aqueous, fraction: 1, destination: .product("nd"))])
    }

    @Test("Over-saponification is refused before solving, with the extraction ratio and the limits that would avoid it")
    func overSaponificationThreshold() throws {
        // Na in: organic × 1.5 mol/L × 0.36. Cl leaving stage 1 (all of the feed and scrub
        // anion, closed form): 1 L/h × (0.05 + 3 × 1.2) + scrub × 3.5 mol/L.
        // organic 15, scrub 1.25: Na 8.1 ≥ Cl 8.025 → refused. scrub 1.5: Cl 8.9 > Na → none.
        let over = try CascadeNetwork(Self.prNd(organic: 15, scrub: 1.25))
        let problem = try #require(Feasibility.problems(over).first)
        #expect(problem.kind == .overSaponification && problem.stream == "organic" && problem.stage == 1)
        #expect(abs(problem.cationFlux - 8.1) <= 1e-12 && abs(problem.anionFlux - 8.025) <= 1e-12)
        #expect(abs(problem.extractionRatio - 8.1 / 8.025) <= 1e-12)
        // Limits with the other quantity held (closed form): O = 8.025 / (1.5 × 0.36) L/h,
        // s = 8.025 / (15 × 1.5).
        #expect(abs(problem.organicFlowLimit - 8.025 / 0.54) <= 1e-12)
        #expect(abs(problem.saponificationLimit - 8.025 / 22.5) <= 1e-12)
        #expect(problem.description.contains("8.1 mol/h") && problem.description.contains("8.025 mol/h"), "\(problem)")
        #expect(problem.remedy.contains("14.86 L/h") && problem.remedy.contains("35.7 %"), "\(problem.remedy)")
        #expect(Feasibility.problems(try CascadeNetwork(Self.prNd(organic: 15, scrub: 1.5))).isEmpty)
        // Not an acid-exchange question: Xu's model carries no cation.
        let xu = Build.xu(beta: [1.5, 1], elements: [.Nd, .Pr], feedFractions: [0.75, 0.25], s: 1, w: 0.5, n: 5, m: 5)
        #expect(Feasibility.problems(try CascadeNetwork(xu)).isEmpty)
    }

    @Test("An over-saponified cascade is answered as infeasible without a Newton step; the design next to it converges")
    func infeasibleWithoutIterating() throws {
        let refused = try CascadeSolver.solve(Self.prNd(organic: 25, scrub: 1.25))
        guard case .infeasible(let reason) = refused.outcome else {
            Issue.record("expected infeasible, got \(refused.outcome.explanation)"); return
        }
        #expect(refused.iterations == 0)
        #expect(reason.contains("over-saponification") && reason.contains("Remedy"), "\(reason)")
        // Flowsheets/prnd-mass-action.yaml: Na 10.8 mol/h against Cl 12.47 mol/h.
        let design = try CascadeSolver.solve(Self.prNd(organic: 20, scrub: 2.52))
        Check.solved(design)
    }
}
