/// Stable identifiers of every diagnostic SXSim's flowsheet reader emits. The numeric
/// `code` never changes meaning; new problems get new codes. docs/flowsheet-format.md lists them.
public enum DiagnosticID: String, Sendable, Equatable, CaseIterable {
    // Syntax and document structure (SX1xx)
    case yamlSyntax = "yaml-syntax"
    case duplicateKey = "duplicate-key"
    case unsupportedVersion = "unsupported-version"
    case unknownKey = "unknown-key"
    case missingKey = "missing-key"
    case wrongType = "wrong-type"
    case invalidName = "invalid-name"
    // Values and units (SX2xx)
    case invalidNumber = "invalid-number"
    case missingUnit = "missing-unit"
    case unknownUnit = "unknown-unit"
    case wrongDimension = "wrong-dimension"
    case outOfRange = "out-of-range"
    case compositionSum = "composition-sum"
    // Elements and references (SX3xx)
    case unknownElement = "unknown-element"
    case duplicateElement = "duplicate-element"
    case missingEquilibriumData = "missing-equilibrium-data"
    case unknownReference = "unknown-reference"
    case duplicateName = "duplicate-name"
    case streamUsedTwice = "stream-used-twice"
    case outletUsedTwice = "outlet-used-twice"
    case stageOutOfRange = "stage-out-of-range"
    case wrongPhase = "wrong-phase"
    case selfRoute = "self-route"
    case missingProvenance = "missing-provenance"
    // Physics and structure (SX4xx)
    case impossibleTarget = "impossible-target"
    case cascadeSpecification = "cascade-specification"
    case noOrganicFeed = "no-organic-feed"
    case noAqueousFeed = "no-aqueous-feed"
    case modelMismatch = "model-mismatch"
    case noRareEarthFed = "no-rare-earth-fed"
    case overSaponified = "over-saponified"
    case contradictoryTarget = "contradictory-target"
    case stripAcidShortfall = "strip-acid-shortfall"
    case loadingAboveCapacity = "loading-above-capacity"
    case loadedOrganicExceedsFeed = "loaded-organic-exceeds-feed"
    /// Two events change the same quantity at the same time (`events`).
    case conflictingEvents = "conflicting-events"
    /// A phase that circulates through linked streams without any outlet leaving the train.
    case phaseWithoutOutlet = "phase-without-outlet"
    /// An `organic-circuit` whose entry stream cannot receive the returning stripped organic.
    case organicCircuit = "organic-circuit"
    /// A fully loaded stage whose steady aqueous outflow of rare earth would be negative.
    case loadedStageDrained = "loaded-stage-drained"
    // Overrides (SX5xx)
    case overridePath = "override-path"
    case overrideValue = "override-value"
    // State files of `sxsim dynamic --start-from` (SX6xx; docs/dynamic.md §4)
    /// Not JSON.
    case stateSyntax = "state-syntax"
    /// JSON, but not a state file or run report of a known format and version, or a key missing or of the wrong type.
    case stateFormat = "state-format"
    /// A state whose layout (stages, sections, models, elements, unknowns per stage) is not the flowsheet's.
    case stateLayout = "state-layout"
    /// A concentration that is negative, zero where a logarithm is taken, or not finite.
    case stateValue = "state-value"
    /// A run report whose solve did not converge: not a state to start from.
    case stateNotConverged = "state-not-converged"
    // Warnings (SX9xx)
    case unusedStream = "unused-stream"
    case temperatureMismatch = "temperature-mismatch"
    case highSaponification = "high-saponification"
    case outsideValidity = "outside-validity"
    case hydroxidePrecipitation = "hydroxide-precipitation"
    case loadingAboveSaponifiedCapacity = "loading-above-saponified-capacity"
    case negativeFreeAcid = "negative-free-acid"
    case defaultChemistry = "default-chemistry"

    /// `SX` and three digits, e.g. "SX110".
    public var code: String {
        let n: Int
        switch self {
        case .yamlSyntax: n = 101
        case .duplicateKey: n = 102
        case .unsupportedVersion: n = 103
        case .unknownKey: n = 110
        case .missingKey: n = 111
        case .wrongType: n = 112
        case .invalidName: n = 113
        case .invalidNumber: n = 201
        case .missingUnit: n = 202
        case .unknownUnit: n = 203
        case .wrongDimension: n = 204
        case .outOfRange: n = 210
        case .compositionSum: n = 211
        case .unknownElement: n = 301
        case .duplicateElement: n = 302
        case .missingEquilibriumData: n = 303
        case .unknownReference: n = 310
        case .duplicateName: n = 311
        case .streamUsedTwice: n = 312
        case .outletUsedTwice: n = 313
        case .stageOutOfRange: n = 320
        case .wrongPhase: n = 321
        case .selfRoute: n = 322
        case .missingProvenance: n = 330
        case .impossibleTarget: n = 401
        case .cascadeSpecification: n = 402
        case .noOrganicFeed: n = 403
        case .noAqueousFeed: n = 404
        case .modelMismatch: n = 405
        case .noRareEarthFed: n = 406
        case .overSaponified: n = 407
        case .contradictoryTarget: n = 408
        case .stripAcidShortfall: n = 409
        case .loadingAboveCapacity: n = 410
        case .loadedOrganicExceedsFeed: n = 411
        case .conflictingEvents: n = 412
        case .phaseWithoutOutlet: n = 413
        case .organicCircuit: n = 414
        case .loadedStageDrained: n = 415
        case .overridePath: n = 501
        case .overrideValue: n = 502
        case .stateSyntax: n = 601
        case .stateFormat: n = 602
        case .stateLayout: n = 603
        case .stateValue: n = 604
        case .stateNotConverged: n = 605
        case .unusedStream: n = 901
        case .temperatureMismatch: n = 903
        case .highSaponification: n = 904
        case .outsideValidity: n = 905
        case .hydroxidePrecipitation: n = 906
        case .loadingAboveSaponifiedCapacity: n = 907
        case .negativeFreeAcid: n = 908
        case .defaultChemistry: n = 909
        }
        return "SX\(n)"
    }

    /// True for errors that say a well-formed design has no physical steady state (not that
    /// the input is malformed): a sweep records such a case as "infeasible" instead of
    /// refusing the whole grid.
    public var isInfeasibleDesign: Bool {
        [.overSaponified, .stripAcidShortfall, .loadingAboveCapacity, .loadedOrganicExceedsFeed, .loadedStageDrained].contains(self)
    }

    public var defaultSeverity: Severity {
        switch self {
        case .unusedStream, .temperatureMismatch, .highSaponification, .outsideValidity, .hydroxidePrecipitation,
             .loadingAboveSaponifiedCapacity, .negativeFreeAcid, .defaultChemistry: .warning
        default: .error
        }
    }
}
