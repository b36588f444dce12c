import Testing
import SXModel

/// The train solver (SXModel.CascadeTrain): linked cascades solved in order, recycles
/// converged by successive substitution. Checked against identities, not stored numbers.
struct TrainSolverTests {
    /// A constant-D fractional-extraction cascade (textbook case F1's ratios, docs/references.md [RC]).
    func cascade(_ name: String, feed: Double) -> Cascade {
        let eq = ConstantDistributionModel(distributionRatios: [0.5, 2])
        return Cascade(name: name, elements: [.Pr, .Nd],
                       sections: [Section(name: "extraction", stageCount: 6, equilibrium: eq),
                                  Section(name: "scrub", stageCount: 4, equilibrium: eq)],
                       aqueousFeeds: [AqueousFeed(name: "feed", stage: 6, flow: feed, concentrations: [0.5, 0.5]),
                                      AqueousFeed(name: "scrub", stage: 10, flow: 0.5, concentrations: [0, 0])],
                       organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: 1, concentrations: [0, 0])],
                       raffinateName: "\(name)-raffinate", organicOutletName: "\(name)-organic")
    }

    @Test func chainEqualsSolvingByHand() throws {
        // b's feed is a's raffinate.
        let a = cascade("a", feed: 1)
        var b = cascade("b", feed: 1)
        let train = CascadeTrain(cascades: [b, a], links: [.init(cascade: 0, phase: .aqueous, feedIndex: 0, sourceCascade: 1, sourceOutlet: "a-raffinate")])
        #expect(train.solveOrder == [1, 0])
        #expect(!train.hasRecycles)
        let r = try TrainSolver.solve(train)
        #expect(r.outcome == .converged)
        #expect(r.passes == 1)
        // By hand: solve a, put its raffinate into b, solve b.
        let ra = try CascadeSolver.solve(a)
        let raffinate = try #require(ra.outlet(named: "a-raffinate"))
        b.aqueousFeeds[0].flow = raffinate.flow
        b.aqueousFeeds[0].concentrations = raffinate.concentrations
        let rb = try CascadeSolver.solve(b)
        let byHand = try #require(rb.outlet(named: "b-organic")).concentrations
        let byTrain = try #require(r.results[0].outlet(named: "b-organic")).concentrations
        for (x, y) in zip(byHand, byTrain) { #expect(abs(x - y) <= 1e-12 * max(abs(x), 1e-300)) }
    }

    @Test func recycleConvergesToAFixedPointThatConservesEveryElement() throws {
        // a's raffinate is re-extracted in b; b's loaded organic returns to a's stage 1 as a
        // second organic feed. Every phase has an outlet, so the loop has a steady state.
        var a = cascade("a", feed: 1)
        a.organicFeeds.append(OrganicFeed(name: "return", stage: 1, flow: 1, concentrations: [0, 0]))
        var b = cascade("b", feed: 1)
        b.organicFeeds[0].flow = 0.8
        let train = CascadeTrain(cascades: [a, b], links: [
            .init(cascade: 1, phase: .aqueous, feedIndex: 0, sourceCascade: 0, sourceOutlet: "a-raffinate"),
            .init(cascade: 0, phase: .organic, feedIndex: 1, sourceCascade: 1, sourceOutlet: "b-organic"),
        ], recycleTolerance: 1e-11)
        #expect(train.hasRecycles)
        let r = try TrainSolver.solve(train)
        #expect(r.outcome == .converged, "\(r.outcome.explanation)")
        #expect(r.passes > 1)
        // Fixed point: the returned stream equals b's organic outlet.
        let back = r.results[0].cascade.organicFeeds[1]
        let source = try #require(r.results[1].outlet(named: "b-organic"))
        #expect(abs(back.flow - source.flow) <= 1e-9 * source.flow)
        for (x, y) in zip(back.concentrations, source.concentrations) { #expect(abs(x - y) <= 1e-9 * max(y, 1e-12)) }
        // Conservation: fresh feed = products (a-organic, b-organic) for each element.
        for (j, e) in [Element.Pr, .Nd].enumerated() {
            let fresh = r.freshFeed(element: j, elements: [.Pr, .Nd])
            let out = r.products.reduce(0) { $0 + $1.outlet.flow * $1.outlet.concentrations[j] }
            #expect(abs(fresh - out) <= 1e-8 * fresh, "\(e.symbol): fed \(fresh), out \(out)")
        }
    }
}
