import ArgumentParser
import SXFlowsheet
import SXModel
import SXReport

extension ReportFormat: ExpressibleByArgument {}
extension PlotKind: ExpressibleByArgument {}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve a flowsheet and report purity, recovery and targets.",
        discussion: """
            Prints, for each product stream, its flow, composition (mol/L and g/L REO), the oxide-basis \
            purity and recovery of each element, PASS/FAIL against the targets, reagent use per tonne \
            of REO fed, and a solver summary.

            Exit codes: 0 all targets met, 1 a target missed, 2 input error, 3 solver did not converge, \
            64 usage, 66 unreadable input, 73 output not written, 74 standard output not written.
            """)

    @OptionGroup var flowsheet: FlowsheetOptions

    @Option(name: .shortAndLong, help: "Report format: text, json, csv, html (a page with plots) or svg (one plot, see --plot).")
    var format: ReportFormat = .text

    @Option(help: "With --format svg: profiles, mccabe-thiele, mccabe-thiele-log-odds, ph, loading, distribution or convergence (also for a failed solve).")
    var plot: PlotKind = .profiles

    @Option(help: ArgumentHelp("With --format svg: the cascade to plot (default: the first).", valueName: "name"))
    var cascade: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file (atomically) instead of standard output.", valueName: "path"))
    var output: String?

    @Flag(help: "Replace the --output file if it exists.")
    var force = false

    @Flag(help: "Add the stage-by-stage profiles (concentrations, D, pH, loading).")
    var profiles = false

    @Flag(help: "With --format csv: the table of target limits (value, limit, margin, pass) instead of the products.")
    var targets = false

    @Flag(help: "Add the local sensitivities: the elasticity of every product's purity and recovery with respect to each equilibrium parameter, stream flow and concentration and section efficiency (docs/uncertainty.md; a train by re-solves). With --format csv, their table instead of the products.")
    var sensitivities = false

    @Flag(name: .customLong("last-iterate"), help: "When the solve does not converge, show the last iterate's numbers (marked as not a steady state) instead of n/a.")
    var lastIterate = false

    @Flag(name: .customLong("no-timing"), help: "Leave the solve time out of the report (reproducible output).")
    var noTiming = false

    @Flag(name: .shortAndLong, help: "Show no progress, even on a terminal.")
    var quiet = false

    @Flag(help: "Print every solver step on standard error: cascade, phase, iteration, ‖R‖∞ and damping, one line each.")
    var trace = false

    func validate() throws {
        if targets && format != .csv { throw ValidationError("--targets selects a CSV table; use it with --format csv (text and JSON always show the targets)") }
        if targets && profiles { throw ValidationError("--targets and --profiles select different CSV tables; give one") }
        if sensitivities && (targets || profiles) && format == .csv {
            throw ValidationError("--sensitivities selects its own CSV table; give it without --targets and --profiles")
        }
        if sensitivities && (format == .html || format == .svg) {
            throw ValidationError("--sensitivities is written as text, JSON or CSV (--format text|json|csv), not \(format.rawValue)")
        }
    }

    func run() throws {
        let overrides = try flowsheet.parsedOverrides()
        if let output { _ = try FileIO.target(output, force: force) }  // before solving
        let text = try FileIO.read(flowsheet.file)
        let options = ReportOptions(profiles: profiles, lastIterate: lastIterate, plot: plot, cascade: cascade, targets: targets,
                                    sensitivities: sensitivities)
        let display = SolveDisplay(live: !quiet && FileIO.standardErrorIsTerminal, trace: trace)
        let result = Pipeline.run(text: text, fileName: flowsheet.file == "-" ? "<stdin>" : flowsheet.file, overrides: overrides,
                                  format: format, options: options, measureTime: !noTiming,
                                  progress: display.isActive ? display.cascadeStarted : nil,
                                  observer: display.isActive ? display.step : nil)
        display.finish()
        FileIO.writeError(result.standardError)
        if format == .svg, let problem = result.report?.plotProblem(options) {
            FileIO.writeError("sxsim: cannot draw --plot \(plot.rawValue): \(problem)\n")
            throw ExitCode(result.status == .notConverged ? result.status.exitCode : 64)
        }
        if !result.standardOutput.isEmpty {
            if let output { try FileIO.write(result.standardOutput, to: output, force: force) } else { try FileIO.writeOutput(result.standardOutput) }
        }
        if result.sensitivityProblem != nil { throw ExitCode(64) }
        if result.status != .ok { throw ExitCode(result.status.exitCode) }
    }
}
