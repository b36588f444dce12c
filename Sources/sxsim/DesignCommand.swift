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
        let report: DesignReport
        do { report = try Designer.design(spec) } catch {
            FileIO.writeError("sxsim design: " + error.problems.joined(separator: "\n") + "\n")
            throw ExitCode(2)
        }
        try FileIO.writeOutput(report.text)
        if let html { try FileIO.write(Design.page(report, title: file ?? "design").rendered(), to: html, force: force) }
        // Exit 1 when the targets are out of reach, with or without a flowsheet to write.
        guard !noFlowsheet else {
            if report.cascade == nil {
                FileIO.writeError("sxsim design: the targets are not reached (see above)\n")
                throw ExitCode(1)
            }
            return
        }
        let path = output ?? (file.map { URL(fileURLWithPath: $0).deletingPathExtension().path + ".flowsheet.yaml" } ?? "design.flowsheet.yaml")
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent.replacingOccurrences(of: ".flowsheet", with: "")
        guard let flowsheet = report.flowsheetText(name: name.isEmpty ? "design" : name) else {
            FileIO.writeError("sxsim design: no flowsheet written: the targets are not reached (see above)\n")
            throw ExitCode(1)
        }
        try FileIO.write(flowsheet, to: path, force: force)
        try FileIO.writeOutput("\nflowsheet written to \(path); run it with: sxsim run \(path)\n")
    }

    static func page(_ report: DesignReport, title: String) -> DesignPage {
        var minimal: Int?
        if case .found(let total, _, _) = report.search.outcome { minimal = total }
        return DesignPage(title: "SXSim design: \(title)", text: report.text,
                          points: report.search.evaluated.map { DesignPage.Point(n: $0.n, m: $0.m, margin: $0.margin) },
                          minimalTotal: minimal, fenskeStages: report.fenskeStages, result: report.result)
    }
}
