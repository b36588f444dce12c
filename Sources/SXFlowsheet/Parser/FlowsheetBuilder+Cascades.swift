import Foundation
import SXModel

extension FlowsheetBuilder {
    static let cascadeKeys = ["sections", "feeds", "raffinate", "organic-outlet", "draws", "routes"]
    static let sectionKeys = ["stages", "equilibrium", "efficiency"]

    /// A section as read, with the nodes later diagnostics point at.
    struct ParsedSection {
        var name: String
        var keyNode: SourceNode
        var stages: Int
        var equilibrium: (any EquilibriumModel)?
        var equilibriumNode: SourceNode?
        var efficiency: Double
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
        // Structure the engine checks, located at the cascade. Cascades are checked in solve
        // order with each linked feed's flow (and set acidity) taken from its source's network:
        // volumetric flows do not depend on the solution, so problems `run` would find once the
        // links carry their real flows (acid stripping more than the organic carries) are found here.
        var networks: [Int: CascadeNetwork] = [:]
        for k in CascadeTrain(cascades: cascades, links: links).solveOrder where cascadeOK[k] && !unreadFeeds.contains(k) {
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
                // One diagnostic per cascade; further problems (often one per stage) as notes.
                let problems = error.problems
                var notes = problems.dropFirst().prefix(3).map { DiagnosticNote($0, at: nil) }
                if problems.count > 4 { notes.append(DiagnosticNote("and \(problems.count - 4) more like these", at: nil)) }
                reader.report(.cascadeSpecification, "cascade '\(c.name)': \(problems.first ?? "invalid specification")", at: cascadeNodes[k], notes: notes)
            }
        }
        return (cascades, links, reagents)
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
        _ = total
        return cascade
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
            if let e = equilibria[name] { out.equilibrium = e.equilibrium } else {
                reader.report(.unknownReference, "\(what) uses equilibrium '\(name)', which is not defined under 'equilibria'", at: q,
                              help: Suggestions.help(for: name, in: equilibriumOrder, kind: "equilibrium"))
            }
        }
        if let f = reader.value(body, "efficiency"), let x = reader.fraction(f, what: "Murphree efficiency", openLower: true) { out.efficiency = x }
        return out
    }

    // MARK: - Targets

    func readTargets(_ node: SourceNode) -> [ProductTarget] {
        guard let items = reader.list(node, what: "targets") else { return [] }
        var targets: [ProductTarget] = []
        for (k, item) in items.enumerated() {
            let what = "target \(k)"
            guard let spec = reader.mapping(item, what: what) else { continue }
            reader.checkKeys(spec, allowed: ["product", "element", "min-purity", "min-recovery"], in: what)
            var product: String?
            if let p = reader.require(spec, "product", in: item, what: what, example: "nd-product"), let s = reader.string(p, what: "product") {
                if outlets[s] == nil {
                    reader.report(.unknownReference, "\(what) names product '\(s)', which no cascade produces", at: p,
                                  help: Suggestions.help(for: s, in: outlets.keys.sorted(), kind: "product"))
                } else { product = s }
            }
            var element: Element?
            if let p = reader.require(spec, "element", in: item, what: what, example: elements.last?.symbol ?? "Nd"), let s = reader.string(p, what: "element") {
                if let e = Element(symbol: s), elements.contains(e) { element = e } else {
                    reader.report(.unknownElement, "\(what) names element '\(s)', which is not in the flowsheet's elements", at: p,
                                  help: Suggestions.help(for: s, in: elements.map(\.symbol), kind: "element"))
                }
            }
            func limit(_ key: String) -> Double? {
                guard let v = reader.value(spec, key) else { return nil }
                guard let x = reader.quantity(v, .fraction, what: key) else { return nil }
                if x > 1 {
                    let plain = Units.split(v.scalarText ?? "")?.unit.isEmpty ?? false
                    reader.report(.impossibleTarget, "\(key) of \(String(format: "%g", x * 100)) % is above 100 %", at: v,
                                  help: plain && x <= 100 ? "a plain number is a fraction; write \"\(v.scalarText ?? "") %\" for a percentage" : nil)
                    return nil
                }
                if !(x > 0) { reader.report(.impossibleTarget, "\(key) must be above 0 %", at: v); return nil }
                return x
            }
            let purity = limit("min-purity"), recovery = limit("min-recovery")
            if reader.value(spec, "min-purity") == nil && reader.value(spec, "min-recovery") == nil {
                reader.report(.missingKey, "\(what) sets neither min-purity nor min-recovery", at: item, help: "add e.g. min-purity: 99.5 %")
            }
            if let product, let element {
                targets.append(ProductTarget(product: product, element: element, minimumPurity: purity, minimumRecovery: recovery, location: item.location))
            }
        }
        return targets
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
