import Foundation
import SXModel

extension FlowsheetBuilder {
    static let cascadeKeys = ["sections", "feeds", "raffinate", "organic-outlet", "draws", "routes", "organic-circuit"]
    static let sectionKeys = ["stages", "equilibrium", "efficiency", "holdup"]

    /// A section as read, with the nodes later diagnostics point at.
    struct ParsedSection {
        var name: String
        var keyNode: SourceNode
        var stages: Int
        var equilibrium: (any EquilibriumModel)?
        var equilibriumNode: SourceNode?
        /// The name of the equilibrium set, as written.
        var equilibriumName: String?
        var efficiency: Double
        /// The liquid each stage holds (for `sxsim dynamic`), when given.
        var holdup: SectionHoldup?
    }

    /// A linked feed waiting for every outlet to be known.
    struct PendingLink {
        var cascade: Int
        var stage: Int
        var stream: ParsedStream
        var outlet: String
        var outletNode: SourceNode
        var acidity: Double?
    }

    mutating func readCascades(_ node: SourceNode) -> ([Cascade], [CascadeTrain.Link], [ReagentStream]) {
        guard let entries = reader.mapping(node, what: "cascades") else { return ([], [], []) }
        if entries.isEmpty { reader.report(.outOfRange, "cascades must define at least one cascade", at: node) }
        var cascades: [Cascade] = []
        var cascadeNodes: [SourceNode] = []
        var cascadeOK: [Bool] = []
        var pending: [PendingLink] = []
        var reagents: [ReagentStream] = []
        var seen: [String: SourceNode] = [:]
        for e in entries {
            guard reader.validName(e.key, at: e.keyNode, kind: "cascade") else { continue }
            if let first = seen[e.key] {
                reader.report(.duplicateName, "cascade '\(e.key)' is defined twice", at: e.keyNode, notes: [DiagnosticNote("first defined here", at: first.location)])
                continue
            }
            seen[e.key] = e.keyNode
            let errorsBefore = reader.diagnostics.errors.count
            let index = cascades.count
            let c = readCascade(e, index: index, pending: &pending, reagents: &reagents)
            cascades.append(c)
            cascadeNodes.append(e.keyNode)
            cascadeLocations[e.key] = e.keyNode.location
            cascadeOK.append(reader.diagnostics.errors.count == errorsBefore)
        }
        // Linked feeds: phase from the outlet; placeholder composition until solved.
        var links: [CascadeTrain.Link] = []
        var takenBy: [String: PendingLink] = [:]
        for p in pending {
            guard let outlet = outlets[p.outlet] else {
                reader.report(.unknownReference, "stream '\(p.stream.name)' comes from '\(p.outlet)', which no cascade produces", at: p.outletNode,
                              help: Suggestions.help(for: p.outlet, in: outlets.keys.sorted(), kind: "outlet"))
                continue
            }
            // Each linked stream takes the whole outlet: a second one would duplicate its mass.
            if let first = takenBy[p.outlet] {
                reader.report(.outletUsedTwice, "outlet '\(p.outlet)' is taken by both '\(first.stream.name)' and '\(p.stream.name)'; each would receive all of it, creating rare earth",
                              at: p.outletNode,
                              help: "take the outlet in one stream; to divide it, split it inside its cascade with 'draws' (a fraction of a stage's outlet) and link each part",
                              notes: [DiagnosticNote("first taken here", at: first.outletNode.location)])
            } else {
                takenBy[p.outlet] = p
            }
            if p.acidity != nil && outlet.phase == .organic {
                reader.report(.wrongPhase, "stream '\(p.stream.name)' sets an acidity, but '\(p.outlet)' is an organic outlet", at: p.outletNode)
            }
            let zeros = [Double](repeating: 0, count: elements.count)
            switch outlet.phase {
            case .aqueous:
                cascades[p.cascade].aqueousFeeds.append(AqueousFeed(name: p.stream.name, stage: p.stage, flow: 1e-9, concentrations: zeros))
                links.append(.init(cascade: p.cascade, phase: .aqueous, feedIndex: cascades[p.cascade].aqueousFeeds.count - 1,
                                   sourceCascade: outlet.cascade, sourceOutlet: p.outlet, acidity: p.acidity))
            case .organic:
                cascades[p.cascade].organicFeeds.append(OrganicFeed(name: p.stream.name, stage: p.stage, flow: 1e-9, extractant: 1, concentrations: zeros))
                links.append(.init(cascade: p.cascade, phase: .organic, feedIndex: cascades[p.cascade].organicFeeds.count - 1,
                                   sourceCascade: outlet.cascade, sourceOutlet: p.outlet))
            }
        }
        let circulating = reportPhasesWithoutOutlet(cascades: cascades, links: links, pending: pending)
        // Structure the engine checks, located at the cascade. Cascades are checked in solve
        // order with each linked feed's flow (and set acidity) taken from its source's network:
        // volumetric flows do not depend on the solution, so problems `run` would find once the
        // links carry their real flows (acid stripping more than the organic carries) are found here.
        var networks: [Int: CascadeNetwork] = [:]
        for k in CascadeTrain(cascades: cascades, links: links).solveOrder where cascadeOK[k] && !unreadFeeds.contains(k) && !circulating.contains(k) {
            var c = cascades[k]
            for link in links where link.cascade == k {
                guard let flow = networks[link.sourceCascade]?.outlets.first(where: { $0.name == link.sourceOutlet })?.flow else { continue }
                switch link.phase {
                case .aqueous:
                    c.aqueousFeeds[link.feedIndex].flow = flow
                    c.aqueousFeeds[link.feedIndex].acidity = link.acidity ?? 0
                case .organic: c.organicFeeds[link.feedIndex].flow = flow
                }
            }
            if c.organicFeeds.isEmpty {
                reader.report(.noOrganicFeed, "cascade '\(c.name)' is fed no organic stream", at: cascadeNodes[k],
                              help: "feed an organic stream at stage 1, e.g. feeds: {organic: extraction.first}")
            }
            if c.aqueousFeeds.isEmpty {
                reader.report(.noAqueousFeed, "cascade '\(c.name)' is fed no aqueous stream", at: cascadeNodes[k])
            }
            if c.organicFeeds.isEmpty || c.aqueousFeeds.isEmpty { continue }
            // Rare earth comes from fresh feeds or links; with neither the solver refuses it.
            let fedRareEarth = c.aqueousFeeds.contains { $0.concentrations.contains { $0 > 0 } }
                || c.organicFeeds.contains { $0.concentrations.contains { $0 > 0 } }
            if !fedRareEarth && !links.contains(where: { $0.cascade == k }) {
                reader.report(.noRareEarthFed, "cascade '\(c.name)' is fed no rare earth: every concentration of its feeds is zero", at: cascadeNodes[k],
                              help: "give the feed stream 'concentrations' (or 'total-reo' with 'reo-split')")
            }
            do {
                networks[k] = try CascadeNetwork(c)
            } catch {
                // Each problem under its own id, at the feed or section it concerns; problems of
                // one kind at one place (often one per stage) as notes of one diagnostic.
                let places = CascadeLocations(c, at: cascadeNodes[k].location, feeds: feedLocations, sections: sectionLocations)
                reader.diagnostics.append(contentsOf: error.diagnostics(cascade: c.name, at: places))
            }
        }
        return (cascades, links, reagents)
    }

    /// A phase must leave the train somewhere: a cascade whose outlets of one phase are all
    /// taken by linked streams passes that phase on, and when following those links never
    /// reaches an outlet left as a product, the phase circulates without leaving and its flow
    /// has no steady state (the recycle passes would only grow it). Found here, before any
    /// solving; reported at each linked stream of such a loop. Returns the cascades involved.
    mutating func reportPhasesWithoutOutlet(cascades: [Cascade], links: [CascadeTrain.Link], pending: [PendingLink]) -> Set<Int> {
        let taken = Set(links.map(\.sourceOutlet))
        var circulating: Set<Int> = []
        for phase in Phase.allCases {
            // Cascades with an outlet of this phase that no linked stream takes.
            var drains = Set(outlets.values.filter { $0.phase == phase }.map(\.cascade))
            drains = drains.filter { c in outlets.contains { $0.value.cascade == c && $0.value.phase == phase && !taken.contains($0.key) } }
            // Walk the links backwards from the draining cascades.
            var reaches = drains
            var changed = true
            while changed {
                changed = false
                for l in links where l.phase == phase && reaches.contains(l.cascade) && !reaches.contains(l.sourceCascade) {
                    reaches.insert(l.sourceCascade)
                    changed = true
                }
            }
            for p in pending {
                guard let outlet = outlets[p.outlet], outlet.phase == phase, !reaches.contains(outlet.cascade) else { continue }
                circulating.formUnion([outlet.cascade, p.cascade])
                let source = cascades[outlet.cascade].name
                let help: String
                if phase == .organic && outlet.cascade == p.cascade {
                    help = "to return a cascade's stripped organic to its first stage, feed a fresh organic stream there (the circulating flow, extractant, saponification) and add 'organic-circuit: {stream: NAME}' to cascade '\(source)' (docs/flowsheet-format.md); 'bleed:' bleeds part of it"
                } else {
                    help = "leave one \(phase.rawValue) outlet of the loop as a product, or divide one with 'draws' so that part of it leaves"
                }
                reader.report(.phaseWithoutOutlet, "stream '\(p.stream.name)' takes '\(p.outlet)', closing a loop in which the \(phase.rawValue) phase never leaves: every \(phase.rawValue) outlet of the cascades it passes through is taken by a linked stream, so its flow has no steady state",
                              at: p.outletNode, help: help)
            }
        }
        return circulating
    }

    mutating func readCascade(_ e: Reader.Entry, index: Int, pending: inout [PendingLink], reagents: inout [ReagentStream]) -> Cascade {
        let what = "cascade '\(e.key)'"
        var cascade = Cascade(name: e.key, elements: elements, sections: [], aqueousFeeds: [], organicFeeds: [],
                              raffinateName: "\(e.key)-raffinate", organicOutletName: "\(e.key)-organic")
        guard let body = reader.mapping(e.value, what: what) else { return cascade }
        reader.checkKeys(body, allowed: Self.cascadeKeys, in: what)

        // Sections.
        var sections: [ParsedSection] = []
        if let s = reader.require(body, "sections", in: e.keyNode, what: what, example: "{extraction: {stages: 40, equilibrium: p507}}"),
           let list = reader.mapping(s, what: "sections of \(what)") {
            if list.isEmpty { reader.report(.outOfRange, "\(what) needs at least one section", at: s) }
            for sec in list {
                guard reader.validName(sec.key, at: sec.keyNode, kind: "section") else { continue }
                if let first = sections.first(where: { $0.name == sec.key }) {
                    reader.report(.duplicateName, "section '\(sec.key)' appears twice in \(what)", at: sec.keyNode, notes: [DiagnosticNote("first defined here", at: first.keyNode.location)])
                    continue
                }
                let section = readSection(sec, cascade: e.key)
                sectionEquilibriumLocations["\(e.key)/\(sec.key)"] = section.equilibriumNode?.location
                if let name = section.equilibriumName { cascadeEquilibria[e.key, default: []].append(name) }
                sectionLocations["\(e.key)/\(sec.key)"] = sec.keyNode.location
                if let h = section.holdup { sectionHoldups["\(e.key)/\(sec.key)"] = h }
                sections.append(section)
            }
        }
        // Mixed models: the engine needs one unknown layout per cascade.
        // An acid-exchange model (mass action) adds extractant and acid unknowns to every stage.
        let acidExchange = sections.filter { $0.equilibrium?.stageChemistry.exchangesAcid ?? false }
        if let first = acidExchange.first, let model = first.equilibrium?.modelName,
           let other = sections.first(where: { s in s.equilibrium.map { !$0.stageChemistry.exchangesAcid } ?? false }) {
            reader.report(.modelMismatch, "section '\(other.name)' uses model '\(other.equilibrium!.modelName)' but section '\(first.name)' of the same cascade uses \(model); a \(model) cascade must use it in every section",
                          at: other.equilibriumNode ?? other.keyNode, notes: [DiagnosticNote("\(model) used here", at: (first.equilibriumNode ?? first.keyNode).location)])
        }
        let validSections = !sections.isEmpty && sections.allSatisfy { $0.stages > 0 }
        cascade.sections = sections.map { Section(name: $0.name, stageCount: max($0.stages, 1), equilibrium: $0.equilibrium ?? .constantDistribution(distributionRatios: elements.map { _ in 1 }), murphreeEfficiency: $0.efficiency) }
        let total = cascade.stageCount
        let stageRef = StageReference(sections: sections.map { ($0.name, $0.stages) }, reader: reader, cascade: e.key, valid: validSections)
        let exchangesAcid = !acidExchange.isEmpty
        let cationName = (acidExchange.first?.equilibrium as? MassActionModel)?.cationName ?? "Na"

        // Outlet names.
        func outletName(_ key: String, default d: String, phase: Phase) -> String {
            var name = d
            var node = e.keyNode
            if let n = reader.value(body, key), let s = reader.string(n, what: key) {
                if reader.validName(s, at: n, kind: "outlet") { name = s; node = n }
            }
            registerOutlet(name, cascade: index, phase: phase, node: node)
            return name
        }
        cascade.raffinateName = outletName("raffinate", default: "\(e.key)-raffinate", phase: .aqueous)
        cascade.organicOutletName = outletName("organic-outlet", default: "\(e.key)-organic", phase: .organic)

        // Feeds.
        if let f = reader.require(body, "feeds", in: e.keyNode, what: what, example: "{feed: extraction.last, organic: 1}"),
           let list = reader.mapping(f, what: "feeds of \(what)") {
            for feed in list {
                guard var stream = streams[feed.key] else {
                    reader.report(.unknownReference, "\(what) is fed stream '\(feed.key)', which is not defined under 'streams'", at: feed.keyNode,
                                  help: Suggestions.help(for: feed.key, in: streamOrder, kind: "stream"))
                    continue
                }
                if let used = stream.usedAt {
                    reader.report(.streamUsedTwice, "stream '\(feed.key)' is fed twice; a stream enters one stage of one cascade", at: feed.keyNode,
                                  help: "define a second stream for the second feed point",
                                  notes: [DiagnosticNote("first fed here", at: used.location)])
                    continue
                }
                stream.usedAt = feed.keyNode
                streams[feed.key] = stream
                feedLocations["\(e.key)/\(feed.key)"] = feed.keyNode.location
                guard let stage = stageRef.resolve(feed.value, what: "the feed stage of '\(feed.key)'"), let kind = stream.kind else {
                    unreadFeeds.insert(index)
                    continue
                }
                switch kind {
                case .aqueous(let flow, let c, let acidity, let cation, let bisulfate, let sulfate):
                    cascade.aqueousFeeds.append(AqueousFeed(name: feed.key, stage: stage, flow: flow, concentrations: c, acidity: acidity, cation: cation,
                                                            bisulfate: bisulfate, sulfate: sulfate))
                    reagents.append(ReagentStream(name: feed.key, phase: .aqueous, flow: flow, acid: flow * acidity, base: flow * cation, baseCation: cationName, extractant: 0))
                case .organic(let flow, let extractant, let sap, let loading):
                    if exchangesAcid && !(extractant > 0) {
                        reader.report(.missingKey, "organic stream '\(feed.key)' feeds acid-exchange cascade '\(e.key)' but gives no extractant concentration", at: stream.keyNode,
                                      help: "add e.g. extractant: 1.5 mol/L")
                    }
                    cascade.organicFeeds.append(OrganicFeed(name: feed.key, stage: stage, flow: flow, extractant: extractant, saponification: sap, concentrations: loading))
                    reagents.append(ReagentStream(name: feed.key, phase: .organic, flow: flow, acid: 0, base: flow * extractant * sap, baseCation: cationName, extractant: flow * extractant))
                case .linked(let outlet, let node, let acidity):
                    pending.append(PendingLink(cascade: index, stage: stage, stream: stream, outlet: outlet, outletNode: node, acidity: acidity))
                }
            }
        }

        // Draws: side products.
        if let d = reader.value(body, "draws"), let list = reader.mapping(d, what: "draws of \(what)") {
            for draw in list {
                guard reader.validName(draw.key, at: draw.keyNode, kind: "draw") else { continue }
                guard let spec = reader.mapping(draw.value, what: "draw '\(draw.key)'") else { continue }
                reader.checkKeys(spec, allowed: ["stage", "phase", "fraction"], in: "draw '\(draw.key)'")
                let phase = readPhase(spec) ?? .aqueous
                registerOutlet(draw.key, cascade: index, phase: phase, node: draw.keyNode)
                let stage = reader.require(spec, "stage", in: draw.keyNode, what: "draw '\(draw.key)'", example: "strip.first")
                    .flatMap { stageRef.resolve($0, what: "the stage of draw '\(draw.key)'") }
                let fraction = reader.require(spec, "fraction", in: draw.keyNode, what: "draw '\(draw.key)'", example: "90 %")
                    .flatMap { reader.fraction($0, what: "fraction of draw '\(draw.key)'", openLower: true) }
                if let stage, let fraction {
                    cascade.splits.append(OutletSplit(stage: stage, phase: phase, fraction: fraction, destination: .product(draw.key)))
                }
            }
        }
        // Routes: internal recycles between stages.
        if let r = reader.value(body, "routes"), let list = reader.list(r, what: "routes of \(what)") {
            for (k, route) in list.enumerated() {
                let rw = "route \(k) of \(what)"
                guard let spec = reader.mapping(route, what: rw) else { continue }
                reader.checkKeys(spec, allowed: ["from", "to", "phase", "fraction"], in: rw)
                let phase = readPhase(spec) ?? .aqueous
                let from = reader.require(spec, "from", in: route, what: rw, example: "strip.first").flatMap { stageRef.resolve($0, what: "'from' of \(rw)") }
                let to = reader.require(spec, "to", in: route, what: rw, example: "scrub.last").flatMap { stageRef.resolve($0, what: "'to' of \(rw)") }
                let fraction = reader.require(spec, "fraction", in: route, what: rw, example: "10 %").flatMap { reader.fraction($0, what: "fraction of \(rw)", openLower: true) }
                if let from, let to, from == to, let node = reader.value(spec, "to") {
                    // The solver's start cannot represent it (and it changes no steady state).
                    reader.report(.selfRoute, "\(rw) sends stage \(from)'s \(phase.rawValue) outlet back into stage \(from)", at: node,
                                  help: "a stage's outlet returned to its own stage changes no steady-state balance; remove the route or send it to another stage")
                } else if let from, let to, let fraction {
                    cascade.splits.append(OutletSplit(stage: from, phase: phase, fraction: fraction, destination: .stage(to)))
                }
            }
        }
        if let c = reader.value(body, "organic-circuit") { cascade.organicCircuit = readOrganicCircuit(c, cascade: cascade, what: what) }
        _ = total
        return cascade
    }

    /// `organic-circuit: {stream: organic, bleed: 1 %}`: the cascade's stripped organic returns
    /// into the stage where the fresh organic stream `stream` enters (`SXModel.OrganicCircuit`).
    /// With no bleed the organic outlet does not exist, so its name is withdrawn.
    mutating func readOrganicCircuit(_ node: SourceNode, cascade: Cascade, what: String) -> OrganicCircuit? {
        let cw = "organic-circuit of \(what)"
        guard let spec = reader.mapping(node, what: cw) else { return nil }
        reader.checkKeys(spec, allowed: ["stream", "bleed"], in: cw)
        var bleed: Double? = 0
        if let b = reader.value(spec, "bleed") { bleed = reader.fraction(b, what: "bleed of \(cw)", openUpper: true) }
        guard let s = reader.require(spec, "stream", in: node, what: cw, example: "organic"), let name = reader.string(s, what: "stream") else { return nil }
        let help = "name the fresh organic stream fed at the circuit's entry (usually extraction.first): the stripped organic returns into it"
        guard let stream = streams[name] else {
            reader.report(.unknownReference, "\(cw) returns into stream '\(name)', which is not defined under 'streams'", at: s,
                          help: Suggestions.help(for: name, in: streamOrder, kind: "stream"))
            return nil
        }
        switch stream.kind {
        case .organic(_, _, _, let loading):
            guard cascade.organicFeeds.contains(where: { $0.name == name }) else {
                reader.report(.organicCircuit, "\(cw) returns into stream '\(name)', which does not feed \(what)", at: s, help: help)
                return nil
            }
            if loading.contains(where: { $0 > 0 }) {
                reader.report(.organicCircuit, "stream '\(name)' receives the returning stripped organic, whose loading is solved for; it cannot also state a 'loading'", at: s,
                              help: "remove 'loading' from stream '\(name)' (its residual loading is a result of the circuit)",
                              notes: [DiagnosticNote("stream '\(name)' defined here", at: stream.keyNode.location)])
                return nil
            }
        case .aqueous:
            reader.report(.organicCircuit, "\(cw) returns into stream '\(name)', which is aqueous", at: s, help: help)
            return nil
        case .linked:
            reader.report(.organicCircuit, "\(cw) returns into stream '\(name)', which is linked to another outlet; the circuit's entry must be a fresh organic stream (its flow, extractant and saponification)", at: s, help: help)
            return nil
        case nil: return nil
        }
        guard let bleed else { return nil }
        if bleed == 0, let o = outlets[cascade.organicOutletName], o.phase == .organic {
            outlets[cascade.organicOutletName] = nil
            productLocations[cascade.organicOutletName] = nil
        }
        return OrganicCircuit(feedName: name, bleedFraction: bleed)
    }

    func readPhase(_ spec: [Reader.Entry]) -> Phase? {
        guard let p = reader.value(spec, "phase"), let s = reader.string(p, what: "phase") else { return nil }
        guard let phase = Phase(rawValue: s) else {
            reader.report(.unknownReference, "unknown phase '\(s)'", at: p, help: Suggestions.help(for: s, in: ["aqueous", "organic"], kind: "phase"))
            return nil
        }
        return phase
    }

    mutating func registerOutlet(_ name: String, cascade: Int, phase: Phase, node: SourceNode) {
        if let first = outlets[name] {
            reader.report(.duplicateName, "outlet name '\(name)' is already used; product names must be unique in the flowsheet", at: node,
                          notes: [DiagnosticNote("first used here", at: first.node.location)])
            return
        }
        outlets[name] = (cascade, phase, node)
        productLocations[name] = node.location
    }

    func readSection(_ sec: Reader.Entry, cascade: String) -> ParsedSection {
        let what = "section '\(sec.key)' of cascade '\(cascade)'"
        var out = ParsedSection(name: sec.key, keyNode: sec.keyNode, stages: 0, equilibrium: nil, equilibriumNode: nil, efficiency: 1)
        guard let body = reader.mapping(sec.value, what: what) else { return out }
        reader.checkKeys(body, allowed: Self.sectionKeys, in: what)
        if let s = reader.require(body, "stages", in: sec.keyNode, what: what, example: "40"), let n = reader.integer(s, what: "stages") {
            if n >= 1 && n <= 100_000 { out.stages = n } else {
                reader.report(.outOfRange, "\(what) has \(n) stages; a section needs 1 to 100000", at: s)
            }
        }
        if let q = reader.require(body, "equilibrium", in: sec.keyNode, what: what, example: equilibriumOrder.first ?? "p507"),
           let name = reader.string(q, what: "equilibrium") {
            out.equilibriumNode = q
            out.equilibriumName = name
            if let e = equilibria[name] { out.equilibrium = e.equilibrium } else {
                reader.report(.unknownReference, "\(what) uses equilibrium '\(name)', which is not defined under 'equilibria'", at: q,
                              help: Suggestions.help(for: name, in: equilibriumOrder, kind: "equilibrium"))
            }
        }
        if let f = reader.value(body, "efficiency"), let x = reader.fraction(f, what: "Murphree efficiency", openLower: true) { out.efficiency = x }
        if let h = reader.value(body, "holdup") { out.holdup = readHoldup(h, what: "holdup of \(what)") }
        return out
    }

    /// `holdup: {mixer: 20 L, aqueous: 30 L, organic: 30 L}`: per-stage volumes, L; the
    /// mixer is shared by the phases in the ratio of their flows, `aqueous` and `organic` are
    /// the settler's. Each phase must end up with a positive volume.
    func readHoldup(_ node: SourceNode, what: String) -> SectionHoldup? {
        guard let body = reader.mapping(node, what: what) else { return nil }
        reader.checkKeys(body, allowed: ["mixer", "aqueous", "organic"], in: what)
        var holdup = SectionHoldup()
        var ok = true
        for key in ["mixer", "aqueous", "organic"] {
            guard let v = reader.value(body, key) else { continue }
            guard let x = reader.positive(v, .volume, what: "\(key) volume", allowZero: true) else { ok = false; continue }
            switch key {
            case "mixer": holdup.mixer = x
            case "aqueous": holdup.aqueousSettler = x
            default: holdup.organicSettler = x
            }
        }
        guard ok else { return nil }
        if !(holdup.mixer > 0 || (holdup.aqueousSettler > 0 && holdup.organicSettler > 0)) {
            reader.report(.outOfRange, "\(what) leaves a phase without volume: give a mixer volume, or both settler volumes", at: node,
                          help: "for example {mixer: 20 L, aqueous: 30 L, organic: 30 L}")
            return nil
        }
        return holdup
    }

    // MARK: - Targets

    /// The `targets` list: product targets (purity, recovery, impurity maxima on an element or
    /// a group) and effluent limits (free acid, rare earth). `cascades` tells which outlets
    /// carry a computed acidity (mass-action cascades).
    func readTargets(_ node: SourceNode, cascades: [Cascade]) -> (products: [ProductTarget], effluents: [EffluentTarget]) {
        guard let items = reader.list(node, what: "targets") else { return ([], []) }
        var targets: [ProductTarget] = []
        var effluents: [EffluentTarget] = []
        // Each limit once per outlet: "product|kind|elements" → its value, node and target.
        var seen: [String: (value: Double, node: SourceNode, what: String)] = [:]
        // Minimum purities per outlet, to find groups that cannot all hold at once.
        var purities: [String: [(elements: [Element], value: Double, node: SourceNode, what: String)]] = [:]
        var impurityLimits: [String: [(element: Element, value: Double, node: SourceNode, what: String)]] = [:]
        func once(_ key: String, _ value: Double, _ node: SourceNode, _ what: String, describe: String, format: (Double) -> String) {
            if let first = seen[key] {
                let same = first.value == value
                reader.report(.contradictoryTarget, "\(what) sets \(describe) again" + (same ? " (the same value as \(first.what))" : ": \(format(value)) here, \(format(first.value)) in \(first.what)"),
                              at: node, help: "keep one limit per product and quantity", notes: [DiagnosticNote("first set here", at: first.node.location)])
            } else { seen[key] = (value, node, what) }
        }
        func percent(_ x: Double) -> String { EngineeringFormat.string(x * 100, digits: 10) + " %" }
        for (k, item) in items.enumerated() {
            let what = "target \(k)"
            guard let spec = reader.mapping(item, what: what) else { continue }
            reader.checkKeys(spec, allowed: ["product", "element", "elements", "min-purity", "min-recovery", "max", "max-acidity", "max-reo"], in: what)
            var product: String?
            var outlet: (cascade: Int, phase: Phase, node: SourceNode)?
            if let p = reader.require(spec, "product", in: item, what: what, example: "nd-product"), let s = reader.string(p, what: "product") {
                if let o = outlets[s] { product = s; outlet = o } else {
                    reader.report(.unknownReference, "\(what) names product '\(s)', which no cascade produces", at: p,
                                  help: Suggestions.help(for: s, in: outlets.keys.sorted(), kind: "product"))
                }
            }
            func element(_ p: SourceNode, _ role: String) -> Element? {
                guard let s = reader.string(p, what: role) else { return nil }
                if let e = Element(symbol: s), elements.contains(e) { return e }
                reader.report(.unknownElement, "\(what) names element '\(s)', which is not in the flowsheet's elements", at: p,
                              help: Suggestions.help(for: s, in: elements.map(\.symbol), kind: "element"))
                return nil
            }
            // The element or group: `element: Nd` or `elements: [Pr, Nd]`, not both.
            var group: [Element] = []
            var groupValid = true
            let single = reader.value(spec, "element"), many = reader.value(spec, "elements")
            if let single, let many {
                reader.report(.contradictoryTarget, "\(what) gives both 'element' and 'elements'", at: spec.first { $0.key == "elements" }?.keyNode ?? many,
                              help: "use 'element: X' for one element or 'elements: [X, Y]' for a group", notes: [DiagnosticNote("'element' given here", at: single.location)])
                groupValid = false
            } else if let single {
                if let e = element(single, "element") { group = [e] } else { groupValid = false }
            } else if let many, let list = reader.list(many, what: "elements of \(what)") {
                if list.isEmpty { reader.report(.missingKey, "\(what) has an empty 'elements' list", at: many, help: "name the elements whose oxides count as product, e.g. [Pr, Nd]") }
                for n in list {
                    guard let e = element(n, "element") else { groupValid = false; continue }
                    if group.contains(e) {
                        reader.report(.duplicateElement, "\(what) lists element '\(e.symbol)' twice in 'elements'", at: n)
                        groupValid = false
                    } else { group.append(e) }
                }
                if list.isEmpty { groupValid = false }
            }
            let hasGroup = single != nil || many != nil
            func limit(_ key: String) -> (Double, SourceNode)? {
                guard let v = reader.value(spec, key) else { return nil }
                guard let x = reader.quantity(v, .fraction, what: key) else { return nil }
                if x > 1 {
                    let plain = Units.split(v.scalarText ?? "")?.unit.isEmpty ?? false
                    reader.report(.impossibleTarget, "\(key) of \(EngineeringFormat.string(x * 100, digits: 6)) % is above 100 %", at: v,
                                  help: plain && x <= 100 ? "a plain number is a fraction; write \"\(v.scalarText ?? "") %\" for a percentage" : nil)
                    return nil
                }
                if !(x > 0) { reader.report(.impossibleTarget, "\(key) must be above 0 %", at: v); return nil }
                if !hasGroup {
                    reader.report(.missingKey, "\(what) sets \(key) but names no element", at: v, help: "add 'element: X', or 'elements: [X, Y]' for a group")
                }
                return (x, v)
            }
            let purity = limit("min-purity"), recovery = limit("min-recovery")
            // Impurity maxima: `max: {Sm: 10 ppm}`, oxide basis; a unit is required (10 is not 10 ppm).
            var maxima: [ImpurityLimit] = []
            var maximaNodes: [SourceNode] = []
            if let m = reader.value(spec, "max"), let entries = reader.mapping(m, what: "max of \(what)") {
                if entries.isEmpty { reader.report(.missingKey, "\(what) has an empty 'max'", at: m, help: "e.g. max: {Sm: 10 ppm}") }
                if !hasGroup { reader.report(.missingKey, "\(what) sets impurity maxima but names no element", at: m, help: "add the product's element ('element: Nd') or group ('elements: [Pr, Nd]')") }
                for e in entries {
                    guard let impurity = element(e.keyNode, "impurity") else { continue }
                    guard let text = e.value.scalarText else {
                        reader.report(.wrongType, "the maximum of \(impurity.symbol) must be a value such as \"10 ppm\", found \(e.value.kindDescription)", at: e.value)
                        continue
                    }
                    if let (n, unit) = Units.split(text), unit.isEmpty {
                        reader.report(.missingUnit, "the maximum of \(impurity.symbol) in \(what) needs a unit: \(text) of what?", at: e.value,
                                      help: "write \"\(text) ppm\" or \"\(text) %\" (of the total REO, oxide basis)" + (n < 1 ? ", or \"\(EngineeringFormat.string(n * 100, digits: 6)) %\" for the fraction \(text)" : ""))
                        continue
                    }
                    guard let x = reader.quantity(e.value, .fraction, what: "maximum of \(impurity.symbol)") else { continue }
                    if !(x > 0 && x < 1) {
                        reader.report(.impossibleTarget, "the maximum of \(impurity.symbol) must lie above 0 and below 100 %, found '\(text)'", at: e.value)
                        continue
                    }
                    if group.contains(impurity) {
                        reader.report(.contradictoryTarget, "\(impurity.symbol) is an impurity of \(what) and also part of its product elements", at: e.keyNode,
                                      help: "limit an element as product (element/elements) or as impurity (max), not both")
                        continue
                    }
                    if maxima.contains(where: { $0.element == impurity }) { continue }   // a duplicate key is SX102 already
                    maxima.append(ImpurityLimit(element: impurity, maximum: x))
                    maximaNodes.append(e.value)
                }
            }
            // Effluent limits: free acid (aqueous outlets of cascades that track acid) and rare earth in g/L REO.
            var acidity: Double?, oxide: Double?
            var acidityNode: SourceNode?, oxideNode: SourceNode?
            if let v = reader.value(spec, "max-acidity"), let x = reader.positive(v, .concentration, what: "max-acidity", allowZero: true) {
                if let outlet, outlet.phase != .aqueous {
                    reader.report(.wrongPhase, "max-acidity limits an aqueous outlet's free acid, but '\(product ?? "")' is an organic outlet", at: v)
                } else if let outlet, outlet.cascade < cascades.count, !cascades[outlet.cascade].stageChemistry.exchangesAcid,
                          !CascadeResult.statesAcid(cascades[outlet.cascade]) {
                    // Acid is tracked under every model once a stream states it (docs/engine.md §3).
                    reader.report(.modelMismatch, "max-acidity needs the outlet's free acid, which cascade '\(cascades[outlet.cascade].name)' tracks only when one of its streams states an acidity (or under an acid-exchange model)", at: v,
                                  help: "give the feed, scrub or strip acid its acidity, or limit the rare earth instead (max-reo)")
                } else { acidity = x; acidityNode = v }
            }
            if let v = reader.value(spec, "max-reo") {
                let text = v.scalarText ?? ""
                if let (n, unit) = Units.split(text), let factor = Units.oxideMassFactor[unit.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")] {
                    if n >= 0 { oxide = n * factor; oxideNode = v } else { reader.report(.outOfRange, "max-reo must be zero or positive, found '\(text)'", at: v) }
                } else if let (_, unit) = Units.split(text), unit.isEmpty {
                    reader.report(.missingUnit, "max-reo needs a unit", at: v, help: "write \"\(text) g/L REO\" or \"\(text) mg/L REO\"")
                } else if v.scalarText == nil {
                    reader.report(.wrongType, "max-reo must be a value such as \"0.1 g/L REO\", found \(v.kindDescription)", at: v)
                } else if Units.split(text) == nil {
                    reader.report(.invalidNumber, "max-reo must start with a number, found '\(text)'", at: v, help: "write e.g. \"0.1 g/L REO\"")
                } else {
                    reader.report(.wrongDimension, "max-reo is a rare-earth oxide concentration; '\(text)' is not", at: v, help: "use g/L REO, mg/L REO or kg/m3 REO")
                }
            }
            if purity == nil && recovery == nil && maxima.isEmpty && acidity == nil && oxide == nil
                && ["min-purity", "min-recovery", "max", "max-acidity", "max-reo"].allSatisfy({ reader.value(spec, $0) == nil }) {
                reader.report(.missingKey, "\(what) sets no limit", at: item,
                              help: "add e.g. min-purity: 99.5 %, min-recovery: 95 %, max: {Sm: 10 ppm}, max-acidity: 0.5 mol/L or max-reo: 0.1 g/L REO")
            }
            guard let product else { continue }
            // One limit of a kind per outlet and element set; minimum purities that cannot all hold.
            let groupKey = group.map(\.symbol).joined(separator: "+")
            if groupValid, !group.isEmpty {
                if let (p, n) = purity {
                    once("\(product)|min-purity|\(groupKey)", p, n, what, describe: "min-purity of \(groupKey) in '\(product)'", format: percent)
                    for other in purities[product, default: []] where Set(other.elements).isDisjoint(with: group) && other.value + p > 1 {
                        reader.report(.contradictoryTarget, "\(what) asks for \(percent(p)) \(groupKey) in '\(product)', but \(other.what) asks for \(percent(other.value)) \(other.elements.map(\.symbol).joined(separator: "+")): together above 100 %",
                                      at: n, notes: [DiagnosticNote("the other minimum purity", at: other.node.location)])
                    }
                    for m in impurityLimits[product, default: []] where group == [m.element] && m.value < p {
                        reader.report(.contradictoryTarget, "\(what) asks for at least \(percent(p)) \(groupKey) in '\(product)', but \(m.what) allows at most \(percent(m.value))",
                                      at: n, notes: [DiagnosticNote("the maximum", at: m.node.location)])
                    }
                    purities[product, default: []].append((group, p, n, what))
                }
                if let (r, n) = recovery {
                    once("\(product)|min-recovery|\(groupKey)", r, n, what, describe: "min-recovery of \(groupKey) from '\(product)'", format: percent)
                }
                for (m, n) in zip(maxima, maximaNodes) {
                    once("\(product)|max|\(m.element.symbol)", m.maximum, n, what, describe: "the maximum of \(m.element.symbol) in '\(product)'", format: percent)
                    for other in purities[product, default: []] where other.elements == [m.element] && other.value > m.maximum {
                        reader.report(.contradictoryTarget, "\(what) allows at most \(percent(m.maximum)) \(m.element.symbol) in '\(product)', but \(other.what) asks for at least \(percent(other.value))",
                                      at: n, notes: [DiagnosticNote("the minimum purity", at: other.node.location)])
                    }
                    impurityLimits[product, default: []].append((m.element, m.maximum, n, what))
                }
                if purity != nil || recovery != nil || !maxima.isEmpty {
                    targets.append(ProductTarget(product: product, elements: group, minimumPurity: purity?.0, minimumRecovery: recovery?.0,
                                                 maximumImpurities: maxima, location: item.location))
                }
            }
            if let acidityNode, let acidity { once("\(product)|max-acidity", acidity, acidityNode, what, describe: "max-acidity of '\(product)'", format: { "\($0) mol/L" }) }
            if let oxideNode, let oxide { once("\(product)|max-reo", oxide, oxideNode, what, describe: "max-reo of '\(product)'", format: { "\($0) g/L REO" }) }
            if acidity != nil || oxide != nil {
                effluents.append(EffluentTarget(product: product, maximumAcidity: acidity, maximumOxide: oxide, location: item.location))
            }
        }
        return (targets, effluents)
    }
}

/// Resolves stage references within one cascade: a whole number (1-based, stage 1 at the
/// raffinate end) or SECTION.first, SECTION.last, SECTION.K (K-th stage of that section).
struct StageReference {
    let sections: [(name: String, stages: Int)]
    let reader: Reader
    let cascade: String
    let valid: Bool

    var total: Int { sections.reduce(0) { $0 + $1.stages } }

    func resolve(_ node: SourceNode, what: String) -> Int? {
        guard let text = node.scalarText else {
            reader.report(.wrongType, "\(what) must be a stage number or SECTION.first / SECTION.last / SECTION.K, found \(node.kindDescription)", at: node)
            return nil
        }
        if let n = Int(text) {
            guard valid else { return nil }
            if n < 1 || n > total {
                reader.report(.stageOutOfRange, "\(what) is stage \(n), but cascade '\(cascade)' has stages 1 to \(total)", at: node,
                              help: "stage 1 is the raffinate end; \(sections.map { "\($0.name) has \($0.stages)" }.joined(separator: ", "))")
                return nil
            }
            return n
        }
        let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            reader.report(.invalidNumber, "\(what) '\(text)' is neither a stage number nor SECTION.first / SECTION.last / SECTION.K", at: node)
            return nil
        }
        guard let k = sections.firstIndex(where: { $0.name == parts[0] }) else {
            reader.report(.unknownReference, "\(what) names section '\(parts[0])', which cascade '\(cascade)' does not have", at: node,
                          help: Suggestions.help(for: parts[0], in: sections.map(\.name), kind: "section"))
            return nil
        }
        guard valid else { return nil }
        let start = sections[..<k].reduce(0) { $0 + $1.stages }
        let count = sections[k].stages
        switch parts[1] {
        case "first": return start + 1
        case "last": return start + count
        default:
            guard let i = Int(parts[1]) else {
                reader.report(.invalidNumber, "\(what): '\(parts[1])' after the section name must be first, last or a stage number within the section", at: node,
                              help: Suggestions.nearest(to: parts[1], in: ["first", "last"]).map { "did you mean '\(parts[0]).\($0)'?" })
                return nil
            }
            if i < 1 || i > count {
                reader.report(.stageOutOfRange, "\(what) is stage \(i) of section '\(parts[0])', which has stages 1 to \(count)", at: node)
                return nil
            }
            return start + i
        }
    }
}
