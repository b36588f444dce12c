import ArgumentParser
import Foundation
import SXFlowsheet
import SXReport

extension DynamicFormat: ExpressibleByArgument {}
extension DynamicSettings.Start: ExpressibleByArgument {}

struct Dynamic: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a cascade in time: start-up, or an upset given as events.",
        discussion: """
            Needs the liquid each stage holds: 'holdup: {mixer: 20 L, aqueous: 30 L, organic: 30 L}' \
            in each section of the flowsheet, or --residence-time for sections without one. Events \
            (steps in a stream's flow, composition or acidity, a stream stopped, a section's \
            equilibrium set changed) come from the flowsheet's 'events' list and from an events file \
            given with --events (the same entries, added to the flowsheet's). Prints each product's \
            composition, oxide purity, recovery and pH over time, the rare earth held in the cascade, \
            and when each product comes within --tolerance of its steady purity (docs/dynamic.md).

            --save-state writes the state at the end of the run (JSON, docs/dynamic.md, section 4); --start-from \
            resumes from it at its time, or starts from a converged 'sxsim run --format json --profiles' \
            report of the same flowsheet at t = 0 (one cascade; not for trains).

            Exit codes: 0 ok, 2 input error (also a state file that is not JSON, of another format, version \
            or layout, or a run that did not converge), 3 the integration failed (the report keeps the times \
            before the failure; --save-state still writes the last accepted state, marked failed), 64 usage, \
            66 unreadable input, 73 output or state not written, 74 standard output not written.
            """)

    @OptionGroup var flowsheet: FlowsheetOptions

    @Option(help: ArgumentHelp("End time, h (a plain number or with a unit: 48 h, 2 d, 30 min).", valueName: "time"))
    var until: String = "100 h"

    @Option(help: "Start from a solvent-filled cascade (solvent, the default), a cascade filled with feed liquor and organic in equilibrium with it (feed; the start-up under the separation-factor model), or the flowsheet's steady state (steady, for upsets).")
    var start: DynamicSettings.Start?

    @Option(name: .customLong("start-from"), help: ArgumentHelp("Start from a state written by --save-state (the run resumes at its time; events before it count as applied) or from a converged 'sxsim run --format json --profiles' report of the same flowsheet (at t = 0). Instead of --start.", valueName: "path"))
    var startFrom: String?

    @Option(name: .customLong("save-state"), help: ArgumentHelp("Write the state at the end of the run to this file (JSON, atomically; --force replaces it), to resume from with --start-from.", valueName: "path"))
    var saveState: String?

    @Option(help: ArgumentHelp("An events file (YAML: a list of events, or a mapping with an 'events' list) whose events are added to the flowsheet's, e.g. - {at: 100 h, stream: scrub-acid, stop: true}.", valueName: "file"))
    var events: String?

    @Option(help: "Closeness to the steady state (oxide purity, as a fraction) for the settling times and --stop-at-steady-state.")
    var tolerance: Double = 1e-6

    @Flag(name: .customLong("stop-at-steady-state"), help: "Stop once every product is within --tolerance of the final steady state (relative to its total rare earth).")
    var stopAtSteadyState = false

    @Option(name: .customLong("residence-time"), help: ArgumentHelp("Residence time per phase per stage for sections without a holdup (e.g. 0.5 h, 10 min).", valueName: "time"))
    var residenceTime: String?

    @Option(help: "Relative tolerance of the time integrator's local error.")
    var rtol: Double = 1e-4

    @Option(help: "Absolute tolerance of the time integrator's local error, mol/L.")
    var atol: Double = 1e-8

    @Option(name: .shortAndLong, help: "Report format: text (a time table per product), csv or json (every time step).")
    var format: DynamicFormat = .text

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file (atomically) instead of standard output.", valueName: "path"))
    var output: String?

    @Flag(help: "Replace the --output and --save-state files if they exist.")
    var force = false

    @Flag(name: .shortAndLong, help: "Show no progress, even on a terminal.")
    var quiet = false

    static func hours(_ text: String, option: String) throws -> Double {
        if let x = Double(text.trimmingCharacters(in: .whitespaces)) { return x }
        switch Units.read(text, as: .time) {
        case .value(let h): return h
        default: throw ValidationError("\(option) needs a time such as 48 h, 2 d or 30 min, got '\(text)'")
        }
    }

    func validate() throws {
        let end = try Self.hours(until, option: "--until")
        if !(end > 0 && end.isFinite) { throw ValidationError("--until must be a positive time, got '\(until)'") }
        if let residenceTime, !(try Self.hours(residenceTime, option: "--residence-time") > 0) {
            throw ValidationError("--residence-time must be positive, got '\(residenceTime)'")
        }
        if !(tolerance > 0 && tolerance < 1) { throw ValidationError("--tolerance must lie in (0, 1)") }
        if !(rtol > 0 && rtol < 1) { throw ValidationError("--rtol must lie in (0, 1)") }
        if !(atol > 0 && atol.isFinite) { throw ValidationError("--atol must be positive") }
        if events == "-" && flowsheet.file == "-" { throw ValidationError("--events and the flowsheet cannot both be read from standard input") }
        if startFrom == "-" && (flowsheet.file == "-" || events == "-") { throw ValidationError("only one of the flowsheet, --events and --start-from can be read from standard input") }
        if start != nil && startFrom != nil { throw ValidationError("give either --start or --start-from, not both") }
        if let saveState, saveState == output { throw ValidationError("--save-state and --output name the same file '\(saveState)'") }
    }

    func run() throws {
        let overrides = try flowsheet.parsedOverrides()
        if let output { _ = try FileIO.target(output, force: force) }
        if let saveState { _ = try FileIO.target(saveState, force: force) }  // before simulating
        let text = try FileIO.read(flowsheet.file)
        let eventsDocument = try events.map { EventsDocument(text: try FileIO.read($0), fileName: $0 == "-" ? "<stdin>" : $0) }
        var settings = DynamicSettings()
        settings.start = start ?? .solvent
        if let startFrom { settings.startFrom = (try FileIO.read(startFrom), startFrom) }
        settings.saveState = saveState != nil
        settings.until = try Self.hours(until, option: "--until")
        settings.tolerance = tolerance
        settings.stopAtSteadyState = stopAtSteadyState
        settings.relativeTolerance = rtol
        settings.absoluteTolerance = atol
        settings.defaultResidenceTime = try residenceTime.map { try Self.hours($0, option: "--residence-time") }
        let progress: DynamicProgress? = !quiet && FileIO.standardErrorIsTerminal ? DynamicProgress() : nil
        var observer: (@Sendable (Double, Double) -> Void)?
        if let progress { observer = { t, end in progress.show(t, end) } }
        let result: DynamicPipelineOutput = Pipeline.dynamic(text: text, fileName: flowsheet.file == "-" ? "<stdin>" : flowsheet.file,
                                                             overrides: overrides, events: eventsDocument, settings: settings, format: format, progress: observer)
        progress?.finish()
        FileIO.writeError(result.standardError)
        if !result.standardOutput.isEmpty {
            if let output { try FileIO.write(result.standardOutput, to: output, force: force) } else { try FileIO.writeOutput(result.standardOutput) }
        }
        // Also after a failed integration: the last accepted state, its "run" marked failed.
        if let saveState, let state = result.savedState { try FileIO.write(state, to: saveState, force: force) }
        if result.status != .ok { throw ExitCode(result.status.exitCode) }
    }
}

/// One line on a terminal's standard error: the simulated time and the share of the run done,
/// redrawn at most ten times a second, shown once the run has taken half a second.
final class DynamicProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let started = Date()
    private var lastDrawn = Date.distantPast
    private var drawn = false

    func show(_ time: Double, _ end: Double) {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(started) > 0.5, now.timeIntervalSince(lastDrawn) > 0.1 else { return }
        lastDrawn = now
        drawn = true
        FileIO.writeError(String(format: "\rsimulating: t = %.4g h of %.4g h (%.0f %%)\u{1B}[K", time, end, 100 * time / end))
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drawn { FileIO.writeError("\r\u{1B}[K") }
    }
}
