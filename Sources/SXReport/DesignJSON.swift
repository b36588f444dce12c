import SXDesign
import SXModel

extension DesignReport {
    /// The design as JSON (`sxsim design --format json`): inputs, Xu's closed forms, the exact
    /// search, the designed cascade, performance, flows and reagents, where each element goes,
    /// and the notes. Numbers are in the units named by their keys' documentation
    /// (docs/design.md, "JSON"); performance and distribution are null when the designed
    /// cascade's solve is not a steady state.
    public func json() -> JSONValue {
        let spec = specification
        func point(_ p: StageSearch.Point) -> JSONValue {
            .object([("extraction", .integer(p.n)), ("scrub", .integer(p.m)), ("margin", .number(p.margin))])
        }
        let search: JSONValue
        switch self.search.outcome {
        case .found(let total, let pairs, let below):
            search = .object([("outcome", .string("found")), ("minimalTotal", .integer(total)),
                              ("pairs", .array(pairs.map(point))), ("bestBelow", below.map(point) ?? .null),
                              ("solves", .integer(self.search.evaluations)), ("notConverged", .integer(self.search.failedSolves))])
        case .plateau(let best):
            search = .object([("outcome", .string("plateau")), ("best", point(best)),
                              ("solves", .integer(self.search.evaluations)), ("notConverged", .integer(self.search.failedSolves))])
        case .notReached(let best):
            search = .object([("outcome", .string("not-reached")), ("best", point(best)),
                              ("solves", .integer(self.search.evaluations)), ("notConverged", .integer(self.search.failedSolves))])
        }
        let targets: [JSONValue] = spec.targets.map { t in
            switch t {
            case .purity(let p, let v): .object([("product", .string(p.rawValue)), ("kind", .string("purity")), ("basis", .string(spec.purityBasis.rawValue)), ("minimum", .number(v))])
            case .recovery(let p, let v): .object([("product", .string(p.rawValue)), ("kind", .string("recovery")), ("minimum", .number(v))])
            }
        }
        let performanceValue: JSONValue = performance.map { p in
            .object([("organicProduct", .object([("molePurity", .number(p.molePurityA)), ("oxidePurity", .number(p.oxidePurityA)), ("recovery", .number(p.recoveryA))])),
                     ("raffinate", .object([("molePurity", .number(p.molePurityB)), ("oxidePurity", .number(p.oxidePurityB)), ("recovery", .number(p.recoveryB))]))])
        } ?? .null
        let fl = flows
        let flowsValue: JSONValue = .object([
            ("feedLitresPerHour", .number(fl.feedFlow)), ("feedRareEarthMolPerHour", .number(fl.feedRareEarth)),
            ("feedOxideKgPerHour", .number(fl.feedOxide)), ("organicLitresPerHour", .number(fl.organicFlow)),
            ("organicLoadingMolPerLitre", .number(fl.organicLoading)), ("scrubAcidLitresPerHour", .number(fl.scrubAcidFlow)),
            ("scrubAcidMolPerLitre", .number(fl.scrubAcid)), ("stripAcidLitresPerHour", .number(fl.stripAcidFlow)),
            ("stripAcidMolPerLitre", .number(fl.stripAcid)), ("baseMolPerHour", .number(fl.baseFlow)), ("base", .string(fl.base.rawValue)),
        ])
        let reagents: JSONValue = .object([
            ("hydrochloricAcidKgPerHour", .number(fl.hydrochloricAcid)), ("hydrochloricAcidKgPerTonneFeedOxide", .number(fl.acidPerTonneFeedOxide)),
            ("baseKgPerHour", .number(fl.baseMass)), ("baseKgPerTonneFeedOxide", .number(fl.basePerTonneFeedOxide)),
            ("hydrochloricAcidKgPerTonneProductOxide", performance == nil ? .null : .number(fl.acidPerTonneProduct)),
            ("baseKgPerTonneProductOxide", performance == nil ? .null : .number(fl.basePerTonneProduct)),
        ])
        let distributionValue: JSONValue = distribution.isEmpty ? .null : .array(distribution.map { d in
            .object([("element", .string(d.element.symbol)), ("side", .string(d.side.rawValue)), ("toOrganicProduct", .number(d.toOrganic)),
                     ("toRaffinate", .number(d.toRaffinate)), ("oxideShareOrganicProduct", .number(d.oxideShareOrganic)),
                     ("oxideShareRaffinate", .number(d.oxideShareRaffinate))])
        })
        return .object([
            ("format", .string("sxsim-design")), ("formatVersion", .integer(1)),
            ("split", .string("\(spec.lighterKey.symbol)|\(spec.heavierKey.symbol)")),
            ("organicSide", .array(split.organicSide.map { .string(spec.elements[$0].symbol) })),
            ("raffinateSide", .array(split.raffinateSide.map { .string(spec.elements[$0].symbol) })),
            ("targets", .array(targets)),
            ("targetsReached", .bool(targetsReached)),
            ("closedForms", .object([
                ("cut", .number(cut)), ("molePurityA", .number(purityA)), ("molePurityB", .number(purityB)),
                ("minimumS", .number(minimumS)), ("minimumW", .number(minimumW)), ("fenskeStages", .number(fenskeStages)),
                ("optimumS", .number(optimum.s)), ("optimumW", .number(optimum.w)), ("s", .number(s)), ("w", .number(w)),
                ("extractionRatio", .number(extractionRatio)), ("scrubRatio", .number(scrubRatio)),
                ("approximateExtractionStages", approximateN.map { .number($0) } ?? .null),
                ("approximateScrubStages", approximateM.map { .number($0) } ?? .null),
            ])),
            ("search", search),
            ("designed", .object([
                ("extractionStages", .integer(designedStages.n)), ("scrubStages", .integer(designedStages.m)),
                ("stripStages", .integer(stripStages)), ("efficiency", .number(spec.efficiency)),
                ("stageMargin", .number(spec.stageMargin)), ("stripDistributionRatio", .number(spec.stripDistributionRatio)),
            ])),
            ("solve", result.map { r in .object([("outcome", .string(r.outcome.code)), ("explanation", .string(r.outcome.explanation))]) } ?? .null),
            ("performance", performanceValue),
            ("flows", flowsValue),
            ("reagents", reagents),
            ("distribution", distributionValue),
            ("notes", .array(notes.map { .string($0) })),
        ])
    }
}
