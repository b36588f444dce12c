import Foundation

/// A grid of coloured cells over two categorical axes (the values of two swept parameters),
/// with a colour bar. Cells without a value (a case that did not converge) are grey with a
/// cross, never coloured as a result. Each cell carries a `<title>` (a tooltip in a browser,
/// read by screen readers) with its value.
public struct HeatMap: Sendable {
    public var id: String
    public var title: String
    public var description: String
    /// Column labels (first parameter's values) and their axis title.
    public var columns: [String]
    public var columnTitle: String
    /// Row labels (second parameter's values), drawn bottom to top, and their axis title.
    public var rows: [String]
    public var rowTitle: String
    /// values[row][column]; nil for "no result".
    public var values: [[Double?]]
    /// What the colour shows, with its unit, e.g. "Nd2O3 purity (oxide basis, fraction)".
    public var valueTitle: String
    /// Cells at or above this value (e.g. a target's limit, in the values' unit) get a ✓.
    public var threshold: Double?
    public var width: Double = 760
    public var height: Double = 460

    public init(id: String, title: String, description: String, columns: [String], columnTitle: String,
                rows: [String], rowTitle: String, values: [[Double?]], valueTitle: String) {
        self.id = id
        self.title = title
        self.description = description
        self.columns = columns
        self.columnTitle = columnTitle
        self.rows = rows
        self.rowTitle = rowTitle
        self.values = values
        self.valueTitle = valueTitle
    }

    /// Viridis at nine stops (perceptually uniform, readable with colour-vision deficiency and
    /// in grey print), interpolated linearly in RGB.
    static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]

    /// The colour of t in 0…1 (clamped).
    public static func colour(_ t: Double) -> String {
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(viridis.count - 1)
        let k = min(Int(x), viridis.count - 2), f = x - Double(k)
        let a = viridis[k], b = viridis[k + 1]
        func c(_ u: Double, _ v: Double) -> Int { Int((u + (v - u) * f).rounded()) }
        return String(format: "#%02X%02X%02X", c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
    }

    public func svg() -> Markup {
        let left = 120.0, right = 150.0, top = 40.0, bottom = 70.0
        let x0 = left, x1 = width - right, y0 = top, y1 = height - bottom
        let cw = (x1 - x0) / Double(max(columns.count, 1)), ch = (y1 - y0) / Double(max(rows.count, 1))
        let finite = values.flatMap { $0 }.compactMap { $0 }.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if hi - lo < 1e-15 { lo -= 0.5e-6; hi += 0.5e-6 }
        let scale = Axis(label: valueTitle, lower: lo, upper: hi)
        var cells: [Markup] = []
        for (r, row) in values.enumerated() {
            for (c, v) in row.enumerated() {
                let x = x0 + Double(c) * cw, y = y1 - Double(r + 1) * ch
                let rect: [(String, String)] = [("x", px(x)), ("y", px(y)), ("width", px(cw)), ("height", px(ch))]
                let where_ = "\(columnTitle) = \(columns[c]), \(rowTitle) = \(rows[r])"
                if let v, v.isFinite {
                    let t = scale.fraction(of: v) ?? 0
                    let meets = threshold.map { v >= $0 } ?? false
                    cells.append(.element("rect", rect + [("fill", HeatMap.colour(t))],
                                          [.element("title", [], text: "\(where_): \(String(format: "%.6g", v))" + (meets ? " (meets the target)" : ""))]))
                    if meets && cw >= 12 && ch >= 12 {
                        // Dark on the light end of the scale, white on the dark end.
                        cells.append(.element("text", [("x", px(x + cw / 2)), ("y", px(y + ch / 2 + 4)), ("text-anchor", "middle"),
                                                       ("fill", t > 0.6 ? "#000000" : "#FFFFFF"), ("class", "meets")], text: "✓"))
                    }
                } else {
                    cells.append(.element("g", [("class", "no-result")], [
                        .element("rect", rect + [("fill", "#D9D9D9")], [.element("title", [], text: "\(where_): no result (did not converge)")]),
                        .element("path", [("d", "M\(px(x + cw * 0.25)),\(px(y + ch * 0.25)) L\(px(x + cw * 0.75)),\(px(y + ch * 0.75)) M\(px(x + cw * 0.75)),\(px(y + ch * 0.25)) L\(px(x + cw * 0.25)),\(px(y + ch * 0.75))"),
                                          ("stroke", "#555555"), ("stroke-width", "1.2")]),
                    ]))
                }
            }
        }
        func text(_ s: String, _ x: Double, _ y: Double, _ anchor: String, _ extra: [(String, String)] = []) -> Markup {
            .element("text", [("x", px(x)), ("y", px(y)), ("text-anchor", anchor)] + extra, text: s)
        }
        // Label at most ~12 columns and ~16 rows.
        let everyC = max(1, Int(ceil(Double(columns.count) / 12))), everyR = max(1, Int(ceil(Double(rows.count) / 16)))
        var axes: [Markup] = [.element("rect", [("x", px(x0)), ("y", px(y0)), ("width", px(x1 - x0)), ("height", px(y1 - y0)), ("fill", "none"), ("stroke", Palette.ink)])]
        for (c, l) in columns.enumerated() where c % everyC == 0 { axes.append(text(l, x0 + (Double(c) + 0.5) * cw, y1 + 16, "middle")) }
        for (r, l) in rows.enumerated() where r % everyR == 0 { axes.append(text(l, x0 - 6, y1 - (Double(r) + 0.5) * ch + 4, "end")) }
        axes.append(text(columnTitle, (x0 + x1) / 2, y1 + 40, "middle"))
        let cy = (y0 + y1) / 2
        axes.append(text(rowTitle, 16, cy, "middle", [("transform", "rotate(-90 16 \(px(cy)))")]))
        // Colour bar with the value scale's ticks.
        let bx = x1 + 24, bw = 16.0
        var bar: [Markup] = (0..<40).map { k in
            let t0 = Double(k) / 40
            return .element("rect", [("x", px(bx)), ("y", px(y1 - (t0 + 1.0 / 40) * (y1 - y0))), ("width", px(bw)),
                                     ("height", px((y1 - y0) / 40 + 0.5)), ("fill", HeatMap.colour(t0 + 0.5 / 40))])
        }
        bar.append(.element("rect", [("x", px(bx)), ("y", px(y0)), ("width", px(bw)), ("height", px(y1 - y0)), ("fill", "none"), ("stroke", Palette.ink)]))
        for t in scale.ticks {
            guard let f = scale.fraction(of: t.value), f >= -1e-9, f <= 1 + 1e-9, let l = t.label else { continue }
            let y = y1 - f * (y1 - y0)
            bar.append(.element("line", [("x1", px(bx + bw)), ("y1", px(y)), ("x2", px(bx + bw + 4)), ("y2", px(y)), ("stroke", Palette.ink)]))
            bar.append(text(l, bx + bw + 6, y + 4, "start"))
        }
        bar.append(text(valueTitle, bx, y0 - 8, "start", [("font-size", "11")]))
        return .element("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(px(width)) \(px(height))"), ("width", px(width)),
                                ("height", px(height)), ("role", "img"), ("class", "plot"), ("aria-labelledby", "\(id)-title \(id)-desc"),
                                ("font-family", "Helvetica, Arial, sans-serif"), ("font-size", "12")], [
            .element("title", [("id", "\(id)-title")], text: title),
            .element("desc", [("id", "\(id)-desc")], text: description),
            .element("rect", [("x", "0"), ("y", "0"), ("width", px(width)), ("height", px(height)), ("fill", "#FFFFFF")]),
            .element("text", [("x", px(x0)), ("y", "20"), ("font-size", "14"), ("font-weight", "bold"), ("fill", Palette.ink)], text: title),
            .element("g", [("class", "cells")], cells),
            .element("g", [("class", "axes"), ("fill", Palette.ink)], axes),
            .element("g", [("class", "colour-bar"), ("fill", Palette.ink)], bar),
        ])
    }
}
