import ArgumentParser
import Foundation
import SXDesign
import SXFlowsheet
import SXModel
import SXReport

/// `sxsim sweep`: a flowsheet solved over a grid of overrides, on all cores, as CSV (docs/sweep.md).
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve a flowsheet over a grid of values and write one CSV row per case.",
        discussion: """
        Each --vary KEY=FROM:TO:COUNT (or KEY=a,b,c) sets a key path of the flowsheet (as in \
        cascades.prnd.sections.scrub.stages); several make a grid, the first varying slowest. Rows are \
        identical whatever the number of cores. --shard I/N runs the I-th of N contiguous parts; \
        'sxsim sweep --merge part*.csv -o all.csv' joins the parts into the CSV of the whole sweep.

        Example: sxsim sweep Flowsheets/prnd.yaml --vary cascades.prnd.sections.scrub.stages=10:30:21 \\
                   --vary streams.scrub-acid.flow=10:20:5 -o sweep.csv
        """)

    @Argument(help: "Flowsheet file.") var file: String?
    @Option(name: .customLong("vary"), help: "KEY=FROM:TO:COUNT (unit after COUNT allowed) or KEY=a,b,c (repeatable).")
    var vary: [String] = []
    @Option(help: "Run part I of N (1-based), e.g. 3/10.") var shard: String?
    @Option(help: "Worker threads (default: all cores).") var jobs: Int?
    @Option(name: [.short, .long], help: "CSV file to write (default: standard output).") var output: String?
    @Option(help: ArgumentHelp("Also write an HTML page with plots of the sweep: purity and recovery against one varied value, heat maps over two.", valueName: "file"))
    var html: String?
    @Flag(help: "Overwrite the output file if it exists.") var force = false
    @Option(parsing: .upToNextOption, help: "Merge shard CSVs into the CSV of the whole sweep.") var merge: [String] = []
    @Flag(name: .customLong("no-progress"), help: "No progress bar even on a terminal.") var noProgress = false

    func run() throws {
        if !merge.isEmpty { return try runMerge() }
        guard let file else { throw ValidationError("give a flowsheet file (or --merge PARTS)") }
        let text = try FileIO.read(file)
        let grid: SweepGrid
        let cases: ClosedRange<Int>?
        do {
            grid = try SweepGrid(vary.map { s throws(SweepError) in try SweepParameter.parse(s) })
            cases = try shard.map { s throws(SweepError) in try SweepShard.parse(s) }?.cases(of: grid.caseCount)
                ?? (1...grid.caseCount)
        } catch { throw ValidationError(error.message) }

        // The base flowsheet fixes the columns (its elements and product outlets).
        let base = FlowsheetParser.parse(text: text, fileName: file)
        guard let sheet = base.flowsheet else {
            for d in base.diagnostics { FileIO.writeError(String(describing: d) + "\n") }
            throw ExitCode(2)
        }
        // Each key path must exist: try every parameter's first value alone before running the grid.
        for p in grid.parameters {
            let probe = FlowsheetParser.parse(text: text, fileName: file, overrides: [(keyPath: p.key, value: p.values[0])])
            if probe.hasErrors {
                FileIO.writeError("sxsim sweep: --vary \(p.key)=\(p.values[0]) does not give a valid flowsheet:\n")
                for d in probe.diagnostics { FileIO.writeError(String(describing: d) + "\n") }
                throw ExitCode(2)
            }
        }
        let products = sheet.train.cascades.indices.flatMap { c in sheet.train.productOutletNames(cascade: c) }
        let columns = SweepColumns.header(outlets: products, elements: sheet.elements) + ["targets-met"]
        let elements = sheet.elements
        let evaluate: @Sendable (SweepCase) -> [String] = { c in
            let parsed = FlowsheetParser.parse(text: text, fileName: file, overrides: c.assignments.map { (keyPath: $0.key, value: $0.value) })
            guard let f = parsed.flowsheet else {
                let first = parsed.diagnostics.first { $0.severity == .error }.map { String(describing: $0) } ?? "invalid flowsheet"
                return SweepColumns.failure(first.split(separator: "\n").first.map(String.init) ?? first, columns: columns.count)
            }
            guard let r = try? TrainSolver.solve(f.train, options: f.solveOptions) else {
                return SweepColumns.failure("the cascade specification is invalid for these values", columns: columns.count)
            }
            return Self.cells(r, products: products, elements: elements, targets: f.targets)
        }
        let progress = !noProgress && isatty(2) != 0 ? Self.progressBar : nil
        let rows = SweepRunner.run(grid: grid, cases: cases, workers: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                                   evaluate: evaluate, progress: progress)
        if progress != nil { FileIO.writeError("\n") }
        let csv = SweepCSV.document(grid: grid, resultColumns: columns, rows: rows)
        try emit(csv)
        let focus = sheet.targets.map { t in
            SweepPage.Focus(product: t.product, element: t.element.symbol, oxide: t.element.oxideFormula,
                            minimumPurity: t.minimumPurity, minimumRecovery: t.minimumRecovery)
        }
        try emitHTML(SweepPage(title: "SXSim sweep: \(sheet.name)", csv: csv, focus: focus))
    }

    func emitHTML(_ page: SweepPage) throws {
        guard let html else { return }
        try FileIO.write(page.rendered(), to: html, force: force)
    }

    /// Outcome, per product and element oxide purity and recovery from the fresh feeds, and whether the flowsheet's targets hold.
    static func cells(_ r: TrainResult, products: [String], elements: [Element], targets: [ProductTarget]) -> [String] {
        let converged = r.outcome.isConverged
        var c = [r.outcome.code, r.outcome.explanation, String(r.totalIterations),
                 converged ? SweepColumns.number(r.results.map(\.worstClosure).max() ?? 0) : ""]
        let byName = Dictionary(r.products.map { ($0.outlet.name, $0.outlet) }, uniquingKeysWith: { a, _ in a })
        var met = converged
        for name in products {
            guard converged, let o = byName[name] else {
                c += [String](repeating: "", count: 2 * elements.count); continue
            }
            let purity = o.oxidePurity(elements: elements)
            let recovery = elements.indices.map { j -> Double in
                let fed = r.freshFeed(element: j, elements: elements)
                return fed > 0 ? o.flow * o.concentrations[j] / fed : 0
            }
            c += purity.map(SweepColumns.number) + recovery.map(SweepColumns.number)
            for t in targets where t.product == name {
                guard let j = elements.firstIndex(of: t.element) else { continue }
                if let p = t.minimumPurity, purity[j] < p { met = false }
                if let y = t.minimumRecovery, recovery[j] < y { met = false }
            }
        }
        return c + [targets.isEmpty ? "" : (met ? "yes" : "no")]
    }

    static let progressBar: @Sendable (Int, Int) -> Void = { done, total in
        let width = 40
        let filled = total > 0 ? done * width / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileIO.writeError("\r[\(bar)] \(done)/\(total)")
    }

    func runMerge() throws {
        var parts: [(name: String, text: String)] = []
        for path in merge {
            parts.append((path, try FileIO.read(path)))
        }
        let csv: String
        do { csv = try SweepCSV.merge(parts) } catch let e as SweepError { throw ValidationError(e.message) }
        try emit(csv)
        try emitHTML(SweepPage(title: "SXSim sweep: " + merge.joined(separator: ", "), csv: csv))
    }

    func emit(_ csv: String) throws {
        guard let output else { FileIO.writeOutput(csv); return }
        try FileIO.write(csv, to: output, force: force)
    }
}
