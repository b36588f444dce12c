/// Purities, totals and recoveries of a stream, computed in one place (the run report, its
/// targets, the sweep columns, the designer and the dynamic report all call these).
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

    /// Oxide-basis purity of a group of elements (indices into `elements`): the sum of its
    /// members' `purity` (a group target's purity, and a design side's).
    public static func groupPurity(_ group: [Int], elements: [Element], concentrations: [Double]) -> Double {
        let each = purity(elements: elements, concentrations: concentrations)
        return group.reduce(0) { $0 + each[$1] }
    }

    /// Mole fraction of a group of elements among all the stream's metals.
    public static func groupMoleFraction(_ group: [Int], concentrations: [Double]) -> Double {
        let total = concentrations.reduce(0, +)
        return total > 0 ? group.reduce(0) { $0 + concentrations[$1] } / total : 0
    }

    /// Recovery of a group into an outlet: its moles there (flow L/h × concentrations mol/L)
    /// over its moles fed (`fed`, mol/h per element); 0 when none of it is fed.
    public static func groupRecovery(_ group: [Int], flow: Double, concentrations: [Double], fed: [Double]) -> Double {
        let total = group.reduce(0) { $0 + fed[$1] }
        return total > 0 ? group.reduce(0) { $0 + flow * concentrations[$1] } / total : 0
    }
}
