import Foundation
import SXModel

/// The HTML page of a design (`sxsim design … --html FILE`, docs/design.md): the design's
/// printed steps, the margin min(achieved − target) of every (n, m) the exact stage search
/// solved against the total stages n + m with the minimum marked, and the stage profiles and
/// McCabe–Thiele diagram of the designed cascade. Takes plain values, so that SXReport does
/// not depend on SXDesign.
public struct DesignPage {
    public struct Point: Sendable, Equatable {
        public var n: Int
        public var m: Int
        /// min(achieved − target) over the targets, fraction; −∞ for a solve that did not converge.
        public var margin: Double
        public init(n: Int, m: Int, margin: Double) {
            self.n = n
            self.m = m
            self.margin = margin
        }
    }

    public var title: String
    /// The design as printed by `sxsim design`.
    public var text: String
    public var points: [Point]
    /// The minimal n + m that meets the targets (nil: plateau or not reached).
    public var minimalTotal: Int?
    /// Fenske's total-reflux minimum, stages (a lower bound, drawn for reference).
    public var fenskeStages: Double?
    /// The solved designed cascade, for its profiles.
    public var result: CascadeResult?

    public init(title: String, text: String, points: [Point], minimalTotal: Int?, fenskeStages: Double?, result: CascadeResult?) {
        self.title = title
        self.text = text
        self.points = points
        self.minimalTotal = minimalTotal
        self.fenskeStages = fenskeStages
        self.result = result
    }

    /// The margin plot: every solved pair (grey), the best split at each total (line), zero,
    /// and the minimum total.
    var marginPlot: LinePlot {
        let solved = points.filter { $0.margin.isFinite }
        var best: [Int: Point] = [:]
        for p in solved where p.margin > (best[p.n + p.m]?.margin ?? -.infinity) { best[p.n + p.m] = p }
        let totals = best.keys.sorted()
        let bestY = totals.map { best[$0]!.margin * 100 }
        let xs = solved.map { Double($0.n + $0.m) } + (fenskeStages.map { [$0] } ?? [])
        let xAxis = Axis.fitting(xs, label: "Total stages n + m (extraction + scrub)", integerTicks: true)
        let yAxis = Axis.fitting(bestY + [0], label: "Margin min(achieved − target)", unit: "percentage points")
        var series = [
            Series(name: "every (n, m) solved", x: solved.map { Double($0.n + $0.m) }, y: solved.map { $0.margin * 100 },
                   stroke: Stroke(colour: "#9A9A9A", width: 0, marker: .circle)),
            Series(name: "best split at each total", x: totals.map(Double.init), y: bestY, stroke: Stroke(colour: Palette.colour(0), marker: .square)),
            Series(name: "targets just met (margin 0)", x: [xAxis.lower, xAxis.upper], y: [0, 0], stroke: Stroke(colour: Palette.ink, dash: .dotted, width: 1)),
        ]
        var annotations: [Annotation] = []
        if let n = minimalTotal {
            annotations.append(.verticalLine(x: Double(n), label: "minimum n + m = \(n)", stroke: Stroke(colour: Palette.colour(1), width: 1.5)))
            if let p = best[n] {
                series.append(Series(name: nil, x: [Double(n)], y: [p.margin * 100], stroke: Stroke(colour: Palette.colour(1), width: 0, marker: .triangle)))
            }
        }
        if let f = fenskeStages, f.isFinite {
            annotations.append(.verticalLine(x: f, label: "Fenske N_min = \(Fmt.g(f, 4)) (total reflux)", stroke: Stroke(colour: Palette.annotation, dash: .dashed, width: 1)))
        }
        let failed = points.count - solved.count
        return LinePlot(id: "design-margin", title: "Margin against total stages",
                        description: "The smallest difference between achieved and target purity or recovery, in percentage points, for every extraction/scrub split (n, m) "
                            + "solved by the exact stage search, against n + m; the best split at each total joined by a line; the minimal total meeting every target marked"
                            + (failed > 0 ? "; \(failed) solves that did not converge are not drawn." : "."),
                        xAxis: xAxis, yAxis: yAxis, series: series, annotations: annotations)
    }

    public func rendered() -> String {
        var body: [Markup] = [
            HTMLPage.heading(1, title),
            .element("div", [("class", minimalTotal == nil ? "status fail" : "status ok"), ("role", "status")],
                     text: minimalTotal.map { "Minimum total stages meeting the targets: \($0)." } ?? "No stage count meets the targets (see the design below)."),
            HTMLPage.heading(2, "Stage search"),
            HTMLPage.figure(marginPlot.svg(), caption: "Margin in percentage points (positive: every target met) of each (n, m) the rigorous model solved; "
                            + "failed solves count as failing and are not drawn. Fenske's total-reflux minimum is a lower bound."),
        ]
        if let r = result, minimalTotal != nil {
            let plots = CascadePlots(result: r, elements: r.cascade.elements, purityLimits: [], idPrefix: "design")
            body.append(HTMLPage.heading(2, "The designed cascade"))
            body.append(HTMLPage.figure(plots.profiles.svg(), caption: "Aqueous (solid) and organic (dashed) concentration of each element against stage, mol/L, log axis (separation-factor model, as designed)."))
            if let m = McCabeThiele(result: r) {
                body.append(HTMLPage.figure(m.plot(idPrefix: "design").svg(), caption: "McCabe–Thiele diagram of the key pair, key-element fraction basis (docs/cli.md)."))
            }
        }
        body.append(HTMLPage.heading(2, "The design, step by step"))
        body.append(.element("pre", [], text: text))
        return HTMLPage(title: title, body: body).rendered()
    }
}
