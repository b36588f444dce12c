/// Purities and totals on an oxide basis, computed in one place.
///
/// Rare earths (`Element.isRareEarth`) are reported as commercial REO: an element's purity is
/// its oxide mass over the total rare-earth oxide (TREO) of the stream. Metals that are not
/// rare earths (Sc, Al, Fe, Ca, Th, U) are left out of TREO; their purity is their oxide's
/// share of all metal oxides, which `amongAllMetals` gives for every element.
public enum OxideBasis {
    /// Oxide mass of each element, g/L (concentrations in mol/L).
    public static func oxideConcentrations(elements: [Element], concentrations: [Double]) -> [Double] {
        zip(elements, concentrations).map { $0.oxideMassPerMole * $1 }
    }

    /// Total rare-earth oxide, g/L REO (rare earths only).
    public static func totalRareEarthOxide(elements: [Element], concentrations: [Double]) -> Double {
        zip(elements, concentrations).reduce(0) { $0 + ($1.0.isRareEarth ? $1.0.oxideMassPerMole * $1.1 : 0) }
    }

    /// Each element's purity: a rare earth's oxide over TREO, another metal's oxide over all
    /// metal oxides (fractions).
    public static func purity(elements: [Element], concentrations: [Double]) -> [Double] {
        let oxide = oxideConcentrations(elements: elements, concentrations: concentrations)
        let all = oxide.reduce(0, +)
        let treo = zip(elements, oxide).reduce(0) { $0 + ($1.0.isRareEarth ? $1.1 : 0) }
        return zip(elements, oxide).map { e, m in
            let total = e.isRareEarth ? treo : all
            return total > 0 ? m / total : 0
        }
    }

    /// Each element's oxide over all metal oxides (fractions).
    public static func amongAllMetals(elements: [Element], concentrations: [Double]) -> [Double] {
        let oxide = oxideConcentrations(elements: elements, concentrations: concentrations)
        let all = oxide.reduce(0, +)
        return oxide.map { all > 0 ? $0 / all : 0 }
    }
}
