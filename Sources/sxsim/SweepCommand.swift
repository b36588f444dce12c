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

    @Argument(help: "Flowsheet file.", completion: .file(extensions: ["yaml", "yml"])) var file: String?
    @Option(name: .customLong("vary"), help: "KEY=FROM:TO:COUNT (unit after COUNT allowed) or KEY=a,b,c (repeatable).")
    var vary: [String] = []
    @Option(help: "Run part I of N (1-based), e.g. 3/10.") var shard: String?
    @Option(help: "Worker threads (default: all cores).") var jobs: Int?
    @Option(name: [.short, .long], help: "CSV file to write (default: standard output).") var output: String?
    @Option(help: ArgumentHelp("Also write an HTML page with plots of the sweep: purity and recovery against one varied value, heat maps over two.", valueName: "file"))
    var html: String?
    @Flag(help: "Overwrite the output file if it exists.") var force = false
    @Option(parsing: .upToNextOption, help: "Merge shard CSVs into the CSV of the whole sweep; with the flowsheet and --vary of the study, parts of another study are refused.",
            completion: .file(extensions: ["csv"]))
    var merge: [String] = []
    @Option(help: ArgumentHelp("With --merge, the flowsheet and --vary: the parts are the N shards of a job array, and each must be given exactly once.", valueName: "N"))
    var shards: Int?
    @Flag(name: .customLong("no-progress"), help: "No progress bar even on a terminal.") var noProgress = false
    @Flag(help: "Solve every case from scratch instead of from the solution of the case before it (docs/sweep.md).")
    var cold = false
    var warm: Bool { !cold }

    func validate() throws {
        if shards != nil && (merge.isEmpty || file == nil) {
            throw ValidationError("--shards N goes with --merge and the study's flowsheet and --vary (sxsim sweep FILE --vary ... --merge PARTS --shards N)")
        }
        if !merge.isEmpty && shard != nil { throw ValidationError("--merge joins parts; it takes no --shard") }
    }

    /// The study a sweep command names: its flowsheet, grid and CSV columns (without solving).
    struct Study {
        var text: String
        var file: String
        var grid: SweepGrid
        var sheet: Flowsheet
        var products: [String]
        var limitKeys: [String]
        var columns: [String]
    }

    /// Reads the flowsheet and builds the grid and columns; exit 2 with diagnostics when the
    /// flowsheet or a varied key is invalid, exit 64 when a --vary is malformed.
    func study(_ file: String) throws -> Study {
        let text = try FileIO.read(file)
        let grid: SweepGrid
        do {
            grid = try SweepGrid(vary.map { s throws(SweepError) in try SweepParameter.parse(s) })
        } catch { throw ValidationError(error.message) }

        // The base flowsheet fixes the columns (its elements and product outlets).
        let base = FlowsheetParser.parse(text: text, fileName: file)
        guard let sheet = base.flowsheet else {
            FileIO.writeError(Pipeline.render(base.diagnostics))
            throw ExitCode(2)
        }
        // Each key path must exist: try every parameter's first value alone before running the
        // grid (a design that is merely infeasible there is a result of the sweep, not an error).
        for p in grid.parameters {
            let probe = FlowsheetParser.parse(text: text, fileName: file, overrides: [(keyPath: p.key, value: p.values[0])])
            if probe.diagnostics.contains(where: { $0.severity == .error && !$0.id.isInfeasibleDesign }) {
                FileIO.writeError("sxsim sweep: --vary \(p.key)=\(p.values[0]) does not give a valid flowsheet:\n")
                FileIO.writeError(Pipeline.render(probe.diagnostics))
                throw ExitCode(2)
            }
        }
        let products = sheet.train.cascades.indices.flatMap { c in sheet.train.productOutletNames(cascade: c) }
        // Every target limit of the base flowsheet (the run report's checks, by key): value, margin, pass.
        let limitKeys = RunReport.LimitCheck.keys(of: sheet)
        let columns = SweepColumns.header(outlets: products, elements: sheet.elements) + SweepColumns.limitHeader(limitKeys) + ["targets-met"]
        return Study(text: text, file: file, grid: grid, sheet: sheet, products: products, limitKeys: limitKeys, columns: columns)
    }

    func run() throws {
        if !merge.isEmpty { return try runMerge() }
        guard let file else { throw ValidationError("give a flowsheet file (or --merge PARTS)") }
        // The output is checked before the grid is solved, not after.
        if let output { _ = try FileIO.target(output, force: force) }
        let study = try study(file)
        let cases: ClosedRange<Int>?
        do {
            cases = study.grid.cases(shard: try shard.map { s throws(SweepError) in try SweepShard.parse(s) })
        } catch { throw ValidationError(error.message) }
        let (grid, sheet, products, limitKeys, columns) = (study.grid, study.sheet, study.products, study.limitKeys, study.columns)
        let composed = ComposedFlowsheet(text: study.text, fileName: file)
        let elements = sheet.elements
        // Each case starts from the last converged solution of its warm-start chain
        // (SweepRunner: chains fixed by the grid, so rows do not depend on threads or shards).
        let evaluate: @Sendable (SweepCase, TrainResult?) -> (cells: [String], seed: TrainResult?) = { [warm] c, previous in
            let (cells, r) = Self.solve(c, composed: composed, file: file, solver: { f throws(TrainSpecificationError) in
                try TrainSolver.solve(f.train, options: f.solveOptions, startingFrom: warm ? previous : nil)
            }, products: products,
                                        elements: elements, limitKeys: limitKeys, columnCount: columns.count)
            return (cells, r?.outcome.isConverged == true ? r : previous)
        }
        let progress = !noProgress && isatty(2) != 0 ? Self.progressBar : nil
        let rows = SweepRunner.run(grid: grid, cases: cases, workers: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                                   chainLength: warm ? SweepRunner.chainLength(caseCount: grid.caseCount) : 1,
                                   evaluate: evaluate, progress: progress)
        if progress != nil { FileIO.writeError("\n") }
        let csv = SweepCSV.document(grid: grid, resultColumns: columns, rows: rows)
        try emit(csv)
        try emitHTML(SweepPage(title: "SXSim sweep: \(sheet.name)", csv: csv, focus: Self.focus(sheet)))
    }

    func emitHTML(_ page: SweepPage) throws {
        guard let html else { return }
        try FileIO.write(page.rendered(), to: html, force: force)
    }

    /// Parses the flowsheet with `c`'s assignments, solves it with `solver` (the sweep's warm
    /// chain or the uncertainty study's `SampleContinuation`) and
    /// returns its row's cells (`cells`) and the solution; a value the flowsheet refuses gives
    /// `input-error` (or `infeasible` for a design refused as such) with the diagnostic.
    /// Shared by `sweep` and `uncertainty`.
    static func solve(_ c: SweepCase, composed: ComposedFlowsheet, file: String, solver: (Flowsheet) throws(TrainSpecificationError) -> TrainResult, products: [String],
                      elements: [Element], limitKeys: [String], columnCount: Int) -> (cells: [String], result: TrainResult?) {
        let parsed = composed.parse(overrides: c.assignments.map { (keyPath: $0.key, value: $0.value) })
        guard let f = parsed.flowsheet else {
            let errors = parsed.diagnostics.filter { $0.severity == .error }
            let first = errors.first.map { String(describing: $0) } ?? "invalid flowsheet"
            let infeasible = !errors.isEmpty && errors.allSatisfy(\.id.isInfeasibleDesign)
            return (SweepColumns.failure(first.split(separator: "\n").first.map(String.init) ?? first, columns: columnCount,
                                         code: infeasible ? "infeasible" : "input-error"), nil)
        }
        do throws(TrainSpecificationError) {
            let r = try solver(f)
            return (cells(RunReport(flowsheet: f, fileName: file, result: r), products: products, elements: elements, limitKeys: limitKeys), r)
        } catch {
            return (SweepColumns.failure("cascade '\(error.cascade)': \(error.problems.first ?? "invalid specification")", columns: columnCount), nil)
        }
    }

    /// Outcome, per product and element oxide purity and recovery from the fresh feeds, and
    /// whether the flowsheet's targets hold: the run report's figures (one place computes them),
    /// left empty when the case is not a steady state.
    static func cells(_ report: RunReport, products: [String], elements: [Element], limitKeys: [String] = []) -> [String] {
        let steady = report.isSteadyState
        let closure = report.cascades.flatMap(\.closure).map(abs).max() ?? 0
        var c = [report.outcome.code, report.outcome.explanation, String(report.totalIterations),
                 steady ? SweepColumns.number(closure) : ""]
        for name in products {
            guard steady, let p = report.products.first(where: { $0.name == name }), p.purity.count == elements.count else {
                c += [String](repeating: "", count: 2 * elements.count); continue
            }
            c += p.purity.map(SweepColumns.number) + p.recovery.map(SweepColumns.number)
        }
        let limits = report.limits
        for key in limitKeys {
            guard steady, let l = limits.first(where: { $0.key == key }), let value = l.value, let margin = l.margin else { c += ["", "", ""]; continue }
            c += [SweepColumns.number(value), SweepColumns.number(margin), l.passed ? "yes" : "no"]
        }
        return c + [report.targetsMet.map { $0 ? "yes" : "no" } ?? ""]
    }

    static let progressBar: @Sendable (Int, Int) -> Void = { done, total in
        let width = 40
        let filled = total > 0 ? done * width / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileIO.writeError("\r[\(bar)] \(done)/\(total)")
    }

    /// Joins shard parts. Given the study (flowsheet and --vary), parts of another study are
    /// refused and the whole grid must be there; with --shards N, every shard exactly once.
    func runMerge() throws {
        if let output { _ = try FileIO.target(output, force: force) }
        let study = try file.map(study)
        var parts: [(name: String, text: String)] = []
        for path in merge {
            parts.append((path, try FileIO.read(path)))
        }
        let csv: String
        do {
            csv = try SweepCSV.merge(parts, study: study.map { SweepStudy(grid: $0.grid, resultColumns: $0.columns, shards: shards) })
        } catch {
            FileIO.writeError("sxsim sweep --merge: \(error.message)\n")
            throw ExitCode(2)
        }
        try emit(csv)
        guard let study else {
            return try emitHTML(SweepPage(title: "SXSim sweep: " + merge.joined(separator: ", "), csv: csv))
        }
        try emitHTML(SweepPage(title: "SXSim sweep: \(study.sheet.name)", csv: csv, focus: Self.focus(study.sheet)))
    }

    /// The page plots the per-element purity columns: a group target has none (its values are the limit.* columns).
    static func focus(_ sheet: Flowsheet) -> [SweepPage.Focus] {
        sheet.targets.filter { $0.elements.count == 1 }.map { t in
            SweepPage.Focus(product: t.product, element: t.element.symbol, oxide: t.element.oxideFormula,
                            minimumPurity: t.minimumPurity, minimumRecovery: t.minimumRecovery)
        }
    }

    func emit(_ csv: String) throws {
        guard let output else { try FileIO.writeOutput(csv); return }
        try FileIO.write(csv, to: output, force: force)
    }
}
