import Foundation
import SXFlowsheet
import SXModel

extension DesignReport {
    /// The design, step by step, as engineers read it (plain text, no trailing I/O).
    public var text: String {
        var out: [String] = []
        func line(_ s: String = "") { out.append(s) }
        func f(_ x: Double, _ digits: Int = 6) -> String { String(format: "%.\(digits)f", x) }
        func g(_ x: Double) -> String { EngineeringFormat.string(x, digits: 4) }
        func pct(_ x: Double) -> String { String(format: "%.4f %%", 100 * x) }
        let spec = specification
        let names = { (g: [Int]) in g.map { spec.elements[$0].symbol }.joined(separator: ", ") }

        line("Design of a \(spec.lighterKey.symbol)|\(spec.heavierKey.symbol) split (Xu's theory, confirmed with the rigorous separation-factor model)")
        line()
        line("0. Feed and split")
        line("   feed \(g(spec.feedFlow)) L/h, " + zip(spec.elements, spec.feedConcentrations).map { "\($0.symbol) \(g($1)) mol/L" }.joined(separator: ", "))
        line("   organic side (A): \(names(split.organicSide))   raffinate side (B): \(names(split.raffinateSide))")
        line("   f_A = \(f(split.feedFractionA)), key β(\(spec.heavierKey.symbol)/\(spec.lighterKey.symbol)) = \(f(split.keySeparationFactor, 4))")
        let targets = spec.targets.map { t -> String in
            switch t {
            case .purity(let p, let v): "\(p.rawValue) purity ≥ \(pct(v)) (\(spec.purityBasis.rawValue) basis)"
            case .recovery(let p, let v): "\(p.rawValue) recovery ≥ \(pct(v))"
            }
        }
        line("   targets: " + targets.joined(separator: ", "))
        line("   design purities (mole basis): P_A = \(f(purityA)), P_B = \(f(purityB))")
        line()
        line("1. Cut: f'_A = (P_B − f_B)/(P_A + P_B − 1) = \(f(cut))   (recoveries Y_A = \(pct(recoveryA)), Y_B = \(pct(recoveryB)))")
        line("2. Minimum fluxes (Xu/Underwood, aqueous feed): W_min = \(f(minimumW)), S_min = W_min + f'_A = \(f(minimumS))")
        line("3. Fenske minimum stages (total reflux): N_min = lg(a·b)/lg β = \(f(fenskeStages, 2))")
        line("4. Xu's optimum: \(optimum.controlling == .scrub ? "scrub section at E'_M = √β" : "extraction section at E_M = 1/√β") → S = \(f(optimum.s)), W = \(f(optimum.w))")
        line("   operating at S = \(f(s)) (\(f(s / minimumS, 3)) S_min), W = \(f(w)) (\(f(w / minimumW, 3)) W_min); E_M = S/(1+W) = \(f(extractionRatio, 4)), E'_M = S/W = \(f(scrubRatio, 4))")
        let an = approximateN.map { f($0, 1) } ?? "∞", am = approximateM.map { f($0, 1) } ?? "∞"
        line("   Xu's approximate stages: n = lg b/lg(β·E_M) = \(an), m = lg a/lg(β/E'_M) − 1 = \(am)")
        line("5. Exact minimum stages (rigorous model, \(search.evaluations) solves\(search.failedSolves > 0 ? ", \(search.failedSolves) not converged" : "")):")
        switch search.outcome {
        case .found(let total, let pairs, let below):
            line("   minimal total n + m = \(total); pairs reaching the targets: " + pairs.map { "n = \($0.n), m = \($0.m)" }.joined(separator: "; "))
            if let below { line("   with \(below.total) stages the best split (n = \(below.n), m = \(below.m)) misses by \(g(-below.margin))") }
            if let rec = recommended { line("   recommended: n = \(rec.n) extraction + m = \(rec.m) scrub stages (largest margin, \(g(rec.margin)))") }
        case .plateau(let best):
            line("   PLATEAU: the targets cannot be reached at these fluxes; at \(best.total) stages (n = \(best.n), m = \(best.m)) the best split misses by \(g(-best.margin)) and more stages do not help")
        case .notReached(let best):
            line("   NOT REACHED within \(spec.maximumStages) stages (best: n = \(best.n), m = \(best.m), short by \(g(-best.margin)))")
        }
        if let p = performance {
            line("   achieved: organic product \(pct(p.molePurityA)) mole / \(pct(p.oxidePurityA)) oxide, recovery \(pct(p.recoveryA)); raffinate \(pct(p.molePurityB)) mole / \(pct(p.oxidePurityB)) oxide, recovery \(pct(p.recoveryB))")
        } else if result != nil {
            line("   achieved: n/a (the rigorous solve is not a steady state)")
        }
        if let r = result {
            line("   solve: \(r.outcome.code)" + (r.outcome.isConverged ? ", mass-balance closure \(g(r.worstClosure))" : ": \(r.outcome.explanation)"))
        }
        line()
        let fl = flows
        line("6. Operating flows")
        line("   feed            \(f(fl.feedFlow, 3)) L/h, \(f(fl.feedRareEarth, 4)) mol/h RE, \(f(fl.feedOxide, 4)) kg/h REO")
        line("   organic         \(f(fl.organicFlow, 3)) L/h at \(f(fl.organicLoading, 4)) mol/L RE loading (extractant \(g(fl.extractant)) mol/L, saponified \(pct(fl.saponification)))")
        line("   scrub acid      \(f(fl.scrubAcidFlow, 3)) L/h of \(g(fl.scrubAcid)) mol/L HCl at stage n + m")
        line("   strip acid      \(f(fl.stripAcidFlow, 3)) L/h of \(g(fl.stripAcid)) mol/L HCl (\(pct(spec.stripAcidExcess)) excess; strip liquor \(f(fl.stripLiquorRareEarth, 3)) mol/L RE)")
        let stripFactor = spec.stripDistributionRatio * fl.organicFlow / fl.stripAcidFlow
        if fl.stripAcidFlow > fl.stoichiometricStripAcidFlow * (1 + 1e-12) {
            line("   strip acid raised from \(f(fl.stoichiometricStripAcidFlow, 3)) L/h (3 H⁺ per RE + excess) so that D·O/A ≤ \(g(DesignSpecification.maximumStrippingFactor)): at D = \(g(spec.stripDistributionRatio)) less aqueous cannot strip the organic")
        }
        line("   strip           \(stripStages) stages at D = \(g(spec.stripDistributionRatio)) (illustrative unless given: strip-distribution-ratio), stripping factor D·O/A = \(f(stripFactor, 4)); Kremser leaves \(g(Designer.unstrippedFraction(stripFactor, stages: stripStages))) of the loaded RE on the organic")
        if spec.efficiency < 1 { line("   efficiency      Murphree \(pct(spec.efficiency)) in every extraction and scrub stage (the search used it)") }
        line("   base            \(f(fl.baseFlow, 4)) mol/h \(fl.base.rawValue) (\(f(fl.baseMass, 4)) kg/h) for saponification")
        if fl.acidReleased > 0 { line("   acid released   \(f(fl.acidReleased, 4)) mol/h H⁺ into the raffinate by unsaponified extraction") }
        line("   O/A             extraction \(f(fl.organicToAqueousExtraction, 3)), scrub \(f(fl.organicToAqueousScrub, 3))")
        // Per tonne of product only from a steady state (n/a otherwise, never "inf").
        let perProduct = { (x: Double) in performance != nil && x.isFinite ? f(x, 1) : "n/a" }
        line("   reagents        HCl \(f(fl.acidPerTonneFeedOxide, 1)) kg/t REO fed (\(perProduct(fl.acidPerTonneProduct)) kg/t product REO); \(fl.base.rawValue) \(f(fl.basePerTonneFeedOxide, 1)) kg/t REO fed (\(perProduct(fl.basePerTonneProduct)) kg/t product REO)")
        if distribution.isEmpty && result != nil {
            line()
            line("7. Where each element goes: n/a (no steady state)")
        }
        if !distribution.isEmpty {
            line()
            line("7. Where each element goes (rigorous model)")
            line("   element  side       to organic   to raffinate   oxide share organic   oxide share raffinate")
            for d in distribution {
                line("   " + [d.element.symbol.padding(toLength: 7, withPad: " ", startingAt: 0),
                             d.side.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0),
                             pct(d.toOrganic).leftPad(11), pct(d.toRaffinate).leftPad(14),
                             pct(d.oxideShareOrganic).leftPad(21), pct(d.oxideShareRaffinate).leftPad(23)].joined(separator: " "))
            }
        }
        if !notes.isEmpty {
            line()
            line("Notes")
            for n in notes { line("   - " + n) }
        }
        return out.joined(separator: "\n") + "\n"
    }
}

extension String {
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
