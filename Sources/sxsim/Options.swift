import ArgumentParser
import SXFlowsheet

/// The flowsheet argument and overrides shared by run and check.
struct FlowsheetOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The flowsheet file (YAML, see docs/flowsheet-format.md); '-' reads standard input.", valueName: "file"),
              completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Option(name: .customLong("set"), parsing: .singleValue,
            help: ArgumentHelp("Override a value before reading, e.g. --set cascades.prnd.sections.scrub.stages=52 or --set 'streams.feed.flow=130 L/h'. Repeatable.",
                               valueName: "path=value"))
    var overrides: [String] = []

    func validate() throws {
        _ = try parsedOverrides()
    }

    func parsedOverrides() throws -> [Override] {
        try overrides.map { text in
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                throw ValidationError("--set needs PATH=VALUE, got '\(text)'")
            }
            return Override(keyPath: String(text[..<eq]), value: String(text[text.index(after: eq)...]))
        }
    }
}
