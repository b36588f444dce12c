import Foundation
import SXFlowsheet
import SXModel

/// How a `run` or `check` ended; `exitCode` is what `sxsim` exits with (docs/cli.md).
public enum RunStatus: Int32, Sendable, Equatable {
    /// Solved (or valid), every target met.
    case ok = 0
    /// Solved, but at least one product target was missed.
    case targetsMissed = 1
    /// The flowsheet has errors (diagnostics were printed).
    case inputError = 2
    /// No steady state: a cascade or a recycle did not converge, or the converged numbers
    /// failed a check (not finite, train not conserving an element); the report says which.
    case notConverged = 3

    public var exitCode: Int32 { rawValue }
}

/// The whole text of a command's outputs, produced in-process (the CLI writes them out;
/// tests call the same functions).
public struct PipelineOutput: Sendable {
    public var status: RunStatus
    /// The report (run) or the summary (check).
    public var standardOutput: String
    /// Rendered diagnostics and warnings.
    public var standardError: String
    /// The parsed flowsheet's diagnostics (errors and warnings).
    public var diagnostics: [Diagnostic]
    /// The report when the flowsheet was solved.
    public var report: RunReport?
    /// Why the asked-for sensitivities could not be formed (the report is still written).
    public var sensitivityProblem: String? = nil
}

/// The `check` and `run` code paths shared by the CLI and the tests.
public enum Pipeline {
    /// Validates only.
    public static func check(text: String, fileName: String, overrides: [Override] = [], json: Bool = false) -> PipelineOutput {
        let parsed = FlowsheetParser.parse(text: text, fileName: fileName, overrides: overrides)
        let stderr = render(parsed.diagnostics)
        guard let f = parsed.flowsheet else {
            return PipelineOutput(status: .inputError, standardOutput: json ? diagnosticsJSON(parsed.diagnostics).rendered() + "\n" : "",
                                  standardError: json ? "" : stderr + summaryLine(parsed.diagnostics), diagnostics: parsed.diagnostics, report: nil)
        }
        let stages = f.train.cascades.reduce(0) { $0 + $1.stageCount }
        let summary = "\(fileName): ok: \(f.train.cascades.count) cascade\(f.train.cascades.count == 1 ? "" : "s"), \(stages) stages, \(f.elements.count) element\(f.elements.count == 1 ? "" : "s"), \(f.targets.count + f.effluentTargets.count) target\(f.targets.count + f.effluentTargets.count == 1 ? "" : "s")"
            + (parsed.diagnostics.isEmpty ? "" : ", \(parsed.diagnostics.count) warning\(parsed.diagnostics.count == 1 ? "" : "s")") + "\n"
        return PipelineOutput(status: .ok, standardOutput: json ? diagnosticsJSON(parsed.diagnostics).rendered() + "\n" : summary,
                              standardError: json ? "" : stderr, diagnostics: parsed.diagnostics, report: nil)
    }

    /// Parses, solves and reports. `measureTime` adds the solve's wall-clock time to the
    /// report (leave it off for reproducible output).
    public static func run(text: String, fileName: String, overrides: [Override] = [], format: ReportFormat = .text,
                           options: ReportOptions = ReportOptions(), measureTime: Bool = true,
                           progress: (@Sendable (TrainProgress) -> Void)? = nil,
                           observer: SolveObserver? = nil) -> PipelineOutput {
        let parsed = FlowsheetParser.parse(text: text, fileName: fileName, overrides: overrides)
        var stderr = render(parsed.diagnostics)
        guard let flowsheet = parsed.flowsheet else {
            return PipelineOutput(status: .inputError, standardOutput: "", standardError: stderr + summaryLine(parsed.diagnostics),
                                  diagnostics: parsed.diagnostics, report: nil)
        }
        var train = flowsheet.train
        train.recycleTolerance = flowsheet.train.recycleTolerance
        let start = DispatchTime.now().uptimeNanoseconds
        let result: TrainResult
        do {
            result = try TrainSolver.solve(train, options: flowsheet.solveOptions, progress: progress, observer: observer)
        } catch {
            // Problems only visible once linked streams carry their real values, located at the cascade.
            let found = error.error.diagnostics(cascade: error.cascade, at: flowsheet.locations(ofCascade: error.cascade, fileName: fileName))
            return PipelineOutput(status: .inputError, standardOutput: "", standardError: stderr + render(found) + summaryLine(found),
                                  diagnostics: parsed.diagnostics + found, report: nil)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let report = RunReport(flowsheet: flowsheet, fileName: fileName, result: result, seconds: measureTime ? seconds : nil)
        let status: RunStatus = !report.isSteadyState ? .notConverged : (report.targetsMet == false ? .targetsMissed : .ok)
        if !report.isSteadyState {
            stderr += "\(fileName): \(report.outcome.isSolverFailure ? "solver did not converge" : "no valid result"): \(report.outcome.explanation)\n"
        }
        var output = PipelineOutput(status: status, standardOutput: report.rendered(format, options: options), standardError: stderr,
                                    diagnostics: parsed.diagnostics, report: report)
        if options.sensitivities { addSensitivities(to: &output, text: text, fileName: fileName, flowsheet: flowsheet, format: format, options: options) }
        return output
    }

    /// Adds the local sensitivities to a run's output in `format` (text: a section after the
    /// report; JSON: a "sensitivities" member; CSV: their table instead of the products). A
    /// run that is not a steady state gets none; a flowsheet they cannot be formed for gets
    /// `sensitivityProblem`.
    static func addSensitivities(to output: inout PipelineOutput, text: String, fileName: String, flowsheet: Flowsheet,
                                 format: ReportFormat, options: ReportOptions) {
        guard let report = output.report else { return }
        guard report.isSteadyState else {
            output.standardError += "\(fileName): no sensitivities: the solve did not reach a steady state\n"
            return
        }
        let table: SensitivityTable
        do { table = try Sensitivities.compute(text: text, fileName: fileName, flowsheet: flowsheet, report: report) } catch {
            output.sensitivityProblem = error.message
            output.standardError += "\(fileName): no sensitivities: \(error.message)\n"
            return
        }
        switch format {
        case .text: output.standardOutput += "\n" + table.text()
        case .json:
            if case .object(let members) = report.json(options: options) {
                output.standardOutput = JSONValue.object(members + [("sensitivities", table.json())]).rendered() + "\n"
            }
        case .csv: output.standardOutput = table.csv()
        case .html, .svg: output.sensitivityProblem = "--sensitivities is written as text, JSON or CSV, not \(format.rawValue)"
        }
    }

    /// Most diagnostics printed in text (a mutated or hostile file can have thousands;
    /// `check --json` lists them all).
    public static let maximumRendered = 50

    /// The diagnostics in the compiler-like layout, at most `maximumRendered` of them and then
    /// a line saying how many more there are.
    public static func render(_ diagnostics: [Diagnostic]) -> String {
        let shown = diagnostics.prefix(maximumRendered).map(\.description).joined()
        let more = diagnostics.count - maximumRendered
        return more > 0 ? shown + "and \(more) more diagnostic\(more == 1 ? "" : "s") (sxsim check --json lists them all)\n" : shown
    }

    static func summaryLine(_ diagnostics: [Diagnostic]) -> String {
        let e = diagnostics.filter { $0.severity == .error }.count
        let w = diagnostics.count - e
        return "\(e) error\(e == 1 ? "" : "s")" + (w > 0 ? ", \(w) warning\(w == 1 ? "" : "s")" : "") + "\n"
    }

    /// Diagnostics as JSON: [{id, name, severity, file, line, column, message, help, notes}].
    public static func diagnosticsJSON(_ diagnostics: [Diagnostic]) -> JSONValue {
        .array(diagnostics.map { d in
            .object([("id", .string(d.id.code)), ("name", .string(d.id.rawValue)), ("severity", .string(d.severity.rawValue)),
                     ("file", .string(d.location.file)), ("line", .integer(d.location.line)), ("column", .integer(d.location.column)),
                     ("message", .string(d.message)), ("help", d.help.map { .string($0) } ?? .null),
                     ("notes", .array(d.notes.map { n in
                         .object([("message", .string(n.message)), ("location", n.location.map { .string($0.description) } ?? .null)])
                     }))])
        })
    }
}
