import Foundation

/// The HTML page of a sweep (`sxsim sweep … --html FILE`, docs/sweep.md), built from the
/// sweep's CSV itself, so a merged CSV gives the same page as the unsharded run: purity and
/// recovery of the chosen products against one varied value, a heat map over two, and the
/// cases that did not converge marked (never drawn as results) and listed with their reasons.
public struct SweepPage {
    /// A product element to plot, with the flowsheet's limits for it (fractions) when it has
    /// targets.
    public struct Focus: Sendable, Equatable {
        public var product: String
        public var element: String
        public var oxide: String?
        public var minimumPurity: Double?
        public var minimumRecovery: Double?
        public init(product: String, element: String, oxide: String? = nil, minimumPurity: Double? = nil, minimumRecovery: Double? = nil) {
            self.product = product
            self.element = element
            self.oxide = oxide
            self.minimumPurity = minimumPurity
            self.minimumRecovery = minimumRecovery
        }
    }

    /// The CSV's cases: varied values, outcome, reason and the result columns by name.
    struct Table {
        var keys: [String]
        var rows: [(values: [String], outcome: String, reason: String, cells: [String: String])]

        init?(csv: String) {
            let lines = SweepPage.records(csv)
            guard let header = lines.first, header.first == "case", let o = header.firstIndex(of: "outcome") else { return nil }
            keys = Array(header[1..<o])
            rows = lines.dropFirst().filter { $0.count == header.count }.map { r in
                var cells: [String: String] = [:]
                for (k, name) in header.enumerated() { cells[name] = r[k] }
                return (Array(r[1..<o]), r[o], cells["reason"] ?? "", cells)
            }
        }

        func number(_ row: Int, _ column: String) -> Double? { rows[row].cells[column].flatMap(Double.init) }
        func converged(_ row: Int) -> Bool { rows[row].outcome == "converged" }
    }

    /// Splits CSV text into records (RFC 4180 quoting, as SweepCSV writes it).
    static func records(_ text: String) -> [[String]] {
        var out: [[String]] = [], record: [String] = [], field = ""
        var quoted = false, justClosed = false
        for ch in text {
            if quoted {
                if ch == "\"" { quoted = false; justClosed = true } else { field.append(ch) }
                continue
            }
            switch ch {
            case "\"":
                if justClosed { field.append("\"") }
                quoted = true
            case ",": record.append(field); field = ""
            case "\n", "\r\n":
                record.append(field); field = ""
                out.append(record); record = []
            default: field.append(ch)
            }
            justClosed = false
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); out.append(record) }
        return out
    }

    /// The leading number of a varied value and its unit ("330 L/h" → (330, "L/h")).
    static func numeric(_ value: String) -> (Double, String?)? {
        let parts = value.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
        guard let first = parts.first, let v = Double(first) else { return nil }
        return (v, parts.count > 1 ? String(parts[1]) : nil)
    }

    public var title: String
    public var csv: String
    /// What to plot; empty: for each product, the element it is richest in (mean purity).
    public var focus: [Focus]

    public init(title: String, csv: String, focus: [Focus] = []) {
        self.title = title
        self.csv = csv
        self.focus = focus
    }

    func chosenFocus(_ t: Table) -> [Focus] {
        if !focus.isEmpty { return focus }
        var out: [Focus] = []
        let columns = t.rows.first.map { Array($0.cells.keys).filter { $0.hasSuffix(".purity") }.sorted() } ?? []
        var byProduct: [String: (element: String, mean: Double)] = [:]
        for c in columns {
            let parts = c.split(separator: ".")
            guard parts.count >= 3 else { continue }
            let product = parts.dropLast(2).joined(separator: "."), element = String(parts[parts.count - 2])
            let values = t.rows.indices.compactMap { t.number($0, c) }
            guard !values.isEmpty else { continue }
            let mean = values.reduce(0, +) / Double(values.count)
            if mean > (byProduct[product]?.mean ?? -1) { byProduct[product] = (element, mean) }
        }
        for (p, e) in byProduct.sorted(by: { $0.key < $1.key }) where e.mean > 0.5 { out.append(Focus(product: p, element: e.element)) }
        return out
    }

    public func rendered() -> String {
        guard let t = Table(csv: csv) else {
            return HTMLPage(title: title, body: [HTMLPage.heading(1, title), HTMLPage.paragraph("The sweep's CSV could not be read.")]).rendered()
        }
        let failed = t.rows.indices.filter { !t.converged($0) }
        let focus = chosenFocus(t)
        var body: [Markup] = [
            HTMLPage.heading(1, title),
            HTMLPage.paragraph("\(t.rows.count) cases over " + t.keys.map { k in "\(k) (\(Set(t.rows.map { $0.values[t.keys.firstIndex(of: k)!] }).count) values)" }.joined(separator: " × ")
                               + "; \(t.rows.count - failed.count) converged, \(failed.count) did not.", class: "meta"),
        ]
        if !failed.isEmpty {
            body.append(.element("div", [("class", "status fail"), ("role", "status")],
                                 text: "\(failed.count) case\(failed.count == 1 ? "" : "s") did not converge: marked in the plots, never drawn as results, listed below."))
        }
        switch t.keys.count {
        case 1: body += lineFigures(t, focus: focus)
        case 2: body += heatMapFigures(t, focus: focus)
        default: body.append(HTMLPage.paragraph("Plots are drawn for one or two varied values; this sweep varies \(t.keys.count). The cases are listed below.", class: "note"))
        }
        if !failed.isEmpty {
            body.append(HTMLPage.heading(2, "Cases that did not converge"))
            body.append(HTMLPage.table(header: ["case"] + t.keys + ["outcome", "reason"],
                                       rows: failed.map { r in [.number(t.rows[r].cells["case"] ?? "")] + t.rows[r].values.map { HTMLPage.Cell($0) }
                                           + [HTMLPage.Cell(t.rows[r].outcome, cls: "failed"), HTMLPage.Cell(t.rows[r].reason)] }))
        }
        let shown = Array(t.rows.indices.prefix(500))
        body.append(HTMLPage.heading(2, "Cases" + (shown.count < t.rows.count ? " (first \(shown.count) of \(t.rows.count); all in the CSV)" : "")))
        let header = ["case"] + t.keys + ["outcome"] + focus.flatMap { ["\($0.product) \($0.oxide ?? $0.element) purity %", "\($0.element) recovery %"] } + ["targets met"]
        body.append(HTMLPage.table(header: header, rows: shown.map { r in
            let ok = t.converged(r)
            let numbers: [HTMLPage.Cell] = focus.flatMap { f in
                ["purity", "recovery"].map { kind in .number(ok ? (t.number(r, "\(f.product).\(f.element).\(kind)").map { Fmt.pct($0) } ?? "") : "–") }
            }
            return [.number(t.rows[r].cells["case"] ?? "")] + t.rows[r].values.map { HTMLPage.Cell($0) }
                + [HTMLPage.Cell(t.rows[r].outcome, cls: ok ? nil : "failed")] + numbers + [HTMLPage.Cell(t.rows[r].cells["targets-met"] ?? "")]
        }))
        return HTMLPage(title: title, body: body).rendered()
    }

    func lineFigures(_ t: Table, focus: [Focus]) -> [Markup] {
        let key = t.keys[0]
        let parsed = t.rows.map { SweepPage.numeric($0.values[0]) }
        let isNumeric = parsed.allSatisfy { $0 != nil }
        let xs: [Double] = isNumeric ? parsed.map { $0!.0 } : t.rows.indices.map { Double($0 + 1) }
        let unit = isNumeric ? parsed.first??.1 : nil
        let xAxis = Axis.fitting(xs, label: isNumeric ? key : "\(key) (case number; values in the table)", unit: unit)
        let failed = t.rows.indices.filter { !t.converged($0) }
        return [("purity", "Purity (oxide basis)", \Focus.minimumPurity), ("recovery", "Recovery", \Focus.minimumRecovery)].map { kind, label, limit in
            var series: [Series] = []
            var values: [Double] = []
            for (k, f) in focus.enumerated() {
                let ys = t.rows.indices.map { r in t.converged(r) ? (t.number(r, "\(f.product).\(f.element).\(kind)") ?? .nan) * 100 : .nan }
                values += ys
                let name = "\(f.product): \(kind == "purity" ? (f.oxide ?? f.element) : f.element)"
                series.append(Series(name: name, x: xs, y: ys, stroke: Stroke(colour: Palette.colour(k == 0 ? 0 : k + 1), marker: xs.count <= 60 ? .circle : .none)))
                if let m = f[keyPath: limit] {
                    values.append(m * 100)
                    series.append(Series(name: "\(name) min \(Fmt.g(m * 100, 6)) %", x: [xAxis.lower, xAxis.upper], y: [m * 100, m * 100],
                                         stroke: Stroke(colour: Palette.colour(k == 0 ? 0 : k + 1), dash: .dotted, width: 1.2)))
                }
            }
            let yAxis = Axis.fitting(values, label: label, unit: "%")
            // Cases that did not converge: a dashed line at their value, no point.
            let noResult = Stroke(colour: Palette.colour(1), dash: .dashed, width: 1)
            let marks = failed.map { Annotation.verticalLine(x: xs[$0], label: nil, stroke: noResult) }
            let legend = series.compactMap { s in s.name.map { LegendEntry($0, s.stroke) } }
                + (failed.isEmpty ? [] : [LegendEntry("did not converge (no result)", noResult)])
            let plot = LinePlot(id: "sweep-\(kind)", title: "\(label) against \(key)",
                                description: "\(label) in % of each plotted product element against \(key) over \(t.rows.count) cases; "
                                    + "cases that did not converge are dashed vertical lines and carry no value.",
                                xAxis: xAxis, yAxis: yAxis, series: series, annotations: marks, legend: legend)
            return HTMLPage.figure(plot.svg(), caption: "\(label) (%) against \(key)" + (failed.isEmpty ? "." : "; dashed vertical lines: cases that did not converge (no result)."))
        }
    }

    func heatMapFigures(_ t: Table, focus: [Focus]) -> [Markup] {
        guard let f = focus.first else { return [HTMLPage.paragraph("No product to plot.", class: "note")] }
        func distinct(_ k: Int) -> [String] {
            var seen: [String] = []
            for r in t.rows where !seen.contains(r.values[k]) { seen.append(r.values[k]) }
            return seen
        }
        let columns = distinct(0), rows = distinct(1)
        return ["purity", "recovery"].map { kind in
            var values = [[Double?]](repeating: [Double?](repeating: nil, count: columns.count), count: rows.count)
            for r in t.rows.indices where t.converged(r) {
                guard let c = columns.firstIndex(of: t.rows[r].values[0]), let w = rows.firstIndex(of: t.rows[r].values[1]) else { continue }
                values[w][c] = t.number(r, "\(f.product).\(f.element).\(kind)").map { $0 * 100 }
            }
            let what = kind == "purity" ? "\(f.product) \(f.oxide ?? f.element) purity, % (oxide basis)" : "\(f.product) \(f.element) recovery, %"
            var map = HeatMap(id: "sweep-map-\(kind)", title: what, description: "\(what) over \(t.keys[0]) (columns) and \(t.keys[1]) (rows); grey crossed cells did not converge and have no value.",
                              columns: columns, columnTitle: t.keys[0], rows: rows, rowTitle: t.keys[1], values: values, valueTitle: kind == "purity" ? "purity, %" : "recovery, %")
            map.threshold = (kind == "purity" ? f.minimumPurity : f.minimumRecovery).map { $0 * 100 }
            let limit = map.threshold.map { "; ✓: at least the target's \(Fmt.g($0, 6)) %" } ?? ""
            return HTMLPage.figure(map.svg(), caption: "\(what); grey crossed cells: no result (did not converge)\(limit). Hover a cell for its value.")
        }
    }
}
