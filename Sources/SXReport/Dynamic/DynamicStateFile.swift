import Foundation
import SXFlowsheet
import SXModel

/// The state file of `sxsim dynamic --save-state`, and reading a start from it or from a
/// converged `sxsim run --format json --profiles` report (`--start-from`). Text in and out;
/// the executable reads and writes the files. The layout is documented in docs/dynamic.md §4
/// and versioned by "formatVersion" (fields are only ever added within a version).
///
/// Every number is written in Swift's shortest round-trip form, so the concentrations read back
/// are the saved doubles bit for bit.
public enum DynamicStateFile {
    public static let formatName = "sxsim-dynamic-state"
    public static let formatVersion = 1
    /// The run report format `--start-from` also reads (`RunReport.json`).
    static let runFormatName = "sxsim-run"
    static let runFormatVersion = 1

    /// Row keys shared by a state file's `stages` and a run report's `profiles[].stages`, mol/L.
    enum RowKey {
        static let aqueous = "aqueous_mol_per_L"
        static let organic = "organic_mol_per_L"
        static let freeDimer = "freeDimer_mol_per_L"
        static let cation = "aqueousCation_mol_per_L"
        static let acidity = "acidity_mol_per_L"
        static let acidCapacity = "acidCapacity_mol_per_L"
        static let sulfate = "sulfate_mol_per_L"
        static let extractant = "extractant_mol_per_L"
        /// The stage's unknowns themselves, ln mol/L, keyed by `DynamicState.Layout.unknownNames`.
        static let unknowns = "unknowns_ln_mol_per_L"
    }

    /// A stage's row of unknowns: the logarithms (what a start reads) and the concentrations
    /// they stand for (for the reader, checked against them on reading).
    static func unknownFields(_ state: DynamicState, stage i: Int) -> [(String, JSONValue)] {
        let layout = state.layout, b = layout.blockSize, ne = layout.elements.count
        let c = state.concentrations(stage: i)
        var pairs: [(String, JSONValue)] = [(RowKey.aqueous, .object(zip(layout.elements, c).map { ($0.symbol, .number($1)) }))]
        if let organic = state.organic { pairs.append((RowKey.organic, .object(zip(layout.elements, organic[i]).map { ($0.symbol, .number($1)) }))) }
        if layout.exchangesAcid { pairs.append((RowKey.freeDimer, .number(c[ne]))) }
        if layout.hasCation { pairs.append((RowKey.cation, .number(c[ne + 1]))) }
        if layout.exchangesAcid { pairs.append((RowKey.acidity, .number(c[b - 1]))) }
        pairs.append((RowKey.unknowns, .object(zip(layout.unknownNames, state.unknowns[(i * b)..<(i * b + b)]).map { ($0, .number($1)) })))
        return pairs
    }

    /// How the run that wrote a state ended (`DynamicOutcome`), in the file's words.
    static func outcomeJSON(_ outcome: DynamicOutcome) -> JSONValue {
        switch outcome {
        case .completed: .object([("status", .string("completed"))])
        case .reachedSteadyState: .object([("status", .string("reached-steady-state"))])
        case .failed(let t, let reason):
            .object([("status", .string("failed")), ("failedAt_h", .number(t)), ("reason", .string(reason))])
        }
    }

    static func sectionsJSON(_ cascade: Cascade) -> JSONValue {
        .array(cascade.sections.map { s in
            .object([("name", .string(s.name)), ("stages", .integer(s.stageCount)), ("model", .string(s.equilibrium.modelName))])
        })
    }

    /// The state document: format, time, the run's outcome, the layout it belongs to and every
    /// stage's values. `cascade` is the flowsheet's cascade (for its sections).
    public static func json(_ state: DynamicState, cascade: Cascade, flowsheetName: String, flowsheetFile: String,
                            outcome: DynamicOutcome) -> JSONValue {
        let layout = state.layout
        let symbols = layout.elements.map(\.symbol)
        let stages: [JSONValue] = (0..<layout.stageCount).map { i in
            var pairs: [(String, JSONValue)] = [("stage", .integer(i + 1))] + unknownFields(state, stage: i)
            if let m = state.mixed {
                pairs += [(RowKey.acidCapacity, .number(m.acidCapacity[i])), (RowKey.sulfate, .number(m.sulfate[i])),
                          (RowKey.extractant, .number(m.extractant[i]))]
            }
            return .object(pairs)
        }
        return .object([
            ("format", .string(formatName)),
            ("formatVersion", .integer(formatVersion)),
            ("flowsheet", .object([("name", .string(flowsheetName)), ("file", .string(flowsheetFile))])),
            ("time_h", .number(state.time)),
            // A saved state is where the run was, not a claim that it is a steady state.
            ("run", outcomeJSON(outcome)),
            ("layout", .object([("cascade", .string(cascade.name)), ("stages", .integer(layout.stageCount)),
                                ("sections", sectionsJSON(cascade)), ("elements", .array(symbols.map { .string($0) })),
                                ("exchangesAcid", .bool(layout.exchangesAcid)), ("saponifyingCation", .bool(layout.hasCation)),
                                ("unknownsPerStage", .array(layout.unknownNames.map { .string($0) }))])),
            ("stages", .array(stages)),
        ])
    }

    /// Reads a start for `cascade` (whose fed elements and unknowns are `expected`) from a state
    /// file or a converged run report: the state, or every problem found as located diagnostics
    /// (SX601–SX605). A run report's state is its steady state at t = 0 (mixing left to the network).
    public static func read(text: String, fileName: String, cascade: Cascade,
                            expected: DynamicState.Layout) -> (state: DynamicState?, diagnostics: [Diagnostic]) {
        let locator = JSONLocator(text: text, fileName: fileName)
        let document: JSONValue
        do { document = try JSONValue.parse(text) } catch {
            return (nil, [Diagnostic(.stateSyntax, "not JSON: \(error.message)", at: locator.location(offset: error.offset),
                                     help: "--start-from reads a file written by sxsim dynamic --save-state or sxsim run --format json --profiles")])
        }
        var reader = StateReader(document: document, locator: locator, cascade: cascade, expected: expected)
        let state = reader.read()
        return (reader.problems.isEmpty ? state : nil, reader.problems)
    }
}

/// One step of a path into a JSON document.
enum JSONPathStep: CustomStringConvertible {
    case key(String)
    case index(Int)

    var description: String {
        switch self {
        case .key(let k): k
        case .index(let i): "[\(i)]"
        }
    }

    /// `stages[3].aqueous_mol_per_L.Nd`.
    static func text(_ path: [JSONPathStep]) -> String {
        path.enumerated().map { k, step in
            if case .key = step, k > 0 { return "." + step.description }
            return step.description
        }.joined()
    }
}

/// Finds where a value sits in JSON text (1-based line and column, with the line), for the
/// diagnostics of a document parsed without positions. Assumes the text parsed.
struct JSONLocator {
    let bytes: [UInt8]
    let fileName: String
    let lines: [Substring]
    /// UTF-8 offset at which each line starts.
    let lineStarts: [Int]

    init(text: String, fileName: String) {
        let utf8 = Array(text.utf8)
        bytes = utf8
        self.fileName = fileName
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lineStarts = [0] + utf8.indices.filter { utf8[$0] == 0x0A }.map { $0 + 1 }
    }

    /// The location of UTF-8 offset `offset`.
    func location(offset: Int) -> TextLocation {
        // The last line starting at or before the offset (binary search).
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        let line = low + 1, lineStart = lineStarts[low]
        let prefix = bytes[lineStart..<min(max(offset, lineStart), bytes.count)]
        let column = (String(decoding: prefix, as: UTF8.self).unicodeScalars.count) + 1
        let source = line - 1 < lines.count ? String(lines[line - 1]).trimmingCharacters(in: .init(charactersIn: "\r")) : ""
        return TextLocation(file: fileName, line: line, column: column, sourceLine: source)
    }

    /// The location of the value at `path` (of its nearest existing ancestor when it is missing).
    func location(_ path: [JSONPathStep]) -> TextLocation {
        var at = skipSpace(0)
        for step in path {
            guard let next = child(of: at, step) else { break }
            at = next
        }
        return location(offset: at)
    }

    private func skipSpace(_ from: Int) -> Int {
        var k = from
        while k < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[k]) { k += 1 }
        return k
    }

    /// Offset just past the string starting at `from` (a quote), and its raw contents.
    private func string(at from: Int) -> (end: Int, raw: [UInt8]) {
        var k = from + 1, raw: [UInt8] = []
        while k < bytes.count, bytes[k] != 0x22 {
            if bytes[k] == 0x5C { raw.append(bytes[k]); k += 1 }
            if k < bytes.count { raw.append(bytes[k]); k += 1 }
        }
        return (min(k + 1, bytes.count), raw)
    }

    /// Offset just past the value starting at `from`.
    private func skipValue(_ from: Int) -> Int {
        guard from < bytes.count else { return from }
        switch bytes[from] {
        case 0x22: return string(at: from).end
        case 0x7B, 0x5B:
            var depth = 0, k = from
            while k < bytes.count {
                switch bytes[k] {
                case 0x22: k = string(at: k).end; continue
                case 0x7B, 0x5B: depth += 1
                case 0x7D, 0x5D: depth -= 1; if depth == 0 { return k + 1 }
                default: break
                }
                k += 1
            }
            return k
        default:
            var k = from
            while k < bytes.count, ![0x2C, 0x7D, 0x5D, 0x20, 0x09, 0x0A, 0x0D].contains(bytes[k]) { k += 1 }
            return k
        }
    }

    /// Offset of the member `step` of the container at `at`, nil when there is none.
    private func child(of at: Int, _ step: JSONPathStep) -> Int? {
        guard at < bytes.count else { return nil }
        var k = skipSpace(at + 1)
        var index = 0
        switch (bytes[at], step) {
        case (0x7B, .key(let key)):
            let wanted = Array(key.utf8)
            while k < bytes.count, bytes[k] == 0x22 {
                let (end, raw) = string(at: k)
                k = skipSpace(end)
                guard k < bytes.count, bytes[k] == 0x3A else { return nil }
                let value = skipSpace(k + 1)
                if raw == wanted { return value }
                k = skipSpace(skipValue(value))
                if k < bytes.count, bytes[k] == 0x2C { k = skipSpace(k + 1) }
            }
            return nil
        case (0x5B, .index(let wanted)):
            while k < bytes.count, bytes[k] != 0x5D {
                if index == wanted { return k }
                k = skipSpace(skipValue(k))
                if k < bytes.count, bytes[k] == 0x2C { k = skipSpace(k + 1) }
                index += 1
            }
            return nil
        default: return nil
        }
    }
}
