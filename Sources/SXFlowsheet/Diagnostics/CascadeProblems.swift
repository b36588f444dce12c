import SXModel

extension DiagnosticID {
    /// The diagnostic a cascade model problem is reported as: a problem the format has an id
    /// for gets it (a feed at a missing stage SX320, a bad feed value SX210, no organic or
    /// aqueous feed SX403/SX404, a section's efficiency or equilibrium parameter out of range
    /// SX210 (at the section), no rare earth SX406, acid stripping more than the loaded
    /// organic carries SX411, a phase circulating without an outlet SX413, a circuit that
    /// cannot close SX414); the rest are SX402.
    public init(cascadeProblem kind: CascadeSpecificationError.Kind) {
        switch kind {
        case .feedStage: self = .stageOutOfRange
        case .feedValue, .sectionValue: self = .outOfRange
        case .noOrganicFeed: self = .noOrganicFeed
        case .noAqueousFeed: self = .noAqueousFeed
        case .noRareEarthFed: self = .noRareEarthFed
        case .acidExceedsLoading: self = .loadedOrganicExceedsFeed
        case .circulation: self = .phaseWithoutOutlet
        case .organicCircuit: self = .organicCircuit
        case .sections, .split, .stageWithoutFlow, .unsupported: self = .cascadeSpecification
        }
    }
}

/// Where a flowsheet defined the parts of its cascades, for locating model problems.
public struct CascadeLocations: Sendable {
    /// The cascade's key.
    public var cascade: TextLocation
    /// Feed stream name → where the cascade feeds it.
    public var feeds: [String: TextLocation]
    /// Section name → where it is defined, with each section's 1-based stage range.
    public var sections: [(name: String, stages: ClosedRange<Int>, location: TextLocation?)]

    public init(cascade: TextLocation, feeds: [String: TextLocation] = [:], sections: [(name: String, stages: ClosedRange<Int>, location: TextLocation?)] = []) {
        self.cascade = cascade
        self.feeds = feeds
        self.sections = sections
    }
}

extension CascadeSpecificationError {
    /// The problems as located diagnostics: each at the feed or the section (by stage) it
    /// concerns when known, else at the cascade; problems of one id at one place are one
    /// diagnostic, the first message leading and up to three more as notes.
    public func diagnostics(cascade name: String, at places: CascadeLocations) -> [Diagnostic] {
        var groups: [(id: DiagnosticID, location: TextLocation, messages: [String])] = []
        for p in items {
            let id = DiagnosticID(cascadeProblem: p.kind)
            var location = places.cascade
            if let s = p.stream, let l = places.feeds[s] {
                location = l
            } else if let stage = p.stage, let l = places.sections.first(where: { $0.stages.contains(stage) })?.location {
                location = l
            }
            if let k = groups.firstIndex(where: { $0.id == id && $0.location == location }) {
                groups[k].messages.append(p.message)
            } else {
                groups.append((id, location, [p.message]))
            }
        }
        let notesShown = 3
        return groups.map { g in
            var notes = g.messages.dropFirst().prefix(notesShown).map { DiagnosticNote($0, at: nil) }
            if g.messages.count > notesShown + 1 { notes.append(DiagnosticNote("and \(g.messages.count - notesShown - 1) more like these", at: nil)) }
            return Diagnostic(g.id, "cascade '\(name)': \(g.messages[0])", at: g.location, notes: notes)
        }
    }
}

extension CascadeLocations {
    /// The places of `cascade` from the reader's maps keyed "CASCADE/FEED" and "CASCADE/SECTION".
    init(_ cascade: Cascade, at location: TextLocation, feeds: [String: TextLocation], sections: [String: TextLocation]) {
        let prefix = "\(cascade.name)/"
        var own: [String: TextLocation] = [:]
        for (key, l) in feeds where key.hasPrefix(prefix) { own[String(key.dropFirst(prefix.count))] = l }
        self.init(cascade: location, feeds: own,
                  sections: zip(cascade.sections, cascade.sectionStageRanges).map { s, r in (s.name, r, sections[prefix + s.name]) })
    }
}

extension Flowsheet {
    /// Where the parts of the named cascade were defined (empty maps for a flowsheet made in code).
    public func locations(ofCascade name: String, fileName: String) -> CascadeLocations {
        let location = cascadeLocations[name] ?? TextLocation(file: fileName, line: 1, column: 1)
        guard let cascade = train.cascades.first(where: { $0.name == name }) else { return CascadeLocations(cascade: location) }
        return CascadeLocations(cascade, at: location, feeds: feedLocations, sections: sectionLocations)
    }
}
