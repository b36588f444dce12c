import Foundation
import SXModel

extension FlowsheetBuilder {
    static let eventKeys = ["at", "stream", "flow", "stop", "concentrations", "acidity", "section", "equilibrium"]

    /// The `events` list of `sxsim dynamic`:
    ///
    ///     events:
    ///       - {at: 10 h, stream: feed, flow: 1.2 L/h}           # a step in a flow (0 L/h stops it)
    ///       - {at: 10 h, stream: scrub-acid, stop: true}        # the same as flow: 0 L/h
    ///       - {at: 30 h, stream: feed, concentrations: {Pr: 0.4 mol/L}}
    ///       - {at: 30 h, stream: scrub-acid, acidity: 3 mol/L}
    ///       - {at: 50 h, section: scrub, equilibrium: other-set}   # or CASCADE.SECTION
    ///
    /// Each event changes one fresh stream or one section; all problems are reported together.
    /// `seen` maps "time|target" to the event that changes it, across the flowsheet and an
    /// events file, so that two events changing the same thing at the same time are SX412.
    func readEvents(_ node: SourceNode, cascades: [Cascade], seen: inout [String: SourceNode]) -> [ScheduledEvent] {
        guard let items = reader.list(node, what: "events") else { return [] }
        var events: [ScheduledEvent] = []
        for (k, item) in items.enumerated() {
            let what = "event \(k)"
            guard let spec = reader.mapping(item, what: what) else { continue }
            reader.checkKeys(spec, allowed: Self.eventKeys, in: what)
            let time = reader.require(spec, "at", in: item, what: what, example: "10 h")
                .flatMap { reader.positive($0, .time, what: "the time of \(what)", allowZero: true) }
            let streamNode = reader.value(spec, "stream"), sectionNode = reader.value(spec, "section")
            if streamNode != nil && sectionNode != nil {
                reader.report(.outOfRange, "\(what) names both a stream and a section; an event changes one of them", at: item)
                continue
            }
            var changes: [(DynamicEvent.Change, String)] = []   // the change and what it changes, for conflicts
            var cascadeName: String?
            if let streamNode, let name = reader.string(streamNode, what: "stream") {
                let changeKeys = ["flow", "stop", "concentrations", "acidity"].filter { reader.value(spec, $0) != nil }
                guard let stream = streams[name] else {
                    reader.report(.unknownReference, "\(what) changes stream '\(name)', which is not defined under 'streams'", at: streamNode,
                                  help: Suggestions.help(for: name, in: streamOrder, kind: "stream"))
                    continue
                }
                if case .linked = stream.kind {
                    reader.report(.wrongType, "\(what) changes stream '\(name)', which comes from another cascade's outlet; an event can change only a fresh stream", at: streamNode)
                    continue
                }
                cascadeName = cascades.first { c in c.aqueousFeeds.contains { $0.name == name } || c.organicFeeds.contains { $0.name == name } }?.name
                if changeKeys.isEmpty {
                    reader.report(.missingKey, "\(what) changes stream '\(name)' but says not how", at: item,
                                  help: "add one of flow, stop, concentrations, acidity")
                }
                if let v = reader.value(spec, "flow"), let f = reader.positive(v, .flow, what: "flow of \(what)", allowZero: true) {
                    changes.append((.streamFlow(stream: name, flow: f), "\(name).flow"))
                }
                if let v = reader.value(spec, "stop") {
                    if v.scalarText == "true" { changes.append((.streamFlow(stream: name, flow: 0), "\(name).flow")) } else {
                        reader.report(.wrongType, "'stop' of \(what) must be true (to resume a flow, give its flow)", at: v)
                    }
                }
                if let v = reader.value(spec, "acidity") {
                    var isAqueous = false
                    if case .aqueous = stream.kind { isAqueous = true }
                    if !isAqueous {
                        reader.report(.wrongPhase, "\(what) sets the acidity of organic stream '\(name)'; only an aqueous stream has one", at: v)
                    } else if let a = reader.positive(v, .concentration, what: "acidity of \(what)", allowZero: true, molarMass: AcidSpecies.hydrogenMolarMass) {
                        changes.append((.streamAcidity(stream: name, acidity: a), "\(name).acidity"))
                    }
                }
                if let v = reader.value(spec, "concentrations"),
                   let values = elementMap(v, what: "concentrations of \(what)", read: { n, el in
                       reader.positive(n, .concentration, what: "\(el.symbol) concentration", allowZero: true, element: el) }) {
                    for (j, value) in values.enumerated() {
                        if let value { changes.append((.streamConcentration(stream: name, element: elements[j], concentration: value), "\(name).\(elements[j].symbol)")) }
                    }
                }
                if changeKeys.count > 1 && changeKeys.contains("stop") {
                    reader.report(.outOfRange, "\(what) stops stream '\(name)' and changes it at once", at: item)
                }
            } else if let sectionNode, let text = reader.string(sectionNode, what: "section") {
                let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
                if parts.count == 2 && !cascades.contains(where: { $0.name == parts[0] }) {
                    reader.report(.unknownReference, "\(what) names section '\(text)' of cascade '\(parts[0])', which is not defined under 'cascades'",
                                  at: sectionNode, help: Suggestions.help(for: parts[0], in: cascades.map(\.name), kind: "cascade"))
                    continue
                }
                let candidates = cascades.filter { parts.count == 1 || $0.name == parts[0] }
                let sectionName = parts.last!
                let owners = candidates.filter { $0.sections.contains { $0.name == sectionName } }
                guard owners.count == 1 else {
                    let all = cascades.flatMap { c in c.sections.map { cascades.count > 1 ? "\(c.name).\($0.name)" : $0.name } }
                    reader.report(.unknownReference, owners.isEmpty ? "\(what) names section '\(text)', which no cascade has"
                                  : "\(what) names section '\(text)', which several cascades have; write CASCADE.SECTION",
                                  at: sectionNode, help: Suggestions.help(for: text, in: all, kind: "section"))
                    continue
                }
                cascadeName = owners[0].name
                guard let q = reader.require(spec, "equilibrium", in: item, what: what, example: equilibriumOrder.first ?? "p507"),
                      let setName = reader.string(q, what: "equilibrium") else { continue }
                guard let set = equilibria[setName], let model = set.equilibrium else {
                    reader.report(.unknownReference, "\(what) switches section '\(text)' to equilibrium '\(setName)', which is not defined under 'equilibria'", at: q,
                                  help: Suggestions.help(for: setName, in: equilibriumOrder, kind: "equilibrium"))
                    continue
                }
                let current = owners[0].sections.first { $0.name == sectionName }!.equilibrium
                if current.stageChemistry.exchangesAcid != model.stageChemistry.exchangesAcid {
                    reader.report(.modelMismatch, "\(what) switches section '\(text)' from the \(current.modelName) model to \(model.modelName); an event may change parameters, not the model family (the stages' unknowns would change)", at: q)
                    continue
                }
                changes.append((.sectionEquilibrium(section: sectionName, model: model), "\(owners[0].name).\(sectionName).equilibrium"))
            } else if streamNode == nil && sectionNode == nil {
                reader.report(.missingKey, "\(what) names neither a stream nor a section", at: item, help: "add 'stream: NAME' or 'section: NAME'")
            }
            guard let time, let cascadeName else { continue }
            for (change, target) in changes {
                let key = "\(time)|\(target)"
                if let first = seen[key] {
                    reader.report(.conflictingEvents, "\(what) changes \(target) at \(time) h, as another event does", at: item,
                                  help: "merge the two events or give them different times", notes: [DiagnosticNote("the other event", at: first.location)])
                    continue
                }
                seen[key] = item
                events.append(ScheduledEvent(event: DynamicEvent(time: time, change: change), cascade: cascadeName, location: item.location))
            }
        }
        return events
    }

    /// The events of a separate events file (`sxsim dynamic --events FILE`), read against the
    /// flowsheet's streams, sections and equilibrium sets, with diagnostics located in that file.
    /// The file is either the list itself or a mapping with an `events` list (and optionally a
    /// `description`):
    ///
    ///     description: scrub-acid pump trip and restart
    ///     events:
    ///       - {at: 100 h, stream: scrub-acid, stop: true}
    ///       - {at: 104 h, stream: scrub-acid, flow: 2.6 L/h}
    mutating func readEventsFile(_ document: EventsDocument, cascades: [Cascade], seen: inout [String: SourceNode]) -> [ScheduledEvent] {
        let source = SourceText(document.text, fileName: document.fileName)
        let eventsReader = Reader(source: source)
        defer { eventsDiagnostics = eventsReader.diagnostics }
        if document.text.allSatisfy(\.isWhitespace) {
            eventsReader.report(.yamlSyntax, "the events file is empty", at: source.location(line: 1, column: 1),
                                help: "write a list such as '- {at: 10 h, stream: feed, flow: 120 L/h}' (docs/dynamic.md §4)")
            return []
        }
        guard let root = FlowsheetParser.compose(document.text, source: source, reader: eventsReader) else { return [] }
        var builder = self
        builder.reader = eventsReader
        if root.entries != nil {
            guard let top = eventsReader.mapping(root, what: "the events file") else { return [] }
            eventsReader.checkKeys(top, allowed: ["description", "events"], in: "the events file")
            guard let list = eventsReader.require(top, "events", in: root, what: "the events file", example: "[{at: 10 h, stream: feed, flow: 120 L/h}]") else { return [] }
            return builder.readEvents(list, cascades: cascades, seen: &seen)
        }
        return builder.readEvents(root, cascades: cascades, seen: &seen)
    }
}
