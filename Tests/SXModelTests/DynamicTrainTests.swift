import Foundation
import Testing
import SXNumerics
import SXTestSupport
@testable import SXModel

/// Trains of cascades in time (`DynamicTrainSimulation`, docs/dynamic.md §8): the long-time
/// limit against the steady train solver, conservation over the whole train at every sample,
/// independent cascades against their single-cascade runs, the coupled Jacobian against
/// central differences.
@Suite("Dynamic simulation of trains")
struct DynamicTrainTests {
    /// Cascade a: reference case F1's cascade (domain.md §5: constant D 2 and 0.5, O = 1,
    /// F = 1, W = 0.5 L/h, n = 6, m = 4), Nd to the organic, Pr to the raffinate.
    static var first: Cascade {
        var a = Build.fractional(d: [2, 0.5], elements: [.Nd, .Pr], organic: 1, feed: 1, scrub: 0.5, n: 6, m: 4, feedConcentrations: [0.5, 0.5])
        a.name = "a"
        a.raffinateName = "a-raffinate"
        a.organicOutletName = "a-organic"
        return a
    }

    /// Cascade b: a second constant-D fractional cascade fed at stage 5 by a linked stream (its
    /// placeholder feed carries nothing until the link fills it).
    static var second: Cascade {
        var b = Build.fractional(d: [3, 0.4], elements: [.Nd, .Pr], organic: 0.8, feed: 1e-9, scrub: 0.3, n: 5, m: 3, feedConcentrations: [0, 0])
        b.name = "b"
        b.aqueousFeeds[0].name = "a-liquor"
        b.raffinateName = "b-raffinate"
        b.organicOutletName = "b-organic"
        return b
    }

    /// Feed-forward: a's raffinate is b's feed.
    static var feedForward: CascadeTrain {
        CascadeTrain(cascades: [first, second],
                     links: [.init(cascade: 1, phase: .aqueous, feedIndex: 0, sourceCascade: 0, sourceOutlet: "a-raffinate")],
                     recycleTolerance: 1e-12)
    }

    /// With a recycle: a's raffinate feeds b, and b's loaded organic returns to a's feed stage
    /// (an organic link against the solve order), so both phases cross between the cascades.
    static var recycle: CascadeTrain {
        var a = first
        a.organicFeeds.append(OrganicFeed(name: "b-return", stage: 6, flow: 1e-9, concentrations: [0, 0]))
        return CascadeTrain(cascades: [a, second],
                            links: [.init(cascade: 1, phase: .aqueous, feedIndex: 0, sourceCascade: 0, sourceOutlet: "a-raffinate"),
                                    .init(cascade: 0, phase: .organic, feedIndex: 1, sourceCascade: 1, sourceOutlet: "b-organic")],
                            recycleTolerance: 1e-12)
    }

    /// Separation factors (Xu's fully loaded organic) with a constant-D strip: cascade a's
    /// strip liquor, with its residual strip acid, joins cascade b's own feed at
    /// b's feed stage, a fully loaded stage, where that acid strips part of the organic's loading
    /// (as in Flowsheets/light-re-train.yaml). `feedScale` scales a's fresh feed flow.
    static func loadedTrain(feedScale: Double = 1) -> CascadeTrain {
        var a = StandardCascades.fractionalWithStrip(model: .separationFactors, elementCount: 2, extraction: 8, scrub: 8, strip: 4)
        a.name = "a"
        a.raffinateName = "a-raffinate"
        a.organicOutletName = "a-organic"
        a.aqueousFeeds[0].flow *= feedScale
        // Strip acid just above the 3 H⁺ per RE the loaded organic brings, so that the residual
        // acid reaching b strips a moderate share of b's loading (light-re-train: about 2 %).
        a.aqueousFeeds[2].acidity = 2.5
        var b = StandardCascades.fractionalWithStrip(model: .separationFactors, elementCount: 2, extraction: 8, scrub: 8, strip: 4)
        b.name = "b"
        b.raffinateName = "b-raffinate"
        b.organicOutletName = "b-organic"
        b.splits = b.splits.map { var s = $0; s.destination = .product("b-strip-liquor"); return s }
        b.aqueousFeeds[1].flow *= 2   // more scrub liquor refills the organic above the feed stage
        b.aqueousFeeds.append(AqueousFeed(name: "a-strip-liquor", stage: 8, flow: 1e-9, concentrations: [0, 0]))
        return CascadeTrain(cascades: [a, b],
                            links: [.init(cascade: 1, phase: .aqueous, feedIndex: b.aqueousFeeds.count - 1, sourceCascade: 0, sourceOutlet: "strip liquor")],
                            recycleTolerance: 1e-12)
    }

    /// Mass action (SXModel's `StandardCascades` mass-action cascade, 2 elements, 6 + 6 + 3
    /// stages, organic 25 % saponified with Na⁺, half the strip liquor refluxed: without the
    /// reflux's chloride the organic's Na⁺ would exceed what stage 1's aqueous can carry away,
    /// SX407), named `name`.
    static func massActionCascade(_ name: String) -> Cascade {
        var c = StandardCascades.fractionalWithStrip(model: .massAction, elementCount: 2, extraction: 6, scrub: 6, strip: 3, reflux: 0.5)
        c.name = name
        c.raffinateName = "\(name)-raffinate"
        c.organicOutletName = "\(name)-organic"
        c.splits = c.splits.map { var s = $0; s.destination = .product("\(name)-strip-liquor"); return s }
        return c
    }

    /// Two mass-action cascades: a's raffinate (with its free acid and the Na⁺ the saponified
    /// organic released) is b's feed; with `recycle`, b's stripped organic (its extractant and
    /// what soap is left) joins a's fresh organic at a's stage 1, against the solve order.
    static func massActionTrain(recycle: Bool) -> CascadeTrain {
        var a = massActionCascade("a"), b = massActionCascade("b")
        b.aqueousFeeds[0] = AqueousFeed(name: "a-liquor", stage: 6, flow: 1e-9, concentrations: [0, 0])
        var links: [CascadeTrain.Link] = [.init(cascade: 1, phase: .aqueous, feedIndex: 0, sourceCascade: 0, sourceOutlet: "a-raffinate")]
        if recycle {
            a.organicFeeds.append(OrganicFeed(name: "b-return", stage: 1, flow: 1e-9, extractant: 1.5, saponification: 0, concentrations: [0, 0]))
            links.append(.init(cascade: 0, phase: .organic, feedIndex: 1, sourceCascade: 1, sourceOutlet: "b-organic"))
        }
        return CascadeTrain(cascades: [a, b], links: links, recycleTolerance: 1e-12)
    }

    /// Graded holdups (so that no symmetry hides an indexing error), L per stage.
    static func holdups(_ train: CascadeTrain) -> [StageHoldups] {
        train.cascades.enumerated().map { c, cascade in
            StageHoldups(aqueous: (0..<cascade.stageCount).map { 0.5 * (1 + 0.05 * Double($0 + c)) },
                         organic: (0..<cascade.stageCount).map { 0.8 * (1 + 0.03 * Double($0)) })
        }
    }

    static func longRun() -> DynamicOptions {
        var o = DynamicOptions()
        o.until = 1e6
        o.integrator.relativeTolerance = 1e-5
        o.integrator.absoluteTolerance = 1e-10
        o.integrator.maximumStep = 1e5
        return o
    }

    /// The largest relative deviation of the last sample's products from the steady train's,
    /// over the concentrations above 1e-12 of their outlet's largest.
    static func offSteady(_ result: DynamicResult, _ steady: TrainResult) -> Double {
        let products = steady.products.map(\.outlet)
        var off = 0.0
        for o in result.samples.last!.outlets {
            let s = products.first { $0.name == o.name }!
            for (c, cs) in zip(o.concentrations, s.concentrations) where cs > 1e-12 * s.concentrations.max()! {
                off = max(off, abs(c - cs) / cs)
            }
        }
        return off
    }

    /// Worst |Δinventory − (fed − out)| relative to the amounts, over every sample and element.
    static func worstConservation(_ r: DynamicResult) -> Double {
        for s in r.samples {
            // The train's inventory is the sum of its cascades'.
            for j in s.inventory.indices {
                let sum = s.cascadeInventory.reduce(0) { $0 + $1[j] }
                #expect(abs(sum - s.inventory[j]) <= 1e-14 * max(s.inventory[j], 1e-300))
            }
        }
        return Check.worstConservationOverSamples(r)
    }

    @Test("A train's long-time limit equals the steady train solution to 1e-8 and conserves to 1e-10 at every sample",
          arguments: ["feed-forward", "recycle", "mass-action feed-forward", "mass-action recycle"])
    func longTimeLimitIsSteadyTrain(_ name: String) throws {
        let train = Self.train(named: name)
        #expect(train.hasRecycles == name.hasSuffix("recycle"))
        let steady = try TrainSolver.solve(train)
        #expect(steady.outcome == .converged, "\(steady.outcome.explanation)")
        for r in steady.results { Check.solved(r) }
        let result = try DynamicTrainSimulation.run(train, holdups: Self.holdups(train), start: .solventFilled, options: Self.longRun())
        #expect(result.outcome == .completed, "\(result.outcome)")
        #expect(result.cascadeNames == ["a", "b"])
        // Every product of the train, relative to its own concentration (the steady train is
        // converged to 1e-12 on the linked streams).
        #expect(result.samples.last!.outlets.map(\.name) == steady.products.map(\.outlet.name))
        let off = Self.offSteady(result, steady)
        let worst = Self.worstConservation(result)
        print("train \(name): \(result.statistics), off steady \(off), conservation \(result.conservationError), worst over samples \(worst)")
        #expect(off <= 1e-8, "\(name): largest relative deviation from the steady train's products \(off)")
        #expect(result.conservationError <= 1e-10)
        #expect(worst <= 1e-10, "\(name): worst conservation error over the samples \(worst)")
        // The linked streams carried rare earth: b holds some at the end (under mass action
        // little: a extracts nearly all of it, and b holds 2.8e-3 mol, 1.1e-5 with the recycle).
        #expect(result.samples.last!.cascadeInventory[1].reduce(0, +) > (name.hasPrefix("mass-action") ? 1e-6 : 0.1))
    }

    /// The trains of the tests by name.
    static func train(named name: String) -> CascadeTrain {
        switch name {
        case "recycle": recycle
        case "feed-forward": feedForward
        case "mass-action feed-forward": massActionTrain(recycle: false)
        case "mass-action recycle": massActionTrain(recycle: true)
        default: loadedTrain()
        }
    }

    @Test("Acid carried into a fully loaded stage: from the steady train of a leaner feed the long-time limit is the steady train, conserving to 1e-10")
    func linkedAcidIntoLoadedStage() throws {
        let train = Self.loadedTrain()
        let steady = try TrainSolver.solve(train)
        #expect(steady.outcome == .converged, "\(steady.outcome.explanation)")
        for r in steady.results { Check.solved(r) }
        // The linked strip liquor carries free acid into b's loaded feed stage.
        let liquor = try #require(steady.result(forCascade: 0)?.outlet(named: "strip liquor"))
        #expect((liquor.acidity ?? 0) > 0.5, "strip liquor acidity \(String(describing: liquor.acidity))")
        // Xu's organic has no empty state: start from the steady train of a 10 % leaner feed.
        let lean = try TrainSolver.solve(Self.loadedTrain(feedScale: 0.9))
        #expect(lean.outcome == .converged)
        let system = try DynamicTrainSimulation.system(for: train, elements: [0, 1], holdups: Self.holdups(train))
        #expect(system.links.map(\.stripsLoadedStage) == [true])
        let result = try DynamicTrainSimulation.run(train, holdups: Self.holdups(train), start: .steady(lean), options: Self.longRun())
        #expect(result.outcome == .completed, "\(result.outcome)")
        let off = Self.offSteady(result, steady)
        let worst = Self.worstConservation(result)
        print("loaded train: \(result.statistics), off steady \(off), worst conservation over samples \(worst)")
        #expect(off <= 1e-8, "largest relative deviation from the steady train's products \(off)")
        #expect(worst <= 1e-10)
    }

    @Test("Cascades without links give exactly their single-cascade runs", arguments: ["constant-D", "mass-action"])
    func independentCascadesAreExactlySingleRuns(_ model: String) throws {
        let one = model == "mass-action" ? Self.massActionCascade("a") : Self.first
        var twin = one
        twin.name = "a-twin"
        twin.raffinateName = "twin-raffinate"
        twin.organicOutletName = "twin-organic"
        twin.splits = twin.splits.map { var s = $0; s.destination = .product("twin-strip-liquor"); return s }
        let train = CascadeTrain(cascades: [one, twin])
        let hold = Self.holdups(CascadeTrain(cascades: [one]))[0]
        var o = DynamicOptions()
        o.until = 15
        // The default integrator on both: the error-weighted Newton test with each cascade's
        // conserving quadrature (`DynamicTrainSystem.steppedLogInventory`).
        let single = try DynamicSimulation.run(one, holdups: hold, start: .solventFilled, options: o)
        let both = try DynamicTrainSimulation.run(train, holdups: [hold, hold], start: .solventFilled, options: o)
        #expect(single.outcome == .completed && both.outcome == .completed)
        #expect(both.samples.count == single.samples.count)
        #expect(both.statistics == single.statistics, "\(both.statistics) against \(single.statistics)")
        for (t, s) in zip(both.samples, single.samples) {
            #expect(t.time == s.time)
            #expect(t.outlets.count == 2 * s.outlets.count)
            for (k, o) in s.outlets.enumerated() {
                #expect(t.outlets[k].concentrations == o.concentrations, "at \(s.time) h, \(o.name)")
                #expect(t.outlets[k + s.outlets.count].concentrations == o.concentrations, "at \(s.time) h, twin of \(o.name)")
            }
            #expect(t.cascadeInventory[0] == s.inventory)
            #expect(t.cascadeInventory[1] == s.inventory)
        }
    }

    @Test("The train's step Jacobian (links included) matches central differences",
          arguments: ["feed-forward", "recycle", "acid into a loaded stage", "mass-action feed-forward", "mass-action recycle"])
    func trainStepJacobian(_ name: String) throws {
        let train = Self.train(named: name)
        let steady = try TrainSolver.solve(train)
        #expect(steady.outcome == .converged)
        var system = try DynamicTrainSimulation.system(for: train, elements: [0, 1], holdups: Self.holdups(train))
        // The cation crosses with the mass-action links (a's raffinate carries Na⁺ into b).
        if name.hasPrefix("mass-action") {
            #expect(system.parts.allSatisfy { $0.network.hasCation })
        }
        #expect(system.links.count == train.links.count)
        var u = [Double](repeating: 0, count: system.unknownCount)
        for c in train.cascades.indices {
            let state = try #require(steady.result(forCascade: c)?.solverState)
            for (k, v) in state.unknowns.enumerated() { u[system.unknownOffset[c] + k] = v }
        }
        var old = [Double](repeating: 0, count: system.inventoryCount), older = old
        try system.logInventory(at: u, into: &old)
        var rng = SplitMix64(seed: 11)
        func moved(_ v: [Double], by size: Double) -> [Double] { v.map { $0 + size * (rng.nextUnit() - 0.5) } }
        u = moved(u, by: 0.05)
        try system.logInventory(at: u, into: &older)
        u = moved(u, by: 0.02)
        // A BDF2 step with ω = 1.5: a₀ = 1.6, a₁ = −2.5, a₂ = 0.9.
        system.setImplicitStep(ImplicitStep(timeStep: 0.3, newCoefficient: 1.6, history: [(-2.5, old), (0.9, older)]))
        let worst = try Check.jacobianDeviation(&system, at: u)
        #expect(worst < 1e-6, "\(name): worst |analytic − FD| / max(1, |FD|) = \(worst)")
    }

    /// The species the stage equations conserve besides the elements, over a mass-action
    /// train's start-up: the aqueous acid capacity Q (the chloride, docs/engine.md §3: it
    /// carries the acid between the cascades), the extractant, and the saponifying cation.
    /// Q and the extractant only mix and are solved exactly each step (with the linked fluxes
    /// at the step's end), so the train's inventory change equals the multistep quadrature of
    /// its fresh feeds less its products to round-off; the cation's rows are closed to the
    /// error-weighted Newton test (they have no conserving quadrature, as in a single cascade).
    @Test("A mass-action train conserves its acid capacity and extractant to 1e-10, its cation to the Newton test",
          arguments: [false, true])
    func acidConservation(recycle: Bool) throws {
        let train = Self.massActionTrain(recycle: recycle)
        let system = try DynamicTrainSimulation.system(for: train, elements: [0, 1], holdups: Self.holdups(train))
        var u = [Double](repeating: 0, count: system.unknownCount)
        for c in system.parts.indices {
            let local = DynamicSimulation.solventFilledUnknowns(system.parts[c].network, emptyConcentration: 1e-14)
            for (k, v) in local.enumerated() { u[system.unknownOffset[c] + k] = v }
        }
        var integrator = try BDFIntegrator(system: system, unknowns: u, options: DynamicOptions.defaultIntegrator)
        let consumed = Set(train.links.map { "\($0.sourceCascade) \($0.sourceOutlet)" })
        // Held (mol) and boundary fluxes (mol/h) of Q, extractant, cation.
        func held(_ s: DynamicTrainSystem, _ logInventory: [Double]) -> [Double] {
            var q = [0.0, 0.0, 0.0]
            for c in s.parts.indices {
                let net = s.parts[c].network, n = net.stageCount, o = s.inventoryOffset[c], p = s.parts[c].unknownCount
                for i in 0..<n {
                    q[0] += exp(logInventory[o + p + i])
                    q[1] += exp(logInventory[o + p + 2 * n + i])
                    q[2] += exp(logInventory[o + i * net.blockSize + net.elementCount + 1])
                }
            }
            return q
        }
        func fluxes(_ s: DynamicTrainSystem) -> (fed: [Double], out: [Double]) {
            var fed = [0.0, 0.0, 0.0], out = fed
            for c in s.parts.indices {
                let net = s.parts[c].network, st = s.parts[c].steady
                fed[0] += net.anionFeedFlux.reduce(0, +)
                fed[1] += net.extractantFeedFlux.reduce(0, +)
                fed[2] += net.cationFeedFlux.reduce(0, +)
                for o in net.outlets where !consumed.contains("\(c) \(o.name)") {
                    if o.phase == .aqueous {
                        out[0] += o.flow * net.anionConcentration[o.stage]
                        out[2] += o.flow * exp(st.logCation[o.stage])
                    } else {
                        out[1] += o.flow * net.extractantConcentration[o.stage]
                        out[2] += o.flow * exp(st.logOrganicCation[o.stage])
                    }
                }
            }
            return (fed, out)
        }
        let initial = held(integrator.system, integrator.logInventory)
        var quadrature = BoundaryQuadrature(elements: 3, order: DynamicOptions.defaultIntegrator.maximumOrder)
        var worst = [0.0, 0.0, 0.0]
        while integrator.time < 50 {
            if let failure = integrator.advance(notBeyond: 50) { Issue.record("integration failed: \(failure)"); return }
            var s = integrator.system
            var scratch = [Double](repeating: 0, count: s.inventoryCount)
            try s.logInventory(at: integrator.unknowns, into: &scratch)   // the state the outlets read
            let (fed, out) = fluxes(s)
            quadrature.advance(integrator.lastStep!, fedFlux: fed, outFlux: out)
            let now = held(s, integrator.logInventory)
            for k in 0..<3 {
                let scale = max(now[k], initial[k], quadrature.fed[k])
                worst[k] = max(worst[k], abs(now[k] - initial[k] - (quadrature.fed[k] - quadrature.out[k])) / scale)
            }
        }
        print("mass-action train, recycle \(recycle): conservation of Q, extractant, cation over the samples \(worst)")
        #expect(worst[0] <= 1e-10, "acid capacity: \(worst[0])")
        #expect(worst[1] <= 1e-10, "extractant: \(worst[1])")
        #expect(worst[2] <= 1e-5, "cation: \(worst[2])")
        // The link carries a's Na⁺ into b: a's organic brings 15 L/h × 1.5 mol/L × 25 % = 5.6 mol/h,
        // which its acid strips into the aqueous leaving with the raffinate.
        var s = integrator.system
        var scratch = [Double](repeating: 0, count: s.inventoryCount)
        try s.logInventory(at: integrator.unknowns, into: &scratch)
        #expect(exp(s.logLinkCationFlux(s.links[0])) > 1, "Na⁺ linked into b: \(exp(s.logLinkCationFlux(s.links[0]))) mol/h")
    }

    @Test("A train refuses what it does not simulate in time, naming the cascade")
    func refusals() throws {
        var sf = Self.feedForward
        sf.cascades[1].sections = sf.cascades[1].sections.map { s in
            var s = s
            s.equilibrium = SeparationFactorModel(separationFactors: [1.5, 1], organicLoading: 1)
            return s
        }
        #expect(throws: TrainSpecificationError.self) {
            _ = try DynamicTrainSimulation.run(sf, holdups: Self.holdups(sf), start: .solventFilled)
        }
        do {
            _ = try DynamicTrainSimulation.run(sf, holdups: Self.holdups(sf), start: .solventFilled)
        } catch {
            #expect(error.cascade == "b")
            #expect(error.problems.joined().contains("cannot start solvent-filled"), "\(error.problems)")
        }
    }
}
