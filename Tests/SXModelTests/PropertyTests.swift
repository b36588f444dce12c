import Foundation
import Testing
@testable import SXModel

@Suite("Trace accuracy and failure paths")
struct PropertyTests {
    @Test("A 1e-13 raffinate residue of a 40-stage Kremser cascade matches the closed form to 1e-8 relative")
    func traceImpurityKeepsRelativeAccuracy() throws {
        // Kremser (docs/references.md [RC]): φ = (ε − 1)/(ε^(N+1) − 1); ε = 2, N = 40 gives φ ≈ 4.5e-13,
        // twelve orders of magnitude below the feed.
        let r = try CascadeSolver.solve(Build.kremser(extractionFactor: 2, stages: 40))
        Check.solved(r)
        let phi = r.outlet(named: "raffinate")!.concentrations[0]
        let closed = 1 / (pow(2.0, 41.0) - 1)
        #expect(closed < 1e-12)
        #expect(abs(phi / closed - 1) <= 1e-8, "closed form \(closed), engine \(phi)")
        // Every stage of the profile too: x_i = (ε^i − 1)/(ε^(N+1) − 1) for a unit feed (Kremser profile).
        for i in 1...40 {
            let expected = (pow(2.0, Double(i)) - 1) / (pow(2.0, 41.0) - 1)
            #expect(abs(r.aqueous[i - 1][0] / expected - 1) <= 1e-8, "stage \(i)")
        }
    }

    @Test("Two elements 25 orders of magnitude apart: the trace one keeps full relative accuracy")
    func traceBesideMajor() throws {
        // Non-competing constant-D solutes are independent: each follows its own Kremser
        // closed form (docs/references.md [RC]) whatever the other's concentration.
        var c = Build.kremser(extractionFactor: 3, stages: 50)
        c.elements = [.Nd, .Pr]
        c.sections[0].equilibrium = .constantDistribution(distributionRatios: [3, 0.5])
        c.aqueousFeeds[0].concentrations = [1, 1e-25]
        c.organicFeeds[0].concentrations = [0, 0]
        let r = try CascadeSolver.solve(c)
        Check.solved(r)
        let raffinate = r.outlet(named: "raffinate")!
        #expect(abs(raffinate.concentrations[0] / ClosedForm.kremserRaffinateFraction(extractionFactor: 3, stages: 50) - 1) <= 1e-8)
        #expect(abs(raffinate.concentrations[1] / (1e-25 * ClosedForm.kremserRaffinateFraction(extractionFactor: 0.5, stages: 50)) - 1) <= 1e-8)
    }

    @Test("Xu's model asked for more organic RE flux than the feed and scrub supply: a reason, not a trap")
    func impossibleSpecificationIsReported() throws {
        // S − W must not exceed the feed: S = 3, W = 1 with a unit feed leaves the raffinate negative.
        let cascade = Build.xu(beta: [1.5, 1], elements: [.Nd, .Pr], feedFractions: [0.75, 0.25], s: 3, w: 1, n: 10, m: 10)
        let r = try CascadeSolver.solve(cascade)
        #expect(!r.outcome.isConverged)
        if case .infeasible = r.outcome {} else { Issue.record("expected .infeasible, got \(r.outcome)") }
        #expect(r.outcome.explanation.contains("fully loaded"))
    }

    @Test("A feed outside the cascade is a specification error listing every problem")
    func specificationErrorsAreCollected() {
        var c = Build.kremser(extractionFactor: 1.5, stages: 5)
        c.aqueousFeeds[0].stage = 9
        c.organicFeeds[0].flow = -1
        #expect(throws: CascadeSpecificationError.self) { try CascadeSolver.solve(c) }
        do { _ = try CascadeSolver.solve(c) } catch {
            #expect(error.problems.count == 2, "\(error.problems)")
            #expect(error.problems.contains { $0.contains("stages are numbered 1 to 5") })
        }
    }

    @Test("Murphree efficiency: E = 1 equals the ideal cascade and E < 1 needs more stages for the same duty")
    func murphreeEfficiency() throws {
        let ideal = try CascadeSolver.solve(Build.fractionalWithStrip(model: "constant-D", elements: 3, n: 10, m: 10, k: 5))
        let real = try CascadeSolver.solve(Build.fractionalWithStrip(model: "constant-D", elements: 3, n: 10, m: 10, k: 5, efficiency: 0.7))
        Check.solved(ideal)
        Check.solved(real)
        // With E < 1 the raffinate keeps more of the most extractable element.
        let a = ideal.outlet(named: "raffinate")!.concentrations[2], b = real.outlet(named: "raffinate")!.concentrations[2]
        #expect(b > a)
    }
}

@Suite("Model limits")
struct ModelLimitTests {
    /// An extraction-only cascade: RE-free organic at stage 1, feed at stage 10.
    static func extraction(_ equilibrium: any EquilibriumModel, feedAcidity: Double) -> Cascade {
        Cascade(elements: [.Nd, .Pr],
                sections: [Section(name: "extraction", stageCount: 10, equilibrium: equilibrium)],
                aqueousFeeds: [AqueousFeed(name: "feed", stage: 10, flow: 1, concentrations: [0.75, 0.25], acidity: feedAcidity)],
                organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: 4, extractant: 0.6, concentrations: [0, 0])])
    }

    @Test("Mass action tends to Xu's model (b) with β = K_A/K_B as the organic becomes fully loaded")
    func massActionReducesToSeparationFactors() throws {
        // docs/references.md [LOAD]: in the fully loaded limit with equal stoichiometry, β = K_j/K_k exactly
        // and model (c) reduces to model (b) with loading C_HA/6 (0.6/6 = 0.1 mol/L here).
        let xu = try CascadeSolver.solve(Self.extraction(.separationFactors(separationFactors: [1.5, 1], organicLoading: 0.1), feedAcidity: 0))
        Check.solved(xu)
        var previous = Double.infinity
        for k in [1e6, 1e12, 1e18] {
            let ma = try CascadeSolver.solve(Self.extraction(.massAction(extractionConstants: [1.5 * k, k]), feedAcidity: 0.1))
            Check.solved(ma)
            var difference = 0.0
            for i in 0..<10 {
                for j in 0..<2 {
                    difference = max(difference, abs(ma.organic[i][j] / xu.organic[i][j] - 1), abs(ma.aqueous[i][j] / xu.aqueous[i][j] - 1))
                }
                // The composition relation holds exactly at any loading: y_A/y_B = 1.5 x_A/x_B.
                let ratio = (ma.organic[i][0] / ma.organic[i][1]) / (ma.aqueous[i][0] / ma.aqueous[i][1])
                #expect(abs(ratio / 1.5 - 1) < 1e-12, "stage \(i + 1): β = \(ratio)")
            }
            #expect(difference < previous, "K = \(k): difference from model (b) \(difference) did not shrink")
            previous = difference
        }
        #expect(previous < 1e-4, "at K = 1e18 the cascades differ by \(previous)")
    }
}
