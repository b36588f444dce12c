import Foundation
import SXModel

extension RunReport {
    /// CSV: without profiles one row per product and element; with profiles one row per
    /// cascade, stage and element. Header names carry units; numbers at full precision.
    func writeCSV<Target: TextOutputStream>(options: ReportOptions, to out: inout Target) {
        func q(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        // The last column says what the row's numbers are; a failed solve leaves them empty
        // unless the last iterate was asked for.
        let show = showsNumbers(options)
        let outcomeCell = q(outcome.code + (isSteadyState ? "" : show ? " (last iterate)" : ""))
        func cells(_ numbers: [Double?]) -> String { numbers.map { x in show ? x.map { "\($0)" } ?? "" : "" }.joined(separator: ",") }
        if options.profiles {
            out.write("cascade,stage,section,element,aqueous_mol_per_L,organic_mol_per_L,D,pH,loading_mol_per_L,outcome\n")
            for r in results {
                let c = r.cascade, d = r.distributionRatios, ph = r.pH, loading = r.organicLoading
                let ranges = c.sectionStageRanges
                for i in 0..<r.stageCount {
                    let section = ranges.firstIndex { $0.contains(i + 1) }.map { c.sections[$0].name } ?? ""
                    for (j, e) in c.elements.enumerated() {
                        out.write("\(q(c.name)),\(i + 1),\(q(section)),\(e.symbol),"
                                  + cells([r.aqueous[i][j], r.organic[i][j], d[i][j], ph?[i], loading[i]]) + ",\(outcomeCell)\n")
                    }
                }
            }
            return
        }
        if options.targets {
            out.write("product,kind,elements,unit,limit,value,margin,pass,intermediate,outcome\n")
            for (l, intermediate) in targets.flatMap({ t in t.limits.map { ($0, t.intermediate) } }) + effluents.flatMap({ e in e.limits.map { ($0, e.intermediate) } }) {
                let verdict = isSteadyState && l.value != nil ? (l.passed ? "yes" : "no") : ""
                out.write("\(q(l.product)),\(l.kind.rawValue),\(l.elements.map(\.symbol).joined(separator: "+")),\(q(l.unit)),\(l.limit),"
                          + cells([l.value, l.margin]) + ",\(verdict),\(intermediate ? "yes" : "no"),\(outcomeCell)\n")
            }
            return
        }
        out.write("product,cascade,phase,stage,flow_L_per_h,element,oxide,concentration_mol_per_L,oxide_g_per_L,oxide_purity,recovery,outcome\n")
        for p in products {
            for (j, e) in elements.enumerated() {
                out.write("\(q(p.name)),\(q(p.cascade)),\(p.phase.rawValue),\(p.stage),\(cells([p.flow])),\(e.symbol),\(e.oxideFormula),"
                          + cells([p.concentrations[j], p.oxideConcentrations[j], p.purity[j], p.recovery[j]]) + ",\(outcomeCell)\n")
            }
        }
    }
}
