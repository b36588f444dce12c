import Foundation
import Testing
@testable import SXModel

/// The public reference cases of docs/references.md [RC]. Each row carries its source and tolerance.
@Suite("Reference cases (docs/references.md [RC])")
struct ReferenceCaseTests {
    struct KremserCase: Sendable, CustomStringConvertible {
        var id: String, epsilon: Double, stages: Int, expected: Double, source: String
        var description: String { id }
    }

    static let kremser: [KremserCase] = [
        // Kremser closed form φ = (ε − 1)/(ε^(N+1) − 1); values from docs/references.md [RC].
        KremserCase(id: "K1", epsilon: 1.5, stages: 5, expected: 0.5 / (pow(1.5, 6) - 1), source: "RC-K1: 0.0481203 = 0.5/(1.5^6 − 1)"),
        KremserCase(id: "K2", epsilon: 0.8, stages: 10, expected: 0.2187943, source: "RC-K2"),
        KremserCase(id: "K3", epsilon: 1.0, stages: 4, expected: 0.2, source: "RC-K3: 1/(N+1)"),
    ]

    @Test("Kremser K1–K3: fraction left in the raffinate, 1e-8 relative", arguments: kremser)
    func kremserCases(_ c: KremserCase) throws {
        let r = try CascadeSolver.solve(Build.kremser(extractionFactor: c.epsilon, stages: c.stages))
        Check.solved(r)
        let phi = r.outlet(named: "raffinate")!.concentrations[0]   // feed 1 mol/h at 1 L/h
        #expect(abs(phi / c.expected - 1) <= (c.id == "K2" ? 2.5e-7 : 1e-8), "\(c.source): got \(phi)")
        // K2's table value has 7 digits; check the closed form itself to 1e-8 as well.
        let closed = c.epsilon == 1 ? 1 / Double(c.stages + 1) : (c.epsilon - 1) / (pow(c.epsilon, Double(c.stages + 1)) - 1)
        #expect(abs(phi / closed - 1) <= 1e-8, "Kremser closed form \(closed), got \(phi)")
    }

    @Test("F1 fractional extraction, constant D: Φ_A, Φ_B and purities, 1e-6 absolute")
    func fractionalF1() throws {
        // RC-F1: D_A = 2, D_B = 0.5, O = 1, F = 1, W = 0.5, n = 6, m = 4.
        let cascade = Build.fractional(d: [2, 0.5], elements: [.Nd, .Pr], organic: 1, feed: 1, scrub: 0.5,
                                       n: 6, m: 4, feedConcentrations: [1, 1])
        let r = try CascadeSolver.solve(cascade)
        Check.solved(r)
        let organic = r.outlet(named: "organic out")!
        let raffinate = r.outlet(named: "raffinate")!
        let phiA = r.recovery(element: 0, in: organic), phiB = r.recovery(element: 1, in: organic)
        #expect(abs(phiA - 0.932748) <= 1e-6, "Φ_A (RC-F1) got \(phiA)")
        #expect(abs(phiB - 0.090796) <= 1e-6, "Φ_B (RC-F1) got \(phiB)")
        #expect(abs(organic.molePurity[0] - 0.911293) <= 1e-6, "organic purity (RC-F1)")
        #expect(abs(raffinate.molePurity[1] - 0.931127) <= 1e-6, "raffinate purity (RC-F1)")
        // The closed form of docs/references.md [RC] for the same case.
        for (j, d) in [2.0, 0.5].enumerated() {
            let phi = ClosedForm.fractionalExtractionOrganicFraction(distributionRatio: d, organic: 1, feed: 1, scrub: 0.5, extractionStages: 6, scrubStages: 4)
            #expect(abs(r.recovery(element: j, in: organic) - phi) <= 1e-12, "closed form Φ = \(phi)")
        }
    }

    @Test("M1 batch mass action, one metal, 1e-6 relative")
    func massActionM1() throws {
        // RC-M1: K_ex = 1, [M]0 = 0.01, [H+]0 = 0.1, [(HA)2]0 = 0.5 mol/L, O/A = 1.
        let r = try CascadeSolver.solve(Build.batch(k: [1], metal: [0.01], acid: 0.1, dimer: 0.5))
        Check.solved(r)
        let d = r.organic[0][0] / r.aqueous[0][0]
        #expect(abs(d / 48.1162 - 1) <= 1e-6, "D (RC-M1) got \(d)")
        let extracted = r.organic[0][0] / 0.01
        #expect(abs(extracted / 0.979640 - 1) <= 1e-6, "extraction (RC-M1) got \(extracted)")
        // The table prints [H+] and [(HA)2] to 6 digits (a rounding of up to 3.9e-6 relative for
        // 0.129389), so they are checked to half a unit of the last printed digit, and to 1e-9
        // relative against an independent bisection of the batch balance (a second method).
        #expect(abs(r.acidity![0] - 0.129389) <= 0.5e-6, "[H+] (RC-M1) got \(r.acidity![0])")
        #expect(abs(r.freeDimer![0] - 0.470611) <= 0.5e-6, "free dimer (RC-M1) got \(r.freeDimer![0])")
        let y = Bisection.root(in: 0, 0.01) { y in pow((0.5 - 3 * y) / (0.1 + 3 * y), 3) * (0.01 - y) - y }
        #expect(abs(r.acidity![0] / (0.1 + 3 * y) - 1) <= 1e-9, "[H+] by bisection \(0.1 + 3 * y)")
    }

    @Test("M2 batch mass action, two metals, 1e-6 relative")
    func massActionM2() throws {
        // RC-M2: K 1.5 and 1.0, 0.05 mol/L each, [H+]0 = 0.05, [(HA)2]0 = 0.3.
        let r = try CascadeSolver.solve(Build.batch(k: [1.5, 1.0], metal: [0.05, 0.05], acid: 0.05, dimer: 0.3))
        Check.solved(r)
        let d1 = r.organic[0][0] / r.aqueous[0][0], d2 = r.organic[0][1] / r.aqueous[0][1]
        #expect(abs(d1 / 1.017779 - 1) <= 1e-6, "D1 (RC-M2) got \(d1)")
        #expect(abs(d2 / 0.678519 - 1) <= 1e-6, "D2 (RC-M2) got \(d2)")
        #expect(abs(d1 / d2 - 1.5) <= 1e-12, "β = K1/K2 exactly (RC-M2)")
        // Printed to 6 digits (up to 2.7e-6 relative rounding): half a unit of the last digit,
        // and 1e-9 relative against an independent bisection on the total extracted s.
        #expect(abs(r.acidity![0] - 0.186296) <= 0.5e-6, "[H+] (RC-M2) got \(r.acidity![0])")
        let s = Bisection.root(in: 0, 0.1) { s in
            let g = pow((0.3 - 3 * s) / (0.05 + 3 * s), 3)
            return [1.5, 1.0].reduce(0) { $0 + 0.05 * $1 * g / (1 + $1 * g) } - s
        }
        #expect(abs(r.acidity![0] / (0.05 + 3 * s) - 1) <= 1e-9, "[H+] by bisection \(0.05 + 3 * s)")
    }

    @Test("X1 Xu's model, β = 1.5, n = 17, m = 20: purities and yields, 1e-5 absolute")
    func xuX1() throws {
        // RC-X1: model (b), f_A = 0.75, S = 4.1, W = 3.35, aqueous feed.
        let cascade = Build.xu(beta: [1.5, 1], elements: [.Nd, .Pr], feedFractions: [0.75, 0.25], s: 4.1, w: 3.35, n: 17, m: 20)
        let r = try CascadeSolver.solve(cascade)
        Check.solved(r)
        let organic = r.outlet(named: "organic out")!, raffinate = r.outlet(named: "raffinate")!
        #expect(abs(organic.flow * organic.concentrations.reduce(0, +) - 0.75) <= 1e-12, "organic product flux S − W = 0.75")
        #expect(abs(organic.molePurity[0] - 0.995689) <= 1e-5, "P_A (RC-X1) got \(organic.molePurity[0])")
        #expect(abs(raffinate.molePurity[1] - 0.987068) <= 1e-5, "P_B (RC-X1) got \(raffinate.molePurity[1])")
        #expect(abs(r.recovery(element: 0, in: organic) - 0.995689) <= 1e-5, "Y_A (RC-X1)")
        #expect(abs(r.recovery(element: 1, in: raffinate) - 0.987068) <= 1e-5, "Y_B (RC-X1)")
    }
}


/// Plain bisection for the independent checks (a method unrelated to the engine's Newton).
enum Bisection {
    static func root(in lower: Double, _ upper: Double, _ f: (Double) -> Double) -> Double {
        var a = lower, b = upper
        let fa = f(a)
        for _ in 0..<200 {
            let m = 0.5 * (a + b)
            if (f(m) > 0) == (fa > 0) { a = m } else { b = m }
        }
        return 0.5 * (a + b)
    }
}
