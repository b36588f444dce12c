import SXModel

/// The result columns of a sweep over a cascade: the solve's outcome and, for every outlet
/// and element, the oxide-basis purity and the recovery into that outlet. Numbers are written
/// in the shortest form that reads back to the same Double, so a CSV is reproducible byte for
/// byte; they are left empty when the solve did not converge (its reason says why).
public enum SweepColumns {
    /// Column names for a cascade's outlets and elements:
    /// `outcome, reason, iterations, closure, <outlet>.<El>.purity, <outlet>.<El>.recovery, …`.
    public static func header(outlets: [String], elements: [Element]) -> [String] {
        var h = ["outcome", "reason", "iterations", "closure"]
        for o in outlets {
            for e in elements { h.append("\(o).\(e.symbol).purity") }
            for e in elements { h.append("\(o).\(e.symbol).recovery") }
        }
        return h
    }

    /// Columns of the target limits, three per limit key (e.g. "nd-product.min-purity.Nd"):
    /// `limit.<key>.value`, `limit.<key>.margin` (positive when met), `limit.<key>.pass` (yes/no).
    public static func limitHeader(_ keys: [String]) -> [String] {
        keys.flatMap { ["limit.\($0).value", "limit.\($0).margin", "limit.\($0).pass"] }
    }

    /// Outlet names of a solved cascade, in the solver's order.
    public static func outletNames(_ r: CascadeResult) -> [String] { r.outlets.map(\.name) }

    /// The cells of one solved case (as many as `header` gives for the same outlets and elements).
    public static func cells(_ r: CascadeResult, outlets: [String]) -> [String] {
        let converged = r.outcome.isConverged
        var c = [r.outcome.code, r.outcome.explanation, String(r.iterations), converged ? number(r.worstClosure) : ""]
        for name in outlets {
            guard converged, let o = r.outlet(named: name) else {
                c += [String](repeating: "", count: 2 * r.cascade.elements.count)
                continue
            }
            c += o.oxidePurity(elements: r.cascade.elements).map(number)
            c += r.cascade.elements.indices.map { number(r.recovery(element: $0, in: o)) }
        }
        return c
    }

    /// Cells for a case that could not be built: `code` "input-error" (bad override value,
    /// invalid flowsheet) or "infeasible" (a design refused before solving, e.g. over-saponified).
    public static func failure(_ message: String, columns: Int, code: String = "input-error") -> [String] {
        [code, message] + [String](repeating: "", count: max(0, columns - 2))
    }

    /// Shortest round-trip text of a Double ("0.995689", "1e-12").
    public static func number(_ x: Double) -> String { "\(x)" }
}
