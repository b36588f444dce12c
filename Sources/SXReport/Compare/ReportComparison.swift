import Foundation

/// Two run reports side by side (`sxsim compare A B`): solver outcome, products, target limits
/// and reagents, each figure with A, B, the difference B − A and the relative difference
/// (B − A)/|A|. A figure differs when one side has no value and the other has, or when
/// |B − A| > tolerance × max(|A|, |B|); a text (outcome, verdict) when it is not the same.
/// Solver effort (iterations) is shown but never counts as a difference.
public struct ReportComparison: Sendable {
    public enum Cell: Sendable, Equatable {
        case number(Double?)
        case text(String?)
    }
    public struct Row: Sendable {
        public var section: String
        public var item: String
        public var quantity: String
        /// "fraction" (printed as %, differences in percentage points), or a unit.
        public var unit: String
        public var a: Cell
        public var b: Cell
        /// Counted as a difference (false for informational rows such as iterations).
        public var counts: Bool
        public var difference: Double? {
            guard case .number(let x?) = a, case .number(let y?) = b else { return nil }
            return y - x
        }
        public var relative: Double? {
            guard case .number(let x?) = a, let d = difference, x != 0 else { return nil }
            return d / abs(x)
        }
        public func differs(tolerance: Double) -> Bool {
            switch (a, b) {
            case (.number(let x), .number(let y)):
                guard let x, let y else { return (x == nil) != (y == nil) }
                if x == y { return false }
                return abs(y - x) > tolerance * max(abs(x), abs(y))
            case (.text(let x), .text(let y)): return x != y
            default: return true
            }
        }
    }

    public var a: ComparedReport
    public var b: ComparedReport
    public var tolerance: Double
    public var rows: [Row]

    /// Rows whose difference counts.
    public var differences: [Row] { rows.filter { $0.counts && $0.differs(tolerance: tolerance) } }
    public var differs: Bool { !differences.isEmpty }

    public init(_ a: ComparedReport, _ b: ComparedReport, tolerance: Double = 1e-9) {
        self.a = a
        self.b = b
        self.tolerance = tolerance
        var rows: [Row] = []
        func verdict(_ x: Bool?) -> String? { x.map { $0 ? "yes" : "no" } }
        rows.append(Row(section: "outcome", item: "train", quantity: "outcome", unit: "", a: .text(a.outcome), b: .text(b.outcome), counts: true))
        rows.append(Row(section: "outcome", item: "train", quantity: "targets met", unit: "", a: .text(verdict(a.targetsMet)), b: .text(verdict(b.targetsMet)), counts: true))
        for name in Self.union(a.cascades.map(\.name), b.cascades.map(\.name)) {
            let x = a.cascades.first { $0.name == name }, y = b.cascades.first { $0.name == name }
            rows.append(Row(section: "outcome", item: name, quantity: "outcome", unit: "", a: .text(x?.outcome), b: .text(y?.outcome), counts: true))
            rows.append(Row(section: "outcome", item: name, quantity: "Newton iterations", unit: "",
                            a: .number(x?.iterations.map(Double.init)), b: .number(y?.iterations.map(Double.init)), counts: false))
        }
        for name in Self.union(a.products.map(\.name), b.products.map(\.name)) {
            let x = a.products.first { $0.name == name }, y = b.products.first { $0.name == name }
            for label in Self.union(x?.figures.map(\.label) ?? [], y?.figures.map(\.label) ?? []) {
                let fx = x?.figures.first { $0.label == label }, fy = y?.figures.first { $0.label == label }
                rows.append(Row(section: "products", item: name, quantity: label, unit: fx?.unit ?? fy?.unit ?? "",
                                a: .number(fx?.value), b: .number(fy?.value), counts: true))
            }
        }
        for key in Self.union(a.limits.map(\.key), b.limits.map(\.key)) {
            let x = a.limits.first { $0.key == key }, y = b.limits.first { $0.key == key }
            let unit = x?.unit ?? y?.unit ?? ""
            rows.append(Row(section: "targets", item: key, quantity: "limit", unit: unit, a: .number(x?.limit), b: .number(y?.limit), counts: true))
            rows.append(Row(section: "targets", item: key, quantity: "value", unit: unit, a: .number(x?.value), b: .number(y?.value), counts: true))
            rows.append(Row(section: "targets", item: key, quantity: "margin", unit: unit, a: .number(x?.margin), b: .number(y?.margin), counts: false))
            rows.append(Row(section: "targets", item: key, quantity: "pass", unit: "", a: .text(verdict(x?.pass)), b: .text(verdict(y?.pass)), counts: true))
        }
        for label in Self.union(a.reagents.map(\.label), b.reagents.map(\.label)) {
            let fx = a.reagents.first { $0.label == label }, fy = b.reagents.first { $0.label == label }
            rows.append(Row(section: "reagents", item: "fresh streams", quantity: label, unit: fx?.unit ?? fy?.unit ?? "",
                            a: .number(fx?.value), b: .number(fy?.value), counts: true))
        }
        self.rows = rows
    }

    /// Names of A in order, then those only B has.
    static func union(_ a: [String], _ b: [String]) -> [String] {
        var seen = Set<String>()
        return (a + b).filter { seen.insert($0).inserted }
    }

    // MARK: - Writers

    /// The text table. Rows of fractions below 1e-9 on both sides (traces of elements a product
    /// does not carry) are left out of the text, not of the JSON.
    public func text() -> String {
        var out = "SXSim compare\n"
        out += "  A: \(a.source) (\(a.kind)): \(a.name)\n"
        out += "  B: \(b.source) (\(b.kind)): \(b.name)\n"
        let titles = ["outcome": "Solver outcome", "products": "Products", "targets": "Targets", "reagents": "Reagents"]
        var section = ""
        let header = Fmt.pad("", 46, right: false) + Fmt.pad("A", 14) + Fmt.pad("B", 14) + Fmt.pad("B - A", 14) + Fmt.pad("relative", 11)
        for r in rows {
            if case .number(let x) = r.a, case .number(let y) = r.b, r.unit == "fraction",
               abs(x ?? 0) < 1e-9, abs(y ?? 0) < 1e-9, (x == nil) == (y == nil) { continue }
            if r.section != section {
                section = r.section
                let t = titles[section] ?? section
                out += "\n\(t)\n\(String(repeating: "-", count: t.count))\n" + header + "\n"
            }
            let label = r.item + "  " + r.quantity + (r.unit.isEmpty || r.unit == "fraction" ? "" : " \(r.unit)") + (r.unit == "fraction" ? " %" : "")
            var line = Fmt.pad(label, 46, right: false) + Fmt.pad(Self.format(r.a, r.unit), 14) + Fmt.pad(Self.format(r.b, r.unit), 14)
            if let d = r.difference {
                line += Fmt.pad((d > 0 ? "+" : "") + (r.unit == "fraction" ? Fmt.eng(d * 100) + " pp" : Fmt.eng(d)), 14)
                line += Fmt.pad(r.relative.map { ($0 > 0 ? "+" : "") + Fmt.eng($0 * 100) + " %" } ?? "", 11)
            }
            if r.counts && r.differs(tolerance: tolerance) { line += "  *" }
            out += line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        let n = differences.count
        out += "\n" + (n == 0 ? "no differences" : "\(n) difference\(n == 1 ? "" : "s") (marked *)")
            + " beyond a relative tolerance of \(Fmt.g(tolerance, 3)); iterations and margins are shown, not counted\n"
        return out
    }

    static func format(_ c: Cell, _ unit: String) -> String {
        switch c {
        case .text(let s): return s ?? Fmt.notAvailable
        case .number(let x):
            guard let x else { return Fmt.notAvailable }
            return unit == "fraction" ? Fmt.pct(x) : Fmt.eng(x)
        }
    }

    /// The JSON document (`format` "sxsim-compare", version 1; docs/cli.md).
    public func json() -> JSONValue {
        func cell(_ c: Cell) -> JSONValue {
            switch c {
            case .number(let x): .optional(x)
            case .text(let s): s.map { .string($0) } ?? .null
            }
        }
        func side(_ r: ComparedReport) -> JSONValue {
            .object([("source", .string(r.source)), ("kind", .string(r.kind)), ("name", .string(r.name))])
        }
        return .object([
            ("format", .string("sxsim-compare")), ("formatVersion", .integer(1)),
            ("a", side(a)), ("b", side(b)), ("tolerance", .number(tolerance)),
            ("differs", .bool(differs)), ("differences", .integer(differences.count)),
            ("rows", .array(rows.map { r in
                .object([("section", .string(r.section)), ("item", .string(r.item)), ("quantity", .string(r.quantity)),
                         ("unit", .string(r.unit)), ("a", cell(r.a)), ("b", cell(r.b)),
                         ("difference", .optional(r.difference)), ("relative", .optional(r.relative)),
                         ("counts", .bool(r.counts)), ("differs", .bool(r.counts && r.differs(tolerance: tolerance)))])
            })),
        ])
    }
}
