import Foundation
import SXModel

/// The run report as one self-contained HTML page (docs/cli.md, "html"): summary and status,
/// targets, products, reagents, solver, provenance, and per cascade its plots. A run that did
/// not converge shows its outcome and explanation instead of any purity, recovery or
/// throughput figure, and no plot of the last iterate.
extension RunReport {
    func html() -> String {
        var body: [Markup] = [
            HTMLPage.heading(1, "SXSim run: \(flowsheetName)"),
            HTMLPage.paragraph("File \(fileName); elements \(elements.map(\.symbol).joined(separator: ", ")); "
                               + "\(cascades.count) cascade\(cascades.count == 1 ? "" : "s"), \(cascades.reduce(0) { $0 + $1.stageCount }) stages"
                               + (seconds.map { "; solver time \(Fmt.f($0 * 1000, 1)) ms" } ?? "") + ".", class: "meta"),
            statusBanner,
        ]
        if isSteadyState {
            body += targetsSection + limitsSection + productsSection
        } else {
            body += failureSection
        }
        body += reagentsSection + solverSection + provenanceSection + warningsSection
        if isSteadyState {
            if train.cascades.count > 1 {
                body.append(HTMLPage.heading(2, "Cascades and links"))
                body.append(.element("p", [], [.text("Plots per cascade: ")] + results.indices.flatMap { k -> [Markup] in
                    (k > 0 ? [Markup.text(", ")] : []) + [.element("a", [("href", "#cascade-\(k)")], text: results[k].cascade.name)]
                } + [.text(".")]))
                body.append(HTMLPage.figure(TrainDiagram(train: train, idPrefix: "train").svg(),
                                            caption: "Each box is a cascade (stages per section in brackets); arrows carry an outlet of one cascade to a feed of another; the train's products are listed under the cascade that makes them."))
            }
            for (k, r) in results.enumerated() { body += cascadeBlock(r, index: k) }
        }
        return HTMLPage(title: "SXSim: \(flowsheetName)", body: body).rendered()
    }

    var statusBanner: Markup {
        let (text, cls): (String, String)
        switch (isSteadyState, targetsMet) {
        case (false, _): (text, cls) = ("Solver did not converge (\(outcome.code)): no result is reported.", "error")
        case (true, .some(true)): (text, cls) = ("Converged; all targets PASS.", "ok")
        case (true, .some(false)): (text, cls) = ("Converged; some targets FAIL.", "fail")
        case (true, nil): (text, cls) = ("Converged; no targets set.", "ok")
        }
        return .element("div", [("class", "status \(cls)"), ("role", "status")], text: text)
    }

    var failureSection: [Markup] {
        [HTMLPage.heading(2, "Outcome"),
         HTMLPage.paragraph("\(outcome.code): \(outcome.explanation)"),
         HTMLPage.paragraph("Purity, recovery, throughput and the stage plots are not shown: the last iterate of a solve that did not converge "
                            + "is not an answer. The solver section below says how far each cascade got; docs/engine.md §6 lists the known failure cases.",
                            class: "note")]
    }

    var targetsSection: [Markup] {
        guard !targets.isEmpty else { return [] }
        let rows: [[HTMLPage.Cell]] = targets.map { t in
            let purity = t.target.minimumPurity.map { "\(t.purity.map { Fmt.pct($0) + " %" } ?? "n/a") (min \(Fmt.pct($0)) %)" } ?? "–"
            let recovery = t.target.minimumRecovery.map { "\(t.recovery.map { Fmt.pct($0) + " %" } ?? "n/a") (min \(Fmt.pct($0)) %)" } ?? "–"
            var crossing = "–"
            if let m = t.target.minimumPurity, let range = t.stagesMeetingPurity {
                crossing = "\(t.target.oxideLabel) ≥ \(Fmt.pct(m)) % in the \(t.phase.rawValue) of stages \(range.lowerBound)–\(range.upperBound)"
            }
            return [HTMLPage.Cell(t.passed ? "PASS" : "FAIL", cls: t.passed ? "pass" : "failed"), HTMLPage.Cell(t.target.product),
                    HTMLPage.Cell(t.target.oxideLabel), .number(purity), .number(recovery), HTMLPage.Cell(crossing)]
        }
        return [HTMLPage.heading(2, "Targets"),
                HTMLPage.table(header: ["", "product", "oxide", "purity (oxide basis)", "recovery", "stages meeting the purity limit"], rows: rows)]
    }

    /// Every limit of the specification (purities and recoveries of elements or groups,
    /// impurity maxima, effluent limits) with its value and margin, when there are limits
    /// beyond the single-element purity and recovery shown above.
    var limitsSection: [Markup] {
        let all = limits
        let beyond = all.contains { $0.kind == .maxImpurity || $0.kind == .maxAcidity || $0.kind == .maxOxide || $0.elements.count > 1 }
        guard beyond else { return [] }
        func show(_ v: Double, _ l: LimitCheck) -> String {
            switch l.kind {
            case .minPurity, .minRecovery: Fmt.pct(v) + " %"
            case .maxImpurity: Fmt.g(v * 1e6, 4) + " ppm"
            case .maxAcidity: Fmt.g(v, 4) + " mol/L"
            case .maxOxide: Fmt.g(v, 4) + " g/L REO"
            }
        }
        let rows: [[HTMLPage.Cell]] = all.map { l in
            let what = l.elements.isEmpty ? "" : " " + l.elements.map(\.oxideFormula).joined(separator: "+")
            return [HTMLPage.Cell(l.passed ? "PASS" : "FAIL", cls: l.passed ? "pass" : "failed"), HTMLPage.Cell(l.product),
                    HTMLPage.Cell(l.kind.rawValue + what), .number(l.value.map { show($0, l) } ?? "n/a"),
                    .number(show(l.limit, l)), .number(l.margin.map { show($0, l) } ?? "n/a")]
        }
        return [HTMLPage.heading(2, "All limits"),
                HTMLPage.table(header: ["", "outlet", "limit", "value", "limit value", "margin (safe side +)"], rows: rows)]
    }

    var productsSection: [Markup] {
        guard !products.isEmpty else { return [] }
        var out = [HTMLPage.heading(2, "Products")]
        let fed = reagents.oxideFed * 1000
        var trace: [String] = []
        for p in products {
            if p.totalOxide * p.flow < 1e-6 * fed {
                trace.append("\(p.name) (cascade \(p.cascade), \(p.phase.rawValue) from stage \(p.stage)): \(Fmt.g(p.flow)) L/h, residual \(Fmt.e(p.totalOxide, 2)) g/L REO")
                continue
            }
            out.append(HTMLPage.heading(3, "\(p.name) — cascade \(p.cascade), \(p.phase.rawValue) from stage \(p.stage)"))
            out.append(HTMLPage.paragraph("Flow \(Fmt.g(p.flow)) L/h; total \(Fmt.g(p.totalOxide)) g/L REO; \(Fmt.g(p.oxideTonnesPerYear)) t/y REO at \(Fmt.g(operatingHours)) h/y"
                                          + (p.acidity.map { "; free acid \(Fmt.g($0)) mol/L" } ?? "") + "."))
            // With metals other than rare earths, purity is on the TREO basis for rare earths
            // (other metals over all metal oxides) and a column gives every share of all metals.
            let rows: [[HTMLPage.Cell]] = elements.enumerated().map { j, e in
                [HTMLPage.Cell(e.symbol), .number(Fmt.eng(p.concentrations[j], 5)), .number(Fmt.eng(p.oxideConcentrations[j], 5)),
                 HTMLPage.Cell(e.oxideFormula), .number(Fmt.pct(p.purity[j]))]
                    + (p.hasOtherMetals ? [.number(Fmt.pct(p.purityAmongAllMetals[j]))] : []) + [.number(Fmt.pct(p.recovery[j]))]
            }
            out.append(HTMLPage.table(header: ["element", "mol/L", "g/L oxide", "oxide", p.hasOtherMetals ? "purity % (REO basis)" : "purity % (oxide basis)"]
                                      + (p.hasOtherMetals ? ["% of all metal oxides"] : []) + ["recovery %"], rows: rows))
        }
        if !trace.isEmpty {
            out.append(.element("p", [], text: "Outlets carrying almost no rare earth: " + trace.joined(separator: "; ") + "."))
        }
        return out
    }

    var reagentsSection: [Markup] {
        var rows: [[HTMLPage.Cell]] = [
            [HTMLPage.Cell("REO fed"), .number("\(Fmt.g(reagents.oxideFed)) kg/h"), .number(""), .number("")],
            [HTMLPage.Cell("acid (HCl)"), .number("\(Fmt.g(reagents.acid)) mol/h"), .number("\(Fmt.g(reagents.acidKgPerHour)) kg/h"),
             .number(reagents.acidKgPerTonne.map { "\(Fmt.g($0)) kg/t" } ?? "–")],
            [HTMLPage.Cell("base (\(reagents.baseFormula))"), .number("\(Fmt.g(reagents.base)) mol/h"), .number("\(Fmt.g(reagents.baseKgPerHour)) kg/h"),
             .number(reagents.baseKgPerTonne.map { "\(Fmt.g($0)) kg/t" } ?? "–")],
        ]
        if reagents.extractant > 0 {
            rows.append([HTMLPage.Cell("extractant (monomer basis, circulating)"), .number("\(Fmt.g(reagents.extractant)) mol/h"), .number(""), .number("")])
        }
        return [HTMLPage.heading(2, "Reagents (fresh streams)"),
                HTMLPage.table(header: ["reagent", "molar flow", "mass flow", "per tonne of REO fed"], rows: rows)]
    }

    var solverSection: [Markup] {
        let rows: [[HTMLPage.Cell]] = cascades.map { c in
            let worst = c.closure.map(abs).max() ?? 0
            return [HTMLPage.Cell(c.name),
                    HTMLPage.Cell("\(c.stageCount): " + c.sections.map { "\($0.name) \($0.stages) \($0.model)" + ($0.efficiency < 1 ? " E = \(Fmt.g($0.efficiency, 3))" : "") }.joined(separator: ", ")),
                    HTMLPage.Cell(c.outcome.code, cls: c.outcome.isConverged ? "pass" : "failed"),
                    .effort("\(c.iterations)"), .effort("\(c.continuationSteps)"), .effort(Fmt.e(c.residualNorm, 1)),
                    .number(worst < 1e-12 ? "< 1e-12" : Fmt.e(worst, 1))]
        }
        var out = [HTMLPage.heading(2, "Solver"),
                   HTMLPage.paragraph("Outcome: \(outcome.code)" + (outcome.isConverged ? "" : " (explained above)")
                                      + "."),
                   HTMLPage.table(header: ["cascade", "stages", "outcome", "Newton iterations", "continuation steps", "residual ‖F‖∞", "mass-balance closure"], rows: rows)]
        if passes > 1 {
            out.append(.element("p", [("class", "effort")], text: "\(passes) recycle passes, last relative change \(Fmt.e(recycleChange))."))
        }
        for c in cascades where !c.outcome.isConverged && cascades.count > 1 {
            out.append(HTMLPage.paragraph("\(c.name): \(c.outcome.explanation)", class: "note"))
        }
        let unsolved = train.cascades.map(\.name).filter { n in !cascades.contains { $0.name == n } }
        if !unsolved.isEmpty { out.append(HTMLPage.paragraph("Not solved (after the failing cascade): \(unsolved.joined(separator: ", ")).", class: "note")) }
        for (k, r) in results.enumerated() { out.append(convergenceFigure(r, index: k)) }
        return out
    }

    /// The convergence history plot of the k-th cascade, or a note when its solve took no
    /// step. Drawn for a failed solve as well: it shows how the solver failed, not a result.
    /// Marked as solver effort: the golden outlines skip it, as they skip iteration counts.
    func convergencePlot(_ r: CascadeResult, index k: Int) -> ConvergencePlot {
        ConvergencePlot(result: r, tolerance: solverTolerance, idPrefix: "c\(k)")
    }

    func convergenceFigure(_ r: CascadeResult, index k: Int) -> Markup {
        let c = convergencePlot(r, index: k)
        guard let plot = c.plot else { return HTMLPage.paragraph(c.noStepsNote, class: "note") }
        let lastPass = passes > 1 ? " With recycle, these are the steps of the cascade's solve in the last of the \(passes) passes." : ""
        return HTMLPage.figure(plot.svg(), caption: c.caption + lastPass, class: "effort")
    }

    var provenanceSection: [Markup] {
        guard !equilibria.isEmpty else { return [] }
        let rows: [[HTMLPage.Cell]] = equilibria.map { e in
            [HTMLPage.Cell(e.name), HTMLPage.Cell(e.model), HTMLPage.Cell(e.provenance.status.uppercased(), cls: e.provenance.status == "verified" ? "pass" : "failed"),
             HTMLPage.Cell(e.provenance.source), HTMLPage.Cell(e.provenance.conditions ?? "")]
        }
        return [HTMLPage.heading(2, "Equilibrium data: provenance"),
                HTMLPage.table(header: ["set", "model", "status", "source", "conditions"], rows: rows)]
    }

    var warningsSection: [Markup] {
        guard !warnings.isEmpty else { return [] }
        return [HTMLPage.heading(2, "Warnings"),
                .element("ul", [], warnings.map { .element("li", [], text: "\($0.location): [\($0.id.code)] \($0.message)") })]
    }

    /// The plots of the k-th solved cascade.
    func plots(for r: CascadeResult, index k: Int) -> CascadePlots {
        let producedHere = Set(products.filter { $0.cascade == r.cascade.name }.map(\.name))
        return CascadePlots(result: r, elements: elements, purityLimits: targets.filter { producedHere.contains($0.target.product) },
                            idPrefix: "c\(k)")
    }

    func cascadeBlock(_ r: CascadeResult, index k: Int) -> [Markup] {
        let p = plots(for: r, index: k)
        var figures: [Markup] = [
            HTMLPage.heading(2, "Cascade \(r.cascade.name)", id: "cascade-\(k)"),
            HTMLPage.figure(p.profiles.svg(), caption: "Aqueous (solid) and organic (dashed) outlet concentration of each element, mol/L, log axis; "
                            + "sections shaded; feeds ▼ and outlets △ above the plot; dotted vertical lines where a product's key element crosses its purity limit."),
        ]
        if let m = McCabeThiele(result: r) {
            figures.append(HTMLPage.figure(m.plot(idPrefix: "c\(k)").svg(), caption:
                "Key-element fraction basis: x and y are the heavier key's share of the key pair in the aqueous and organic outlets (other elements left out). "
                + "Points are the stages' equilibrium outlets; the curve is the binary equilibrium at the median separation factor; operating lines are "
                + "the passing streams (x of stage i+1, y of stage i) of each section; steps are the solved stages. Strip sections that do not separate the pair are left out."))
            figures.append(HTMLPage.figure(m.plot(idPrefix: "c\(k)", scale: .logOdds).svg(), caption:
                "The same diagram on log-odds axes (ln(x/(1−x))): at constant β the equilibrium is the straight line logit y = logit x + ln β, "
                + "each stage is a step of similar size, and the high-purity stages crowded into the corners above are spread out."))
        }
        if let ph = p.pH { figures.append(HTMLPage.figure(ph.svg(), caption: "pH of each stage's aqueous outlet (mass-action or empirical model).")) }
        figures.append(HTMLPage.figure(p.organicPhase.svg(), caption: "Organic phase per stage, mol/L."))
        figures.append(HTMLPage.figure(p.distribution.svg(), caption: "Distribution ratio D = y/x* of each element per stage (log axis)."))
        return [.element("section", [("class", "cascade-block")], figures)]
    }
}
