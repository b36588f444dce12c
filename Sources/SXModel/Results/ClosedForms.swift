import Foundation

/// Closed-form results of countercurrent extraction theory (see docs/equations.md).
public enum ClosedForm {
    /// Kremser: fraction of the solute left in the raffinate of an N-stage countercurrent
    /// extraction with solute-free solvent, φ = (ε − 1)/(ε^(N+1) − 1), ε = D·O/A; 1/(N+1) at ε = 1.
    public static func kremserRaffinateFraction(extractionFactor e: Double, stages n: Int) -> Double {
        if abs(e - 1) < 1e-12 { return 1 / Double(n + 1) }
        return (e - 1) / (pow(e, Double(n + 1)) - 1)
    }

    /// Fractional extraction with constant D and non-competing solutes: fraction of the fed
    /// solute in the loaded organic, Φ = s_m·e_n / (1 − e_n + e_n·s_m), with ε = D·O/(F + W),
    /// ε' = D·O/W, e_n = (ε^(n+1) − ε)/(ε^(n+1) − 1), s_m = ε'^m (ε' − 1)/(ε'^(m+1) − 1).
    /// Flows O, F, W in any common volumetric unit.
    public static func fractionalExtractionOrganicFraction(distributionRatio d: Double, organic o: Double, feed f: Double,
                                                           scrub w: Double, extractionStages n: Int, scrubStages m: Int) -> Double {
        let e = d * o / (f + w), es = d * o / w
        let en = abs(e - 1) < 1e-12 ? Double(n) / Double(n + 1) : (pow(e, Double(n + 1)) - e) / (pow(e, Double(n + 1)) - 1)
        let sm = abs(es - 1) < 1e-12 ? 1 / Double(m + 1) : pow(es, Double(m)) * (es - 1) / (pow(es, Double(m + 1)) - 1)
        return sm * en / (1 - en + en * sm)
    }
}
