import Foundation
import SXModel

/// Reads the document tree into a `Flowsheet`, collecting every problem in `reader`.
/// Order: version, elements, equilibria, streams, cascades (sections, outlets, then feeds,
/// draws and routes), links between cascades, targets, solver settings, cross-checks.
struct FlowsheetBuilder {
    /// Where problems are recorded; an events file (`EventsDocument`) is read with its own.
    var reader: Reader
    let fileName: String
    /// A separate events file whose events are added to the flowsheet's (`sxsim dynamic --events`).
    let eventsDocument: EventsDocument?
    /// What reading `eventsDocument` found, reported after the flowsheet's own diagnostics.
    var eventsDiagnostics = Diagnostics()

    init(reader: Reader, fileName: String, eventsDocument: EventsDocument? = nil) {
        self.reader = reader
        self.fileName = fileName
        self.eventsDocument = eventsDocument
    }

    static let topKeys = ["version", "name", "description", "elements", "operating-hours", "temperature",
                          "equilibria", "streams", "cascades", "targets", "solver", "hydroxide-solubility", "events"]

    // What has been read so far.
    var elements: [Element] = []
    var elementsNode: SourceNode?
    var equilibria: [String: ParsedEquilibrium] = [:]
    var equilibriumOrder: [String] = []
    var streams: [String: ParsedStream] = [:]
    var streamOrder: [String] = []
    /// Outlet name → (cascade index, phase, where defined).
    var outlets: [String: (cascade: Int, phase: Phase, node: SourceNode)] = [:]
    var productLocations: [String: TextLocation] = [:]
    var cascadeLocations: [String: TextLocation] = [:]
    var sectionEquilibriumLocations: [String: TextLocation] = [:]
    var sectionLocations: [String: TextLocation] = [:]
    var feedLocations: [String: TextLocation] = [:]
    var sectionHoldups: [String: SectionHoldup] = [:]
    /// Cascade name → the equilibrium sets its sections name, in order.
    var cascadeEquilibria: [String: [String]] = [:]
    /// Cascades with a feed whose stream or stage could not be read (their structure checks are skipped).
    var unreadFeeds: Set<Int> = []

    struct ParsedEquilibrium {
        var set: EquilibriumSet
        var equilibrium: (any EquilibriumModel)?
        var keyNode: SourceNode
        /// Keys left to a built-in default that has no verified source (mass action's
        /// `cation-exchange-constant` and `soap`), for warning SX909.
        var unsourcedDefaults: [String] = []
    }

    struct ParsedStream {
        enum Kind {
            case aqueous(flow: Double, concentrations: [Double], acidity: Double, cation: Double, bisulfate: Double, sulfate: Double)
            case organic(flow: Double, extractant: Double, saponification: Double, loading: [Double])
            case linked(outlet: String, outletNode: SourceNode, acidity: Double?)
        }
        var name: String
        var keyNode: SourceNode
        var kind: Kind?
        /// Where the stream is fed (first use), for "used twice".
        var usedAt: SourceNode?
        /// The value of its `saponification` key, for diagnostics about it.
        var saponificationNode: SourceNode?
    }

    mutating func build(_ root: SourceNode) -> Flowsheet? {
        guard let top = reader.mapping(root, what: "the flowsheet") else { return nil }
        reader.checkKeys(top, allowed: Self.topKeys, in: "the flowsheet")

        // version
        if let v = reader.require(top, "version", in: root, what: "the flowsheet", example: "1") {
            if let n = reader.integer(v, what: "version"), !FlowsheetParser.supportedVersions.contains(n) {
                reader.report(.unsupportedVersion, "flowsheet version \(n) is not supported; this sxsim reads version \(FlowsheetParser.supportedVersions.map(String.init).joined(separator: ", "))", at: v)
            }
        }
        let name = reader.value(top, "name").flatMap { reader.string($0, what: "name") } ?? fileName
        let description = reader.value(top, "description").flatMap { reader.string($0, what: "description") } ?? ""
        let hours = reader.value(top, "operating-hours").flatMap { reader.positive($0, .operatingTime, what: "operating-hours") } ?? 8000
        if hours > 8784 { reader.report(.outOfRange, "operating-hours \(hours) h/y is more than a year has", at: reader.value(top, "operating-hours")!) }
        let temperature = reader.value(top, "temperature").flatMap { reader.positive($0, .temperature, what: "temperature") }

        readElements(top, root: root)
        // log *K of RE(OH)3(c) + 3 H+ = RE3+ + 3 H2O per element (25 °C), beside the built-in
        // verified values; used to warn of stages whose pH would precipitate a hydroxide.
        var hydroxide = HydroxideSolubility.builtIn
        if let h = reader.value(top, "hydroxide-solubility"),
           let values = elementMap(h, what: "hydroxide-solubility", read: { v, el in reader.number(v, what: "log *K of \(el.symbol)(OH)3") }) {
            for (k, v) in values.enumerated() { if let v { hydroxide[elements[k]] = v } }
        }
        if let eq = reader.require(top, "equilibria", in: root, what: "the flowsheet", example: "{p507: {model: separation-factors, ...}}") {
            readEquilibria(eq)
        }
        if let s = reader.require(top, "streams", in: root, what: "the flowsheet", example: "{feed: {phase: aqueous, flow: 100 L/h, ...}}") {
            readStreams(s)
        }
        var cascades: [Cascade] = []
        var links: [CascadeTrain.Link] = []
        var reagentStreams: [ReagentStream] = []
        if let c = reader.require(top, "cascades", in: root, what: "the flowsheet", example: "{prnd: {sections: ..., feeds: ...}}") {
            (cascades, links, reagentStreams) = readCascades(c)
        }
        for name in streamOrder {
            if let s = streams[name], s.usedAt == nil, s.kind != nil {
                reader.report(.unusedStream, "stream '\(name)' is defined but no cascade is fed with it", at: s.keyNode,
                              help: "name it under a cascade's 'feeds', or delete it")
            }
        }
        var eventKeys: [String: SourceNode] = [:]   // time|target → the event, for conflicts across both files
        var events = reader.value(top, "events").map { readEvents($0, cascades: cascades, seen: &eventKeys) } ?? []
        if let eventsDocument { events += readEventsFile(eventsDocument, cascades: cascades, seen: &eventKeys) }
        let (targets, effluentTargets) = reader.value(top, "targets").map { readTargets($0, cascades: cascades) } ?? ([], [])
        var options = SolveOptions()
        var recycleTolerance = 1e-8
        var recyclePasses = 200
        if let s = reader.value(top, "solver"), let entries = reader.mapping(s, what: "solver") {
            reader.checkKeys(entries, allowed: ["tolerance", "max-iterations", "recycle-tolerance", "max-recycle-passes", "time-stepping-fallback"], in: "solver")
            if let v = reader.value(entries, "tolerance"), let x = reader.number(v, what: "solver tolerance") {
                // A tolerance given is taken literally: no round-off floor (NewtonOptions.roundOffFactor).
                if x > 0 && x < 1 { options.newton.residualTolerance = x; options.newton.roundOffFactor = 0 } else { reader.report(.outOfRange, "solver tolerance must lie in (0, 1)", at: v) }
            }
            if let v = reader.value(entries, "max-iterations"), let n = reader.integer(v, what: "max-iterations") {
                if n >= 1 && n <= 100_000 { options.newton.maximumIterations = n } else { reader.report(.outOfRange, "max-iterations must lie in 1…100000", at: v) }
            }
            if let v = reader.value(entries, "recycle-tolerance"), let x = reader.number(v, what: "recycle-tolerance") {
                if x > 0 && x < 1 { recycleTolerance = x } else { reader.report(.outOfRange, "recycle-tolerance must lie in (0, 1)", at: v) }
            }
            if let v = reader.value(entries, "max-recycle-passes"), let n = reader.integer(v, what: "max-recycle-passes") {
                if n >= 1 && n <= 10_000 { recyclePasses = n } else { reader.report(.outOfRange, "max-recycle-passes must lie in 1…10000", at: v) }
            }
            if let v = reader.value(entries, "time-stepping-fallback") {
                switch v.scalarText {
                case "true": options.timeStepping.enabled = true
                case "false": options.timeStepping.enabled = false
                default: reader.report(.wrongType, "time-stepping-fallback must be true or false", at: v)
                }
            }
        }
        if let t = temperature {
            for n in equilibriumOrder {
                if let e = equilibria[n], let te = e.set.temperature, abs(te - t) > 5 {
                    // Engineering form keeps an absurd temperature short (1e300 K is not 300 digits).
                    let celsius = { (k: Double) in EngineeringFormat.string(k - 273.15, digits: 4) }
                    reader.report(.temperatureMismatch, "equilibrium set '\(n)' holds at \(celsius(te)) °C but the flowsheet runs at \(celsius(t)) °C; its constants may not apply",
                                  at: e.keyNode)
                }
            }
        }
        if !reader.diagnostics.hasErrors { checkFeasibility(cascades: cascades, links: links) }
        if reader.diagnostics.hasErrors { return nil }
        var flowsheet = Flowsheet(name: name, description: description, elements: elements,
                         train: CascadeTrain(cascades: cascades, links: links, recycleTolerance: recycleTolerance, maximumRecycleIterations: recyclePasses),
                         targets: targets, effluentTargets: effluentTargets, equilibria: equilibriumOrder.compactMap { equilibria[$0]?.set },
                         reagentStreams: reagentStreams, operatingHours: hours, temperature: temperature,
                         solveOptions: options, productLocations: productLocations, cascadeLocations: cascadeLocations,
                         warnings: reader.diagnostics.warnings)
        flowsheet.sectionEquilibriumLocations = sectionEquilibriumLocations
        flowsheet.sectionLocations = sectionLocations
        flowsheet.feedLocations = feedLocations
        flowsheet.sectionHoldups = sectionHoldups
        flowsheet.events = events
        flowsheet.hydroxideSolubility = hydroxide
        return flowsheet
    }

    // MARK: - Elements

    mutating func readElements(_ top: [Reader.Entry], root: SourceNode) {
        guard let node = reader.require(top, "elements", in: root, what: "the flowsheet", example: "[Pr, Nd]"),
              let items = reader.list(node, what: "elements") else { return }
        elementsNode = node
        var seen: [Element: SourceNode] = [:]
        for item in items {
            guard let symbol = reader.string(item, what: "an element") else { continue }
            guard let e = Element(symbol: symbol) else {
                reader.report(.unknownElement, "unknown element '\(symbol)'", at: item,
                              help: Suggestions.help(for: symbol, in: Element.allCases.map(\.symbol), kind: "element"))
                continue
            }
            if let first = seen[e] {
                reader.report(.duplicateElement, "element \(e.symbol) is listed twice", at: item, notes: [DiagnosticNote("first listed here", at: first.location)])
                continue
            }
            seen[e] = item
            elements.append(e)
        }
        if items.isEmpty { reader.report(.outOfRange, "elements must list at least one element", at: node) }
    }

    /// A per-element mapping {Nd: value, ...}; values read by `read`. Elements not in the
    /// flowsheet's list are errors. Returns values in flowsheet element order (nil = absent).
    func elementMap(_ node: SourceNode, what: String, read: (SourceNode, Element) -> Double?) -> [Double?]? {
        guard let entries = reader.mapping(node, what: what) else { return nil }
        var values = [Double?](repeating: nil, count: elements.count)
        var seen: Set<String> = []
        for e in entries {
            guard let element = Element(symbol: e.key) else {
                reader.report(.unknownElement, "unknown element '\(e.key)' in \(what)", at: e.keyNode,
                              help: Suggestions.help(for: e.key, in: elements.map(\.symbol), kind: "element"))
                continue
            }
            guard let k = elements.firstIndex(of: element) else {
                reader.report(.unknownElement, "element \(element.symbol) in \(what) is not in the flowsheet's elements", at: e.keyNode,
                              help: "add it to 'elements' or remove it here",
                              notes: elementsNode.map { [DiagnosticNote("elements are listed here", at: $0.location)] } ?? [])
                continue
            }
            if !seen.insert(element.symbol).inserted { continue }
            values[k] = read(e.value, element)
        }
        return values
    }

    // MARK: - Equilibria

    static let modelKeys: [String: [String]] = [
        "constant-D": ["distribution-ratios", "reference-acidity", "acid-exponent"],
        "separation-factors": ["separation-factors", "organic-loading"],
        "mass-action": ["extraction-constants", "cation", "cation-exchange-constant", "soap"],
        "empirical": ["correlations", "distribution-ratios", "extractant-molar-mass", "extractant-density", "validity"],
    ]

    mutating func readEquilibria(_ node: SourceNode) {
        guard let entries = reader.mapping(node, what: "equilibria") else { return }
        let allParameterKeys = Self.modelKeys.values.flatMap { $0 }
        for e in entries {
            guard reader.validName(e.key, at: e.keyNode, kind: "equilibrium") else { continue }
            guard let body = reader.mapping(e.value, what: "equilibrium '\(e.key)'") else { continue }
            let what = "equilibrium '\(e.key)'"
            var model = ""
            if let m = reader.require(body, "model", in: e.keyNode, what: what, example: "separation-factors"), let s = reader.string(m, what: "model") {
                if Self.modelKeys[s] == nil {
                    reader.report(.unknownReference, "unknown equilibrium model '\(s)'", at: m,
                                  help: Suggestions.help(for: s, in: Self.modelKeys.keys.sorted(), kind: "model"))
                } else { model = s }
            }
            var allowed = ["model", "provenance", "temperature"] + (Self.modelKeys[model] ?? allParameterKeys)
            if model.isEmpty { allowed = ["model", "provenance", "temperature"] + allParameterKeys }
            var elsewhere: [String: String] = [:]
            for (m, keys) in Self.modelKeys where m != model { for k in keys { elsewhere[k] = "'\(k)' belongs to model '\(m)', this set is '\(model)'" } }
            reader.checkKeys(body, allowed: allowed, in: what, elsewhere: elsewhere)
            let temperature = reader.value(body, "temperature").flatMap { reader.positive($0, .temperature, what: "temperature of \(what)") }
            let provenance = readProvenance(body, owner: e.keyNode, what: what)
            var equilibrium: (any EquilibriumModel)?
            var unsourcedDefaults: [String] = []
            func perElement(_ key: String, example: String) -> [Double]? {
                guard let n = reader.require(body, key, in: e.keyNode, what: what, example: example) else { return nil }
                guard let values = elementMap(n, what: "\(key) of \(what)", read: { v, el in
                    guard let x = reader.number(v, what: "\(key) of \(el.symbol)") else { return nil }
                    if !(x > 0) { reader.report(.outOfRange, "\(key) of \(el.symbol) must be positive, found \(v.scalarText ?? "")", at: v); return nil }
                    return x
                }) else { return nil }
                let present = Set(n.entries?.compactMap { $0.key.scalarText.flatMap(Element.init(symbol:)) } ?? [])
                let missing = elements.indices.filter { !present.contains(elements[$0]) }
                if values.contains(where: { $0 == nil }) && missing.isEmpty { return nil }
                if !missing.isEmpty {
                    let names = missing.map { elements[$0].symbol }
                    if n.entries != nil {
                        reader.report(.missingEquilibriumData, "\(what) has no \(key) for \(names.joined(separator: ", "))", at: n,
                                      help: "every element of the flowsheet needs equilibrium data; add \(names.map { "\($0): ..." }.joined(separator: ", "))")
                    }
                    return nil
                }
                return values.map { $0! }
            }
            switch model {
            case "constant-D":
                let d = perElement("distribution-ratios", example: "{Pr: 1.2, Nd: 1.8}")
                // An acid-dependent strip: D = D_ref·(h_ref/h)^n, D_ref the distribution ratios at h_ref.
                let referenceAcidity = reader.value(body, "reference-acidity").flatMap { reader.positive($0, .concentration, what: "reference-acidity") }
                var exponent = 3.0
                if let n = reader.value(body, "acid-exponent"), let x = reader.number(n, what: "acid-exponent") {
                    if x >= 0 && x.isFinite { exponent = x } else { reader.report(.outOfRange, "acid-exponent must be a finite number ≥ 0, found \(n.scalarText ?? "")", at: n) }
                    if referenceAcidity == nil && reader.value(body, "reference-acidity") == nil {
                        reader.report(.missingKey, "acid-exponent needs reference-acidity, the free acid at which D equals the distribution ratios", at: n,
                                      help: "add reference-acidity: 5 mol/L (for example)")
                    }
                }
                if let d {
                    equilibrium = referenceAcidity.map { AcidDependentDistributionModel(referenceDistributionRatios: d, referenceAcidity: $0, acidExponent: exponent) }
                        ?? .constantDistribution(distributionRatios: d)
                }
            case "separation-factors":
                let b = perElement("separation-factors", example: "{Pr: 1, Nd: 1.5}")
                let loading = reader.require(body, "organic-loading", in: e.keyNode, what: what, example: "0.18 mol/L")
                    .flatMap { reader.positive($0, .concentration, what: "organic-loading") }
                if let b, let loading { equilibrium = .separationFactors(separationFactors: b, organicLoading: loading) }
            case "mass-action":
                let k = perElement("extraction-constants", example: "{Pr: 0.1, Nd: 0.15}")
                var p = MassActionModel(extractionConstants: k ?? [])
                if let c = reader.value(body, "cation"), let s = reader.string(c, what: "cation") {
                    if ["Na", "NH4"].contains(s) { p.cationName = s } else {
                        reader.report(.unknownReference, "saponifying cation '\(s)' is not known", at: c, help: "use Na or NH4")
                    }
                }
                if let c = reader.value(body, "cation-exchange-constant"), let x = reader.number(c, what: "cation-exchange-constant") {
                    if x > 0 { p.cationExchangeConstant = x } else { reader.report(.outOfRange, "cation-exchange-constant must be positive", at: c) }
                }
                if let c = reader.value(body, "soap"), let s = reader.string(c, what: "soap") {
                    switch s.replacingOccurrences(of: " ", with: "") {
                    case "NaA", "NH4A": p.soap = .monomer
                    case "NaA·HA", "NaA.HA", "NaAHA", "NH4A·HA", "NH4A.HA": p.soap = .solvated
                    default:
                        reader.report(.unknownReference, "soap '\(s)' is not known", at: c,
                                      help: "use NaA (one HA per cation) or NaA·HA (two; also written NaA.HA)")
                    }
                }
                if k != nil { equilibrium = .massAction(p) }
                unsourcedDefaults = ["cation-exchange-constant", "soap"].filter { reader.value(body, $0) == nil }
            case "empirical":
                equilibrium = readEmpirical(body, owner: e.keyNode, what: what)
            default: break
            }
            if let first = equilibria[e.key] {
                reader.report(.duplicateName, "equilibrium '\(e.key)' is defined twice", at: e.keyNode, notes: [DiagnosticNote("first defined here", at: first.keyNode.location)])
                continue
            }
            equilibriumOrder.append(e.key)
            equilibria[e.key] = ParsedEquilibrium(
                set: EquilibriumSet(name: e.key, model: model, provenance: provenance ?? Provenance(status: "unverified", source: "", conditions: nil), temperature: temperature),
                equilibrium: equilibrium, keyNode: e.keyNode, unsourcedDefaults: unsourcedDefaults)
        }
    }

    static let provenanceStatuses = ["verified", "unverified", "illustrative", "textbook"]

    func readProvenance(_ body: [Reader.Entry], owner: SourceNode, what: String) -> Provenance? {
        guard let node = reader.value(body, "provenance") else {
            reader.report(.missingProvenance, "\(what) has no provenance", at: owner,
                          help: "say where the numbers come from: provenance: {source: \"...\", status: unverified}")
            return nil
        }
        guard let entries = reader.mapping(node, what: "provenance of \(what)") else { return nil }
        reader.checkKeys(entries, allowed: ["source", "status", "conditions"], in: "provenance")
        let source = reader.require(entries, "source", in: node, what: "provenance", example: "\"docs/references.md [TYP], typical\"").flatMap { reader.string($0, what: "source") }
        var status: String?
        if let s = reader.require(entries, "status", in: node, what: "provenance", example: "unverified"), let text = reader.string(s, what: "status") {
            if Self.provenanceStatuses.contains(text) { status = text } else {
                reader.report(.unknownReference, "unknown provenance status '\(text)'", at: s,
                              help: Suggestions.help(for: text, in: Self.provenanceStatuses, kind: "status"))
            }
        }
        let conditions = reader.value(entries, "conditions").flatMap { reader.string($0, what: "conditions") }
        guard let source, let status else { return nil }
        return Provenance(status: status, source: source, conditions: conditions)
    }

    // MARK: - Streams

    static let aqueousKeys = ["phase", "flow", "concentrations", "total-reo", "reo-split", "acidity", "cation", "bisulfate", "sulfate", "chloride"]
    static let organicKeys = ["phase", "flow", "extractant", "saponification", "loading"]
    static let linkedKeys = ["from", "acidity"]

    mutating func readStreams(_ node: SourceNode) {
        guard let entries = reader.mapping(node, what: "streams") else { return }
        for e in entries {
            guard reader.validName(e.key, at: e.keyNode, kind: "stream") else { continue }
            if let first = streams[e.key] {
                reader.report(.duplicateName, "stream '\(e.key)' is defined twice", at: e.keyNode, notes: [DiagnosticNote("first defined here", at: first.keyNode.location)])
                continue
            }
            streamOrder.append(e.key)
            let saponification = e.value.entries?.first { $0.key.scalarText == "saponification" }?.value
            streams[e.key] = ParsedStream(name: e.key, keyNode: e.keyNode, kind: readStream(e), saponificationNode: saponification)
        }
    }

    func readStream(_ e: Reader.Entry) -> ParsedStream.Kind? {
        let what = "stream '\(e.key)'"
        guard let body = reader.mapping(e.value, what: what) else { return nil }
        if let from = reader.value(body, "from") {
            let others = Set(Self.aqueousKeys + Self.organicKeys).subtracting(Self.linkedKeys)
            reader.checkKeys(body, allowed: Self.linkedKeys, in: "linked \(what)",
                             elsewhere: Dictionary(uniqueKeysWithValues: others.map { ($0, "a stream with 'from' takes its flow and composition from that outlet") }))
            guard let outlet = reader.string(from, what: "from") else { return nil }
            let acidity = reader.value(body, "acidity").flatMap { reader.positive($0, .concentration, what: "acidity", allowZero: true) }
            return .linked(outlet: outlet, outletNode: from, acidity: acidity)
        }
        guard let phaseNode = reader.require(body, "phase", in: e.keyNode, what: what, example: "aqueous"),
              let phaseText = reader.string(phaseNode, what: "phase") else { return nil }
        guard let phase = Phase(rawValue: phaseText) else {
            reader.report(.unknownReference, "unknown phase '\(phaseText)'", at: phaseNode,
                          help: Suggestions.help(for: phaseText, in: ["aqueous", "organic"], kind: "phase"))
            return nil
        }
        let flow = reader.require(body, "flow", in: e.keyNode, what: what, example: "120 L/h").flatMap { reader.positive($0, .flow, what: "flow of \(what)") }
        switch phase {
        case .aqueous:
            reader.checkKeys(body, allowed: Self.aqueousKeys, in: "aqueous \(what)",
                             elsewhere: Dictionary(uniqueKeysWithValues: Self.organicKeys.filter { !Self.aqueousKeys.contains($0) }.map { ($0, "'\($0)' belongs to organic streams") }))
            // Acid species may be given in mol/L or, with their IUPAC molar masses, in mg/L or g/L.
            let acidityNode = reader.value(body, "acidity")
            var acidity = acidityNode.flatMap {
                reader.positive($0, .concentration, what: "acidity", allowZero: true, molarMass: AcidSpecies.hydrogenMolarMass)
            } ?? 0
            let chlorideNode = reader.value(body, "chloride")
            let chloride = chlorideNode.flatMap {
                reader.positive($0, .concentration, what: "chloride", allowZero: true, molarMass: AcidSpecies.chlorideMolarMass)
            }
            let cation = reader.value(body, "cation").flatMap { reader.positive($0, .concentration, what: "cation", allowZero: true) } ?? 0
            let bisulfate = reader.value(body, "bisulfate").flatMap {
                reader.positive($0, .concentration, what: "bisulfate", allowZero: true, molarMass: AcidSpecies.bisulfateMolarMass)
            } ?? 0
            let sulfate = reader.value(body, "sulfate").flatMap {
                reader.positive($0, .concentration, what: "sulfate", allowZero: true, molarMass: AcidSpecies.sulfateMolarMass)
            } ?? 0
            var concentrations = [Double](repeating: 0, count: elements.count)
            var ok = true
            let explicit = reader.value(body, "concentrations")
            let total = reader.entry(body, "total-reo")
            let split = reader.entry(body, "reo-split")
            if let explicit {
                if let t = total { reader.report(.unknownKey, "give either 'concentrations' or 'total-reo' with 'reo-split', not both", at: t.keyNode) }
                if let values = elementMap(explicit, what: "concentrations of \(what)", read: { v, el in
                    reader.positive(v, .concentration, what: "concentration of \(el.symbol)", allowZero: true, element: el)
                }) {
                    concentrations = values.map { $0 ?? 0 }
                } else { ok = false }
            } else if let total, let split {
                var totalMass: Double?
                if let tv = total.value.scalarText, let (x, unit) = Units.split(tv), let f = Units.oxideMassFactor[unit] {
                    if x > 0 { totalMass = x * f } else { reader.report(.outOfRange, "total-reo must be positive", at: total.value) }
                } else {
                    reader.report(.wrongDimension, "total-reo must be an oxide mass concentration such as \"250 g/L REO\"", at: total.value,
                                  help: "accepted units: g/L REO, mg/L REO, kg/m3 REO")
                }
                let fractions = elementMap(split.value, what: "reo-split of \(what)", read: { v, el in reader.fraction(v, what: "REO fraction of \(el.symbol)") })
                if let fractions {
                    let sum = fractions.reduce(0) { $0 + ($1 ?? 0) }
                    if abs(sum - 1) > 1e-3 {
                        reader.report(.compositionSum, "the reo-split adds up to \(EngineeringFormat.string(sum * 100)) %, not 100 %", at: split.value,
                                      help: "list every rare earth of the feed; the fractions are mass fractions of the total REO")
                        ok = false
                    }
                }
                if let totalMass, let fractions {
                    for k in elements.indices { concentrations[k] = totalMass * (fractions[k] ?? 0) / elements[k].oxideMassPerMole }
                } else { ok = false }
            } else if total != nil || split != nil {
                reader.report(.missingKey, "'total-reo' and 'reo-split' go together", at: (total ?? split)!.keyNode,
                              help: "add the other one, or give 'concentrations' per element")
                ok = false
            }
            // A chloride given instead of the acidity fixes it by electroneutrality:
            // [H⁺] = [Cl⁻] + [HSO₄⁻] + 2[SO₄²⁻] − [C⁺] − Σ z_j c_j.
            if let chloride, let chlorideNode {
                if acidityNode != nil {
                    reader.report(.unknownKey, "give either 'acidity' or 'chloride', not both: the chloride fixes the acidity by electroneutrality",
                                  at: chlorideNode, help: "delete one of them")
                    ok = false
                } else {
                    let charge = zip(elements, concentrations).reduce(0) { $0 + Double($1.0.charge) * $1.1 }
                    let derived = chloride + bisulfate + 2 * sulfate - cation - charge
                    if derived >= 0 { acidity = derived } else {
                        reader.report(.outOfRange, "the anions (\(EngineeringFormat.string(chloride + bisulfate + 2 * sulfate, digits: 6)) mol/L as charge) are fewer than the cations (\(EngineeringFormat.string(cation + charge, digits: 6)) mol/L): electroneutrality would leave a negative acidity",
                                      at: chlorideNode, help: "check the chloride and the metal concentrations, or give the acidity instead")
                        ok = false
                    }
                }
            }
            guard let flow, ok else { return nil }
            return .aqueous(flow: flow, concentrations: concentrations, acidity: acidity, cation: cation, bisulfate: bisulfate, sulfate: sulfate)
        case .organic:
            reader.checkKeys(body, allowed: Self.organicKeys, in: "organic \(what)",
                             elsewhere: Dictionary(uniqueKeysWithValues: Self.aqueousKeys.filter { !Self.organicKeys.contains($0) }.map { ($0, "'\($0)' belongs to aqueous streams") }))
            let extractant = reader.value(body, "extractant").flatMap { reader.positive($0, .concentration, what: "extractant", allowZero: true) } ?? 0
            let sap = reader.value(body, "saponification").flatMap { reader.fraction($0, what: "saponification", openUpper: true) } ?? 0
            var loading = [Double](repeating: 0, count: elements.count)
            if let l = reader.value(body, "loading") {
                guard let values = elementMap(l, what: "loading of \(what)", read: { v, el in
                    reader.positive(v, .concentration, what: "loading of \(el.symbol)", allowZero: true, element: el)
                }) else { return nil }
                loading = values.map { $0 ?? 0 }
            }
            guard let flow else { return nil }
            return .organic(flow: flow, extractant: extractant, saponification: sap, loading: loading)
        }
    }
}
