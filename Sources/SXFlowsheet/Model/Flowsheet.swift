import SXModel

/// A flowsheet read from text: the cascade train to solve, the product targets to check,
/// and what the report needs to explain the numbers (provenance, reagents, names).
/// Every quantity is in model units: L/h, mol/L, K, fractions (0…1).
public struct Flowsheet: Sendable {
    public var name: String
    public var description: String
    /// The flowsheet's elements, in the order every per-element array uses.
    public var elements: [Element]
    public var train: CascadeTrain
    public var targets: [ProductTarget]
    /// Limits on an outlet's residual acidity or rare earth (effluent specifications).
    public var effluentTargets: [EffluentTarget]
    /// Named equilibrium parameter sets with their provenance, in file order.
    public var equilibria: [EquilibriumSet]
    /// Fresh (not linked) streams with the reagents they carry, for the reagent figures.
    public var reagentStreams: [ReagentStream]
    /// Hours of operation per year, h/y (default 8000), for t/y figures.
    public var operatingHours: Double
    /// Operating temperature, K, when given (informational; the equilibrium data hold at theirs).
    public var temperature: Double?
    /// Options of every cascade solve.
    public var solveOptions: SolveOptions
    /// Where each product (outlet) name was defined, for diagnostics after solving.
    public var productLocations: [String: TextLocation]
    /// Where each cascade was defined, for problems found only while solving.
    public var cascadeLocations: [String: TextLocation]
    /// Warnings found while reading (errors prevent a Flowsheet from existing).
    public var warnings: [Diagnostic]
    /// Where each section names its equilibrium set ("CASCADE/SECTION" → the value's
    /// location), for what a solve reveals about the set (stages outside its validity).
    public var sectionEquilibriumLocations: [String: TextLocation] = [:]
    /// Where each section is defined ("CASCADE/SECTION" → its key), for diagnostics of `sxsim dynamic`.
    public var sectionLocations: [String: TextLocation] = [:]
    /// Where each cascade feeds each stream ("CASCADE/STREAM" → the key in its `feeds`), for
    /// model problems about a feed found after reading (`CascadeSpecificationError.diagnostics`).
    public var feedLocations: [String: TextLocation] = [:]
    /// The liquid held per stage of each section that gives one ("CASCADE/SECTION"), L.
    public var sectionHoldups: [String: SectionHoldup] = [:]
    /// Changes at given times for `sxsim dynamic` (the `events` list), in file order.
    public var events: [ScheduledEvent] = []
    /// log *K (25 °C) of each element's hydroxide, RE(OH)₃(c) + 3 H⁺ ⇌ RE³⁺ + 3 H₂O: the
    /// verified built-in values (`HydroxideSolubility.builtIn`) and any the flowsheet gives.
    public var hydroxideSolubility: [Element: Double] = HydroxideSolubility.builtIn

    /// A flowsheet made in code (a library user's own train), so that `RunReport` can report
    /// it like a parsed one. Locations default to none: problems found while solving are then
    /// reported without a source line.
    public init(name: String, description: String = "", elements: [Element], train: CascadeTrain,
                targets: [ProductTarget] = [], effluentTargets: [EffluentTarget] = [], equilibria: [EquilibriumSet] = [], reagentStreams: [ReagentStream] = [],
                operatingHours: Double = 8000, temperature: Double? = nil, solveOptions: SolveOptions = SolveOptions(),
                productLocations: [String: TextLocation] = [:], cascadeLocations: [String: TextLocation] = [:],
                warnings: [Diagnostic] = []) {
        self.name = name
        self.description = description
        self.elements = elements
        self.train = train
        self.targets = targets
        self.effluentTargets = effluentTargets
        self.equilibria = equilibria
        self.reagentStreams = reagentStreams
        self.operatingHours = operatingHours
        self.temperature = temperature
        self.solveOptions = solveOptions
        self.productLocations = productLocations
        self.cascadeLocations = cascadeLocations
        self.warnings = warnings
    }
}

/// A product specification the report checks, on an oxide basis: the purity of an element or
/// of a group of elements (`elements`, whose oxide fractions add up) in the outlet `product`,
/// the recovery of that element or group from the fresh feeds, and a maximum oxide fraction
/// of each named impurity. Every limit is optional, but a target has at least one.
public struct ProductTarget: Sendable, Equatable {
    public var product: String
    /// The key element: the only one of a single-element target, the first of a group.
    public var element: Element
    /// The element or group whose purity and recovery are limited (never empty; `element` first).
    public var elements: [Element]
    /// Minimum oxide-basis purity of `elements` together, fraction (0…1], or nil.
    public var minimumPurity: Double?
    /// Minimum recovery of `elements` together from the fresh feeds, fraction (0…1], or nil.
    public var minimumRecovery: Double?
    /// Maximum oxide-basis fraction of each impurity, in file order.
    public var maximumImpurities: [ImpurityLimit]
    public var location: TextLocation

    public init(product: String, element: Element, minimumPurity: Double?, minimumRecovery: Double?, location: TextLocation) {
        self.init(product: product, elements: [element], minimumPurity: minimumPurity, minimumRecovery: minimumRecovery, location: location)
    }

    /// A target on a group of elements (`elements` must not be empty).
    public init(product: String, elements: [Element], minimumPurity: Double?, minimumRecovery: Double?,
                maximumImpurities: [ImpurityLimit] = [], location: TextLocation) {
        precondition(!elements.isEmpty, "a product target names at least one element")
        self.product = product
        self.element = elements[0]
        self.elements = elements
        self.minimumPurity = minimumPurity
        self.minimumRecovery = minimumRecovery
        self.maximumImpurities = maximumImpurities
        self.location = location
    }

    /// "Nd2O3", or "Pr6O11+Nd2O3" for a group.
    public var oxideLabel: String { elements.map(\.oxideFormula).joined(separator: "+") }
    /// "Nd", or "Pr+Nd" for a group.
    public var elementLabel: String { elements.map(\.symbol).joined(separator: "+") }
}

/// The largest oxide-basis fraction of one impurity element in a product (e.g. 10 ppm Sm2O3
/// of the total REO).
public struct ImpurityLimit: Sendable, Equatable {
    public var element: Element
    /// Fraction of the total REO, (0, 1).
    public var maximum: Double
    public init(element: Element, maximum: Double) {
        self.element = element
        self.maximum = maximum
    }
}

/// Limits on what an outlet (usually an effluent: a raffinate going to waste or to another
/// plant) may still carry: free acid (mol/L H⁺, computed by the mass-action model only) and
/// rare earth (g/L REO).
public struct EffluentTarget: Sendable, Equatable {
    public var product: String
    /// Maximum free acid, mol/L, or nil.
    public var maximumAcidity: Double?
    /// Maximum total rare earth, g/L REO, or nil.
    public var maximumOxide: Double?
    public var location: TextLocation
    public init(product: String, maximumAcidity: Double?, maximumOxide: Double?, location: TextLocation) {
        self.product = product
        self.maximumAcidity = maximumAcidity
        self.maximumOxide = maximumOxide
        self.location = location
    }
}

/// A named equilibrium parameter set as written in the file.
public struct EquilibriumSet: Sendable, Equatable {
    public var name: String
    public var model: String
    public var provenance: Provenance
    /// Temperature the parameters hold at, K, when stated.
    public var temperature: Double?
}

/// Where a parameter set comes from.
public struct Provenance: Sendable, Equatable {
    /// "verified", "unverified", "illustrative" or "textbook".
    public var status: String
    public var source: String
    public var conditions: String?
    public init(status: String, source: String, conditions: String? = nil) {
        self.status = status
        self.source = source
        self.conditions = conditions
    }
}

/// A fresh stream and the reagents it brings, per hour.
public struct ReagentStream: Sendable, Equatable {
    public var name: String
    public var phase: Phase
    /// Volumetric flow, L/h.
    public var flow: Double
    /// Free acid fed, mol/h H⁺ (aqueous streams).
    public var acid: Double
    /// Saponifying base fed, mol/h (organic extractant × saponification × flow).
    public var base: Double
    /// "Na" or "NH4": the base's cation.
    public var baseCation: String
    /// Extractant fed, mol/h monomer basis.
    public var extractant: Double
}

/// An event of the flowsheet's `events` list: the change, the cascade it applies to and where
/// it was written.
public struct ScheduledEvent: Sendable {
    public var event: DynamicEvent
    /// The cascade whose stream or section it changes.
    public var cascade: String
    public var location: TextLocation
    public init(event: DynamicEvent, cascade: String, location: TextLocation) {
        self.event = event
        self.cascade = cascade
        self.location = location
    }
}
