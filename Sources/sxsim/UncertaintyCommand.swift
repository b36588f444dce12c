import ArgumentParser
import Foundation
import SXDesign
import SXFlowsheet
import SXModel
import SXReport

/// `sxsim uncertainty`: a flowsheet solved at Latin-hypercube samples of uncertain values,
/// warm-started from the nominal solution; a CSV of every sample and a summary of the
/// products and targets (docs/uncertainty.md). Runs, shards and merges as `sxsim sweep` does.
struct Uncertainty: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve a flowsheet at random samples of uncertain values; summarise how likely it meets its targets.",
        discussion: """
        Each --vary KEY=DISTRIBUTION gives a flowsheet value a distribution: normal(MEAN, SD), lognormal(MEDIAN, SD), \
        uniform(LOW, HIGH) or triangular(LOW, MODE, HIGH); SD may be in % (of the mean; for lognormal, σ of ln). \
        --samples N points of a Latin hypercube seeded by --seed are solved from the nominal solution. The summary \
        (standard output) gives per target the probability of meeting it and per output the mean and 5/50/95 % \
        quantiles, with the varied values that matter most (rank correlation). -o writes every sample as CSV. \
        Results are identical whatever the number of cores; --shard I/N runs the I-th of N parts and \
        'sxsim uncertainty --merge part*.csv -o all.csv' joins them (and prints the summary), as for sweeps.

        Example: sxsim uncertainty Flowsheets/prnd-split.yaml --samples 1000 --seed 7 \\
                   --vary "equilibria.p507-loaded.separation-factors.Nd=lognormal(1.5, 3 %)" -o samples.csv
        """)

    @Argument(help: "Flowsheet file.") var file: String?
    @Option(name: .customLong("vary"), help: "KEY=normal(MEAN, SD) | lognormal(MEDIAN, SD) | uniform(LOW, HIGH) | triangular(LOW, MODE, HIGH) (repeatable).")
    var vary: [String] = []
    @Option(help: "Number of samples (1 to 1000000).") var samples: Int?
    @Option(help: "Seed of the sampling design (default 1): the same seed gives the same samples.") var seed: UInt64 = 1
    @Option(help: "Run part I of N (1-based), e.g. 3/10; needs -o.") var shard: String?
    @Option(help: "Worker threads (default: all cores).") var jobs: Int?
    @Option(name: [.short, .long], help: "CSV file of every sample to write.") var output: String?
    @Option(name: [.short, .long], help: "Summary format: text or json.") var format: SummaryFormat = .text
    @Flag(help: "Overwrite the output file if it exists.") var force = false
    @Option(parsing: .upToNextOption, help: "Merge shard CSVs into the CSV of the whole study (-o) and print its summary.") var merge: [String] = []
    @Flag(name: .customLong("no-progress"), help: "No progress bar even on a terminal.") var noProgress = false

    enum SummaryFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        if !merge.isEmpty {
            if file != nil || !vary.isEmpty || shard != nil {
                throw ValidationError("--merge takes only the parts (and --samples, -o, --format): the study is in their rows")
            }
            return
        }
        if shard != nil && output == nil { throw ValidationError("--shard writes a part of the study's CSV: give -o FILE") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs \(jobs): give at least 1 thread") }
    }

    func run() throws {
        if !merge.isEmpty { return try runMerge() }
        guard let file else { throw ValidationError("give a flowsheet file (or --merge PARTS)") }
        guard let samples else { throw ValidationError("give --samples N") }
        if let output { _ = try FileIO.target(output, force: force) }
        let study: UncertaintyStudy
        let range: ClosedRange<Int>?
        do {
            study = try UncertaintyStudy(parameters: vary.map { s throws(SweepError) in try UncertainParameter.parse(s) }, samples: samples, seed: seed)
            range = study.samples(shard: try shard.map { s throws(SweepError) in try SweepShard.parse(s) })
        } catch { throw ValidationError(error.message) }

        let text = try FileIO.read(file)
        let base = FlowsheetParser.parse(text: text, fileName: file)
        guard let sheet = base.flowsheet else {
            FileIO.writeError(Pipeline.render(base.diagnostics))
            throw ExitCode(2)
        }
        // Each key path must exist and take a value: try every parameter at its median alone.
        for p in study.parameters {
            let median = p.value(atQuantile: 0.5)
            let probe = FlowsheetParser.parse(text: text, fileName: file, overrides: [(keyPath: p.key, value: median)])
            if probe.diagnostics.contains(where: { $0.severity == .error && !$0.id.isInfeasibleDesign }) {
                FileIO.writeError("sxsim uncertainty: --vary \(p.key)=\(p.specification): its median \(median) does not give a valid flowsheet:\n")
                FileIO.writeError(Pipeline.render(probe.diagnostics))
                throw ExitCode(2)
            }
        }
        // The nominal solution: every sample starts from it or from its first-order prediction
        // (never from another sample, so a row does not depend on threads or shards).
        let nominal: TrainResult?
        do { nominal = try TrainSolver.solve(sheet.train, options: sheet.solveOptions) } catch { nominal = nil }
        if nominal?.outcome.isConverged != true {
            FileIO.writeError("sxsim uncertainty: the nominal flowsheet has no steady state; every sample starts cold\n")
        }
        let seedResult = nominal?.outcome.isConverged == true ? nominal : nil
        // One cascade: start each sample from the nominal state moved along the tangents of
        // the varied values (TangentPredictor); otherwise from the nominal state itself.
        let keys = study.parameters.map(\.key)
        let predictor = seedResult.flatMap { TangentPredictor(text: text, fileName: file, nominal: $0, keys: keys) }
        // Each sample: Newton from that prediction, else continuation from the nominal state
        // along the sample's values, else the cold chain (SampleContinuation).
        let composed = ComposedFlowsheet(text: text, fileName: file)
        let continuation = seedResult.map { SampleContinuation(composed: composed, text: text, nominal: $0, keys: keys, predictor: predictor) }
        let products = sheet.train.cascades.indices.flatMap { c in sheet.train.productOutletNames(cascade: c) }
        let limitKeys = RunReport.LimitCheck.keys(of: sheet)
        let columns = SweepColumns.header(outlets: products, elements: sheet.elements) + SweepColumns.limitHeader(limitKeys) + ["targets-met"]
        let elements = sheet.elements
        let evaluate: @Sendable (SweepCase, TrainResult?) -> (cells: [String], seed: TrainResult?) = { sample, _ in
            (Sweep.solve(sample, composed: composed, file: file, solver: { f throws(TrainSpecificationError) in
                guard let continuation else { return try TrainSolver.solve(f.train, options: f.solveOptions) }
                return try continuation.solve(sample, flowsheet: f)
            },
                         products: products, elements: elements, limitKeys: limitKeys, columnCount: columns.count).cells, nil)
        }
        let progress = !noProgress && isatty(2) != 0 ? Sweep.progressBar : nil
        let rows = SweepRunner.run(cases: range, item: { study.sample($0) }, workers: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                                   chainLength: 1, evaluate: evaluate, progress: progress)
        if progress != nil { FileIO.writeError("\n") }
        let csv = study.document(resultColumns: columns, rows: rows)
        if let output { try FileIO.write(csv, to: output, force: force) }
        // A shard's part is not the study: its summary comes from the merged CSV.
        if shard == nil { try emitSummary(csv) }
    }

    func runMerge() throws {
        var parts: [(name: String, text: String)] = []
        for path in merge { parts.append((path, try FileIO.read(path))) }
        let csv: String
        // With --samples N the merge also checks that no part is missing at the end.
        do { csv = try SweepCSV.merge(parts, expectedCases: samples, indexColumn: UncertaintyStudy.indexColumn) } catch let e as SweepError { throw ValidationError(e.message) }
        if let output { try FileIO.write(csv, to: output, force: force) }
        try emitSummary(csv)
    }

    func emitSummary(_ csv: String) throws {
        let summary: UncertaintySummary
        do { summary = try UncertaintySummary(csv: csv) } catch { throw ValidationError(error.message) }
        try FileIO.writeOutput(format == .json ? summary.json().rendered() + "\n" : summary.text())
    }
}
