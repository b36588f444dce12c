import Foundation
import SXModel

/// The plots of one solved cascade, built from its `CascadeResult`: stage profiles,
/// pH, organic phase, distribution ratios and the McCabe–Thiele diagram of its key pair.
/// Stage 1 is the raffinate end (where the fresh organic enters), as in the model.
struct CascadePlots {
    let result: CascadeResult
    /// The flowsheet's elements, so that an element keeps its colour across cascades.
    let elements: [Element]
    /// Purity targets whose product leaves this cascade, with the stages meeting them.
    let purityLimits: [RunReport.TargetCheck]
    /// Unique prefix for the SVG ids.
    let idPrefix: String

    /// Concentrations below this fraction of the cascade's largest one are not drawn on the
    /// log axes (1e-12: a trace 12 orders below the bulk is below any assay).
    static let logFloorRatio = 1e-12

    var cascade: Cascade { result.cascade }
    var stageNumbers: [Double] { (1...result.stageCount).map(Double.init) }

    func colour(_ j: Int) -> String {
        Palette.colour(elements.firstIndex(of: cascade.elements[j]) ?? j)
    }

    /// Elements present in the cascade (fed, or carried in by a linked stream).
    var presentElements: [Int] {
        cascade.elements.indices.filter { j in result.aqueous.contains { $0[j] > 0 } || result.organic.contains { $0[j] > 0 } }
    }

    var stageAxis: Axis {
        Axis(label: "Stage (1 = raffinate end)", scale: .linear, lower: 0.5, upper: Double(result.stageCount) + 0.5, integerTicks: true)
    }

    /// Section boundaries as alternating bands with the section names, and the feeds and
    /// outlets as markers above the plot.
    var stageAnnotations: [Annotation] {
        var out: [Annotation] = []
        for (k, r) in cascade.sectionStageRanges.enumerated() {
            out.append(.band(from: Double(r.lowerBound) - 0.5, to: Double(r.upperBound) + 0.5,
                             label: "\(cascade.sections[k].name) \(r.lowerBound)–\(r.upperBound)", fill: k % 2 == 0 ? "#F4F4F4" : "#FFFFFF"))
            if k > 0 {
                out.append(.verticalLine(x: Double(r.lowerBound) - 0.5, label: nil, stroke: Stroke(colour: "#999999", dash: .dashed, width: 1)))
            }
        }
        for f in cascade.aqueousFeeds { out.append(.edgeMarker(x: Double(f.stage), label: "\(f.name) (aq)", inflow: true)) }
        for f in cascade.organicFeeds { out.append(.edgeMarker(x: Double(f.stage), label: "\(f.name) (org)", inflow: true)) }
        for o in result.outlets { out.append(.edgeMarker(x: Double(o.stage), label: "\(o.name) (\(o.phase == .aqueous ? "aq" : "org"))", inflow: false)) }
        return out
    }

    /// Vertical lines where a product's key element crosses its purity limit.
    var purityAnnotations: [Annotation] {
        var out: [Annotation] = []
        for t in purityLimits {
            guard let limit = t.target.minimumPurity, let range = t.stagesMeetingPurity else { continue }
            let stroke = Stroke(colour: Palette.colour(elements.firstIndex(of: t.target.element) ?? 0), dash: .dotted, width: 1.5)
            let name = "\(t.target.oxideLabel) ≥ \(Fmt.g(limit * 100, 6)) % (\(t.phase.rawValue))"
            if range.lowerBound > 1 {
                out.append(.verticalLine(x: Double(range.lowerBound) - 0.5, label: "\(name) from stage \(range.lowerBound)", stroke: stroke))
            }
            if range.upperBound < result.stageCount {
                out.append(.verticalLine(x: Double(range.upperBound) + 0.5, label: "\(name) to stage \(range.upperBound)", stroke: stroke))
            }
        }
        return out
    }

    func concentrationAxis(_ values: [Double], label: String) -> Axis {
        let top = values.filter(\.isFinite).max() ?? 1
        return Axis.fitting(values, label: label, unit: "mol/L", scale: .logarithmic, floor: top * CascadePlots.logFloorRatio)
    }

    /// Aqueous (solid) and organic (dashed) concentration of every element against stage.
    var profiles: LinePlot {
        let present = presentElements
        var series: [Series] = []
        var values: [Double] = []
        for j in present {
            let x = result.aqueous.map { $0[j] }, y = result.organic.map { $0[j] }
            values += x + y
            let symbol = cascade.elements[j].symbol
            series.append(Series(name: "\(symbol) aqueous", x: stageNumbers, y: x, stroke: Stroke(colour: colour(j))))
            series.append(Series(name: "\(symbol) organic", x: stageNumbers, y: y, stroke: Stroke(colour: colour(j), dash: .dashed)))
        }
        let yAxis = concentrationAxis(values, label: "Concentration")
        let legend = present.map { LegendEntry(cascade.elements[$0].symbol, Stroke(colour: colour($0), width: 4)) }
            + [LegendEntry("aqueous", Stroke(colour: Palette.ink)), LegendEntry("organic", Stroke(colour: Palette.ink, dash: .dashed))]
        let described = present.map { cascade.elements[$0].symbol }.joined(separator: ", ")
        return LinePlot(
            id: "\(idPrefix)-profiles", title: "\(cascade.name): stage profiles",
            description: "Aqueous (solid) and organic (dashed) outlet concentration of \(described) in mol/L on a log axis against stage, "
                + "stage 1 at the raffinate end; sections shaded, feeds (filled triangles) and outlets (open triangles) marked above; "
                + "values below \(Fmt.g(yAxis.lower)) mol/L are not drawn.",
            xAxis: stageAxis, yAxis: yAxis, series: series, annotations: stageAnnotations + purityAnnotations, legend: legend)
    }

    /// D = y/x* of every element against stage (log axis).
    var distribution: LinePlot {
        let d = result.distributionRatios
        let present = presentElements
        let series = present.map { j in
            Series(name: cascade.elements[j].symbol, x: stageNumbers, y: d.map { $0[j] }, stroke: Stroke(colour: colour(j)))
        }
        let yAxis = Axis.fitting(series.flatMap { $0.points.map(\.y) }, label: "Distribution ratio D = y/x*", unit: "mol/L org per mol/L aq", scale: .logarithmic)
        return LinePlot(
            id: "\(idPrefix)-distribution", title: "\(cascade.name): distribution ratios",
            description: "Distribution ratio D = [M]org/[M]aq at equilibrium of each element against stage, log axis; "
                + "the ratio of two elements' D at a stage is their separation factor there.",
            xAxis: stageAxis, yAxis: yAxis, series: series, annotations: stageAnnotations)
    }

    /// pH of the aqueous outlets (mass action only).
    var pH: LinePlot? {
        guard let ph = result.pH else { return nil }
        let yAxis = Axis.fitting(ph, label: "pH = −log₁₀ [H⁺]", unit: nil)
        return LinePlot(
            id: "\(idPrefix)-ph", title: "\(cascade.name): pH",
            description: "pH of each stage's aqueous outlet (−log10 of [H+] in mol/L) against stage, from the acid-exchange model (mass action or empirical).",
            xAxis: stageAxis, yAxis: yAxis, series: [Series(name: "pH", x: stageNumbers, y: ph, stroke: Stroke(colour: Palette.colour(0), marker: .circle))],
            annotations: stageAnnotations)
    }

    /// Organic rare-earth loading, and the free extractant dimer and the saponified
    /// extractant where the model has them, mol/L.
    var organicPhase: LinePlot {
        var series = [Series(name: "RE loading Σy", x: stageNumbers, y: result.organicLoading, stroke: Stroke(colour: Palette.colour(0)))]
        // The free-extractant unknown is the dimer (HA)₂ for mass action, the monomer for an
        // empirical fit (whose dosage d, in vol %, the text and JSON profiles give).
        let monomer = result.dosage != nil
        if let free = result.freeDimer {
            series.append(Series(name: monomer ? "free extractant" : "free (HA)₂", x: stageNumbers, y: free,
                                 stroke: Stroke(colour: Palette.colour(1), dash: .dashed)))
        }
        if let cation = result.organicCation {
            series.append(Series(name: "saponified (Na/NH₄)A", x: stageNumbers, y: cation, stroke: Stroke(colour: Palette.colour(2), dash: .dotted)))
        }
        let yAxis = Axis.fitting(series.flatMap { $0.points.map(\.y) }, label: "Organic phase", unit: "mol/L", includingZero: true)
        return LinePlot(
            id: "\(idPrefix)-organic", title: "\(cascade.name): organic loading" + (result.freeDimer == nil ? "" : " and free extractant"),
            description: "Total rare-earth loading of each stage's organic outlet in mol/L"
                + (result.freeDimer == nil ? "" : monomer ? ", the free extractant (monomer) in mol/L, whose vol % is the fit's dosage"
                                                   : ", the free extractant dimer (HA)2 in mol/L")
                + (result.organicCation == nil ? "" : " and the saponified extractant in mol/L") + " against stage.",
            xAxis: stageAxis, yAxis: yAxis, series: series, annotations: stageAnnotations)
    }
}
