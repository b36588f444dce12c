import SXModel

/// A small block diagram of a train: one box per cascade in flowsheet order, an arrow per
/// link labelled with the outlet it carries (forward links above the boxes, recycles below),
/// and each cascade's products listed under its box.
struct TrainDiagram {
    let train: CascadeTrain
    let idPrefix: String

    static let boxWidth = 170.0, boxHeight = 54.0, gap = 150.0, margin = 20.0

    func boxX(_ c: Int) -> Double { TrainDiagram.margin + Double(c) * (TrainDiagram.boxWidth + TrainDiagram.gap) }

    func svg() -> Markup {
        let n = train.cascades.count
        let products = train.cascades.indices.map { train.productOutletNames(cascade: $0) }
        let arcs = train.links.filter { !($0.cascade == $0.sourceCascade + 1) }
        let top = TrainDiagram.margin + (arcs.contains { $0.cascade > $0.sourceCascade } ? 50 : 24)
        let productRows = Double(products.map(\.count).max() ?? 0)
        let backRoom = arcs.contains { $0.cascade <= $0.sourceCascade } ? 50.0 : 0
        let width = boxX(n - 1) + TrainDiagram.boxWidth + TrainDiagram.margin
        let height = top + TrainDiagram.boxHeight + 16 + productRows * 15 + backRoom + TrainDiagram.margin
        let arrowID = "\(idPrefix)-arrow"
        var parts: [Markup] = [
            .element("title", [("id", "\(idPrefix)-title")], text: "Cascades and links"),
            .element("desc", [("id", "\(idPrefix)-desc")],
                     text: "\(n) cascades in flowsheet order; arrows are streams from one cascade's outlet to another's feed, labelled with the outlet; products are listed under each cascade."),
            .element("defs", [], [.element("marker", [("id", arrowID), ("viewBox", "0 0 10 10"), ("refX", "9"), ("refY", "5"),
                                                      ("markerWidth", "7"), ("markerHeight", "7"), ("orient", "auto")],
                                           [.element("path", [("d", "M0,0 L10,5 L0,10 z"), ("fill", Palette.ink)])])]),
        ]
        for (c, cascade) in train.cascades.enumerated() {
            let x = boxX(c)
            var box: [Markup] = [
                .element("rect", [("x", px(x)), ("y", px(top)), ("width", px(TrainDiagram.boxWidth)), ("height", px(TrainDiagram.boxHeight)),
                                  ("rx", "6"), ("fill", "#EEF4FA"), ("stroke", Palette.colour(0))]),
                .element("text", [("x", px(x + TrainDiagram.boxWidth / 2)), ("y", px(top + 22)), ("text-anchor", "middle"), ("font-weight", "bold")], text: cascade.name),
                .element("text", [("x", px(x + TrainDiagram.boxWidth / 2)), ("y", px(top + 40)), ("text-anchor", "middle"), ("font-size", "11")],
                         text: "\(cascade.stageCount) stages (" + cascade.sections.map { "\($0.stageCount)" }.joined(separator: "+") + ")"),
            ]
            for (k, name) in products[c].enumerated() {
                box.append(.element("text", [("x", px(x + 4)), ("y", px(top + TrainDiagram.boxHeight + 16 + Double(k) * 15)), ("font-size", "11")], text: "→ \(name)"))
            }
            parts.append(.element("g", [("class", "cascade")], box))
        }
        for link in train.links {
            let from = link.sourceCascade, to = link.cascade
            let label = link.sourceOutlet
            var path: String, lx: Double, ly: Double
            if to == from + 1 {
                let xa = boxX(from) + TrainDiagram.boxWidth, xb = boxX(to)
                let y = top + TrainDiagram.boxHeight / 2
                path = "M\(px(xa)),\(px(y)) L\(px(xb - 1)),\(px(y))"
                lx = (xa + xb) / 2
                ly = y - 6
            } else if to > from {
                let xa = boxX(from) + TrainDiagram.boxWidth * 0.7, xb = boxX(to) + TrainDiagram.boxWidth * 0.3
                path = "M\(px(xa)),\(px(top)) C\(px(xa)),\(px(top - 40)) \(px(xb)),\(px(top - 40)) \(px(xb)),\(px(top - 1))"
                lx = (xa + xb) / 2
                ly = top - 34
            } else {
                let bottom = top + TrainDiagram.boxHeight
                // Recycles leave and enter at the right of the boxes, clear of the product lists.
                let xa = boxX(from) + TrainDiagram.boxWidth * 0.88, xb = boxX(to) + TrainDiagram.boxWidth * 0.88
                let depth = bottom + 16 + productRows * 15 + 30
                path = "M\(px(xa)),\(px(bottom)) C\(px(xa)),\(px(depth)) \(px(xb)),\(px(depth)) \(px(xb)),\(px(bottom + 1))"
                lx = (xa + xb) / 2
                ly = depth - 4
            }
            parts.append(.element("g", [("class", "link")], [
                .element("path", [("d", path), ("fill", "none"), ("stroke", Palette.ink), ("stroke-width", "1.4"), ("marker-end", "url(#\(arrowID))")]),
                .element("text", [("x", px(lx)), ("y", px(ly)), ("text-anchor", "middle"), ("font-size", "11")], text: "\(label) (\(link.phase == .aqueous ? "aq" : "org"))"),
            ]))
        }
        return .element("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(px(width)) \(px(height))"), ("width", px(width)),
                                ("height", px(height)), ("role", "img"), ("class", "plot train"), ("aria-labelledby", "\(idPrefix)-title \(idPrefix)-desc"),
                                ("font-family", "Helvetica, Arial, sans-serif"), ("font-size", "12")], parts)
    }
}
