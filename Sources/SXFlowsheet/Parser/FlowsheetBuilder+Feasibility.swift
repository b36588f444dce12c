import SXModel

extension FlowsheetBuilder {
    /// Saponified fraction above which NaOH-saponified P507 forms a single-phase
    /// microemulsion (60–80 % observed; Adv. Mater. Res. 668 (2013) 132, docs/references.md [ME2013]);
    /// industry runs 30–50 %. Above it the model's two-phase picture may not hold.
    static let microemulsionSaponification = 0.5

    /// Specifications with no physical steady state (`Feasibility`), located at the stream
    /// that causes them, and a warning for saponification in the microemulsion region.
    /// Cascades fed by another cascade's outlet are checked when the train is solved, once
    /// the linked streams carry their real values.
    mutating func checkFeasibility(cascades: [Cascade], links: [CascadeTrain.Link]) {
        var warnedSets: Set<String> = []
        for (c, cascade) in cascades.enumerated() {
            if cascade.stageChemistry.exchangesAcid {
                warnUnsourcedDefaults(cascade, warned: &warnedSets)
                for feed in cascade.organicFeeds where feed.saponification > Self.microemulsionSaponification {
                    guard let stream = streams[feed.name] else { continue }
                    reader.report(.highSaponification,
                                  String(format: "organic '%@' is %.0f %% saponified; above about 50 %% NaOH-saponified P507 forms a single-phase microemulsion (seen at 60–80 %%), where the two-phase model does not apply", feed.name, 100 * feed.saponification),
                                  at: stream.saponificationNode ?? stream.keyNode,
                                  help: "industry runs 30–50 %; check that your extractant system stays two-phase at this saponification")
                }
            }
            guard !links.contains(where: { $0.cascade == c }), let network = try? CascadeNetwork(cascade) else { continue }
            for problem in Feasibility.problems(network) {
                let id: DiagnosticID = switch problem.kind {
                case .overSaponification: .overSaponified
                case .stripAcidShortfall: .stripAcidShortfall
                case .loadingAboveCapacity: .loadingAboveCapacity
                case .loadingAboveSaponifiedCapacity: .loadingAboveSaponifiedCapacity
                case .loadedOrganicExceedsFeed: .loadedOrganicExceedsFeed
                case .loadedStageDrained: .loadedStageDrained
                }
                let node = streams[problem.stream].map { problem.kind == .overSaponification ? ($0.saponificationNode ?? $0.keyNode) : $0.keyNode }
                guard let location = node?.location ?? cascadeLocations[cascade.name] else { continue }
                let message = problem.kind == .overSaponification ? problem.description : "cascade '\(cascade.name)': " + problem.description
                reader.diagnostics.append(Diagnostic(id, message, at: location, length: node?.width ?? 1,
                                                     severity: problem.isRefusal ? .error : .warning, help: problem.remedy))
            }
        }
    }

    /// Warning SX909, once per equilibrium set: a saponified organic meets a mass-action set that
    /// leaves K_C or the soap to the built-in defaults, which have no verified source
    /// (docs/references.md [MA]). Without saponification neither is used, so nothing is said.
    mutating func warnUnsourcedDefaults(_ cascade: Cascade, warned: inout Set<String>) {
        guard let organic = cascade.organicFeeds.first(where: { $0.saponification > 0 }) else { return }
        for name in cascadeEquilibria[cascade.name] ?? [] where !warned.contains(name) {
            guard let set = equilibria[name], !set.unsourcedDefaults.isEmpty else { continue }
            warned.insert(name)
            let defaults = set.unsourcedDefaults.map { key in
                key == "soap" ? "soap NaA"
                    : "cation-exchange-constant \(EngineeringFormat.string(MassActionModel.illustrativeCationExchangeConstant, digits: 3)) (mol/L)^−½"
            }
            reader.report(.defaultChemistry,
                          "equilibrium set '\(name)' takes the default \(defaults.joined(separator: " and ")) for the saponified organic '\(organic.name)'; the defaults are illustrative, with no verified source (docs/references.md [MA])",
                          at: set.keyNode,
                          help: "state the values for your extractant system: \(set.unsourcedDefaults.map { $0 == "soap" ? "soap: NaA or NaA·HA" : "cation-exchange-constant: ..." }.joined(separator: ", ")), and say where they come from in the set's provenance")
        }
    }
}
