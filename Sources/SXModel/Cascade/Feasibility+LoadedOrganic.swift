import Foundation
import SXNumerics

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
        if problems.contains(where: \.isRefusal) { return problems }

        // 4. Every loaded stage's steady aqueous outflow of rare earth. Past check 2 the strip
        // is fed at least 3 H⁺ per RE the loaded organic brings; with no rare earth fed to the
        // strip stages themselves, their liquor then keeps free acid (T ≥ 0), as check 4 needs.
        let stripFedRareEarth = stripStages.contains { i in (0..<net.elementCount).contains { net.feedFlux[i * net.elementCount + $0] > 0 } }
        if let drained = drainedLoadedStage(net, loaded: loaded, routedLiquorKeepsAcid: stripLoad > 0 && !stripFedRareEarth) {
            problems.append(drained)
        }
        return problems
    }

    /// Check 4 (docs/engine.md §4): the rare-earth totals of the loaded stages at steady state,
    /// and the first stage whose aqueous would have to carry a negative amount away.
    ///
    /// A loaded stage i sends its organic on with O_i·Y_i whatever it holds (Y_i its loading
    /// after the acid fed there), so its total-RE balance fixes its aqueous outflow A_i·X_i:
    ///
    ///     A_i·X_i = Σ_k F_ki·X_k + Σ_k G_ki·Y_k + f_i − O_i·Y_i + Σ_s F_si·P_s / 3        (mol/h)
    ///
    /// F_ki, G_ki the aqueous and organic flows from loaded stages k (L/h), f_i the rare earth
    /// fed (mol/h), and F_si the aqueous routed in from a stage s outside the loaded sections,
    /// whose rare earth X_s and free acid T_s = P_s − 3·X_s (P_s = Q_s − [C⁺]_s, its acid
    /// capacity net of the saponifying cation, mol/L) together count P_s/3: the acid strips
    /// T_s/3 more from the organic that leaves stage i. That is exact when T_s ≥ 0, which the
    /// strip-acid check guarantees (the liquor keeps A_s − 3·L ≥ 0 of acid), and when no organic
    /// enters a loaded stage from outside the loaded sections, or leaves a stage fed routed acid
    /// for another loaded stage (whose load would then depend on the strip's state): otherwise
    /// the check is not made (nil). The system is linear with a nonnegative inverse (an
    /// M-matrix, aqueous flow leaving the loaded region), so the totals are unique; a stage with
    /// X_i ≤ 0 has no steady state under Xu's model, whatever the compositions (with every X_i > 0
    /// and every Y_i > 0 a steady state exists: a fixed point of the compositions, the linear
    /// per-element balances with D_ij = Y_i·β_j / Σ_k β_k x_ik being positive). The raffinate's
    /// X_1 > 0 is check 3's E < F; this finds the stages inside, e.g. the first scrub stage when
    /// the feed's free acid strips h/3 mol/h from the organic at the feed stage and the scrub
    /// aqueous brings less than that to reload it.
    static func drainedLoadedStage(_ net: CascadeNetwork, loaded: [Bool], routedLiquorKeepsAcid: Bool) -> Problem? {
        guard let fluxes = loadedStageAqueousRareEarth(net, loaded: loaded, routedLiquorKeepsAcid: routedLiquorKeepsAcid) else { return nil }
        let n = net.stageCount
        // Relative to the rare-earth traffic of the stage, so that round-off of an exactly
        // closing balance is not refused.
        guard let i = (0..<n).first(where: { loaded[$0] && fluxes[$0] <= Self.drainTolerance * net.organicFlow[$0] * net.fullLoading[$0] })
        else { return nil }
        let ranges = net.cascade.sectionStageRanges
        let k = net.sectionOfStage[i]
        let section = net.cascade.sections[k]
        let sectionStage = i + 1 - ranges[k].lowerBound + 1
        let taken = net.organicFlow[i] * net.fullLoading[i]
        let broughtByOrganic = (net.organicSourceStart[i]..<net.organicSourceStart[i + 1]).reduce(0.0) {
            $0 + net.organicSources[$1].flow * net.fullLoading[net.organicSources[$1].from]
        }
        let reaching = taken + fluxes[i]
        let deficit = -fluxes[i]
        var causes: [String] = []
        // Acid fed to loaded stages whose organic reaches stage i strips rare earth that stage i must reload.
        for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
            let from = net.organicSources[s].from
            let acid = net.acidFeedFlux[from]
            if acid > 0 {
                let feeds = net.cascade.aqueousFeeds.filter { $0.stage == from + 1 && $0.acidity > 0 }
                let names = feeds.map { "'\($0.name)' (\(Problem.format($0.acidity)) mol/L at \(Problem.format($0.flow)) L/h)" }.joined(separator: ", ")
                causes.append("the \(Problem.format(acid)) mol/h H⁺ fed at stage \(from + 1)\(names.isEmpty ? "" : " by " + names) strips \(Problem.format(acid / AqueousChargeBalance.rareEarthCharge)) mol/h RE off the organic there, which stage \(i + 1) must reload")
            }
        }
        let description = "stage \(i + 1) (\(section.name) stage \(sectionStage)) has no steady state under the fully loaded organic: "
            + "the organic leaves it with \(Problem.format(taken)) mol/h RE (it brings \(Problem.format(broughtByOrganic)) mol/h), "
            + "but the rare earth that can reach it in steady state is only \(Problem.format(reaching)) mol/h, so its aqueous "
            + "outflow would have to carry \(Problem.format(fluxes[i])) mol/h (a negative concentration)"
            + (causes.isEmpty ? "" : ": " + causes.joined(separator: "; "))
        var remedy = "bring at least \(Problem.format(deficit)) mol/h more rare earth to stage \(i + 1)"
        let acidFeeds = net.cascade.aqueousFeeds.filter { f in
            f.acidity > 0 && (net.organicSourceStart[i]..<net.organicSourceStart[i + 1]).contains { net.organicSources[$0].from == f.stage - 1 }
        }
        if let f = acidFeeds.max(by: { $0.acidity * $0.flow < $1.acidity * $1.flow }) {
            let limit = max(f.acidity - AqueousChargeBalance.rareEarthCharge * deficit / f.flow, 0)
            remedy = "lower the free acid of '\(f.name)' below \(Problem.format(limit)) mol/L, or " + remedy
        }
        remedy += " (more scrub acid or reflux, which raise the scrub aqueous), or lower the organic's loading or flow"
        return Problem(kind: .loadedStageDrained, stream: acidFeeds.first?.name ?? (net.cascade.organicFeeds.first?.name ?? ""),
                       stage: acidFeeds.first?.stage ?? (i + 1), stageOutflow: fluxes[i], rareEarthReaching: reaching,
                       description: description, remedy: remedy)
    }

    /// Balances that close within this fraction of a stage's organic rare-earth flux count as
    /// closed (round-off of the totals' linear solve).
    static let drainTolerance = 1e-9

    /// The steady aqueous rare-earth outflow A_i·X_i (mol/h) of every loaded stage (0 elsewhere),
    /// from the linear balances of `drainedLoadedStage`; nil where they are not exact: aqueous
    /// routed in from outside the loaded sections counts at its acid capacity only when
    /// `routedLiquorKeepsAcid` (the strip acid covers the load, so T ≥ 0 there).
    static func loadedStageAqueousRareEarth(_ net: CascadeNetwork, loaded: [Bool], routedLiquorKeepsAcid: Bool) -> [Double]? {
        let n = net.stageCount, ne = net.elementCount
        let z = AqueousChargeBalance.rareEarthCharge
        func capacity(_ s: Int) -> Double { net.anionConcentration[s] - net.cationAllAqueous[s] }
        var receivesRoutedAcid = [Bool](repeating: false, count: n)
        for i in 0..<n where loaded[i] {
            for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] where !loaded[net.organicSources[s].from] { return nil }
            for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] where !loaded[net.aqueousSources[s].from] {
                guard routedLiquorKeepsAcid else { return nil }
                receivesRoutedAcid[i] = true
            }
        }
        for i in 0..<n where loaded[i] {
            for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] where receivesRoutedAcid[net.organicSources[s].from] { return nil }
        }
        var m = BandMatrix(order: n, lowerBandwidth: max(net.stagesBelow, 1), upperBandwidth: max(net.stagesAbove, 1))
        var rhs = [Double](repeating: 0, count: n)
        for i in 0..<n {
            // Unknown: the aqueous outflow A_i·X_i itself (mol/h); 0 at stages outside the loaded sections.
            m.add(1, row: i, column: i)
            guard loaded[i] else { continue }
            for j in 0..<ne { rhs[i] += net.feedFlux[i * ne + j] }
            rhs[i] -= net.organicFlow[i] * net.fullLoading[i]
            for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
                let l = net.organicSources[s]
                rhs[i] += l.flow * net.fullLoading[l.from]
            }
            for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                let l = net.aqueousSources[s]
                if loaded[l.from] {
                    m.add(-l.flow / net.aqueousFlow[l.from], row: i, column: l.from)
                } else {
                    rhs[i] += l.flow * max(capacity(l.from), 0) / z
                }
            }
        }
        var lu = BandLUWorkspace(order: n)
        do { try lu.factorize(&m); try lu.solve(m, &rhs) } catch { return nil }
        return rhs
    }
}
