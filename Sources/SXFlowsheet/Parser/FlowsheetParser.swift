import Foundation
import SXModel
import Yams

/// What reading a flowsheet produced: the flowsheet when there is no error, and every
/// diagnostic (errors and warnings, in file order).
public struct FlowsheetParseResult: Sendable {
    public var flowsheet: Flowsheet?
    public var diagnostics: [Diagnostic]
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// A separate file of events for `sxsim dynamic` (`--events FILE`): its text and the name to
/// show in diagnostics. Its events are added to the flowsheet's `events` list.
public struct EventsDocument: Sendable, Equatable {
    public var text: String
    public var fileName: String
    public init(text: String, fileName: String) {
        self.text = text
        self.fileName = fileName
    }
}

/// One override: a dotted key path into the document and a YAML value replacing (or adding)
/// the node there, e.g. ("cascades.prnd.sections.scrub.stages", "52") or
/// ("streams.feed.flow", "130 L/h"). List items are addressed by 0-based index
/// ("targets.0.min-purity"). Only the last segment, or a top-level section such as `solver`,
/// may name a key the document lacks.
public struct Override: Sendable, Equatable {
    public var keyPath: String
    public var value: String
    public init(keyPath: String, value: String) {
        self.keyPath = keyPath
        self.value = value
    }
}

/// Text in, flowsheet or diagnostics out. Reads no files: the caller passes the text and
/// the name to show in diagnostics. The format is described in docs/flowsheet-format.md.
public enum FlowsheetParser {
    /// Flowsheet format versions this reader understands.
    public static let supportedVersions = [1]
    /// Largest text read, bytes (10 MB; the largest example is under 10 kB).
    public static let maximumTextSize = 10_000_000

    public static func parse(text: String, fileName: String, overrides: [(keyPath: String, value: String)]) -> FlowsheetParseResult {
        parse(text: text, fileName: fileName, overrides: overrides.map { Override(keyPath: $0.keyPath, value: $0.value) })
    }

    public static func parse(text: String, fileName: String, overrides: [Override] = [], events: EventsDocument? = nil) -> FlowsheetParseResult {
        ComposedFlowsheet(text: text, fileName: fileName).parse(overrides: overrides, events: events)
    }

    /// Parses the YAML; syntax errors become located diagnostics.
    static func compose(_ text: String, source: SourceText, reader: Reader) -> SourceNode? {
        if text.utf8.count > maximumTextSize {
            reader.report(.yamlSyntax, "the text is \(text.utf8.count) bytes; a flowsheet is at most \(maximumTextSize) bytes", at: source.location(line: 1, column: 1),
                          help: "is this the flowsheet file? the largest example is under 10 kB")
            return nil
        }
        if text.unicodeScalars.contains(where: { $0.value == 0 }) {
            reader.report(.yamlSyntax, "the file contains a NUL character; is it a text file?", at: source.location(line: 1, column: 1))
            return nil
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                reader.report(.yamlSyntax, "the file is empty", at: source.location(line: 1, column: 1),
                              help: "run 'sxsim template' for a commented example")
                return nil
            }
            switch source.tree(node) {
            case .success(let tree): return tree
            case .failure(let limit):
                reader.report(.yamlSyntax, "the document expands to more than \(SourceText.nodeLimit) YAML nodes (through anchors and aliases?)", at: limit.location,
                              help: "write the flowsheet out without '&anchor' and '*alias'; they are not part of the flowsheet format")
                return nil
            }
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                 .composer(let context, let problem, let mark, _):
                var notes: [DiagnosticNote] = []
                if let context, context.mark.line != mark.line || context.mark.column != mark.column {
                    notes.append(DiagnosticNote(context.text, at: source.location(line: context.mark.line, column: context.mark.column)))
                }
                reader.report(.yamlSyntax, "YAML syntax: \(problem)", at: source.location(line: mark.line, column: mark.column),
                              help: problem.contains("tab") ? "indent with spaces, not tabs" : nil, notes: notes)
            case .duplicatedKeysInMapping(let duplicates, let context):
                let key = duplicates.first ?? "?"
                let first = source.location(line: context.mark.line, column: context.mark.column)
                let second = secondOccurrence(of: key, after: first, in: source) ?? first
                reader.report(.duplicateKey, "key '\(key)' appears twice in the same mapping", at: second, length: key.count,
                              help: "each key may appear once; merge the two entries",
                              notes: second == first ? [] : [DiagnosticNote("first defined here", at: first)])
            case .reader(let problem, let offset, _, _):
                reader.report(.yamlSyntax, "cannot read the text: \(problem)\(offset.map { " at byte \($0)" } ?? "")", at: source.location(line: 1, column: 1))
            default:
                reader.report(.yamlSyntax, "YAML: \(error)", at: source.location(line: 1, column: 1))
            }
            return nil
        } catch {
            reader.report(.yamlSyntax, "YAML: \(error)", at: source.location(line: 1, column: 1))
            return nil
        }
    }

    /// The next line after `first` that defines `key` at the same column.
    static func secondOccurrence(of key: String, after first: TextLocation, in source: SourceText) -> TextLocation? {
        guard first.line < source.lines.count else { return nil }
        for n in first.line..<source.lines.count {
            let line = source.lines[n]
            let indent = line.prefix { $0 == " " }.count
            if indent + 1 == first.column, line.dropFirst(indent).hasPrefix(key + ":") {
                return source.location(line: n + 1, column: indent + 1)
            }
        }
        return nil
    }

    // MARK: - Overrides

    static func apply(_ o: Override, number: Int, to root: inout SourceNode, reader: Reader) {
        let display = "\(o.keyPath)=\(o.value)"
        let file = "<override \(number)>"
        let pathLocation = TextLocation(file: file, line: 1, column: 1, sourceLine: display)
        let valueLocation = TextLocation(file: file, line: 1, column: o.keyPath.unicodeScalars.count + 2, sourceLine: display)
        let segments = o.keyPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if segments.isEmpty || segments.contains(where: \.isEmpty) {
            reader.report(.overridePath, "override path '\(o.keyPath)' is empty or has an empty segment", at: pathLocation, length: max(1, o.keyPath.count),
                          help: "write a dotted path such as cascades.prnd.sections.scrub.stages")
            return
        }
        // The value is YAML, relocated to the override's display line.
        var value: SourceNode
        do {
            if let node = try Yams.compose(yaml: o.value) {
                guard case .success(let tree) = SourceText(o.value, fileName: file).tree(node) else {
                    reader.report(.overrideValue, "override value expands to more than \(SourceText.nodeLimit) YAML nodes", at: valueLocation)
                    return
                }
                value = tree
                relocate(&value, to: valueLocation)
            } else {
                value = SourceNode(kind: .scalar("", isNull: true), location: valueLocation)
            }
        } catch {
            reader.report(.overrideValue, "override value '\(o.value)' is not valid YAML", at: valueLocation, length: max(1, o.value.count))
            return
        }
        var column = 1
        var spans: [Int] = []
        for s in segments { spans.append(column); column += s.unicodeScalars.count + 1 }
        func fail(_ k: Int, _ message: String, _ candidates: [String]) {
            var at = pathLocation
            at.column = spans[k]
            reader.report(.overridePath, message, at: at, length: segments[k].count,
                          help: Suggestions.help(for: segments[k], in: candidates, kind: "key"))
        }
        func descend(_ node: inout SourceNode, _ k: Int) {
            let seg = segments[k]
            let last = k == segments.count - 1
            switch node.kind {
            case .mapping(var entries):
                if let i = entries.firstIndex(where: { $0.key.scalarText == seg }) {
                    if last { entries[i].value = value } else { descend(&entries[i].value, k + 1) }
                } else if last || (k == 0 && FlowsheetBuilder.topKeys.contains(seg)) {
                    // A missing last key is added; so is a missing optional top-level section
                    // (e.g. solver.max-iterations on a file without 'solver').
                    var keyLoc = pathLocation
                    keyLoc.column = spans[k]
                    var child = last ? value : SourceNode(kind: .mapping([]), location: keyLoc)
                    if !last { descend(&child, k + 1) }
                    entries.append((SourceNode(kind: .scalar(seg, isNull: false), location: keyLoc), child))
                } else {
                    fail(k, "override path '\(o.keyPath)': no key '\(seg)' here", entries.compactMap { $0.key.scalarText })
                    return
                }
                node.kind = .mapping(entries)
            case .sequence(var items):
                guard let i = Int(seg), items.indices.contains(i) else {
                    fail(k, "override path '\(o.keyPath)': '\(seg)' is not an item of a list of \(items.count) (items count from 0)", [])
                    return
                }
                if last { items[i] = value } else { descend(&items[i], k + 1) }
                node.kind = .sequence(items)
            default:
                fail(k, "override path '\(o.keyPath)': '\(segments[k - 1 >= 0 ? k - 1 : 0])' holds a single value, it has no '\(seg)'", [])
            }
        }
        descend(&root, 0)
    }

    static func relocate(_ node: inout SourceNode, to location: TextLocation) {
        node.location = location
        switch node.kind {
        case .mapping(var entries):
            for i in entries.indices { relocate(&entries[i].key, to: location); relocate(&entries[i].value, to: location) }
            node.kind = .mapping(entries)
        case .sequence(var items):
            for i in items.indices { relocate(&items[i], to: location) }
            node.kind = .sequence(items)
        default: break
        }
    }
}

/// A flowsheet text whose YAML has been read once into its located tree, to be read as a
/// flowsheet many times with different overrides: a sweep's cases, an uncertainty study's
/// samples and the points of their continuations. Reading the YAML is most of the cost of a
/// parse (about a third of a 102-stage sample's solve, docs/uncertainty.md); the result of
/// `parse(overrides:)` is the same as `FlowsheetParser.parse(text:fileName:overrides:)`'s.
public struct ComposedFlowsheet: Sendable {
    let source: SourceText
    let fileName: String
    /// The tree, nil when the YAML could not be read (then `compositionDiagnostics` say why).
    let root: SourceNode?
    let compositionDiagnostics: Diagnostics

    public init(text: String, fileName: String) {
        source = SourceText(text, fileName: fileName)
        self.fileName = fileName
        let reader = Reader(source: source)
        root = FlowsheetParser.compose(text, source: source, reader: reader)
        compositionDiagnostics = reader.diagnostics
    }

    /// The flowsheet with `overrides` applied in order, and the events of `events` added to its
    /// own, or every diagnostic (the flowsheet's first, then the events file's).
    public func parse(overrides: [Override] = [], events: EventsDocument? = nil) -> FlowsheetParseResult {
        let reader = Reader(source: source)
        reader.diagnostics = compositionDiagnostics
        guard var root else { return FlowsheetParseResult(flowsheet: nil, diagnostics: reader.diagnostics.sorted) }
        for (k, o) in overrides.enumerated() { FlowsheetParser.apply(o, number: k + 1, to: &root, reader: reader) }
        var builder = FlowsheetBuilder(reader: reader, fileName: fileName, eventsDocument: events)
        let flowsheet = builder.build(root)
        let diagnostics = reader.diagnostics.sorted + builder.eventsDiagnostics.sorted
        let hasErrors = diagnostics.contains { $0.severity == .error }
        return FlowsheetParseResult(flowsheet: hasErrors ? nil : flowsheet, diagnostics: diagnostics)
    }

    public func parse(overrides: [(keyPath: String, value: String)]) -> FlowsheetParseResult {
        parse(overrides: overrides.map { Override(keyPath: $0.keyPath, value: $0.value) })
    }
}
