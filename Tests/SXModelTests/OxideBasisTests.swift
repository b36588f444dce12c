import Testing
@testable import SXModel

/// Purity and recovery, computed in one place (`OxideBasis`), against hand calculation from
/// IUPAC standard atomic weights (Pr 140.90766, Nd 144.242, O 15.999, as in `Element`):
/// Pr6O11 gives 140.90766 + 11/6·15.999 = 170.23916 g per mol Pr, Nd2O3 144.242 + 1.5·15.999 =
/// 168.2405 g per mol Nd.
struct OxideBasisTests {
    static let elements: [Element] = [.Pr, .Nd]
    static let prOxide = 140.90766 + 11.0 / 6 * 15.999, ndOxide = 144.242 + 1.5 * 15.999

    @Test func groupFiguresMatchHandCalculation() {
        let c = [0.1, 0.3]
        let nd = 0.3 * Self.ndOxide / (0.1 * Self.prOxide + 0.3 * Self.ndOxide)
        #expect(abs(OxideBasis.groupPurity([1], elements: Self.elements, concentrations: c) - nd) <= 1e-12)
        #expect(abs(OxideBasis.groupPurity([0, 1], elements: Self.elements, concentrations: c) - 1) <= 1e-15)
        #expect(abs(OxideBasis.groupMoleFraction([1], concentrations: c) - 0.75) <= 1e-15)
        // 10 L/h carrying 0.3 mol/L Nd of 4 mol/h fed: 75 %; with Pr (1 + 3)/(4 + 2) mol/h.
        #expect(abs(OxideBasis.groupRecovery([1], flow: 10, concentrations: c, fed: [2, 4]) - 0.75) <= 1e-15)
        #expect(abs(OxideBasis.groupRecovery([0, 1], flow: 10, concentrations: c, fed: [2, 4]) - 4.0 / 6) <= 1e-15)
        #expect(OxideBasis.groupRecovery([0], flow: 10, concentrations: c, fed: [0, 4]) == 0)
    }
}
