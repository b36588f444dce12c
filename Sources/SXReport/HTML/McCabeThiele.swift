import Foundation
import SXModel

/// The McCabe–Thiele diagram of a multicomponent cascade, on a key-element fraction basis.
///
/// Definition (also in docs/cli.md): the key pair is the pair of elements, adjacent in
/// extractability (median D over the first section), that the cascade splits most sharply:
/// the largest difference of the lighter and the heavier element's recoveries to the
/// raffinate. For the heavier key H and the lighter key L, every stage outlet is reduced to
/// the H fraction of the pair, x = x_H/(x_H + x_L) in the aqueous and y = y_H/(y_H + y_L) in
/// the organic (mol/mol; other elements are left out). Only the sections that separate the
/// pair (median β = D_H/D_L ≥ 1.02) are drawn, so a strip section at equal D is not.
/// - equilibrium: the stages' own outlet points (x*_i, y_i), and the binary curve
///   y = βx/(1 + (β − 1)x) at the median β of those stages (exact for constant separation
///   factors in a fully loaded organic, a guide otherwise);
/// - operating lines: the passing streams between stage i and i + 1, (x_{i+1}, y_i), per
///   section; with other elements present and flows changing at feeds they are computed
///   from the solution, not assumed straight;
/// - steps: (x_i, y_i) → (x_{i+1}, y_i) → (x_{i+1}, y_{i+1}), one step per stage: the
///   solution's own stages, not a graphical construction.
struct McCabeThiele {
    let result: CascadeResult
    /// Indices (in the cascade's elements) of the lighter and heavier key.
    let light: Int
    let heavy: Int
    /// 1-based stages drawn (those of the separating sections).
    let stages: [Int]
    /// Median separation factor D_H/D_L over `stages`.
    let beta: Double

    init?(result: CascadeResult) {
        self.result = result
        let c = result.cascade
        let d = result.distributionRatios
        let fed = c.elements.indices.filter { result.feedFlow(element: $0) > 0 }
        guard fed.count >= 2, let raffinate = result.outlet(named: c.raffinateName), let first = c.sectionStageRanges.first else { return nil }
        func median(_ v: [Double]) -> Double {
            let s = v.filter { $0.isFinite && $0 > 0 }.sorted()
            return s.isEmpty ? 0 : s[s.count / 2]
        }
        var extractability: [Int: Double] = [:]
        for j in fed { extractability[j] = median(first.map { d[$0 - 1][j] }) }
        let sorted = fed.sorted { (extractability[$0] ?? 0) < (extractability[$1] ?? 0) }
        let toRaffinate: [Double] = sorted.map { result.recovery(element: $0, in: raffinate) }
        let sharpness: [Double] = (0..<(sorted.count - 1)).map { toRaffinate[$0] - toRaffinate[$0 + 1] }
        let k = sharpness.indices.max { sharpness[$0] < sharpness[$1] } ?? 0
        light = sorted[k]
        heavy = sorted[k + 1]
        let light = self.light, heavy = self.heavy
        func ratios(_ r: ClosedRange<Int>) -> [Double] { r.map { d[$0 - 1][light] > 0 ? d[$0 - 1][heavy] / d[$0 - 1][light] : .nan } }
        stages = c.sectionStageRanges.filter { median(ratios($0)) >= 1.02 }.flatMap { Array($0) }
        guard stages.count >= 2 else { return nil }
        beta = median(stages.flatMap { ratios($0...$0) })
    }

    func fraction(_ row: [Double]) -> Double {
        let s = row[heavy] + row[light]
        return s > 0 ? row[heavy] / s : .nan
    }

    /// The diagram on linear axes (the classic view) or on log-odds axes, where the
    /// equilibrium at constant β is the straight line logit y = logit x + ln β, every stage is
    /// a step of about the same size, and the high-purity ends are as visible as the middle.
    func plot(idPrefix: String, scale: Axis.Scale = .linear) -> LinePlot {
        let c = result.cascade
        let h = c.elements[heavy].symbol, l = c.elements[light].symbol
        let x = result.aqueous.map(fraction), xs = result.equilibriumAqueous.map(fraction), y = result.organic.map(fraction)
        let included = Set(stages)
        let beta = self.beta
        let fractionAxis = { (phase: String, lower: Double, upper: Double) in
            Axis(label: "\(h)/(\(l)+\(h)) in the \(phase), mol/mol", scale: scale, lower: lower, upper: upper)
        }
        var (lower, upper) = (0.0, 1.0)
        if scale == .logOdds {
            let fitted = Axis.fitting(stages.flatMap { [xs[$0 - 1], y[$0 - 1], x[$0 - 1]] }, label: "", scale: .logOdds)
            (lower, upper) = (fitted.lower, fitted.upper)
        }
        let curveX: [Double] = scale == .logOdds
            ? (0...200).map { k in
                let t = log(lower / (1 - lower)) + (log(upper / (1 - upper)) - log(lower / (1 - lower))) * Double(k) / 200
                return 1 / (1 + exp(-t))
            }
            : (0...200).map { 0.5 - 0.5 * cos(Double.pi * Double($0) / 200) }
        var series = [
            Series(name: "y = x", x: [lower, upper], y: [lower, upper], stroke: Stroke(colour: "#AAAAAA", width: 1)),
            Series(name: "equilibrium, β = \(Fmt.g(beta, 4))", x: curveX, y: curveX.map { beta * $0 / (1 + (beta - 1) * $0) },
                   stroke: Stroke(colour: Palette.colour(0), width: 1.5)),
        ]
        // Operating lines per section.
        for (k, range) in c.sectionStageRanges.enumerated() {
            let pairs = range.filter { included.contains($0) && included.contains($0 + 1) }
            guard !pairs.isEmpty else { continue }
            series.append(Series(name: "operating line, \(c.sections[k].name)", x: pairs.map { x[$0] }, y: pairs.map { y[$0 - 1] },
                                 stroke: Stroke(colour: Palette.colour(k == 0 ? 1 : 2 + k), dash: .dashed, width: 1.5)))
        }
        // The stages as steps.
        var steps: [Series.Point] = []
        for i in stages {
            steps.append(Series.Point(x[i - 1], y[i - 1]))
            if included.contains(i + 1) { steps.append(Series.Point(x[i], y[i - 1])) }
        }
        series.append(Series(name: "stages (\(stages.count))", points: steps, stroke: Stroke(colour: Palette.ink, width: 0.9)))
        series.append(Series(name: "stage outlets (x*, y)", x: stages.map { xs[$0 - 1] }, y: stages.map { y[$0 - 1] },
                             stroke: Stroke(colour: Palette.colour(0), width: 0, marker: .circle)))
        var annotations: [Annotation] = []
        let every = max(1, Int(ceil(Double(stages.count) / 8)))
        for (n, i) in stages.enumerated() where n % every == 0 || n == stages.count - 1 {
            annotations.append(.point(x: xs[i - 1], y: y[i - 1], label: "\(i)", stroke: Stroke(colour: Palette.ink, width: 0, marker: .none)))
        }
        for f in c.aqueousFeeds where f.concentrations[heavy] + f.concentrations[light] > 0 {
            let xf = f.concentrations[heavy] / (f.concentrations[heavy] + f.concentrations[light])
            annotations.append(.verticalLine(x: xf, label: "\(f.name): x_F = \(Fmt.g(xf, 3))", stroke: Stroke(colour: Palette.annotation, dash: .dotted, width: 1)))
        }
        var p = LinePlot(
            id: "\(idPrefix)-mccabe-thiele\(scale == .logOdds ? "-log-odds" : "")",
            title: "\(c.name): McCabe–Thiele, key pair \(l)|\(h)" + (scale == .logOdds ? ", log-odds axes" : ""),
            description: "McCabe–Thiele diagram of the key pair \(l)|\(h) on a key-element fraction basis"
                + (scale == .logOdds ? " with log-odds axes (ln(x/(1−x)))" : "") + ": x = \(h)/(\(l)+\(h)) in the aqueous, "
                + "y = \(h)/(\(l)+\(h)) in the organic (mol/mol). Stage outlets of stages \(stages.first!)–\(stages.last!) as points, the binary "
                + "equilibrium curve at the median separation factor β = \(Fmt.g(beta, 4)), operating lines from the passing streams of each "
                + "section and one step per stage.",
            xAxis: fractionAxis("aqueous x", lower, upper), yAxis: fractionAxis("organic y", lower, upper), series: series, annotations: annotations)
        p.squareArea = true
        p.width = 820
        p.height = 620
        return p
    }
}
