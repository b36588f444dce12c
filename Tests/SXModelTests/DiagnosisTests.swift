import Foundation
import Testing
@testable import SXModel

/// The likely cause a failed solve names (docs/engine.md §6).
@Suite("Likely cause of a failed solve")
struct DiagnosisTests {
    /// The mass-action Pr|Nd split of Flowsheets/prnd-mass-action.yaml (40 + 50 + 12 stages,
    /// P507 1.5 mol/L, 36 % saponified) with the organic and scrub flows given.
    static func prNd(organic: Double, scrub: Double) -> Cascade {
        let eq = MassActionModel(extractionConstants: [1.0, 1.5])
        return Cascade(name: "prnd", elements: [.Pr, .Nd],
                       sections: [Section(name: "extraction", stageCount: 40, equilibrium: eq),
                                  Section(name: "scrub", stageCount: 50, equilibrium: eq),
                                  Section(name: "strip", stageCount: 12, equilibrium: eq)],
                       aqueousFeeds: [AqueousFeed(name: "feed", stage: 40, flow: 1, concentrations: [0.3, 0.9], acidity: 0.05),
                                      AqueousFeed(name: "scrub", stage: 90, flow: scrub, concentrations: [0, 0], acidity: 3.5),
                                      AqueousFeed(name: "strip", stage: 102, flow: 1.5, concentrations: [0, 0], acidity: 4.5)],
                       organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: organic, extractant: 1.5,
                                                  saponification: 0.36, concentrations: [0, 0])],
                       splits: [OutletSplit(stage: 91, phase: .aqueous, fraction: 1, destination: .product("nd"))])
    }

    @Test("Over-saponification is named when the organic brings more Na than the raffinate has Cl to take away")
    func overSaponificationThreshold() throws {
        // Na in: organic × 1.5 mol/L × 0.36. Cl leaving stage 1 (all of the feed and scrub
        // anion, closed form): 1 L/h × (0.05 + 3 × 1.2) + scrub × 3.5 mol/L.
        // organic 15, scrub 1.25: Na 8.1 ≥ Cl 8.025 → named. scrub 1.5: Cl 8.9 > Na → nil.
        let over = try CascadeNetwork(Self.prNd(organic: 15, scrub: 1.25))
        let cause = try #require(CascadeSolver.likelyCauseOfFailure(over))
        #expect(cause.contains("over-saponification"))
        #expect(cause.contains("8.1 mol/h") && cause.contains("8.025 mol/h"), "\(cause)")
        #expect(CascadeSolver.likelyCauseOfFailure(try CascadeNetwork(Self.prNd(organic: 15, scrub: 1.5))) == nil)
        // Not a mass-action question: Xu's model carries no cation.
        let xu = Build.xu(beta: [1.5, 1], elements: [.Nd, .Pr], feedFractions: [0.75, 0.25], s: 1, w: 0.5, n: 5, m: 5)
        #expect(CascadeSolver.likelyCauseOfFailure(try CascadeNetwork(xu)) == nil)
    }

    @Test("A failed over-saponified solve says why; the design next to it converges")
    func failedSolveNamesTheCause() throws {
        let failed = try CascadeSolver.solve(Self.prNd(organic: 25, scrub: 1.25))
        #expect(!failed.outcome.isConverged)
        #expect(failed.outcome.explanation.contains("Likely cause: over-saponification"), "\(failed.outcome.explanation)")
        // Flowsheets/prnd-mass-action.yaml: Na 10.8 mol/h against Cl 12.47 mol/h.
        let design = try CascadeSolver.solve(Self.prNd(organic: 20, scrub: 2.52))
        Check.solved(design)
    }
}
