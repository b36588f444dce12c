import Foundation

extension Feasibility {
    /// Checks of a cascade with fully loaded sections (Xu's model, `fixedOrganicLoading`), from
    /// the flows, the loading Y (mol/L) and the acid fed alone. "Loaded stages" are the stages
    /// of those sections; "strip stages" all the others. Numbers in mol/h unless stated.
    ///
    /// 1. **Capacity.** An organic feed of extractant C (mol/L, monomer basis) saponified to
    ///    s holds at most C/6 mol/L RE as M(A·HA)₃ (unsaponified) or s·C/3 as MA₃ (fully
    ///    exchanged saponified groups) (docs/references.md [LOAD]). Y above both is refused;
    ///    Y above s·C/3 but within C/6 is a warning: the rest loads by acid exchange and
    ///    releases 3 H⁺ per RE³⁺, 3·(Y − s·C/3)·O mol/h, into the extraction section.
    /// 2. **Strip acid.** The loaded organic brings L = Σ O·Y_k into the strip stages (Y_k the
    ///    hand-over stage's loading after acid fed directly there); stripping it takes
    ///    3 L of H⁺. With H⁺ fed to the strip stages A_s < 3 L the strip cannot take off the
    ///    load (a constant-D strip would otherwise strip it without acid): refused, or a
    ///    warning when the cascade's streams state no acid at all (a textbook constant-D
    ///    cascade). The check is exact with reflux: whatever the strip liquor's residual acid
    ///    strips in the scrub comes back to the strip as a smaller load, and the residual is
    ///    (A_s − 3 L)/(1 − r) ≥ 0 exactly when A_s ≥ 3 L.
    /// 3. **Export.** With a complete strip, a fraction r of the strip liquor routed back into
    ///    loaded stages (reflux) carries r times its residual acid there, which strips RE
    ///    back into the scrub; solving the two balances, the steady rare-earth export of the
    ///    loaded sections (to products) is E = L + L_out − r·A_s/3, L_out the loaded organic
    ///    leaving the cascade. E must lie in (0, F), F the rare earth fed: E ≥ F leaves no
    ///    raffinate (the fully loaded organic has more capacity than the rare earth reaching
    ///    it); E ≤ 0 means the refluxed acid would strip more than the organic carries.
    public static func loadedOrganicProblems(_ net: CascadeNetwork) -> [Problem] {
        let n = net.stageCount
        let loadings = net.cascade.sections.map(\.equilibrium.fixedOrganicLoading)
        let loaded = (0..<n).map { loadings[net.sectionOfStage[$0]] != nil }
        guard loaded.contains(true) else { return [] }
        var problems: [Problem] = []
        let ranges = net.cascade.sectionStageRanges

        // 1. Capacity of each organic feed that passes through a loaded section.
        for feed in net.cascade.organicFeeds where feed.extractant > 0 {
            let downstream = net.cascade.sections.indices.filter { loadings[$0] != nil && ranges[$0].upperBound >= feed.stage }
            guard let k = downstream.max(by: { loadings[$0]! < loadings[$1]! }), let y = loadings[k] else { continue }
            let c = feed.extractant, s = feed.saponification
            let unsaponified = c / 6, saponified = s * c / 3
            let capacity = max(unsaponified, saponified)
            let section = net.cascade.sections[k].name
            let what = "organic '\(feed.name)' (extractant \(Problem.format(c)) mol/L, \(Problem.percent(s)) % saponified)"
            if y > capacity * (1 + 1e-9) {
                problems.append(Problem(
                    kind: .loadingAboveCapacity, stream: feed.name, stage: feed.stage, loading: y, capacity: capacity,
                    description: "section '\(section)' loads the organic to \(Problem.format(y)) mol/L RE, but \(what) holds at most \(Problem.format(capacity)) mol/L (C/6 = \(Problem.format(unsaponified)) mol/L as M(A·HA)₃ unsaponified, s·C/3 = \(Problem.format(saponified)) mol/L as MA₃ saponified)",
                    remedy: "lower the section's organic-loading to at most \(Problem.format(capacity)) mol/L, or raise the extractant to at least \(Problem.format(6 * y)) mol/L"
                        + (s > 0 ? " (or \(Problem.format(3 * y / s)) mol/L at this saponification)" : "")))
            } else if s > 0 && y > saponified * (1 + 1e-9) {
                let released = 3 * (y - saponified) * feed.flow
                problems.append(Problem(
                    kind: .loadingAboveSaponifiedCapacity, stream: feed.name, stage: feed.stage, isRefusal: false, loading: y, capacity: saponified,
                    description: "section '\(section)' loads the organic to \(Problem.format(y)) mol/L RE, above the saponified capacity s·C/3 = \(Problem.format(saponified)) mol/L of \(what): the rest must load by acid exchange, releasing \(Problem.format(released)) mol/h H⁺ into the extraction section, which a fully loaded organic in chloride hardly does",
                    remedy: "saponify to at least \(Problem.percent(3 * y / c)) % or lower the organic-loading to \(Problem.format(saponified)) mol/L"))
            }
        }

        // 2. Strip acid against the load the loaded organic brings.
        var stripLoad = 0.0, outletLoad = 0.0
        for i in 0..<n where !loaded[i] {
            for k in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] where loaded[net.organicSources[k].from] {
                stripLoad += net.organicSources[k].flow * net.fullLoading[net.organicSources[k].from]
            }
        }
        for o in net.outlets where o.phase == .organic && loaded[o.stage] { outletLoad += o.flow * net.fullLoading[o.stage] }
        let stripStages = (0..<n).filter { !loaded[$0] }
        let stripAcid = stripStages.reduce(0.0) { $0 + net.acidFeedFlux[$1] }
        let statesAcid = net.cascade.aqueousFeeds.contains { $0.acidity > 0 || $0.bisulfate > 0 }
        let stripFeeds = net.cascade.aqueousFeeds.filter { !loaded[$0.stage - 1] }
        let needed = AqueousChargeBalance.rareEarthCharge * stripLoad
        if stripLoad > 0 && stripAcid < needed * (1 - 1e-12) {
            let main = stripFeeds.max { $0.flow * $0.acidity < $1.flow * $1.acidity || ($0.flow * $0.acidity == $1.flow * $1.acidity && $0.flow < $1.flow) }
            let others = stripAcid - (main.map { $0.flow * $0.acidity } ?? 0)
            var remedy = "feed the strip at least \(Problem.format(needed)) mol/h H⁺ (3 per RE³⁺ the loaded organic brings), plus the residual acidity its liquor should keep (typically 0.3–0.6 mol/L)"
            if let main {
                remedy += ": raise '\(main.name)' to at least \(Problem.format((needed - others) / main.flow)) mol/L at \(Problem.format(main.flow)) L/h"
                if main.acidity > 0 { remedy += ", or its flow to at least \(Problem.format((needed - others) / main.acidity)) L/h at \(Problem.format(main.acidity)) mol/L" }
            }
            let why = statesAcid
                ? "the strip cannot take off what the organic carries"
                : "no stream of the cascade states an acidity, so the strip is solved without acid (a textbook constant-D cascade); a plant strip needs that acid"
            problems.append(Problem(
                kind: .stripAcidShortfall, stream: main?.name ?? "", stage: (main?.stage ?? (stripStages.last.map { $0 + 1 } ?? n)),
                isRefusal: statesAcid, acidNeeded: needed, acidFed: stripAcid,
                description: "strip acid shortfall: the fully loaded organic brings \(Problem.format(stripLoad)) mol/h RE into the strip, which needs \(Problem.format(needed)) mol/h H⁺; it is fed \(Problem.format(stripAcid)) mol/h, \(Problem.format(needed - stripAcid)) mol/h short: \(why)",
                remedy: remedy))
            return problems
        }

        // 3. Export of the loaded sections against the rare earth fed.
        var routedBack = 0.0, leaving = 0.0
        for i in 0..<n where loaded[i] {
            for k in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] where !loaded[net.aqueousSources[k].from] {
                routedBack += net.aqueousSources[k].flow
            }
        }
        for o in net.outlets where o.phase == .aqueous && !loaded[o.stage] { leaving += o.flow }
        let reflux = routedBack + leaving > 0 ? routedBack / (routedBack + leaving) : 0
        let returnedAcid = reflux * stripAcid
        let export = stripLoad + outletLoad - returnedAcid / AqueousChargeBalance.rareEarthCharge
        let fed = (0..<net.elementCount).reduce(0.0) { $0 + net.totalFeed(element: $1) }
        let organic = net.cascade.organicFeeds.max { $0.flow < $1.flow }
        let flowText = organic.map { "'\($0.name)' (\(Problem.format($0.flow)) L/h)" } ?? "the organic"
        if export >= fed * (1 - 1e-9) {
            let description = "the fully loaded organic has more capacity than the rare earth reaching it: it would carry \(Problem.format(export)) mol/h RE out of the loaded sections"
                + (returnedAcid > 0 ? " (net of \(Problem.format(returnedAcid / 3)) mol/h stripped back by the \(Problem.format(returnedAcid)) mol/h H⁺ of the refluxed strip liquor)" : "")
                + ", but only \(Problem.format(fed)) mol/h is fed: no raffinate can exist"
            let scale = fed / export
            problems.append(Problem(
                kind: .loadedOrganicExceedsFeed, stream: organic?.name ?? "", stage: organic?.stage ?? 1, export: export, rareEarthFed: fed,
                description: description,
                remedy: "lower the organic flow of \(flowText) below about \(Problem.format((organic?.flow ?? 0) * scale)) L/h or the loading, or scrub harder (more scrub acid or reflux)"))
        } else if export <= 0 && stripLoad > 0 {
            problems.append(Problem(
                kind: .loadedOrganicExceedsFeed, stream: stripFeeds.max(by: { $0.flow * $0.acidity < $1.flow * $1.acidity })?.name ?? "", stage: n,
                acidNeeded: needed, acidFed: stripAcid, export: export, rareEarthFed: fed,
                description: "the strip liquor's residual acid routed back into the loaded sections (\(Problem.format(returnedAcid)) mol/h H⁺, a fraction \(Problem.percent(reflux)) % of \(Problem.format(stripAcid)) mol/h fed) would strip \(Problem.format(returnedAcid / 3)) mol/h RE, more than the \(Problem.format(stripLoad + outletLoad)) mol/h the loaded organic carries",
                remedy: "feed the strip less acid (about \(Problem.format(needed)) mol/h H⁺ plus a residual) or route less strip liquor back"))
        }
        return problems
    }
}
