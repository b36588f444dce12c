import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import SXFlowsheet
@testable import SXReport

/// Reads markup with Foundation's XML parser: whether it is well-formed, and an outline of
/// its structure for the golden files (element names, nesting and text, no attributes, so no
/// coordinates: a layout change that keeps every label, series and table cell passes).
final class MarkupOutline: NSObject, XMLParserDelegate {
    private(set) var lines: [String] = []
    private var depth = 0
    private var text = ""
    private var open: [(name: String, line: Int)] = []
    private(set) var error: String?
    private var withText: Set<Int> = []
    /// Depth inside an element marked as solver effort (0: outside), whose subtree is skipped.
    private var effortDepth = 0

    static func parse(_ markup: String) -> MarkupOutline {
        let outline = MarkupOutline()
        let parser = XMLParser(data: Data(markup.utf8))
        parser.delegate = outline
        if !parser.parse() {
            outline.error = "line \(parser.lineNumber), column \(parser.columnNumber): \(parser.parserError.map { "\($0)" } ?? "unknown error")"
        }
        return outline
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if effortDepth > 0 { effortDepth += 1; return }
        flushText()
        // Solver effort (iterations, residuals, the convergence history) belongs to the engine,
        // not to the answer (as in the text golden files): an element marked so is one line.
        if attributes["class"]?.split(separator: " ").contains("effort") == true {
            lines.append(String(repeating: "  ", count: depth) + name + ": (solver effort)")
            effortDepth = 1
            return
        }
        lines.append(String(repeating: "  ", count: depth) + name)
        open.append((name, lines.count - 1))
        depth += 1
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if effortDepth > 0 { effortDepth -= 1; return }
        flushText()
        depth -= 1
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if effortDepth == 0 { text += string } }

    private func flushText() {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        text = ""
        guard !t.isEmpty, let last = open.last else { return }
        // Text of an element goes on its line; CSS is left out (style, not structure).
        // Text split by child elements (mixed content) is joined with " … " on the element's line.
        guard last.name != "style" else { return }
        lines[last.line] += (withText.contains(last.line) ? " … " : ": ") + t.replacingOccurrences(of: "\n", with: " ")
        withText.insert(last.line)
    }

    /// The outline with runs of identical leaf lines folded into one ("line ×12").
    var folded: String {
        var out: [String] = []
        var count = 0
        for (k, l) in lines.enumerated() {
            count += 1
            if k + 1 < lines.count && lines[k + 1] == l { continue }
            out.append(count > 1 ? "\(l) ×\(count)" : l)
            count = 0
        }
        return out.joined(separator: "\n") + "\n"
    }
}

struct HTMLReportTests {
    static func html(_ name: String) throws -> String {
        let out = try Repository.run(name)
        return try #require(out.report, "\(name): \(out.standardError)").rendered(.html)
    }

    /// Every example's page and every plot it can draw parse as XML.
    @Test(arguments: Repository.examples)
    func everyPageAndPlotIsWellFormedXML(_ name: String) throws {
        let page = try HTMLReportTests.html(name)
        let outline = MarkupOutline.parse(page)
        #expect(outline.error == nil, "\(name).html: \(outline.error ?? "")")
        #expect(page.contains("<svg"), "\(name).html has no plot")
        // Self-contained: no script, no fetched resource; the only URLs are the XML namespaces.
        #expect(!page.replacingOccurrences(of: "http://www.w3.org/", with: "").contains("http"), "\(name).html refers to the network")
        #expect(!page.contains("<script") && !page.contains(" src="), "\(name).html loads something")
        #expect(page.components(separatedBy: "href=\"").dropFirst().allSatisfy { $0.hasPrefix("#") }, "\(name).html links out of the page")
        let report = try #require(try Repository.run(name).report)
        for r in report.results {
            for kind in PlotKind.allCases {
                let options = ReportOptions(plot: kind, cascade: r.cascade.name)
                guard report.plotProblem(options) == nil else { continue }
                let svg = report.rendered(.svg, options: options)
                let parsed = MarkupOutline.parse(svg)
                #expect(parsed.error == nil, "\(name)/\(r.cascade.name) --plot \(kind.rawValue): \(parsed.error ?? "")")
                #expect(parsed.lines.contains { $0.hasPrefix("  title: \(r.cascade.name)") }, "\(name) --plot \(kind.rawValue) has no <title>")
                #expect(parsed.lines.contains { $0.hasPrefix("  desc: ") }, "\(name) --plot \(kind.rawValue) has no <desc>")
            }
        }
    }

    /// A flowsheet name with markup characters is escaped, not interpreted.
    @Test func namesWithMarkupCharactersAreEscaped() throws {
        let text = try Repository.text("Flowsheets/kremser.yaml")
        let out = Pipeline.run(text: text, fileName: "k<1>.yaml", overrides: [Override(keyPath: "name", value: "<b>A & B</b> \"x\"")],
                               format: .html, measureTime: false)
        let page = out.standardOutput
        #expect(MarkupOutline.parse(page).error == nil, "\(out.standardError)")
        #expect(page.contains("&lt;b&gt;A &amp; B&lt;/b&gt;"))
    }

    /// The structure of two examples' pages against stored outlines
    /// (Flowsheets/expected/html/NAME.outline; re-record with SXSIM_RECORD=1): headings, table
    /// cells, plot titles, descriptions, tick and legend labels, and the number of drawn
    /// elements, numbers compared at printed precision.
    @Test(arguments: ["prnd-split", "light-re-train"])
    func matchesStoredOutline(_ name: String) throws {
        let outline = MarkupOutline.parse(try HTMLReportTests.html(name))
        try #require(outline.error == nil)
        let path = "Flowsheets/expected/html/\(name).outline"
        if Repository.recording {
            try FileManager.default.createDirectory(at: Repository.root.appendingPathComponent("Flowsheets/expected/html"), withIntermediateDirectories: true)
            try Repository.record(outline.folded, to: path)
            Repository.failRecordingRun(path)
            return
        }
        let diffs = Golden.differences(expected: try Repository.text(path), actual: outline.folded)
        let same = diffs.isEmpty  // (not the list itself in the expectation: Testing would print all of it)
        #expect(same, "\(name) differs from \(path) (re-record with SXSIM_RECORD=1 if intended):\n\(diffs.prefix(10).joined(separator: "\n"))")
    }

    /// A tolerance no solve can meet, one iteration: the mass-action solve ends not converged.
    /// (The over-saponified variant once used here is now refused before solving, SX407.)
    static func failedRun(format: ReportFormat = .html, options: ReportOptions = ReportOptions()) throws -> PipelineOutput {
        let text = try Repository.text("Flowsheets/ndsm-mass-action.yaml")
        let out = Pipeline.run(text: text, fileName: "ndsm-mass-action.yaml",
                               overrides: [Override(keyPath: "solver.tolerance", value: "1e-300"),
                                           Override(keyPath: "solver.max-iterations", value: "1")],
                               format: format, options: options, measureTime: false)
        try #require(out.status == .notConverged, "expected a failed solve, got \(out.status): \(out.standardError)")
        return out
    }

    /// A run that did not converge shows its outcome and how the solver failed (the
    /// convergence history), never a purity, recovery, throughput or plot of the last iterate.
    @Test func failedRunShowsTheOutcomeOnly() throws {
        let out = try HTMLReportTests.failedRun()
        let page = out.standardOutput
        let outline = MarkupOutline.parse(page)
        #expect(outline.error == nil)
        #expect(page.contains("Solver did not converge"))
        // One plot: the convergence history, which is no result.
        #expect(page.components(separatedBy: "<svg").count - 1 == 1)
        #expect(page.contains("id=\"c0-convergence-title\">ndsm: convergence history (not-converged)</title>"))
        #expect(!page.contains("-profiles") && !page.contains("-organic") && !page.contains("-distribution") && !page.contains("mccabe"))
        #expect(!page.contains("purity %"))
        #expect(!page.contains("recovery %"))
        #expect(!page.contains("t/y REO"))
        let report = try #require(out.report)
        #expect(report.plotProblem(ReportOptions(plot: .profiles)) != nil)
        #expect(report.plotProblem(ReportOptions(plot: .convergence)) == nil)
    }

    /// `--plot convergence` of a failed solve: every recorded step drawn, the unreachable
    /// tolerance (1e-300) named in the legend but not drawn, the returned iterate marked.
    @Test func failedRunConvergencePlot() throws {
        let out = try HTMLReportTests.failedRun(format: .svg, options: ReportOptions(plot: .convergence))
        let outline = MarkupOutline.parse(out.standardOutput)
        #expect(outline.error == nil, "\(outline.error ?? "")")
        let report = try #require(out.report)
        let history = report.results[0].history
        try #require(!history.isEmpty)
        #expect(Set(history.map(\.phase)).count > 1, "the failed solve was expected to go through several phases")
        let legend = outline.lines.filter { $0.hasSuffix("text: Newton") || $0.hasSuffix("text: pseudo-transient") || $0.hasSuffix("text: continuation")
            || $0.hasSuffix("text: time stepping") || $0.hasSuffix("text: returned iterate") || $0.hasSuffix("text: tol. 1e-300 (below)") }
        #expect(legend.count == Set(history.map(\.phase)).count + 2, "\(legend)")
        #expect(outline.lines.contains { $0.contains("desc: ") && $0.contains("The tolerance 1e-300 lies below the axis and is not drawn.") })
        // Every step drawn, no tolerance line, the returned iterate after the last step.
        let plot = try #require(report.convergencePlot(report.results[0], index: 0).plot)
        #expect(!plot.series.contains { $0.stroke.colour == Palette.annotation })
        let steps = plot.series.filter { $0.stroke.colour != Palette.ink }.flatMap(\.points)
        #expect(steps.map(\.y) == history.map(\.residualNorm))
        let returned = try #require(plot.series.last { $0.stroke.colour == Palette.ink }?.points.first)
        #expect(returned.x == Double(report.results[0].iterations + 1) && returned.y == report.results[0].residualNorm)
    }

    /// The convergence plot of a converged solve: decade ticks on the residual axis, the
    /// tolerance as a dotted line, one point per recorded step.
    @Test func convergencePlotShowsEveryStepAndTheTolerance() throws {
        let report = try #require(try Repository.run("xu-model").report)
        let r = report.results[0]
        try #require(!r.history.isEmpty)
        let plot = try #require(report.convergencePlot(r, index: 0).plot)
        #expect(plot.yAxis.scale == .logarithmic)
        #expect(plot.yAxis.ticks.allSatisfy { t in abs(log10(t.value) - log10(t.value).rounded()) < 1e-9 })
        #expect(plot.yAxis.lower <= report.solverTolerance)
        let drawn = plot.series.filter { $0.stroke.colour != Palette.annotation && $0.stroke.width > 0 }.flatMap(\.points)
        #expect(drawn.count == r.history.count)
        #expect(zip(drawn, r.history).allSatisfy { $0.x == Double($1.iteration) && $0.y == $1.residualNorm })
        let tolerance = try #require(plot.series.first { $0.stroke.dash == .dotted && $0.stroke.colour == Palette.annotation })
        #expect(tolerance.points.allSatisfy { $0.y == report.solverTolerance })
        let svg = plot.document()
        let outline = MarkupOutline.parse(svg)
        #expect(outline.error == nil, "\(outline.error ?? "")")
        #expect(outline.lines.contains { $0.hasSuffix("text: tolerance 1e-12") })
        #expect(outline.lines.contains { $0.contains("text: 10⁻") }, "no decade label on the residual axis")
        #expect(svg.contains("stroke-dasharray=\"2 3\""))
    }

    /// A linear cascade takes no solver step: a note instead of an empty plot, and
    /// `--plot convergence` is refused.
    @Test func linearCascadeHasANoteInsteadOfAPlot() throws {
        let out = try Repository.run("kremser")
        let report = try #require(out.report)
        try #require(report.results.allSatisfy { $0.history.isEmpty })
        let page = report.rendered(.html)
        #expect(page.contains("converged at the start: a linear cascade needs no Newton step."))
        #expect(!page.contains("-convergence"))
        #expect(report.plotProblem(ReportOptions(plot: .convergence))?.contains("no history to plot") == true)
    }
}

/// The sweep page, built from a sweep's CSV.
struct SweepPageTests {
    static let oneKey = """
        case,streams.organic.saponification,outcome,reason,iterations,closure,p.Nd.purity,p.Sm.purity,p.Nd.recovery,p.Sm.recovery,targets-met
        1,0.3,converged,converged,5,1e-14,0.999,0.001,0.98,0.01,yes
        2,0.4,converged,converged,6,1e-14,0.9,0.1,0.97,0.02,no
        3,0.5,not-converged,"cascade 'x': not converged, ""stalled"" <here>",720,,,,,,

        """

    @Test func oneVariedValueGivesLinePlotsAndMarksFailures() throws {
        let page = SweepPage(title: "sweep <1>", csv: SweepPageTests.oneKey,
                             focus: [SweepPage.Focus(product: "p", element: "Nd", oxide: "Nd2O3", minimumPurity: 0.995)]).rendered()
        let outline = MarkupOutline.parse(page)
        #expect(outline.error == nil, "\(outline.error ?? "")")
        #expect(outline.lines.contains { $0.hasSuffix("title: Purity (oxide basis) against streams.organic.saponification") })
        #expect(outline.lines.contains { $0.hasSuffix("text: did not converge (no result)") })
        #expect(page.contains("not converged, &quot;stalled&quot;") || page.contains("not converged, \"stalled\" &lt;here&gt;"))
        // The failed case has no number in the cases table.
        let failedRow = try #require(outline.lines.lastIndex { $0.hasSuffix("td: not-converged") })
        #expect(outline.lines[failedRow + 1].hasSuffix("td: –") && outline.lines[failedRow + 2].hasSuffix("td: –"),
                "\(outline.lines[failedRow...].prefix(3))")
    }

    @Test func twoVariedValuesGiveHeatMapsWithEmptyCellsForFailures() throws {
        let csv = """
            case,a,b,outcome,reason,iterations,closure,p.Nd.purity,p.Nd.recovery,targets-met
            1,1,x,converged,converged,5,0,0.99,0.9,
            2,1,y,stalled,stalled,9,,,,
            3,2,x,converged,converged,5,0,0.995,0.92,
            4,2,y,converged,converged,5,0,0.999,0.95,

            """
        let page = SweepPage(title: "two", csv: csv).rendered()
        let outline = MarkupOutline.parse(page)
        #expect(outline.error == nil, "\(outline.error ?? "")")
        #expect(outline.lines.filter { $0.hasSuffix("title: a = 1, b = y: no result (did not converge)") }.count == 2)
        #expect(outline.lines.contains { $0.hasSuffix("title: a = 2, b = y: 99.9") })
        // With a target, cells meeting it get a ✓ (two of the three solved purities reach 99.5 %).
        let marked = SweepPage(title: "two", csv: csv, focus: [SweepPage.Focus(product: "p", element: "Nd", minimumPurity: 0.995)]).rendered()
        #expect(MarkupOutline.parse(marked).lines.filter { $0.hasSuffix("text: ✓") }.count == 2)
    }

    @Test func csvRecordsHonourQuotes() {
        #expect(SweepPage.records("a,\"b,c\",\"d \"\"e\"\"\"\n1,2,3\n") == [["a", "b,c", "d \"e\""], ["1", "2", "3"]])
    }
}

/// The design page: margins of the solved splits against total stages, the minimum marked.
struct DesignPageTests {
    @Test func marksTheMinimumAndLeavesFailedSolvesOut() throws {
        let points = [DesignPage.Point(n: 10, m: 10, margin: -0.02), DesignPage.Point(n: 11, m: 9, margin: -.infinity),
                      DesignPage.Point(n: 12, m: 10, margin: 0.001), DesignPage.Point(n: 11, m: 11, margin: -0.001),
                      DesignPage.Point(n: 15, m: 15, margin: 0.01)]
        let page = DesignPage(title: "design <x>", text: "1. Cut & so on", points: points, minimalTotal: 22, fenskeStages: 14.2, result: nil).rendered()
        let outline = MarkupOutline.parse(page)
        #expect(outline.error == nil, "\(outline.error ?? "")")
        #expect(outline.lines.contains { $0.hasSuffix("text: minimum n + m = 22") })
        #expect(outline.lines.contains { $0.hasSuffix("text: Fenske N_min = 14.2 (total reflux)") })
        #expect(outline.lines.contains { $0.hasSuffix("pre: 1. Cut & so on") })
        #expect(outline.lines.contains { $0.contains("desc: ") && $0.contains("1 solves that did not converge are not drawn") })
        // Four solved points drawn as circles, the best of each of the three totals as squares.
        let svg = page[page.range(of: "<svg")!.lowerBound...]
        #expect(svg.components(separatedBy: "<circle").count - 1 == 4 + 1)  // + the legend's sample
    }
}
