/// A place in an input text: file name, 1-based line and column (columns count Unicode
/// scalars, as libyaml does), and the text of that line for the caret display.
public struct TextLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The full text of `line`, without its line break (empty when unknown).
    public var sourceLine: String

    public init(file: String, line: Int, column: Int, sourceLine: String = "") {
        self.file = file
        self.line = line
        self.column = column
        self.sourceLine = sourceLine
    }

    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// How serious a finding is. Only errors stop a flowsheet from being built.
public enum Severity: String, Sendable, Equatable, Codable {
    case error, warning
}

/// A secondary location attached to a diagnostic ("first defined here").
public struct DiagnosticNote: Sendable, Equatable {
    public var message: String
    public var location: TextLocation?
    public init(_ message: String, at location: TextLocation?) {
        self.message = message
        self.location = location
    }
}

/// One finding about an input text. `id` is stable across releases (tests and scripts
/// may match on it); `message` is for people and may be reworded.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public var id: DiagnosticID
    public var severity: Severity
    public var message: String
    public var location: TextLocation
    /// Number of columns the caret underline spans (≥ 1).
    public var length: Int
    public var notes: [DiagnosticNote]
    /// What to do next, e.g. "did you mean 'stages'?".
    public var help: String?

    public init(_ id: DiagnosticID, _ message: String, at location: TextLocation, length: Int = 1,
                severity: Severity? = nil, notes: [DiagnosticNote] = [], help: String? = nil) {
        self.id = id
        self.severity = severity ?? id.defaultSeverity
        self.message = message
        self.location = location
        self.length = max(1, length)
        self.notes = notes
        self.help = help
    }

    /// The diagnostic in the compiler-like layout:
    ///
    ///     prnd.yaml:12:7: error[SX110]: unknown key 'stges' in section 'scrub'
    ///        12 |       stges: 40
    ///           |       ^~~~~
    ///        = help: did you mean 'stages'?
    ///     prnd.yaml:3:5: note: first defined here
    public var description: String {
        var out = "\(location): \(severity.rawValue)[\(id.code)]: \(message)\n"
        out += Diagnostic.snippet(location, length: length)
        if let help { out += "     = help: \(help)\n" }
        for note in notes {
            if let at = note.location {
                out += "\(at): note: \(note.message)\n"
                out += Diagnostic.snippet(at, length: 1)
            } else {
                out += "     = note: \(note.message)\n"
            }
        }
        return out
    }

    /// The source line and a caret under `location.column`, or nothing when the line is unknown.
    static func snippet(_ location: TextLocation, length: Int) -> String {
        guard !location.sourceLine.isEmpty else { return "" }
        let number = String(location.line)
        let gutter = String(repeating: " ", count: max(0, 5 - number.count)) + number
        let blank = String(repeating: " ", count: gutter.count)
        // Very long lines are shown as a window around the caret.
        var scalars = Array(location.sourceLine.unicodeScalars)
        var column = location.column
        var prefix = "", suffix = ""
        let window = 100
        if scalars.count > window + 20 {
            let start = max(0, min(column - 1 - window / 2, scalars.count - window))
            let end = min(scalars.count, start + window)
            if start > 0 { prefix = "…" }
            if end < scalars.count { suffix = "…" }
            scalars = Array(scalars[start..<end])
            column = column - start + (prefix.isEmpty ? 0 : 1)
        }
        let text = prefix + String(String.UnicodeScalarView(scalars)) + suffix
        let shown = Array(text.unicodeScalars)
        // Keep tabs so the caret lines up under them.
        var pad = ""
        for k in 0..<max(0, min(column - 1, shown.count)) { pad += shown[k] == "\t" ? "\t" : " " }
        if column - 1 > shown.count { pad += String(repeating: " ", count: column - 1 - shown.count) }
        let available = max(1, shown.count - (column - 1))
        let span = max(1, min(length, available))
        return "\(gutter) | \(text)\n\(blank) | \(pad)^\(String(repeating: "~", count: span - 1))\n"
    }
}

/// Findings collected while reading one input; all of them are reported together.
public struct Diagnostics: Sendable, Equatable {
    public private(set) var all: [Diagnostic] = []
    public init() {}
    public mutating func append(_ d: Diagnostic) { all.append(d) }
    public mutating func append(contentsOf other: [Diagnostic]) { all.append(contentsOf: other) }
    public var hasErrors: Bool { all.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { all.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { all.filter { $0.severity == .warning } }
    /// Sorted by file order (line, then column); stable for equal positions.
    public var sorted: [Diagnostic] {
        all.enumerated().sorted { a, b in
            (a.element.location.line, a.element.location.column, a.offset) < (b.element.location.line, b.element.location.column, b.offset)
        }.map(\.element)
    }
}
