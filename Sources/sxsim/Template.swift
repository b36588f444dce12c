import ArgumentParser
import SXFlowsheet

struct Template: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a commented example flowsheet to start from.",
        discussion: "sxsim template > my-flowsheet.yaml; then edit and run 'sxsim check my-flowsheet.yaml'.")

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the template to this file instead of standard output.", valueName: "path"))
    var output: String?

    @Flag(help: "Replace the --output file if it exists.")
    var force = false

    func run() throws {
        if let output { try FileIO.write(FlowsheetTemplate.text, to: output, force: force) } else { try FileIO.writeOutput(FlowsheetTemplate.text) }
    }
}
