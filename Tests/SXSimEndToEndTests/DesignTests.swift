import Foundation
import Testing
import SXModel
@testable import SXDesign

/// Design mode (issue 5): Xu's closed forms and the exact minimum-stage search.
@Suite("Design")
struct DesignTests {
    /// Xu's normalised two-element problem: feed 1 L/h at 1 mol/L, loading 1 mol/L, scrub acid 3 mol/L.
    static func xuSpec(beta: Double, fA: Double, pA: Double, pB: Double, operating: OperatingChoice = .xuOptimum) -> DesignSpecification {
        var spec = DesignSpecification(elements: [.Pr, .Nd], feedConcentrations: [1 - fA, fA], feedFlow: 1,
                                       separationFactors: [1, beta], lighterKey: .Pr, heavierKey: .Nd,
                                       targets: [.purity(.organic, pA), .purity(.raffinate, pB)])
        spec.organicLoading = 1
        spec.operating = operating
        return spec
    }

    @Test("X2 minimum fluxes: β = 1.5, f_A = 0.5, P_A = P_B = 0.999 → S_min = 2.495, W_min = 1.995 (docs/references.md [RC-X2], tol 1e-9)")
    func minimumFluxesX2() {
        let r = XuTheory.minimumFluxes(beta: 1.5, feedFractionA: 0.5, purityA: 0.999, purityB: 0.999)
        #expect(abs(r.s - 2.495) <= 1e-9, "S_min \(r.s)")
        #expect(abs(r.w - 1.995) <= 1e-9, "W_min \(r.w)")
        #expect(abs(r.cut - 0.5) <= 1e-12)
    }

    @Test("Sharp-split limits: W_min → 1/(β − 1), S_min → (β f_A + f_B)/(β − 1) (docs/references.md [RC])")
    func sharpLimits() {
        let r = XuTheory.minimumFluxes(beta: 1.5, feedFractionA: 0.3, purityA: 1 - 1e-13, purityB: 1 - 1e-13)
        #expect(abs(r.w - 2) <= 1e-9)
        #expect(abs(r.s - (1.5 * 0.3 + 0.7) / 0.5) <= 1e-9)
    }

    @Test("Xu's optimum and approximate stages: β = 1.5, f_A = 0.75, P_A = 0.995, P_B = 0.99 → S = 4.094033, W = 3.342764, n ≈ 16.4, m ≈ 19.7 (issue 5)")
    func xuApproximation() {
        let cut = XuTheory.cut(feedFractionA: 0.75, purityA: 0.995, purityB: 0.99)
        let o = XuTheory.optimumOperatingPoint(beta: 1.5, cut: cut)
        #expect(o.controlling == .scrub)
        #expect(abs(o.s - 4.094033) <= 5e-7, "S \(o.s)")
        #expect(abs(o.w - 3.342764) <= 5e-7, "W \(o.w)")
        let st = XuTheory.approximateStages(beta: 1.5, feedFractionA: 0.75, purityA: 0.995, purityB: 0.99, s: o.s, w: o.w)
        #expect(abs(st.n! - 16.4) <= 0.05, "n \(st.n!)")
        #expect(abs(st.m! - 19.7) <= 0.05, "m \(st.m!)")
        // Fenske: lg(a·b)/lg β with a = 199/3, b = 297 (independent arithmetic).
        let fenske = XuTheory.fenskeMinimumStages(beta: 1.5, feedFractionA: 0.75, purityA: 0.995, purityB: 0.99)
        #expect(abs(fenske - log(199.0 / 3 * 297) / log(1.5)) <= 1e-12)
    }

    @Test("Progress (issue 13, item 7): called once per rigorous solve of the stage search, counting up, with splits the search evaluated")
    func progressReportsEverySolve() throws {
        final class Calls: @unchecked Sendable {
            let lock = NSLock()
            var calls: [(solves: Int, n: Int, m: Int)] = []
        }
        let record = Calls()
        let spec = Self.xuSpec(beta: 1.5, fA: 0.75, pA: 0.995, pB: 0.99, operating: .fluxes(s: 4.094033, w: 3.342764))
        let report = try Designer.design(spec, progress: { solves, n, m in
            record.lock.lock(); record.calls.append((solves, n, m)); record.lock.unlock()
        })
        let calls = record.calls
        #expect(!calls.isEmpty)
        // The count runs 1, 2, … (in any order of arrival when solves run concurrently).
        #expect(calls.map(\.solves).sorted() == Array(1...calls.count))
        // Every split reported is one the search evaluated.
        let evaluated = Set(report.search.evaluated.map { "\($0.n)+\($0.m)" })
        for c in calls { #expect(evaluated.contains("\(c.n)+\(c.m)"), "progress named \(c.n)+\(c.m)") }
        #expect(calls.count >= report.search.evaluated.count)
    }

    @Test("Exact minimum stages, Xu's model: β = 1.5, f_A = 0.75, P_A = 0.995, P_B = 0.99 at S = 4.094033, W = 3.342764 → 37 stages, e.g. n = 18, m = 19 (issue 5)")
    func exactMinimumStages() throws {
        let spec = Self.xuSpec(beta: 1.5, fA: 0.75, pA: 0.995, pB: 0.99, operating: .fluxes(s: 4.094033, w: 3.342764))
        let report = try Designer.design(spec)
        guard case .found(let total, let pairs, let below) = report.search.outcome else {
            Issue.record("no design: \(report.search.outcome)"); return
        }
        #expect(total == 37)
        #expect(pairs.contains { $0.n == 18 && $0.m == 19 }, "pairs \(pairs.map { "\($0.n)+\($0.m)" })")
        #expect(below.map { $0.margin < 0 } ?? false)
        // Every pair listed meets both targets, re-solved here and checked for conservation.
        for p in pairs {
            let r = try CascadeSolver.solve(Designer.cascade(spec, s: 4.094033, w: 3.342764, n: p.n, m: p.m))
            #expect(r.outcome == .converged)
            #expect(r.worstClosure <= 1e-10, "closure \(r.worstClosure)")
            let org = r.outlet(named: Designer.productName)!, raf = r.outlet(named: "raffinate")!
            #expect(org.molePurity[1] >= 0.995 && raf.molePurity[0] >= 0.99)
        }
        // One stage fewer, no split reaches the targets.
        for n in 1..<36 {
            let r = try CascadeSolver.solve(Designer.cascade(spec, s: 4.094033, w: 3.342764, n: n, m: 36 - n))
            #expect(r.worstClosure <= 1e-10)
            let org = r.outlet(named: Designer.productName)!, raf = r.outlet(named: "raffinate")!
            #expect(!(org.molePurity[1] >= 0.995 && raf.molePurity[0] >= 0.99), "36 stages reach the targets at n = \(n)")
        }
    }

    @Test("Warm-started neighbours (issue 9, item 6): the search is the same concurrent or not, and its margins are the cold solves' within 1e-9")
    func warmStartedSearchIsDeterministic() throws {
        let spec = Self.xuSpec(beta: 1.5, fA: 0.75, pA: 0.995, pB: 0.99, operating: .fluxes(s: 4.094033, w: 3.342764))
        let concurrent = try Designer.design(spec, concurrent: true).search
        let sequential = try Designer.design(spec, concurrent: false).search
        #expect(concurrent == sequential)
        var coldOptions = SolveOptions()
        coldOptions.warmStartIterations = 0   // every split solved from its own cold start
        let cold = try Designer.design(spec, options: coldOptions, concurrent: false).search
        // The same answer; margins may differ in the last digits (a warm and a cold Newton
        // solve stop at different round-off), so they are compared within 1e-9 below.
        guard case .found(let coldTotal, let coldPairs, _) = cold.outcome,
              case .found(let total, let pairs, _) = concurrent.outcome else {
            Issue.record("no design: \(cold.outcome), \(concurrent.outcome)"); return
        }
        #expect(total == coldTotal)
        #expect(pairs.map { [$0.n, $0.m] } == coldPairs.map { [$0.n, $0.m] })
        #expect(cold.evaluated.map { [$0.n, $0.m] } == concurrent.evaluated.map { [$0.n, $0.m] })
        for (a, b) in zip(cold.evaluated, concurrent.evaluated) where a.margin.isFinite || b.margin.isFinite {
            #expect(abs(a.margin - b.margin) <= 1e-9, "(\(a.n), \(a.m)): cold \(a.margin), warm \(b.margin)")
        }
    }

    @Test("Below S_min the purity plateaus and design says so (issue 5)")
    func plateauBelowMinimum() throws {
        // S_min = 2.495 for X2; operate at 0.9 S_min.
        let spec = Self.xuSpec(beta: 1.5, fA: 0.5, pA: 0.999, pB: 0.999, operating: .multipleOfMinimum(0.9))
        let report = try Designer.design(spec)
        #expect(report.isBelowMinimum)
        guard case .plateau(let best) = report.search.outcome else {
            Issue.record("expected a plateau, got \(report.search.outcome)"); return
        }
        #expect(best.margin < 0)
        #expect(report.search.evaluations < 2000, "searched \(report.search.evaluations) cases")
        #expect(report.text.contains("plateau"))
        if let r = report.result { #expect(r.worstClosure <= 1e-10) }
    }

    @Test("Targets as purity and recovery give the same cut as the equivalent two purities")
    func purityAndRecovery() throws {
        var spec = Self.xuSpec(beta: 1.5, fA: 0.75, pA: 0.995, pB: 0.99)
        let y = XuTheory.recoveries(feedFractionA: 0.75, purityA: 0.995, purityB: 0.99).a
        let split = try Designer.keySplit(spec)
        spec.targets = [.purity(.organic, 0.995), .recovery(.organic, y)]
        let (pA, pB) = try Designer.moleTargets(spec, split)
        #expect(abs(pA - 0.995) <= 1e-12 && abs(pB - 0.99) <= 1e-12)
        spec.targets = [.recovery(.organic, y), .recovery(.raffinate, XuTheory.recoveries(feedFractionA: 0.75, purityA: 0.995, purityB: 0.99).b)]
        let (qA, qB) = try Designer.moleTargets(spec, split)
        #expect(abs(qA - 0.995) <= 1e-12 && abs(qB - 0.99) <= 1e-12)
    }

    @Test("Multi-element Pr|Nd design: the designed cascade meets its oxide targets and every element is placed")
    func multiElement() throws {
        // La, Ce, Pr, Nd, Sm feed (mol/L, monazite-like after Ce removal), β ≈ 1.5 per step (illustrative).
        var spec = DesignSpecification(elements: [.La, .Ce, .Pr, .Nd, .Sm], feedConcentrations: [0.45, 0.1, 0.1, 0.3, 0.05],
                                       feedFlow: 100, separationFactors: [1, 2.0, 4.0, 6.0, 60],
                                       lighterKey: .Pr, heavierKey: .Nd,
                                       targets: [.purity(.organic, 0.995), .recovery(.organic, 0.98)])
        spec.purityBasis = .oxide
        let report = try Designer.design(spec)
        guard case .found = report.search.outcome, let r = report.result, let perf = report.performance else {
            Issue.record("no design: \(report.search.outcome)"); return
        }
        #expect(r.outcome == .converged)
        #expect(r.worstClosure <= 1e-10, "closure \(r.worstClosure)")
        #expect(perf.oxidePurityA >= 0.995 && perf.recoveryA >= 0.98)
        #expect(report.distribution.count == 5)
        let sm = report.distribution.first { $0.element == .Sm }!
        #expect(sm.toOrganic > 0.99, "Sm should follow Nd into the organic product")
        let la = report.distribution.first { $0.element == .La }!
        #expect(la.toRaffinate > 0.99)
        #expect(report.flows.organicFlow > 0 && report.flows.acidPerTonneFeedOxide > 0)
    }
}

@Suite("Design file")
struct DesignFileTests {
    @Test("A design file and options give the specification; problems are reported together")
    func parse() throws {
        let text = """
        # Pr|Nd, Xu's normalised case (issue 5)
        elements: [Pr, Nd]
        feed-concentrations: [0.25, 0.75]   # mol/L
        feed-flow: 1 L/h
        separation-factors: [1, 1.5]
        split: Pr|Nd
        organic-purity: 99.5 %
        raffinate-purity: 0.99
        organic-loading: 1
        operating: S=4.094033 W=3.342764
        """
        let spec = try DesignFile.parse(text: text, fileName: "prnd.design")
        #expect(spec.targets == [.purity(.organic, 0.995), .purity(.raffinate, 0.99)])
        #expect(spec.operating == .fluxes(s: 4.094033, w: 3.342764))
        #expect(spec.effectiveLoading == 1)
        let o = try DesignFile.parse(text: text, options: [("operating", "1.2 S_min")])
        #expect(o.operating == .multipleOfMinimum(1.2))
        do {
            _ = try DesignFile.parse(text: "elements: [Pr, Xx]\nsplit: Pr-Nd\nfeed-flwo: 2\n", fileName: "bad")
            Issue.record("expected errors")
        } catch {
            let all = error.problems.joined(separator: "\n")
            #expect(all.contains("'Xx' is not a rare-earth element symbol"))
            #expect(all.contains("did you mean 'feed-flow'"))
            #expect(all.contains("bad:3"))
            #expect(error.problems.count >= 4)
        }
    }
}
