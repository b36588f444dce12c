import ArgumentParser
import SXFlowsheet
import SXReport

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a flowsheet without solving it.",
        discussion: "Reports every problem at once with file:line:column, the source line and a caret. Exit codes: 0 valid, 2 errors found.")

    @OptionGroup var flowsheet: FlowsheetOptions

    @Flag(help: "Print the diagnostics as a JSON array on standard output.")
    var json = false

    func run() throws {
        let overrides = try flowsheet.parsedOverrides()
        let text = try FileIO.read(flowsheet.file)
        let result = Pipeline.check(text: text, fileName: flowsheet.file == "-" ? "<stdin>" : flowsheet.file, overrides: overrides, json: json)
        FileIO.writeError(result.standardError)
        try FileIO.writeOutput(result.standardOutput)
        if result.status != .ok { throw ExitCode(result.status.exitCode) }
    }
}
