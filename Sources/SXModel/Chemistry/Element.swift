/// The metals SXSim knows: the rare earths, in order of rising extractability with acidic
/// organophosphorus extractants (Y sits near Ho/Er in practice; its place in this list is
/// only its place in the periodic table's rare-earth group), then Sc and the metals a leach
/// liquor carries besides them (Al, Fe, Ca, Th, U).
public enum Element: String, CaseIterable, Sendable, Codable, Hashable, Comparable {
    case La, Ce, Pr, Nd, Pm, Sm, Eu, Gd, Tb, Dy, Ho, Er, Tm, Yb, Lu, Y
    case Sc, Al, Fe, Ca, Th, U

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
        case .Sc: "scandium"; case .Al: "aluminium"; case .Fe: "iron"; case .Ca: "calcium"
        case .Th: "thorium"; case .U: "uranium"
        }
    }

    /// True for the rare earths (the lanthanides and Y). Sc, though a rare earth by IUPAC's
    /// definition, is recovered and sold apart from the REO of a lanthanide circuit, so
    /// purities on a TREO basis leave it out with the other metals.
    public var isRareEarth: Bool {
        switch self {
        case .Sc, .Al, .Fe, .Ca, .Th, .U: false
        default: true
        }
    }

    /// Charge of the aqueous ion as it is extracted by cation exchange: 3 for RE³⁺, Sc³⁺,
    /// Al³⁺ and Fe³⁺; 2 for Ca²⁺; 4 for Th⁴⁺; 2 for uranyl UO₂²⁺. It is the number of H⁺ an
    /// acidic extractant releases per ion extracted (and consumes per ion stripped).
    public var charge: Int {
        switch self {
        case .Ca, .U: 2
        case .Th: 4
        default: 3
        }
    }

    /// Standard atomic weight, g/mol.
    ///
    /// Source: IUPAC CIAAW standard atomic weights (values as revised through 2021: Yb
    /// 173.045 since 2015, Gd 157.249 and Lu 174.96669 since 2021; abridged conventional
    /// values for Al 26.9815385, Fe 55.845, Ca 40.078, Sc 44.955908, Th 232.0377,
    /// U 238.02891). Pm has no stable isotope and no standard atomic weight; 145 (the mass
    /// number of its longest-lived isotope ¹⁴⁵Pm) is used so that oxide masses can be formed.
    public var atomicWeight: Double {
        switch self {
        case .La: 138.90547; case .Ce: 140.116; case .Pr: 140.90766; case .Nd: 144.242
        case .Pm: 145.0; case .Sm: 150.36; case .Eu: 151.964; case .Gd: 157.249
        case .Tb: 158.925354; case .Dy: 162.500; case .Ho: 164.930329; case .Er: 167.259
        case .Tm: 168.934219; case .Yb: 173.045; case .Lu: 174.96669; case .Y: 88.905838
        case .Sc: 44.955908; case .Al: 26.9815385; case .Fe: 55.845; case .Ca: 40.078
        case .Th: 232.0377; case .U: 238.02891
        }
    }

    /// Standard atomic weight of oxygen, g/mol (IUPAC conventional value).
    public static let oxygenAtomicWeight = 15.999

    /// The oxide in which the element's purity is reported (the commercial REO form),
    /// as (metal atoms, oxygen atoms) per formula unit: La2O3, CeO2, Pr6O11, Tb4O7, else M2O3;
    /// for the other metals Sc2O3, Al2O3, Fe2O3, CaO, ThO2 and U3O8.
    public var oxideStoichiometry: (metal: Int, oxygen: Int) {
        switch self {
        case .Ce: (1, 2)
        case .Pr: (6, 11)
        case .Tb: (4, 7)
        case .Ca: (1, 1)
        case .Th: (1, 2)
        case .U: (3, 8)
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
