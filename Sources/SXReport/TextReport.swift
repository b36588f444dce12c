import Foundation
import SXFlowsheet
import SXModel

extension RunReport {
    func writeText<Target: TextOutputStream>(options: ReportOptions, to out: inout Target) {
        let line = String(repeating: "=", count: 78)
        out.write("\(line)\nSXSim run: \(flowsheetName)\n")
        out.write("file: \(fileName)    elements: \(elements.map(\.symbol).joined(separator: " "))\n\(line)\n")
        let status: String
        switch (outcome.isConverged, targetsMet) {
        case (false, _): status = (outcome.isSolverFailure ? "SOLVER DID NOT CONVERGE: " : "NO VALID RESULT: ") + outcome.explanation
        case (true, .some(true)): status = "converged; all targets PASS"
        case (true, .some(false)): status = "converged; some targets FAIL"
        case (true, nil): status = "converged; no targets set"
        }
        out.write("status: \(status)\n")
        let show = showsNumbers(options)
        if !isSteadyState {
            out.write(show ? "LAST ITERATE (--last-iterate): not a steady state; the numbers below are not results\n"
                           : "not a steady state: no results (n/a); --last-iterate shows the last iterate\n")
        }

        if !products.isEmpty {
            out.write("\nProducts\n--------\n")
            let fedFlow = reagents.oxideFed * 1000  // g/h REO
            for p in products {
                if !show {
                    out.write("\(p.name)  (cascade \(p.cascade), \(p.phase.rawValue) from stage \(p.stage)): \(Fmt.notAvailable)\n")
                    continue
                }
                // Outlets carrying almost no rare earth (stripped organic) get one line.
                if p.totalOxide * p.flow < 1e-6 * fedFlow {
                    out.write("\(p.name)  (cascade \(p.cascade), \(p.phase.rawValue) from stage \(p.stage)): flow \(Fmt.g(p.flow)) L/h, residual \(Fmt.eng(p.totalOxide, 3)) g/L REO\n")
                    continue
                }
                out.write("\(p.name)  (cascade \(p.cascade), \(p.phase.rawValue) from stage \(p.stage))\n")
                out.write("  flow \(Fmt.g(p.flow)) L/h   total \(Fmt.g(p.totalOxide)) g/L REO   \(Fmt.g(p.oxideTonnesPerYear)) t/y REO at \(Fmt.g(operatingHours)) h/y")
                if let h = p.acidity { out.write("   free acid \(Fmt.g(h)) mol/L") }
                out.write("\n")
                // With metals other than rare earths: purity % is on the TREO basis for rare
                // earths (the others' share of all metal oxides), and a column gives every
                // element's share of all metal oxides.
                out.write("  " + Fmt.pad("element", 8, right: false) + Fmt.pad("mol/L", 12) + Fmt.pad(p.hasOtherMetals ? "g/L oxide" : "g/L REO", 12) + Fmt.pad("oxide", 8)
                          + Fmt.pad("purity %", 12) + (p.hasOtherMetals ? Fmt.pad("of metals %", 13) : "") + Fmt.pad("recovery %", 12) + "\n")
                for (j, e) in elements.enumerated() {
                    out.write("  " + Fmt.pad(e.symbol, 8, right: false) + Fmt.pad(Fmt.eng(p.concentrations[j], 5), 12)
                              + Fmt.pad(Fmt.eng(p.oxideConcentrations[j], 5), 12) + Fmt.pad(e.oxideFormula, 8)
                              + Fmt.pad(Fmt.pct(p.purity[j]), 12) + (p.hasOtherMetals ? Fmt.pad(Fmt.pct(p.purityAmongAllMetals[j]), 13) : "")
                              + Fmt.pad(Fmt.pct(p.recovery[j]), 12) + "\n")
                }
            }
        }

        if !targets.isEmpty || !effluents.isEmpty {
            out.write("\nTargets\n-------\n")
            // PASS/FAIL only for a steady state; a last iterate shows its numbers, no verdict.
            func line(_ product: String, _ limits: [LimitCheck], passed: Bool) {
                let evaluated = isSteadyState && limits.allSatisfy { $0.value != nil }
                let parts = limits.map { l in Fmt.limitCheck(l, show: show) + (isSteadyState && l.value != nil ? (l.passed ? " PASS" : " FAIL") : "") }
                out.write("\(evaluated ? (passed ? "PASS" : "FAIL") : "n/a ")  \(product): " + parts.joined(separator: "; ") + "\n")
            }
            for t in targets {
                line(t.target.product, t.limits, passed: t.passed)
                if t.intermediate { out.write("      (an intermediate stream: it feeds another cascade)\n") }
                if show, let m = t.target.minimumPurity, let range = t.stagesMeetingPurity {
                    out.write("      \(t.target.oxideLabel) >= \(Fmt.limit(m)) % in the \(t.phase.rawValue) of stages \(range.lowerBound)-\(range.upperBound)"
                              + (range.lowerBound > 1 ? "; the limit is crossed between stages \(range.lowerBound - 1) and \(range.lowerBound)" : "") + "\n")
                }
            }
            for e in effluents {
                line(e.target.product, e.limits, passed: e.passed)
                if e.intermediate { out.write("      (an intermediate stream: it feeds another cascade)\n") }
            }
        }

        out.write("\nReagents (fresh streams)\n------------------------\n")
        out.write("  REO fed        \(Fmt.g(reagents.oxideFed)) kg/h\n")
        out.write("  acid (HCl)     \(Fmt.g(reagents.acid)) mol/h = \(Fmt.g(reagents.acidKgPerHour)) kg/h" +
                  (reagents.acidKgPerTonne.map { " = \(Fmt.g($0)) kg/t REO fed" } ?? "") + "\n")
        out.write("  base (\(reagents.baseFormula))\(String(repeating: " ", count: max(1, 7 - reagents.baseFormula.count)))\(Fmt.g(reagents.base)) mol/h = \(Fmt.g(reagents.baseKgPerHour)) kg/h" +
                  (reagents.baseKgPerTonne.map { " = \(Fmt.g($0)) kg/t REO fed" } ?? "") + "\n")
        if reagents.extractant > 0 { out.write("  extractant     \(Fmt.g(reagents.extractant)) mol/h circulating (monomer basis)\n") }

        out.write("\nSolver\n------\n")
        out.write("  outcome: \(outcome.code)" + (outcome.isConverged ? "" : " (\(outcome.explanation))") + "\n")
        if passes > 1 { out.write("  recycle passes: \(passes), last relative change \(Fmt.eng(recycleChange, 3))\n") }
        for c in cascades {
            out.write("  \(c.name): \(c.stageCount) stages (" + c.sections.map { "\($0.name) \($0.stages) \($0.model)" + ($0.efficiency < 1 ? " E=\(Fmt.g($0.efficiency, 3))" : "") }.joined(separator: ", ") + ")\n")
            out.write("    \(c.outcome.code), \(c.iterations) Newton iterations" + (c.continuationSteps > 0 ? ", \(c.continuationSteps) continuation steps" : "")
                      + ", residual \(Fmt.eng(c.residualNorm, 2)), mass-balance closure \(Fmt.closure(c.closure))\n")
            if let k = c.circuit {
                out.write("    organic circuit: \(Fmt.g(k.returnFlow)) L/h of stripped organic return to stage \(k.entryStage) carrying "
                          + (show ? "\(Fmt.eng(k.returningOxide, 3)) g/L REO" : Fmt.notAvailable) + ", make-up \(Fmt.g(k.makeUpFlow)) L/h\n")
            }
        }
        out.write("  train closure (fresh feeds in - products out)/fresh: \(show ? Fmt.closure(trainClosure) : Fmt.notAvailable)\n")
        if let s = seconds { out.write("  time: \(Fmt.f(s * 1000, 1)) ms\n") }

        if !equilibria.isEmpty {
            out.write("\nEquilibrium data\n----------------\n")
            for e in equilibria {
                out.write("  \(e.name) (\(e.model)): \(e.provenance.status.uppercased()); \(e.provenance.source)" + (e.provenance.conditions.map { "; \($0)" } ?? "") + "\n")
            }
        }
        for w in warnings { out.write("\nwarning: \(w.location): [\(w.id.code)] \(w.message)\n") }
        if options.profiles {
            if show { writeProfiles(to: &out) } else { out.write("\nStage profiles: n/a (not a steady state)\n") }
        }
    }

    func writeProfiles<Target: TextOutputStream>(to out: inout Target) {
        for r in results {
            let c = r.cascade
            out.write("\nStage profile: \(c.name)  (stage 1 = raffinate end; x aqueous, y organic in mol/L)\n")
            var header = Fmt.pad("stage", 6) + " " + Fmt.pad("section", 11, right: false)
            for e in c.elements { header += Fmt.pad("x " + e.symbol, 11) }
            for e in c.elements { header += Fmt.pad("y " + e.symbol, 11) }
            for e in c.elements { header += Fmt.pad("D " + e.symbol, 10) }
            if r.pH != nil { header += Fmt.pad("pH", 7) }
            if r.dosage != nil { header += Fmt.pad("d vol%", 8) }
            header += Fmt.pad("loading", 10)
            out.write(header + "\n")
            let d = r.distributionRatios, ph = r.pH, loading = r.organicLoading, dosage = r.dosage
            let ranges = c.sectionStageRanges
            for i in 0..<r.stageCount {
                let section = ranges.firstIndex { $0.contains(i + 1) }.map { c.sections[$0].name } ?? ""
                var row = Fmt.pad(String(i + 1), 6) + " " + Fmt.pad(section, 11, right: false)
                for j in c.elements.indices { row += Fmt.pad(Fmt.eng(r.aqueous[i][j], 4), 11) }
                for j in c.elements.indices { row += Fmt.pad(Fmt.eng(r.organic[i][j], 4), 11) }
                for j in c.elements.indices { row += Fmt.pad(Fmt.g(d[i][j], 4), 10) }
                if let ph { row += Fmt.pad(Fmt.f(ph[i], 2), 7) }
                if let dosage { row += Fmt.pad(Fmt.f(dosage[i], 3), 8) }
                row += Fmt.pad(Fmt.g(loading[i], 4), 10)
                out.write(row + "\n")
            }
        }
    }
}
