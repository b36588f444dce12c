import Foundation
import Testing
@testable import SXModel

/// Reference case P1 (domain.md §5): PrOMMiS's 3-stage steady test of D2EHPA in a sulfate
/// leach liquor, `src/prommis/solvent_extraction/tests/test_solvent_extraction_steady.py`
/// (prommis/prommis; dosage 5 %, both flows 62.01 L/h, 305.15 K), with the correlation of its
/// `solvent_extraction_reaction_package.py` and the dosage taken per stage from the free
/// D2EHPA (its current expected values; PR #211). Feeds, coefficients, molar masses and
/// expected outlet values as read in PrOMMiS's sources (docs/prommis-p1.md).
enum PrOMMiSP1 {
    /// Molar masses PrOMMiS's property packages use (g/mol): the conversions mg/L ↔ mol/L of
    /// the test must use them (H 1, HSO4 97, SO4 96 change results at 1e-4).
    static let molarMass: [Element: Double] = [
        .La: 138.905, .Ce: 140.116, .Pr: 140.907, .Nd: 144.242, .Sm: 150.36, .Gd: 157.25, .Dy: 162.50, .Y: 88.905,
        .Sc: 44.946, .Al: 26.982, .Ca: 40.078, .Fe: 55.845,
    ]
    static let hydrogen = 1.0, bisulfate = 97.0, sulfate = 96.0, dehpa = 322.431, dehpaDensity = 975.8

    static let elements: [Element] = [.La, .Ce, .Pr, .Nd, .Sm, .Gd, .Dy, .Y, .Sc, .Al, .Ca, .Fe]

    /// m0, m1, B0, B1 (or constant D) per element, PrOMMiS's reaction package.
    static let distributions: [Element: EmpiricalModel.Distribution] = [
        .La: .correlation(m0: 0.54, m1: 0, b0: -1.93, b1: 0),
        .Ce: .correlation(m0: 0.30916, m1: 0.04816, b0: -1.66021, b1: -0.38599),
        .Pr: .correlation(m0: 0.29, m1: 0, b0: -1.48, b1: 0),
        .Nd: .correlation(m0: 0.31183, m1: 0.03763, b0: -1.62372, b1: -0.38096),
        .Sm: .correlation(m0: 0.81233, m1: -0.02247, b0: -2.12172, b1: 0.17414),
        .Gd: .correlation(m0: 1.0225, m1: 0.0195, b0: -2.24143, b1: 0.03065),
        .Dy: .correlation(m0: 1.70783, m1: 0.06443, b0: -2.42226, b1: -0.02538),
        .Y: .correlation(m0: 1.63166, m1: 0.15166, b0: -2.12601, b1: 0.26612),
        .Sc: .constant(632.4976), .Al: .constant(0.0531), .Ca: .constant(0.0658), .Fe: .constant(0.1496),
    ]

    /// Aqueous feed (mg/L): metals, H⁺ 10.75, HSO4⁻ 1e4, SO4²⁻ 100.
    static let aqueousFeed: [Element: Double] = [
        .Al: 422.375, .Ca: 109.542, .Fe: 688.266, .Sc: 0.032, .Y: 0.124, .La: 0.986, .Ce: 2.277, .Pr: 0.303,
        .Nd: 0.946, .Sm: 0.097, .Gd: 0.2584, .Dy: 0.047,
    ]
    /// Organic feed (mg/L): free D2EHPA 975.8e3 × 5/100 = 48,790 and the metals it carries.
    static let organicFeed: [Element: Double] = [
        .Al: 1.267e-5, .Ca: 2.684e-5, .Fe: 2.873e-6, .Sc: 1.734, .Y: 2.179e-5, .La: 0.000105, .Ce: 0.00031,
        .Pr: 3.711e-5, .Nd: 0.000165, .Sm: 1.701e-5, .Gd: 3.357e-5, .Dy: 8.008e-6,
    ]
    static let freeDEHPAFeed = 48_790.0   // mg/L

    /// Expected outlets, mg/L (PrOMMiS's assertions, rel 1e-4): raffinate (its stage 3 =
    /// SXSim's stage 1) and loaded organic (its stage 1 = SXSim's stage 3).
    static let raffinate: [Element: Double] = [
        .Sc: 2.7415e-03, .Y: 6.2927e-06, .La: 9.1421e-01, .Ce: 2.1095e00, .Pr: 2.7631e-01, .Nd: 8.8099e-01,
        .Sm: 8.6579e-02, .Gd: 1.9246e-01, .Dy: 1.1699e-03, .Al: 3.9995e02, .Ca: 1.0234e02, .Fe: 5.8559e02,
    ]
    static let raffinateAcid = (hydrogen: 3.9513e01, bisulfate: 8.0232e03, sulfate: 2.0564e03)
    static let loadedOrganic: [Element: Double] = [
        .Al: 2.2425e01, .Ca: 7.2059e00, .Fe: 1.0267e02, .Sc: 1.7633e00, .Y: 1.2402e-01, .La: 7.1891e-02,
        .Ce: 1.6778e-01, .Pr: 2.6727e-02, .Nd: 6.5178e-02, .Sm: 1.0438e-02, .Gd: 6.5974e-02, .Dy: 4.5838e-02,
    ]
    static let loadedFreeDEHPA = 4.6087e04

    static func molar(_ mgPerL: Double, _ e: Element) -> Double { mgPerL / molarMass[e]! / 1000 }

    /// PrOMMiS numbers its stages from the aqueous inlet; SXSim from the raffinate end. The
    /// aqueous feed enters SXSim's stage 3, the organic stage 1.
    static var cascade: Cascade { cascade() }

    /// The same cascade with another number of stages or a Murphree efficiency (for the
    /// Jacobian and cold-start tests; P1 itself is 3 ideal stages).
    static func cascade(stages: Int = 3, efficiency: Double = 1) -> Cascade {
        let model = EmpiricalModel(distributions: elements.map { distributions[$0]! },
                                   extractantPerMetal: elements.map { Double($0.charge) },
                                   extractantMolarMass: dehpa, extractantDensity: dehpaDensity)
        let loading = elements.map { molar(organicFeed[$0]!, $0) }
        // Total extractant (monomer basis): the free D2EHPA plus what the loaded metals bind.
        let total = freeDEHPAFeed / dehpa / 1000 + zip(elements, loading).reduce(0) { $0 + Double($1.0.charge) * $1.1 }
        return Cascade(name: "prommis-p1", elements: elements,
                       sections: [Section(name: "extraction", stageCount: stages, equilibrium: model, murphreeEfficiency: efficiency)],
                       aqueousFeeds: [AqueousFeed(name: "leach-liquor", stage: stages, flow: 62.01,
                                                  concentrations: elements.map { molar(aqueousFeed[$0]!, $0) },
                                                  acidity: 10.75 / hydrogen / 1000, bisulfate: 1e4 / bisulfate / 1000,
                                                  sulfate: 100 / sulfate / 1000)],
                       organicFeeds: [OrganicFeed(name: "d2ehpa", stage: 1, flow: 62.01, extractant: total, concentrations: loading)])
    }
}

@Suite("PrOMMiS parity: reference case P1 (domain.md §5)")
struct PrOMMiSParityTests {
    @Test("Raffinate and loaded organic within 1e-4 relative of PrOMMiS's assertions")
    func p1() throws {
        let r = try CascadeSolver.solve(PrOMMiSP1.cascade)
        Check.solved(r)
        var worst = 0.0
        func compare(_ computed: Double, _ expected: Double, _ what: String) {
            let e = abs(computed / expected - 1)
            worst = max(worst, e)
            #expect(e <= 1e-4, "\(what): computed \(computed), PrOMMiS \(expected), relative \(e)")
        }
        for (j, el) in PrOMMiSP1.elements.enumerated() {
            compare(r.aqueous[0][j] * PrOMMiSP1.molarMass[el]! * 1000, PrOMMiSP1.raffinate[el]!, "raffinate \(el.symbol) mg/L")
            compare(r.organic[2][j] * PrOMMiSP1.molarMass[el]! * 1000, PrOMMiSP1.loadedOrganic[el]!, "loaded organic \(el.symbol) mg/L")
        }
        let net = try CascadeNetwork(PrOMMiSP1.cascade)
        let h = r.acidity![0], s = net.sulfateConcentration[0]
        let hso4 = AqueousChargeBalance.bisulfate(acidity: h, sulfate: s)
        compare(h * PrOMMiSP1.hydrogen * 1000, PrOMMiSP1.raffinateAcid.hydrogen, "raffinate H+ mg/L")
        compare(hso4 * PrOMMiSP1.bisulfate * 1000, PrOMMiSP1.raffinateAcid.bisulfate, "raffinate HSO4- mg/L")
        compare((s - hso4) * PrOMMiSP1.sulfate * 1000, PrOMMiSP1.raffinateAcid.sulfate, "raffinate SO4 2- mg/L")
        compare(r.freeDimer![2] * PrOMMiSP1.dehpa * 1000, PrOMMiSP1.loadedFreeDEHPA, "loaded organic free D2EHPA mg/L")
        print("P1 worst relative deviation from PrOMMiS: \(worst); pH by stage \(r.pH!.map { String(format: "%.5f", $0) })")
    }
}

@Suite("Empirical model: cold starts from 3 to 500 stages")
struct EmpiricalColdStartTests {
    @Test("The P1 chemistry converges from a cold start at 3 to 500 stages, conserving every metal", arguments: [3, 10, 50, 100, 200, 500])
    func coldStart(stages: Int) throws {
        let r = try CascadeSolver.solve(PrOMMiSP1.cascade(stages: stages))
        Check.solved(r)
        // Sulfate only mixes: every stage's total sulfate is the feed's (one aqueous feed).
        let net = try CascadeNetwork(PrOMMiSP1.cascade(stages: stages))
        let feed = PrOMMiSP1.cascade(stages: stages).aqueousFeeds[0].totalSulfate
        #expect(net.sulfateConcentration.allSatisfy { abs($0 / feed - 1) <= 1e-14 })
    }
}
