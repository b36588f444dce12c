/// A phase of the two-phase system.
public enum Phase: String, Sendable, Codable, CaseIterable {
    case aqueous, organic
}

/// One section of a cascade: a run of consecutive stages sharing equilibrium parameters
/// and a stage efficiency.
public struct Section: Sendable, Equatable {
    /// Free name, conventionally "extraction", "scrub" or "strip".
    public var name: String
    /// Number of stages (> 0).
    public var stageCount: Int
    /// Equilibrium model and parameters of every stage in the section.
    public var equilibrium: any EquilibriumModel
    /// Aqueous-phase Murphree efficiency E ∈ (0, 1] of every stage in the section:
    /// E = (x_in − x) / (x_in − x*), x_in the mixed aqueous inlet concentration, x the
    /// aqueous outlet, x* the aqueous concentration in equilibrium with the organic outlet.
    /// E = 1 is an ideal (equilibrium) stage. This is not "D multiplied by E".
    public var murphreeEfficiency: Double

    public init(name: String, stageCount: Int, equilibrium: any EquilibriumModel, murphreeEfficiency: Double = 1) {
        self.name = name
        self.stageCount = stageCount
        self.equilibrium = equilibrium
        self.murphreeEfficiency = murphreeEfficiency
    }

    public static func == (a: Section, b: Section) -> Bool {
        a.name == b.name && a.stageCount == b.stageCount && a.murphreeEfficiency == b.murphreeEfficiency
            && a.equilibrium.isEqual(to: b.equilibrium)
    }
}

/// An aqueous stream fed into a stage. Its acid capacity (`AqueousChargeBalance`) is
/// [H⁺] + [HSO₄⁻] + [C⁺] + Σ_j z_j c_j (mol/L): in a chloride liquor its chloride, by
/// electroneutrality.
public struct AqueousFeed: Sendable, Equatable {
    public var name: String
    /// 1-based stage number the stream enters.
    public var stage: Int
    /// Volumetric flow, L/h (> 0).
    public var flow: Double
    /// Rare-earth concentrations, mol/L, one per cascade element (each ≥ 0).
    public var concentrations: [Double]
    /// Free acid [H⁺], mol/L (≥ 0).
    public var acidity: Double
    /// Saponifying cation (Na⁺ or NH₄⁺) already in the stream, mol/L (≥ 0).
    public var cation: Double
    /// Bisulfate HSO₄⁻ and sulfate SO₄²⁻ of a sulfate liquor as fed, mol/L (≥ 0; 0 for a
    /// chloride liquor). The stream need not be at the HSO₄⁻ ⇌ H⁺ + SO₄²⁻ equilibrium: it is
    /// imposed inside the stages, from the stream's protons and total sulfate.
    public var bisulfate: Double
    public var sulfate: Double

    public init(name: String, stage: Int, flow: Double, concentrations: [Double], acidity: Double = 0, cation: Double = 0,
                bisulfate: Double = 0, sulfate: Double = 0) {
        self.name = name
        self.stage = stage
        self.flow = flow
        self.concentrations = concentrations
        self.acidity = acidity
        self.cation = cation
        self.bisulfate = bisulfate
        self.sulfate = sulfate
    }

    /// Acid capacity Q = [H⁺] + [HSO₄⁻] + [C⁺] + Σ z_j c_j, mol/L, with the charges z_j of the
    /// cascade's elements (`AqueousChargeBalance`).
    public func acidCapacity(charges: [Double]) -> Double {
        AqueousChargeBalance.acidCapacity(acidity: acidity, bisulfate: bisulfate, cation: cation,
                                          metalCharge: zip(charges, concentrations).reduce(0) { $0 + $1.0 * $1.1 })
    }

    /// Total sulfate [HSO₄⁻] + [SO₄²⁻], mol/L.
    public var totalSulfate: Double { bisulfate + sulfate }
}

/// An organic stream fed into a stage (normally fresh or stripped, saponified organic at stage 1).
public struct OrganicFeed: Sendable, Equatable {
    public var name: String
    /// 1-based stage number the stream enters.
    public var stage: Int
    /// Volumetric flow, L/h (> 0).
    public var flow: Double
    /// Total extractant C_HA, mol/L on a monomer (HA) basis. Used by the mass-action model.
    public var extractant: Double
    /// Fraction of the extractant's acid groups in the cation (Na⁺/NH₄⁺) form, 0 ≤ s < 1.
    public var saponification: Double
    /// Rare-earth loading of the entering organic, mol/L, one per cascade element (≥ 0).
    public var concentrations: [Double]

    public init(name: String, stage: Int, flow: Double, extractant: Double = 0, saponification: Double = 0, concentrations: [Double]) {
        self.name = name
        self.stage = stage
        self.flow = flow
        self.extractant = extractant
        self.saponification = saponification
        self.concentrations = concentrations
    }
}

/// Where part of a stage's outlet goes instead of the next stage in its flow direction.
public enum SplitDestination: Sendable, Equatable {
    /// Leaves the cascade as the named product stream (a side draw).
    case product(String)
    /// Enters the given 1-based stage in the same phase (internal routing, e.g. reflux).
    case stage(Int)
}

/// A fraction of one phase's outlet of one stage sent somewhere other than the next stage.
/// Whatever the splits of a stage and phase leave over continues to the next stage
/// (aqueous: stage − 1, organic: stage + 1) or, at the cascade's ends, leaves as the
/// raffinate (aqueous from stage 1) or the organic outlet (organic from the last stage).
public struct OutletSplit: Sendable, Equatable {
    /// 1-based stage whose outlet is split.
    public var stage: Int
    public var phase: Phase
    /// Fraction of that outlet, 0 < fraction ≤ 1.
    public var fraction: Double
    public var destination: SplitDestination

    public init(stage: Int, phase: Phase, fraction: Double, destination: SplitDestination) {
        self.stage = stage
        self.phase = phase
        self.fraction = fraction
        self.destination = destination
    }
}

/// A closed organic circuit: the organic leaving the last stage (the stripped organic) returns
/// into the stage where the organic feed `feedName` enters, carrying its residual loading round.
///
/// That feed then describes the circulating organic after the saponification step: its flow
/// Q (L/h) is the circulating flow entering its stage, its extractant and saponification those
/// the saponification step restores (base added = s·C·Q less the cation the returning organic
/// still carries, none once strong acid has stripped it), and its loading must be zero (the
/// loading entering is the stripped organic's, a result). A fraction `bleedFraction` of the
/// stripped organic leaves as the organic outlet (`organicOutletName`); clean make-up organic of
/// flow Q − (1 − b)·(stripped organic flow) keeps the circulating flow at Q.
///
/// The return is one more organic link of the cascade (last stage → entry stage), so the
/// returning loading is solved with the stage balances in the cascade's own Newton system.
public struct OrganicCircuit: Sendable, Equatable {
    /// Name of the organic feed (in `Cascade.organicFeeds`) the stripped organic returns into.
    public var feedName: String
    /// Fraction of the stripped organic bled out of the circuit, 0 ≤ b < 1.
    public var bleedFraction: Double

    public init(feedName: String, bleedFraction: Double = 0) {
        self.feedName = feedName
        self.bleedFraction = bleedFraction
    }
}

/// A countercurrent cascade: stages 1…N, the aqueous flowing from stage N towards stage 1,
/// the organic from stage 1 towards stage N. Stage 1 is the raffinate end.
///
/// Assumptions: phase volumes do not change on mass transfer (the volumetric flow of each
/// phase leaving a stage equals the volumetric flow of that phase entering it); the organic
/// leaving the last stage is an outlet, or returns to the organic entry stage when the cascade
/// has an `organicCircuit`.
public struct Cascade: Sendable, Equatable {
    public var name: String
    /// The elements, in the order every per-element array uses.
    public var elements: [Element]
    /// Sections in stage order, starting at stage 1.
    public var sections: [Section]
    public var aqueousFeeds: [AqueousFeed]
    public var organicFeeds: [OrganicFeed]
    public var splits: [OutletSplit]
    /// Name of the aqueous leaving stage 1.
    public var raffinateName: String
    /// Name of the organic leaving the last stage (with an `organicCircuit`, its bled part).
    public var organicOutletName: String
    /// The closed organic circuit, when the stripped organic returns (nil: it leaves).
    public var organicCircuit: OrganicCircuit?

    public init(name: String = "cascade", elements: [Element], sections: [Section],
                aqueousFeeds: [AqueousFeed], organicFeeds: [OrganicFeed], splits: [OutletSplit] = [],
                raffinateName: String = "raffinate", organicOutletName: String = "organic out",
                organicCircuit: OrganicCircuit? = nil) {
        self.name = name
        self.elements = elements
        self.sections = sections
        self.aqueousFeeds = aqueousFeeds
        self.organicFeeds = organicFeeds
        self.splits = splits
        self.raffinateName = raffinateName
        self.organicOutletName = organicOutletName
        self.organicCircuit = organicCircuit
    }

    /// Total number of stages.
    public var stageCount: Int { sections.reduce(0) { $0 + $1.stageCount } }

    /// 1-based stage range of each section.
    public var sectionStageRanges: [ClosedRange<Int>] {
        var first = 1
        return sections.map { section in
            defer { first += section.stageCount }
            return first...(first + section.stageCount - 1)
        }
    }

    /// Index of the section containing the 1-based `stage`.
    public func sectionIndex(ofStage stage: Int) -> Int? {
        sectionStageRanges.firstIndex { $0.contains(stage) }
    }

    /// What every stage solves besides the element balances: the first section's model's
    /// (`CascadeNetwork` refuses cascades whose sections disagree).
    public var stageChemistry: StageChemistry {
        sections.first?.equilibrium.stageChemistry ?? .concentrationsOnly
    }
}

/// Problems with a cascade specification found before any solving: typed values (a kind,
/// the stream or stage concerned) that a caller turns into its own messages and locations (the
/// flowsheet reader maps each kind to a diagnostic id, `DiagnosticID(cascadeProblem:)`), with
/// an English message each.
public struct CascadeSpecificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, independent of the wording.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Sections, elements or models that do not fit together (no sections, an element listed
        /// twice, parameters for another element count, two model families in one cascade).
        case sections
        /// A section's value out of its range: its Murphree efficiency or an equilibrium
        /// parameter (a distribution ratio, separation factor or constant that is not positive
        /// and finite); the problem names the section's first stage.
        case sectionValue
        /// A feed at a stage the cascade does not have.
        case feedStage
        /// A feed value out of its range (flow, concentrations, acidity, saponification, extractant).
        case feedValue
        /// A split (draw or route) of a stage the cascade does not have, or fractions over 1.
        case split
        /// No organic feed.
        case noOrganicFeed
        /// No aqueous feed.
        case noAqueousFeed
        /// A phase that circulates between stages without leaving the cascade.
        case circulation
        /// A stage that receives no flow of one phase.
        case stageWithoutFlow
        /// Acid fed into a fully loaded stage that would strip more than the organic carries.
        case acidExceedsLoading
        /// An `organicCircuit` that cannot close (its entry feed, bleed or flows).
        case organicCircuit
        /// No rare earth fed at all.
        case noRareEarthFed
        /// What a particular solver (the time integrator) cannot do with this cascade.
        case unsupported
    }

    /// One problem: its kind, the feed (by name) or stage (1-based) it concerns, its message.
    public struct Problem: Sendable, Equatable {
        public var kind: Kind
        public var message: String
        public var stream: String?
        public var stage: Int?
        public init(_ kind: Kind, _ message: String, stream: String? = nil, stage: Int? = nil) {
            self.kind = kind
            self.message = message
            self.stream = stream
            self.stage = stage
        }
    }

    public var items: [Problem]
    public init(_ items: [Problem]) { self.items = items }
    /// Untyped problems (kind `sections`), for callers with only a message.
    public init(problems: [String]) { items = problems.map { Problem(.sections, $0) } }
    /// The messages, in order.
    public var problems: [String] { items.map(\.message) }
    public var description: String { problems.joined(separator: "\n") }
}
