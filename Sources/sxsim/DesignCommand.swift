import ArgumentParser
import Foundation
import SXDesign
import SXReport

/// `sxsim design`: Xu's design method confirmed with the rigorous model (docs/design.md).
struct Design: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Design a split between two key elements: stages, flows and reagents for purity/recovery targets.",
        discussion: """
        Prints the design step by step (cut, minimum fluxes, Fenske, Xu's optimum and approximate stages, \
        the exact minimal stages found with the rigorous model, operating flows, reagents per tonne REO, where \
        each element goes) and writes a ready-to-run flowsheet. Input: a design file (see docs/design.md), \
        options, or both (options win).

        Example: sxsim design --elements Pr,Nd --feed 0.25,0.75 --beta 1,1.5 --split 'Pr|Nd' \\
                   --organic-purity 0.995 --raffinate-purity 0.99 -o prnd.yaml
        """)

    @Argument(help: "Design file (key: value lines; see docs/design.md).")
    var file: String?

    @Option(help: "Elements, e.g. La,Ce,Pr,Nd.") var elements: String?
    @Option(help: "Feed concentrations, mol/L, one per element.") var feed: String?
    @Option(name: .customLong("feed-flow"), help: "Feed flow, L/h.") var feedFlow: String?
    @Option(help: "Separation factors, one per element (only ratios matter).") var beta: String?
    @Option(help: "Key pair LIGHTER|HEAVIER, e.g. 'Pr|Nd'.") var split: String?
    @Option(name: .customLong("organic-purity")) var organicPurity: String?
    @Option(name: .customLong("raffinate-purity")) var raffinatePurity: String?
    @Option(name: .customLong("organic-recovery")) var organicRecovery: String?
    @Option(name: .customLong("raffinate-recovery")) var raffinateRecovery: String?
    @Option(help: "xu-optimum (default), 'K S_min' (e.g. '1.2 S_min') or 'S=4.09 W=3.34'.") var operating: String?
    @Option(name: .customLong("set"), help: "Any design-file key as KEY=VALUE (repeatable), e.g. --set purity-basis=oxide.")
    var settings: [String] = []

    @Option(name: [.short, .long], help: "Flowsheet to write (default: <design file>.flowsheet.yaml, or design.flowsheet.yaml).")
    var output: String?
    @Option(help: ArgumentHelp("Also write an HTML page: the margin of every split solved against total stages, the minimum marked, and the designed cascade's profiles.", valueName: "file"))
    var html: String?
    @Flag(help: "Overwrite the output flowsheet (and the --html file) if it exists.") var force = false
    @Flag(name: .customLong("no-flowsheet"), help: "Print the design only.") var noFlowsheet = false
    @Option(name: [.short, .long], help: "Report format on standard output: text (default) or json.") var format: DesignFormat = .text
    @Flag(name: .shortAndLong, help: "Show no progress, even on a terminal.") var quiet = false

    enum DesignFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func run() throws {
        var options: [(key: String, value: String)] = []
        for (key, value) in [("elements", elements), ("feed-concentrations", feed), ("feed-flow", feedFlow),
                             ("separation-factors", beta), ("split", split), ("organic-purity", organicPurity),
                             ("raffinate-purity", raffinatePurity), ("organic-recovery", organicRecovery),
                             ("raffinate-recovery", raffinateRecovery), ("operating", operating)] {
            if let value { options.append((key, value)) }
        }
        for s in settings {
            guard let eq = s.firstIndex(of: "=") else { throw ValidationError("--set '\(s)': expected KEY=VALUE") }
            options.append((String(s[..<eq]), String(s[s.index(after: eq)...])))
        }
        var text = ""
        if let file { text = try FileIO.read(file) }
        let spec: DesignSpecification
        do { spec = try DesignFile.parse(text: text, fileName: file ?? "options", options: options) } catch {
            FileIO.writeError("sxsim design: the design input has problems:\n" + error.problems.map { "  " + $0 }.joined(separator: "\n") + "\n")
            throw ExitCode(2)
        }
        let path = noFlowsheet ? nil
            : output ?? (file.map { URL(fileURLWithPath: $0).deletingPathExtension().path + ".flowsheet.yaml" } ?? "design.flowsheet.yaml")
        // Refuse an output that cannot be written before the search, not after it (exit 73).
        if let path { _ = try FileIO.target(path, force: force) }
        if let html { _ = try FileIO.target(html, force: force) }
        let display = DesignProgress(live: !quiet && FileIO.standardErrorIsTerminal)
        let report: DesignReport
        do { report = try Designer.design(spec, progress: display.live ? display.solved : nil) } catch {
            display.finish()
            FileIO.writeError("sxsim design: " + error.problems.joined(separator: "\n") + "\n")
            throw ExitCode(2)
        }
        display.finish()
        try FileIO.writeOutput(format == .json ? report.json().rendered() + "\n" : report.text)
        if let html { try FileIO.write(Design.page(report, title: file ?? "design").rendered(), to: html, force: force) }
        if let path {
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent.replacingOccurrences(of: ".flowsheet", with: "")
            if let flowsheet = report.flowsheetText(name: name.isEmpty ? "design" : name) {
                try FileIO.write(flowsheet, to: path, force: force)
                let note = report.targetsReached ? "flowsheet written to \(path); run it with: sxsim run \(path)"
                    : "flowsheet of the best split tried written to \(path), marked TARGETS NOT REACHED, for inspection"
                if format == .json { FileIO.writeError(note + "\n") } else { try FileIO.writeOutput("\n" + note + "\n") }
            }
        }
        // Exit 1 when the targets are out of reach, whether or not a flowsheet is written.
        if !report.targetsReached {
            FileIO.writeError("sxsim design: the targets are not reached (see the design's section 5)\n")
            throw ExitCode(1)
        }
    }

    static func page(_ report: DesignReport, title: String) -> DesignPage {
        var minimal: Int?
        if case .found(let total, _, _) = report.search.outcome { minimal = total }
        return DesignPage(title: "SXSim design: \(title)", text: report.text,
                          points: report.search.evaluated.map { DesignPage.Point(n: $0.n, m: $0.m, margin: $0.margin) },
                          minimalTotal: minimal, fenskeStages: report.fenskeStages, result: report.result)
    }
}

/// `sxsim design`'s progress on a terminal: after a second, the number of rigorous solves of
/// the stage search and the split last solved, redrawn at most ten times a second.
final class DesignProgress: @unchecked Sendable {
    let live: Bool
    private let lock = NSLock()
    private let started = Date()
    private var lastDrawn = Date.distantPast
    private var drawn = false

    init(live: Bool) { self.live = live }

    @Sendable func solved(_ solves: Int, _ n: Int, _ m: Int) {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(started) >= SolveDisplay.delay,
              now.timeIntervalSince(lastDrawn) >= SolveDisplay.redrawInterval else { return }
        lastDrawn = now
        drawn = true
        FileIO.writeError("\rdesign: \(solves) splits solved, last n = \(n) extraction + m = \(m) scrub\u{1B}[K")
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drawn { FileIO.writeError("\r\u{1B}[K") }
    }
}
