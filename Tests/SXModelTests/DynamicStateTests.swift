import Foundation
import Testing
import SXNumerics
import SXTestSupport
@testable import SXModel

/// Resuming a dynamic simulation from its saved state (`DynamicStart.state`,
/// docs/dynamic.md §4). The reference of every comparison is the same simulation run without
/// interruption.
struct DynamicStateTests {
    static func holdups(_ stages: Int) -> StageHoldups {
        StageHoldups(aqueous: (0..<stages).map { 0.5 * (1 + 0.05 * Double($0)) }, organic: (0..<stages).map { 0.8 * (1 + 0.03 * Double($0)) })
    }

    static func options(until: Double) -> DynamicOptions {
        var o = DynamicOptions()
        o.until = until
        o.integrator.relativeTolerance = 1e-6
        o.integrator.absoluteTolerance = 1e-10   // mol/L; 1e-12 stalls the mass-action start at t = 0
        return o
    }

    /// The largest |a − b| over the outlets and elements of two samples, relative to each
    /// outlet's total rare earth in `b`.
    static func difference(_ a: DynamicSample, _ b: DynamicSample) -> Double {
        DynamicSimulation.distance(a.outlets, b.outlets)
    }

    /// Constant D (reference case F1's cascade, 10 stages) and mass action with a saponifying
    /// cation and a strip (16 stages: the mixed species acid capacity and extractant carried in
    /// the state), each with a feed-flow step before the cut (already applied when resuming) and
    /// its reversal after it (which must still happen).
    static let cases: [String] = ["constant-D", "mass-action"]

    static func cascade(_ model: String) -> Cascade {
        model == "constant-D"
            ? Build.fractional(d: [2, 0.5], elements: [.Nd, .Pr], organic: 1, feed: 1, scrub: 0.5, n: 6, m: 4, feedConcentrations: [0.5, 0.5])
            : Build.fractionalWithStrip(model: "mass-action", elements: 3, n: 8, m: 8, k: 4, reflux: 0.5)
    }

    /// (a) 0 → T in one run against 0 → T₁, then T₁ → T from the state at T₁. Not bit for bit:
    /// the resumed run restarts the BDF history at order 1 with the first step's size (as after
    /// an event), so it takes other steps; the outlets at T agree to the integrator's accuracy
    /// (local tolerance rtol 1e-6: measured 2.8e-8 (constant D) and 2.3e-7 (mass action) relative to the outlet's rare earth,
    /// asserted 1e-5), and each leg conserves every element to 1e-10 at every sample.
    @Test(arguments: cases)
    func resumedRunAgreesWithTheUninterruptedOne(_ model: String) throws {
        let cascade = Self.cascade(model)
        let feed = try #require(cascade.aqueousFeeds.first { $0.name == "feed" })
        let events = [DynamicEvent(time: 2, change: .streamFlow(stream: feed.name, flow: feed.flow * 1.2)),
                      DynamicEvent(time: 8, change: .streamFlow(stream: feed.name, flow: feed.flow))]
        let hold = Self.holdups(cascade.stageCount)
        let start: DynamicStart = .solventFilled
        let whole = try DynamicSimulation.run(cascade, holdups: hold, start: start, events: events, options: Self.options(until: 12))
        let first = try DynamicSimulation.run(cascade, holdups: hold, start: start, events: events, options: Self.options(until: 5))
        let saved = try #require(first.finalState)
        #expect(saved.time == 5)
        #expect(saved.mixed != nil)
        let second = try DynamicSimulation.run(cascade, holdups: hold, start: .state(saved), events: events, options: Self.options(until: 12))
        for r in [whole, first, second] {
            #expect(r.outcome == .completed, "\(r.outcome)")
            #expect(Check.worstConservationOverSamples(r) <= 1e-10, "\(model): conservation \(Check.worstConservationOverSamples(r))")
        }
        // The resumed run starts where the first ended, at its time, with the event at 8 h to come.
        #expect(second.samples.first!.time == 5)
        #expect(Self.difference(second.samples.first!, first.samples.last!) <= 1e-14)
        #expect(second.events.count == 2)
        let off = Self.difference(second.samples.last!, whole.samples.last!)
        print("\(model): resumed at 5 h, at 12 h off the uninterrupted run by \(off); steps \(whole.statistics.acceptedSteps) against \(first.statistics.acceptedSteps) + \(second.statistics.acceptedSteps)")
        #expect(off <= 1e-5, "\(model): the resumed run's outlets at 12 h differ from the uninterrupted run's by \(off)")
        // And the event after the cut happened: without it the outlets would differ by far more.
        let noUndo = try DynamicSimulation.run(cascade, holdups: hold, start: .state(saved), events: [events[0]], options: Self.options(until: 12))
        #expect(Self.difference(noUndo.samples.last!, whole.samples.last!) > 100 * max(off, 1e-9))
    }

    /// (b) A state saved at a steady state stays there: outlets within 1e-8 (relative) of the
    /// steady solver's (`CascadeSolver`, the reference) over a further run, as from `.steady`.
    @Test(arguments: cases)
    func stateAtSteadyStateStaysThere(_ model: String) throws {
        let cascade = Self.cascade(model)
        let steady = try CascadeSolver.solve(cascade)
        Check.solved(steady)
        let hold = Self.holdups(cascade.stageCount)
        let settled = try DynamicSimulation.run(cascade, holdups: hold, start: .steady(steady), options: Self.options(until: 1))
        let saved = try #require(settled.finalState)
        let resumed = try DynamicSimulation.run(cascade, holdups: hold, start: .state(saved), options: Self.options(until: 20))
        let fromSteady = try DynamicSimulation.run(cascade, holdups: hold, start: .steady(steady), options: Self.options(until: 20))
        for r in [resumed, fromSteady] {
            #expect(r.outcome == .completed)
            let off = DynamicSimulation.distance(r.samples.last!.outlets, steady.outlets)
            #expect(off <= 1e-8, "\(model): off the steady state by \(off)")
            #expect(r.conservationError <= 1e-10)
        }
        // The steady solver's own unknowns as a state (what a run report holds) start there too.
        let report = try #require(steady.stageUnknowns)
        let fromReport = try DynamicSimulation.run(cascade, holdups: hold, start: .state(report), options: Self.options(until: 20))
        #expect(DynamicSimulation.distance(fromReport.samples.first!.outlets, steady.outlets) <= 1e-12)
        #expect(DynamicSimulation.distance(fromReport.samples.last!.outlets, steady.outlets) <= 1e-8)
    }

    /// A state of another layout is refused, saying what differs.
    @Test func stateOfAnotherLayoutIsRefused() throws {
        let small = Self.cascade("constant-D")
        let steady = try CascadeSolver.solve(small)
        let state = try #require(steady.stageUnknowns)
        let other = Self.cascade("mass-action")
        #expect {
            try DynamicSimulation.run(other, holdups: Self.holdups(other.stageCount), start: .state(state), options: Self.options(until: 1))
        } throws: { error in
            let text = "\(error)"
            return text.contains("the state has 10 stages, the cascade 20") && text.contains("exchanges acid")
        }
    }
}
