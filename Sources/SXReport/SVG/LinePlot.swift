import Foundation

/// An x–y line plot rendered as SVG: frame, grid, ticks and axis titles with units, the data
/// (clipped to the plot area), annotations, feed/draw markers above the plot, and a legend
/// to the right of the plot area so that it never hides data. `<title>` and `<desc>` make
/// it readable by screen readers; `id` must be unique within a page (it prefixes the
/// clip path's id).
public struct LinePlot: Sendable {
    public var id: String
    public var title: String
    /// What the plot shows, in a sentence or two (the SVG `<desc>`).
    public var description: String
    public var xAxis: Axis
    public var yAxis: Axis
    public var series: [Series]
    public var annotations: [Annotation] = []
    /// The legend; nil lists every named series.
    public var legend: [LegendEntry]?
    /// Equal scales on both axes (a square plot area), for diagrams such as McCabe–Thiele.
    public var squareArea = false
    /// Width and height, px.
    public var width: Double = 760
    public var height: Double = 420

    public init(id: String, title: String, description: String, xAxis: Axis, yAxis: Axis, series: [Series],
                annotations: [Annotation] = [], legend: [LegendEntry]? = nil) {
        self.id = id
        self.title = title
        self.description = description
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.series = series
        self.annotations = annotations
        self.legend = legend
    }

    /// A white outline behind annotation text, so that it stays readable over lines.
    static let halo = [("paint-order", "stroke"), ("stroke", "#FFFFFF"), ("stroke-width", "3"), ("stroke-linejoin", "round")]

    var legendEntries: [LegendEntry] {
        legend ?? series.compactMap { s in s.name.map { LegendEntry($0, s.stroke) } }
    }

    /// The plot as an `<svg>` element (for inlining in a page).
    public func svg() -> Markup {
        var layout = PlotLayout(plot: self)
        return layout.render()
    }

    /// A standalone SVG document.
    public func document() -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg().rendered() + "\n"
    }
}

/// Approximate width of `text` in px at `size` px in a sans-serif font (layout only).
func textWidth(_ text: String, size: Double = 12) -> Double { Double(text.count) * size * 0.56 }

/// Coordinates with two decimals, trailing zeros dropped ("12.5", "40").
func px(_ v: Double) -> String {
    var s = String(format: "%.2f", v)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s == "-0" ? "0" : s
}

/// Places labels of estimated widths along a line in rows, so that none overlap.
struct RowPacker {
    var rowEnds: [Double] = []
    /// The row (0-based) a label from `start` to `end` goes in.
    mutating func place(start: Double, end: Double) -> Int {
        if let r = rowEnds.firstIndex(where: { $0 < start }) {
            rowEnds[r] = end
            return r
        }
        rowEnds.append(end)
        return rowEnds.count - 1
    }
}

struct PlotLayout {
    let plot: LinePlot
    var left = 78.0, right = 20.0, top = 36.0, bottom = 50.0
    var markerRows: [Int] = []
    let markerRowHeight = 15.0

    init(plot: LinePlot) {
        self.plot = plot
        let legendWidth = plot.legendEntries.map { textWidth($0.label) }.max().map { $0 + 60 } ?? 0
        right = max(20, min(legendWidth, 260))
        // Feed and draw markers get rows of their own above the plot area.
        var packer = RowPacker()
        let markers = plot.annotations.compactMap { a -> (Double, String)? in
            if case .edgeMarker(let x, let label, _) = a { return (x, label) } else { return nil }
        }
        let provisional = (left, plot.width - right)
        for (x, label) in markers {
            let cx = provisional.0 + (plot.xAxis.fraction(of: x) ?? 0) * (provisional.1 - provisional.0)
            let w = textWidth(label, size: 11)
            let flip = cx + 7 + w > plot.width - 2
            markerRows.append(flip ? packer.place(start: cx - 10 - w, end: cx + 6) : packer.place(start: cx - 6, end: cx + 10 + w))
        }
        top += Double(packer.rowEnds.count) * markerRowHeight + (markers.isEmpty ? 0 : 6)
        if plot.squareArea {
            let side = min(plot.width - left - right, plot.height - top - bottom)
            right = plot.width - left - side
            bottom = plot.height - top - side
        }
    }

    var x0: Double { left }
    var x1: Double { plot.width - right }
    var y0: Double { top }
    var y1: Double { plot.height - bottom }

    func x(_ v: Double) -> Double? { plot.xAxis.fraction(of: v).map { x0 + $0 * (x1 - x0) } }
    func y(_ v: Double) -> Double? { plot.yAxis.fraction(of: v).map { y1 - $0 * (y1 - y0) } }

    mutating func render() -> Markup {
        let id = plot.id
        var children: [Markup] = [
            .element("title", [("id", "\(id)-title")], text: plot.title),
            .element("desc", [("id", "\(id)-desc")], text: plot.description),
            .element("defs", [], [.element("clipPath", [("id", "\(id)-clip")], [rect(x0, y0, x1 - x0, y1 - y0, [])])]),
            .element("rect", [("x", "0"), ("y", "0"), ("width", px(plot.width)), ("height", px(plot.height)), ("fill", "#FFFFFF")]),
            .element("text", [("x", px(x0)), ("y", "20"), ("font-size", "14"), ("font-weight", "bold"), ("fill", Palette.ink)], text: plot.title),
        ]
        children.append(.element("g", [("class", "bands")], bands()))
        children.append(.element("g", [("class", "grid"), ("stroke", Palette.grid), ("stroke-width", "1")], grid()))
        children.append(.element("g", [("class", "data"), ("clip-path", "url(#\(id)-clip)"), ("fill", "none")], data()))
        children.append(.element("g", [("class", "annotations")], annotations()))
        children.append(.element("g", [("class", "axes"), ("fill", Palette.ink)], axes()))
        children.append(.element("g", [("class", "edge-markers")], edgeMarkers()))
        children.append(.element("g", [("class", "legend")], legend()))
        return .element("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(px(plot.width)) \(px(plot.height))"),
                                ("width", px(plot.width)), ("height", px(plot.height)), ("role", "img"), ("class", "plot"),
                                ("aria-labelledby", "\(id)-title \(id)-desc"), ("font-family", "Helvetica, Arial, sans-serif"),
                                ("font-size", "12")], children)
    }

    func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ extra: [(String, String)]) -> Markup {
        .element("rect", [("x", px(x)), ("y", px(y)), ("width", px(w)), ("height", px(h))] + extra)
    }

    func line(_ xa: Double, _ ya: Double, _ xb: Double, _ yb: Double, _ extra: [(String, String)] = []) -> Markup {
        .element("line", [("x1", px(xa)), ("y1", px(ya)), ("x2", px(xb)), ("y2", px(yb))] + extra)
    }

    func text(_ s: String, _ tx: Double, _ ty: Double, anchor: String = "start", _ extra: [(String, String)] = []) -> Markup {
        .element("text", [("x", px(tx)), ("y", px(ty)), ("text-anchor", anchor)] + extra, text: s)
    }

    func strokeAttributes(_ s: Stroke) -> [(String, String)] {
        var a = [("stroke", s.colour), ("stroke-width", px(s.width))]
        if let d = s.dash.pattern { a.append(("stroke-dasharray", d)) }
        return a
    }

    func grid() -> [Markup] {
        var out: [Markup] = []
        for t in plot.xAxis.ticks { if let gx = x(t.value), gx > x0 + 0.5, gx < x1 - 0.5 { out.append(line(gx, y0, gx, y1)) } }
        for t in plot.yAxis.ticks { if let gy = y(t.value), gy > y0 + 0.5, gy < y1 - 0.5 { out.append(line(x0, gy, x1, gy)) } }
        return out
    }

    func axes() -> [Markup] {
        var out: [Markup] = [rect(x0, y0, x1 - x0, y1 - y0, [("fill", "none"), ("stroke", Palette.ink), ("stroke-width", "1")])]
        for t in plot.xAxis.ticks {
            guard let gx = x(t.value) else { continue }
            out.append(line(gx, y1, gx, y1 + (t.label == nil ? 3 : 5), [("stroke", Palette.ink)]))
            if let l = t.label { out.append(text(l, gx, y1 + 18, anchor: "middle")) }
        }
        for v in plot.xAxis.minorTicks { if let gx = x(v) { out.append(line(gx, y1, gx, y1 + 3, [("stroke", Palette.ink)])) } }
        for t in plot.yAxis.ticks {
            guard let gy = y(t.value) else { continue }
            out.append(line(x0 - (t.label == nil ? 3 : 5), gy, x0, gy, [("stroke", Palette.ink)]))
            if let l = t.label { out.append(text(l, x0 - 8, gy + 4, anchor: "end")) }
        }
        for v in plot.yAxis.minorTicks { if let gy = y(v) { out.append(line(x0 - 3, gy, x0, gy, [("stroke", Palette.ink)])) } }
        out.append(text(plot.xAxis.title, (x0 + x1) / 2, y1 + 38, anchor: "middle"))
        let cy = (y0 + y1) / 2
        out.append(text(plot.yAxis.title, 18, cy, anchor: "middle", [("transform", "rotate(-90 18 \(px(cy)))")]))
        return out
    }

    /// Screen points of a series, split where a point cannot be placed (log axis, not finite).
    func segments(_ s: Series) -> [[(Double, Double)]] {
        var out: [[(Double, Double)]] = [[]]
        for p in s.points {
            if p.x.isFinite, p.y.isFinite, let sx = x(p.x), let sy = y(p.y), plot.yAxis.scale == .linear || p.y >= plot.yAxis.lower * (1 - 1e-9) {
                out[out.count - 1].append((sx, sy))
            } else if !out[out.count - 1].isEmpty {
                out.append([])
            }
        }
        return out.filter { !$0.isEmpty }
    }

    func markerShape(_ m: Stroke.Marker, _ cx: Double, _ cy: Double, colour: String) -> Markup? {
        switch m {
        case .none: return nil
        case .circle: return .element("circle", [("cx", px(cx)), ("cy", px(cy)), ("r", "3"), ("fill", colour)])
        case .square: return rect(cx - 3, cy - 3, 6, 6, [("fill", colour)])
        case .triangle:
            return .element("polygon", [("points", "\(px(cx)),\(px(cy - 4)) \(px(cx - 3.5)),\(px(cy + 3)) \(px(cx + 3.5)),\(px(cy + 3))"), ("fill", colour)])
        }
    }

    func data() -> [Markup] {
        plot.series.map { s in
            var parts: [Markup] = []
            for seg in segments(s) {
                if s.stroke.width > 0 && seg.count > 1 {
                    parts.append(.element("polyline", [("points", seg.map { "\(px($0.0)),\(px($0.1))" }.joined(separator: " "))] + strokeAttributes(s.stroke)))
                }
                for p in seg { if let m = markerShape(s.stroke.marker, p.0, p.1, colour: s.stroke.colour) { parts.append(m) } }
            }
            var attrs = [("class", "series")]
            if let n = s.name { attrs.append(("data-name", n)) }
            return .element("g", attrs, parts)
        }
    }

    func bands() -> [Markup] {
        plot.annotations.compactMap { a in
            guard case .band(let from, let to, let label, let fill) = a, let xa = x(from), let xb = x(to) else { return nil }
            let lo = max(x0, min(xa, xb)), hi = min(x1, max(xa, xb))
            guard hi > lo else { return nil }
            var parts: [Markup] = [rect(lo, y0, hi - lo, y1 - y0, [("fill", fill)])]
            if let label, textWidth(label, size: 11) < hi - lo {
                parts.append(text(label, (lo + hi) / 2, y1 - 6, anchor: "middle", [("font-size", "11"), ("fill", Palette.annotation)]))
            }
            return .element("g", [("class", "band")], parts)
        }
    }

    func annotations() -> [Markup] {
        var out: [Markup] = []
        var packer = RowPacker()
        for a in plot.annotations {
            switch a {
            case .verticalLine(let vx, let label, let stroke):
                guard let gx = x(vx), gx >= x0, gx <= x1 else { continue }
                out.append(line(gx, y0, gx, y1, strokeAttributes(stroke)))
                if let label {
                    let w = textWidth(label, size: 11)
                    let flip = gx + 4 + w > x1
                    let row = packer.place(start: flip ? gx - 4 - w : gx, end: flip ? gx : gx + 4 + w)
                    let ty = y0 + 14 + Double(row) * 14
                    // A light box behind the label keeps it readable over the data.
                    out.append(rect(flip ? gx - 6 - w : gx + 2, ty - 11, w + 4, 14, [("fill", "#FFFFFF"), ("fill-opacity", "0.85")]))
                    out.append(text(label, flip ? gx - 4 : gx + 4, ty, anchor: flip ? "end" : "start",
                                    [("font-size", "11"), ("fill", stroke.colour), ("class", "annotation-label")]))
                }
            case .point(let px_, let py, let label, let stroke):
                guard let gx = x(px_), let gy = y(py) else { continue }
                if let m = markerShape(stroke.marker, gx, gy, colour: stroke.colour) { out.append(m) }
                if let label { out.append(text(label, gx + 6, gy - 6, [("font-size", "11"), ("fill", stroke.colour)] + LinePlot.halo)) }
            case .band, .edgeMarker: continue
            }
        }
        return out
    }

    func edgeMarkers() -> [Markup] {
        var out: [Markup] = []
        var k = 0
        for a in plot.annotations {
            guard case .edgeMarker(let vx, let label, let inflow) = a else { continue }
            defer { k += 1 }
            guard let gx = x(vx) else { continue }
            let row = Double(markerRows[k])
            let baseY = y0 - 6 - row * markerRowHeight
            let tip = inflow ? "\(px(gx - 4)),\(px(baseY - 8)) \(px(gx + 4)),\(px(baseY - 8)) \(px(gx)),\(px(baseY))"
                             : "\(px(gx - 4)),\(px(baseY)) \(px(gx + 4)),\(px(baseY)) \(px(gx)),\(px(baseY - 8))"
            let colour = inflow ? Palette.ink : Palette.annotation
            // A label that would run off the right edge is written to the left of its mark.
            let flip = gx + 7 + textWidth(label, size: 11) > plot.width - 2
            out.append(.element("g", [("class", inflow ? "feed" : "draw")], [
                .element("polygon", [("points", tip), ("fill", inflow ? colour : "#FFFFFF"), ("stroke", colour)]),
                text(label, flip ? gx - 7 : gx + 7, baseY - 1, anchor: flip ? "end" : "start", [("font-size", "11"), ("fill", colour)]),
            ]))
        }
        return out
    }

    func legend() -> [Markup] {
        let entries = plot.legendEntries
        guard !entries.isEmpty else { return [] }
        let lx = x1 + 12
        return entries.enumerated().map { k, e in
            let ly = y0 + 8 + Double(k) * 18
            var parts: [Markup] = []
            if e.stroke.width > 0 { parts.append(line(lx, ly, lx + 26, ly, strokeAttributes(e.stroke))) }
            if let m = markerShape(e.stroke.marker, lx + 13, ly, colour: e.stroke.colour) { parts.append(m) }
            parts.append(text(e.label, lx + 32, ly + 4, [("fill", Palette.ink)]))
            return .element("g", [("class", "legend-entry")], parts)
        }
    }
}
