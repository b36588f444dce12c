import ArgumentParser
import Foundation
import SXReport

/// `sxsim compare A B`: two flowsheets (solved) or saved JSON reports side by side.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two flowsheets (solved now) or saved JSON reports side by side.",
        discussion: """
            A and B are each a flowsheet (YAML, solved as 'sxsim run' would) or a report saved with \
            'sxsim run -f json'. Prints the solver outcome, every product figure, every target limit \
            and the reagents of both, with the difference B - A and the relative difference (B - A)/|A|.

            Exit codes: 0 no difference beyond --tolerance, 1 differences, 2 an input is not a valid \
            flowsheet or sxsim run report, 64 usage, 66 unreadable input, 73 output not written, \
            74 standard output not written.
            """)

    @Argument(help: ArgumentHelp("The first flowsheet or saved JSON report.", valueName: "a")) var a: String
    @Argument(help: ArgumentHelp("The second flowsheet or saved JSON report.", valueName: "b")) var b: String
    @Option(name: .shortAndLong, help: "Output format: text or json.") var format: CompareFormat = .text
    @Option(help: "Relative tolerance below which two numbers count as equal (default 1e-9).") var tolerance: Double = 1e-9
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the comparison to this file instead of standard output.", valueName: "path"))
    var output: String?
    @Flag(help: "Replace the --output file if it exists.") var force = false

    enum CompareFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        guard tolerance.isFinite, tolerance >= 0, tolerance < 1 else { throw ValidationError("--tolerance must lie in [0, 1), got \(tolerance)") }
        if a == "-" && b == "-" { throw ValidationError("only one of A and B can be standard input ('-')") }
    }

    func run() throws {
        if let output { _ = try FileIO.target(output, force: force) }  // before solving
        let textA = try FileIO.read(a), textB = try FileIO.read(b)
        let result = Pipeline.compare((textA, a == "-" ? "<stdin>" : a), (textB, b == "-" ? "<stdin>" : b),
                                      tolerance: tolerance, json: format == .json)
        FileIO.writeError(result.standardError)
        if !result.standardOutput.isEmpty {
            if let output { try FileIO.write(result.standardOutput, to: output, force: force) } else { try FileIO.writeOutput(result.standardOutput) }
        }
        if result.status != 0 { throw ExitCode(result.status) }
    }
}
