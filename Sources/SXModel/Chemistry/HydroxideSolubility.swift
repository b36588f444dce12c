import Foundation

/// Rare-earth hydroxide solubility: RE(OH)₃(c) + 3 H⁺ ⇌ RE³⁺ + 3 H₂O, log *K (25 °C), so an
/// aqueous with [RE³⁺] = c mol/L starts to precipitate above
///
///     pH_p = (log *K − log10 c) / 3.
///
/// Only values read in a primary source ship with SXSim (`builtIn`); a flowsheet may give
/// others (`hydroxide-solubility:`), which then carry the user's responsibility.
public enum HydroxideSolubility {
    /// log *K at 25 °C with its source. Nd: 14.96 in 0.1 M NaCl (Rao et al., Radiochim. Acta
    /// 72 (1996) 151; docs/references.md [RAO]). No other element's value has been verified here.
    public static let builtIn: [Element: Double] = [.Nd: 14.96]

    /// pH above which an aqueous holding `concentration` mol/L of the element precipitates
    /// its hydroxide, for a given log *K; nil for a concentration that is not positive.
    public static func precipitationPH(logStarK: Double, concentration c: Double) -> Double? {
        c > 0 ? (logStarK - log10(c)) / 3 : nil
    }

    /// Stages (1-based) of a solved acid-exchange cascade whose aqueous pH exceeds the
    /// precipitation pH of one of its elements, with the element and both pH values.
    public static func precipitatingStages(_ r: CascadeResult, logStarK: [Element: Double]) -> [(stage: Int, element: Element, pH: Double, limit: Double)] {
        guard let pH = r.pH else { return [] }
        var out: [(Int, Element, Double, Double)] = []
        for i in 0..<r.stageCount {
            for (j, e) in r.cascade.elements.enumerated() {
                guard let k = logStarK[e], let limit = precipitationPH(logStarK: k, concentration: r.aqueous[i][j]) else { continue }
                if pH[i] > limit { out.append((i + 1, e, pH[i], limit)) }
            }
        }
        return out
    }
}
