/// The rare-earth elements SXSim knows, in order of rising extractability with acidic
/// organophosphorus extractants (Y sits near Ho/Er in practice; its place in this list is
/// only its place in the periodic table's rare-earth group).
public enum Element: String, CaseIterable, Sendable, Codable, Hashable, Comparable {
    case La, Ce, Pr, Nd, Pm, Sm, Eu, Gd, Tb, Dy, Ho, Er, Tm, Yb, Lu, Y

    public static func < (lhs: Element, rhs: Element) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Chemical symbol, e.g. "Nd".
    public var symbol: String { rawValue }

    /// English name, e.g. "neodymium".
    public var name: String {
        switch self {
        case .La: "lanthanum"; case .Ce: "cerium"; case .Pr: "praseodymium"; case .Nd: "neodymium"
        case .Pm: "promethium"; case .Sm: "samarium"; case .Eu: "europium"; case .Gd: "gadolinium"
        case .Tb: "terbium"; case .Dy: "dysprosium"; case .Ho: "holmium"; case .Er: "erbium"
        case .Tm: "thulium"; case .Yb: "ytterbium"; case .Lu: "lutetium"; case .Y: "yttrium"
        }
    }

    /// Standard atomic weight, g/mol.
    ///
    /// Source: IUPAC CIAAW standard atomic weights (values as revised through 2021: Yb
    /// 173.045 since 2015, Gd 157.249 and Lu 174.96669 since 2021). Pm has no stable isotope
    /// and no standard atomic weight; 145 (the mass number of its longest-lived isotope
    /// ¹⁴⁵Pm) is used so that oxide masses can be formed.
    public var atomicWeight: Double {
        switch self {
        case .La: 138.90547; case .Ce: 140.116; case .Pr: 140.90766; case .Nd: 144.242
        case .Pm: 145.0; case .Sm: 150.36; case .Eu: 151.964; case .Gd: 157.249
        case .Tb: 158.925354; case .Dy: 162.500; case .Ho: 164.930329; case .Er: 167.259
        case .Tm: 168.934219; case .Yb: 173.045; case .Lu: 174.96669; case .Y: 88.905838
        }
    }

    /// Standard atomic weight of oxygen, g/mol (IUPAC conventional value).
    public static let oxygenAtomicWeight = 15.999

    /// The oxide in which the element's purity is reported (the commercial REO form),
    /// as (metal atoms, oxygen atoms) per formula unit: La2O3, CeO2, Pr6O11, Tb4O7, else M2O3.
    public var oxideStoichiometry: (metal: Int, oxygen: Int) {
        switch self {
        case .Ce: (1, 2)
        case .Pr: (6, 11)
        case .Tb: (4, 7)
        default: (2, 3)
        }
    }

    /// The oxide formula, e.g. "Pr6O11".
    public var oxideFormula: String {
        let (m, o) = oxideStoichiometry
        return "\(symbol)\(m == 1 ? "" : String(m))O\(o == 1 ? "" : String(o))"
    }

    /// Mass of oxide carried per mole of the element, g/mol
    /// (formula mass of the oxide divided by its metal atoms, e.g. Pr6O11 / 6).
    public var oxideMassPerMole: Double {
        let (m, o) = oxideStoichiometry
        return atomicWeight + Double(o) / Double(m) * Element.oxygenAtomicWeight
    }

    /// Parses a symbol case-insensitively ("nd", "ND", "Nd").
    public init?(symbol: String) {
        guard let match = Element.allCases.first(where: { $0.rawValue.lowercased() == symbol.lowercased() }) else {
            return nil
        }
        self = match
    }
}
