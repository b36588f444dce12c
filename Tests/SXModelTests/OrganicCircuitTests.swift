import Foundation
import Testing
import SXNumerics
import SXTestSupport
@testable import SXModel

/// The closed organic circuit (`Cascade.organicCircuit`): the stripped organic returns to
/// stage 1 and its residual loading is solved inside the cascade's own Newton system.
@Suite("Closed organic circuit")
struct OrganicCircuitTests {
    struct Case: Sendable, CustomStringConvertible {
        var model: String, bleed: Double
        var description: String { "\(model) bleed=\(bleed)" }
    }

    static let cases: [Case] = ["constant-D", "separation-factors", "mass-action"].flatMap { m in
        [Case(model: m, bleed: 0), Case(model: m, bleed: 0.02)]
    }

    /// The standard 3-element extraction + scrub + strip cascade of the tests, its organic
    /// feed turned into the circuit's entry (4 + 3 + 2 stages, 20 % reflux).
    static func closed(_ model: String, bleed: Double) -> Cascade {
        var c = Build.fractionalWithStrip(model: model, elements: 3, n: 4, m: 3, k: 2, reflux: 0.2)
        c.organicCircuit = OrganicCircuit(feedName: "organic", bleedFraction: bleed)
        return c
    }

    @Test("Closed circuit: converged, every element conserved (fresh feeds in = products out), equilibrium at every stage", arguments: cases)
    func conservesAndEquilibrates(_ c: Case) throws {
        let cascade = Self.closed(c.model, bleed: c.bleed)
        let r = try CascadeSolver.solve(cascade)
        Check.solved(r)
        // The circuit's balance written out independently of the engine's network: what the
        // fresh aqueous feeds bring leaves in the aqueous outlets and the bleed, nothing else.
        let net = try CascadeNetwork(cascade)
        let n = r.stageCount
        for j in cascade.elements.indices {
            let fed = cascade.aqueousFeeds.reduce(0) { $0 + $1.flow * $1.concentrations[j] }
            let out = r.outlets.reduce(0) { $0 + $1.flow * $1.concentrations[j] }
            #expect(abs(fed - out) <= 1e-12 * fed, "\(c) element \(j): fed \(fed), out \(out)")
            // The organic entering stage 1 carries (1 − b) of the stripped organic's loading
            // (make-up is clean): the stage-1 balance with that inflow closes.
            let organicIn = (1 - c.bleed) * r.organicFlow[n - 1] * r.organic[n - 1][j]
            let aqueousIn = r.aqueousFlow[1] * r.aqueous[1][j]
            let leaving = r.aqueousFlow[0] * r.aqueous[0][j] + r.organicFlow[0] * r.organic[0][j]
            #expect(abs(organicIn + aqueousIn - leaving) <= 1e-11 * leaving, "\(c) stage 1, element \(j)")
        }
        #expect(abs(net.circuitReturnFlow - (1 - c.bleed) * net.organicFlow[n - 1]) <= 1e-12 * net.organicFlow[n - 1])
        // The bleed is an outlet only when there is one.
        #expect(r.outlets.contains { $0.phase == .organic } == (c.bleed > 0))
        // The returning organic does carry rare earth (the test exercises the circuit).
        #expect(r.organic[n - 1].contains { $0 > 1e-9 }, "\(c): returning loading \(r.organic[n - 1])")
    }

    /// The closed circuit's solution is the open cascade's whose organic feed carries the
    /// loading that returns (the circuit's fixed point): the circuit is solved consistently.
    @Test("Closed circuit equals the open cascade fed its own returning loading", arguments: cases)
    func equalsOpenCascadeAtItsFixedPoint(_ c: Case) throws {
        let closedCascade = Self.closed(c.model, bleed: c.bleed)
        let closed = try CascadeSolver.solve(closedCascade)
        try #require(closed.outcome == .converged)
        let n = closed.stageCount
        var open = closedCascade
        open.organicCircuit = nil
        let q = open.organicFeeds[0].flow
        // Mixed with the clean make-up: (1 − b)·F_N·y_N / Q.
        open.organicFeeds[0].concentrations = closed.organic[n - 1].map { (1 - c.bleed) * closed.organicFlow[n - 1] * $0 / q }
        let reference = try CascadeSolver.solve(open)
        Check.solved(reference)
        var worst = 0.0
        for i in 0..<n {
            for j in closedCascade.elements.indices where reference.aqueous[i][j] > 1e-200 {
                worst = max(worst, abs(closed.aqueous[i][j] - reference.aqueous[i][j]) / reference.aqueous[i][j])
            }
        }
        #expect(worst < 1e-8, "\(c): worst relative difference of the aqueous profiles \(worst)")
    }

    /// A strip that leaves (almost) nothing on the organic returns clean organic: the open
    /// circuit fed clean organic is recovered (reference: the open solve; the returning loading
    /// is bounded by the strip's D·O/A to the power of the strip stages, here below 1e-10).
    @Test("Stripped to zero residual, the closed circuit recovers the open circuit's result")
    func cleanReturnRecoversOpenCircuit() throws {
        var open = Build.fractionalWithStrip(model: "constant-D", elements: 3, n: 4, m: 3, k: 2, reflux: 0.2)
        let strip = open.sections.count - 1
        open.sections[strip].equilibrium = .constantDistribution(distributionRatios: [1e-6, 1e-6, 1e-6])
        var closed = open
        closed.organicCircuit = OrganicCircuit(feedName: "organic", bleedFraction: 0)
        let a = try CascadeSolver.solve(open), b = try CascadeSolver.solve(closed)
        Check.solved(a)
        Check.solved(b)
        for name in ["raffinate", "strip liquor"] {
            let x = try #require(a.outlet(named: name)), y = try #require(b.outlet(named: name))
            for j in x.concentrations.indices {
                #expect(abs(x.concentrations[j] - y.concentrations[j]) <= 1e-9 * max(x.concentrations[j], 1e-300), "\(name) element \(j)")
            }
        }
        #expect(b.organic[b.stageCount - 1].allSatisfy { $0 < 1e-10 })
    }

    @Test("∂F/∂u of a closed circuit matches central differences to 1e-6 relative", arguments: ["constant-D", "separation-factors", "mass-action"])
    func jacobianMatchesFiniteDifferences(_ model: String) throws {
        let cascade = Self.closed(model, bleed: 0.02)
        let net = try CascadeNetwork(cascade)
        var system = CascadeSystem(network: net)
        var u = try #require(try CascadeSolver.solve(cascade).solverState).unknowns
        var rng = SplitMix64(seed: 7)
        var r = [Double](repeating: 0, count: u.count)
        var moved = u
        for k in u.indices { moved[k] += 0.02 * (rng.nextUnit() - 0.5) }
        if (try? system.residual(at: moved, into: &r)) != nil { u = moved }
        let worst = try Check.jacobianDeviation(&system, at: u)
        #expect(worst < 1e-6, "\(model): worst |analytic − FD| / max(1, |FD|) = \(worst)")
    }

    /// In time the return line is instantaneous (docs/dynamic.md §8): the stripped organic
    /// leaving the last stage enters stage 1, after the bleed, the make-up and the
    /// saponification step, at the same instant. The long-time limit is then the steady
    /// circuit (`CascadeSolver`), and the run conserves every element (fresh feeds in, the
    /// aqueous outlets and the bleed out). Xu's model has no solvent-filled state: it starts
    /// from the steady circuit of a 10 % leaner feed.
    @Test("In time, a closed circuit reaches its steady circuit to 1e-8 and conserves to 1e-10", arguments: cases)
    func longTimeLimitInTime(_ c: Case) throws {
        let cascade = Self.closed(c.model, bleed: c.bleed)
        let steady = try CascadeSolver.solve(cascade)
        Check.solved(steady)
        var start = DynamicStart.solventFilled
        if c.model == "separation-factors" {
            var lean = cascade
            lean.aqueousFeeds[0].flow *= 0.9
            let leaner = try CascadeSolver.solve(lean)
            Check.solved(leaner)
            start = .steady(leaner)
        }
        var o = DynamicOptions()
        o.until = 1e6
        o.integrator.relativeTolerance = 1e-5
        o.integrator.absoluteTolerance = 1e-10
        o.integrator.maximumStep = 1e5
        let n = cascade.stageCount
        let holdups = StageHoldups(aqueous: (0..<n).map { 0.5 * (1 + 0.05 * Double($0)) }, organic: (0..<n).map { 0.8 * (1 + 0.03 * Double($0)) })
        let result = try DynamicSimulation.run(cascade, holdups: holdups, start: start, options: o)
        #expect(result.outcome == .completed, "\(c): \(result.outcome)")
        var off = 0.0
        for o in result.samples.last!.outlets {
            let s = try #require(steady.outlet(named: o.name))
            for (x, xs) in zip(o.concentrations, s.concentrations) where xs > 1e-12 * s.concentrations.max()! { off = max(off, abs(x - xs) / xs) }
        }
        let worst = Check.worstConservationOverSamples(result)
        print("circuit in time, \(c): \(result.statistics), off steady \(off), worst conservation over samples \(worst)")
        #expect(off <= 1e-8, "\(c): largest relative deviation from the steady circuit \(off)")
        #expect(worst <= 1e-10, "\(c): worst conservation error over the samples \(worst)")
        // The bleed is a product only when there is one, as in the steady circuit.
        #expect(result.samples.last!.outlets.map(\.name) == steady.outlets.map(\.name))
    }

    @Test("Bad circuits are refused before solving")
    func badCircuitsAreRefused() {
        var c = Self.closed("constant-D", bleed: 0)
        c.organicCircuit = OrganicCircuit(feedName: "nothing")
        #expect(throws: CascadeSpecificationError.self) { try CascadeNetwork(c) }
        c = Self.closed("constant-D", bleed: 1)
        #expect(throws: CascadeSpecificationError.self) { try CascadeNetwork(c) }
        c = Self.closed("constant-D", bleed: 0)
        c.organicFeeds[0].concentrations[0] = 0.01
        #expect(throws: CascadeSpecificationError.self) { try CascadeNetwork(c) }
        // A second organic feed joining downstream makes the return exceed the circulating flow.
        c = Self.closed("constant-D", bleed: 0)
        c.organicFeeds.append(OrganicFeed(name: "extra", stage: 3, flow: 1, concentrations: [0, 0, 0]))
        #expect(throws: CascadeSpecificationError.self) { try CascadeNetwork(c) }
        // 100,000 stages: a dense Jacobian of 3·(3e5)² doubles is refused before allocating
        // (the open cascade of the same size compiles).
        var big = Build.fractionalWithStrip(model: "constant-D", elements: 3, n: 50_000, m: 40_000, k: 10_000, reflux: 0.2)
        #expect((try? CascadeNetwork(big)) != nil)
        big.organicCircuit = OrganicCircuit(feedName: "organic")
        do { _ = try CascadeNetwork(big); Issue.record("accepted") } catch {
            #expect(error.items.map(\.kind) == [.organicCircuit])
            #expect(error.problems[0].contains("dense"), "\(error.problems)")
        }
    }
}
