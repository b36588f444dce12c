import Foundation
import Testing
import SXNumerics
import SXTestSupport
@testable import SXModel

/// The analytic Jacobian of the cascade residual against central finite differences.
@Suite("Analytic Jacobian")
struct JacobianTests {
    struct Case: Sendable, CustomStringConvertible {
        var model: String, efficiency: Double, reflux: Double
        var description: String { "\(model) E=\(efficiency) reflux=\(reflux)" }
    }

    static let cases: [Case] = [
        Case(model: "constant-D", efficiency: 1, reflux: 0.2),
        Case(model: "constant-D", efficiency: 0.85, reflux: 0.2),
        Case(model: "separation-factors", efficiency: 1, reflux: 0.2),
        Case(model: "separation-factors", efficiency: 0.8, reflux: 0),
        Case(model: "mass-action", efficiency: 1, reflux: 0.2),
        Case(model: "mass-action", efficiency: 0.9, reflux: 0.3),
        // Empirical correlation, sulfate liquor (bisulfate buffering), charges 2 and 3:
        // the P1 chemistry of PrOMMiSParityTests on 4 stages.
        // The sodium soap written NaA·HA (two HA per Na, [CA·HA] ∝ [(HA)₂]).
        Case(model: "mass-action NaA·HA", efficiency: 0.9, reflux: 0.2),
        // [H⁺] so low (pH ≈ 14) that [OH⁻] = K_w/h is comparable with the chloride: the
        // water term of the electroneutrality residual carries weight in ∂R/∂ln h.
        Case(model: "mass-action alkaline", efficiency: 1, reflux: 0.2),
        Case(model: "empirical", efficiency: 1, reflux: 0),
        Case(model: "empirical", efficiency: 0.85, reflux: 0),
        // Xu's model whose scrub-feed stage receives refluxed strip liquor with acid: the
        // loading there depends on the strip liquor's protons (AcidTests.prNd, 3 + 3 + 4 stages).
        Case(model: "separation-factors reflux acid", efficiency: 1, reflux: 0.766),
        // The same with an acid-dependent strip, D = D_ref·(h_ref/h)³.
        Case(model: "acid-dependent strip", efficiency: 1, reflux: 0.766),
    ]

    /// The cascade of a case (also used by the time integrator's Jacobian test).
    static func cascade(_ c: Case) -> Cascade {
        switch c.model {
        case "empirical": PrOMMiSP1.cascade(stages: 4, efficiency: c.efficiency)
        case "separation-factors reflux acid": AcidTests.prNd(extraction: 3, scrub: 3, draw: 1 - c.reflux)
        case "acid-dependent strip": AcidTests.prNd(extraction: 3, scrub: 3, draw: 1 - c.reflux, acidDependentStrip: true)
        case "mass-action NaA·HA":
            Build.withSolvatedSoap(Build.fractionalWithStrip(model: "mass-action", elements: 3, n: 4, m: 3, k: 2, reflux: c.reflux, efficiency: c.efficiency))
        case "mass-action alkaline":
            Build.fractionalWithStrip(model: "mass-action", elements: 3, n: 4, m: 3, k: 2, reflux: c.reflux, efficiency: c.efficiency)
        default: Build.fractionalWithStrip(model: c.model, elements: 3, n: 4, m: 3, k: 2, reflux: c.reflux, efficiency: c.efficiency)
        }
    }

    @Test("∂F/∂u matches central differences to 1e-6 relative", arguments: cases)
    func jacobianMatchesFiniteDifferences(_ c: Case) throws {
        let cascade = Self.cascade(c)
        let net = try CascadeNetwork(cascade)
        var system = CascadeSystem(network: net)
        var startOptions = StartOptions()
        startOptions.maximumSweeps = 3
        guard case .success(var u) = StartingPoint.make(net, system: &system, options: startOptions) else { Issue.record("no start"); return }
        if c.model == "separation-factors reflux acid" || c.model == "acid-dependent strip" {
            // At the solution, where the strip liquor carries acid (the start ignores it).
            u = try #require(try CascadeSolver.solve(cascade).solverState).unknowns
        }
        // Move off the start so that no special structure hides an error (seeded perturbation).
        var rng = SplitMix64(seed: 42)
        var r = [Double](repeating: 0, count: u.count)
        var moved = u
        for k in u.indices { moved[k] += 0.02 * (rng.nextUnit() - 0.5) }
        if (try? system.residual(at: moved, into: &r)) != nil { u = moved }   // stay inside the domain
        if c.model == "mass-action alkaline" {
            for i in 0..<net.stageCount {
                u[i * net.blockSize + net.acidityIndex] = log(AqueousChargeBalance.waterIonProduct / net.anionConcentration[i])
            }
            _ = try system.residual(at: u, into: &r)
            let weight = (0..<net.stageCount).map { i in
                AqueousChargeBalance.hydroxide(acidity: system.acidityProfile[i]) / system.chargeSides(stage: i).negative
            }
            #expect(weight.max()! > 0.1, "the hydroxide term should carry weight: \(weight)")
        }
        let worst = try Check.jacobianDeviation(&system, at: u)
        #expect(worst < 1e-6, "\(c): worst |analytic − FD| / max(1, |FD|) = \(worst)")
        if c.model == "separation-factors reflux acid" {
            // The routed-acid terms are exercised: the reflux stage's loading is below Y.
            #expect(system.loadingProfile[5] < 0.18 - 1e-3, "loading at the reflux stage \(system.loadingProfile[5])")
        }
    }

    @Test("The Jacobian after a residual at the same point equals the full evaluation, bit for bit", arguments: cases)
    func jacobianAfterResidualIsTheSame(_ c: Case) throws {
        let cascade = Self.cascade(c)
        let net = try CascadeNetwork(cascade)
        var system = CascadeSystem(network: net)
        let solved = try CascadeSolver.solve(cascade)
        var u = try #require(solved.solverState).unknowns
        var rng = SplitMix64(seed: 7)
        var r = [Double](repeating: 0, count: u.count)
        var moved = u
        for k in u.indices { moved[k] += 0.01 * (rng.nextUnit() - 0.5) }
        if (try? system.residual(at: moved, into: &r)) != nil { u = moved }
        var full = BandMatrix(order: u.count, lowerBandwidth: system.lowerBandwidth, upperBandwidth: system.upperBandwidth)
        var reused = full
        var fullResidual = r, reusedResidual = r
        try system.residualAndJacobian(at: u, residual: &fullResidual, jacobian: &full)
        try system.residual(at: u, into: &reusedResidual)
        try system.jacobianAfterResidual(at: u, residual: &reusedResidual, jacobian: &reused)
        #expect(fullResidual.map(\.bitPattern) == reusedResidual.map(\.bitPattern), "\(c): residuals differ")
        #expect(full.storage.map(\.bitPattern) == reused.storage.map(\.bitPattern), "\(c): Jacobians differ")
        // Called after an evaluation elsewhere, it evaluates everything again (the same matrix).
        var elsewhere = u
        elsewhere[0] += 0.001
        try system.residual(at: elsewhere, into: &r)
        var again = BandMatrix(order: u.count, lowerBandwidth: system.lowerBandwidth, upperBandwidth: system.upperBandwidth)
        try system.jacobianAfterResidual(at: u, residual: &reusedResidual, jacobian: &again)
        #expect(full.storage.map(\.bitPattern) == again.storage.map(\.bitPattern), "\(c): not re-evaluated after a residual elsewhere")
    }

    @Test("The band LU on cascade Jacobians: LAPACK's solution, at the band the non-zeros reach", arguments: cases)
    func bandLUOnCascadeJacobians(_ c: Case) throws {
        let cascade = Self.cascade(c)
        let net = try CascadeNetwork(cascade)
        var system = CascadeSystem(network: net)
        let u = try #require(try CascadeSolver.solve(cascade).solverState).unknowns
        var r = [Double](repeating: 0, count: u.count)
        var jacobian = BandMatrix(order: u.count, lowerBandwidth: system.lowerBandwidth, upperBandwidth: system.upperBandwidth)
        try system.residualAndJacobian(at: u, residual: &r, jacobian: &jacobian)
        var ours = jacobian, theirs = jacobian
        var lu = BandLUWorkspace(order: u.count), lapack = LAPACKBandLU(order: u.count)
        try lu.factorize(&ours)
        try lapack.factorize(&theirs)
        var x = r, y = r
        try lu.solve(ours, &x)
        try lapack.solve(theirs, &y)
        // LAPACK (reference): the same up to the flushed subnormals, which are below 2.2e-308.
        let scale = max(y.map(abs).max()!, 1e-300)
        #expect(zip(x, y).map { abs($0 - $1) }.max()! <= 1e-10 * scale, "\(c)")
        #expect(lu.factoredLowerBandwidth <= system.lowerBandwidth && lu.factoredUpperBandwidth <= system.upperBandwidth)
        if c.model.hasPrefix("mass-action") && !c.model.contains("NaA") && c.efficiency == 1 {
            // Mass action couples an element to its own neighbours and to the stage's
            // extractant, cation and acidity only (docs/engine.md §5): b + 1 below, b above,
            // against the declared 2b − 1.
            let b = net.blockSize
            #expect(lu.factoredLowerBandwidth <= b + 1 && lu.factoredUpperBandwidth <= b, "\(lu.factoredLowerBandwidth), \(lu.factoredUpperBandwidth) for b = \(b)")
            #expect(system.lowerBandwidth == 2 * b - 1)
        }
    }
}
