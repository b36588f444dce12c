import Yams

/// A YAML document as a plain tree whose every node remembers where it came from. Built
/// from Yams' composed nodes (which keep libyaml's marks), so the rest of the reader never
/// sees Yams, and overrides can replace nodes before the flowsheet is read.
struct SourceNode {
    enum Kind {
        /// A scalar's text; `isNull` for an empty value, `~` or `null` written plainly.
        case scalar(String, isNull: Bool)
        case mapping([(key: SourceNode, value: SourceNode)])
        case sequence([SourceNode])
        /// Anchors and aliases are not part of the flowsheet format.
        case alias
    }

    var kind: Kind
    var location: TextLocation

    var scalarText: String? {
        if case .scalar(let s, let isNull) = kind, !isNull { return s }
        return nil
    }

    var isNull: Bool {
        if case .scalar(_, let n) = kind { return n }
        return false
    }

    var entries: [(key: SourceNode, value: SourceNode)]? {
        if case .mapping(let e) = kind { return e }
        return nil
    }

    var items: [SourceNode]? {
        if case .sequence(let e) = kind { return e }
        return nil
    }

    /// "a mapping", "a list", "a value", "nothing" for messages.
    var kindDescription: String {
        switch kind {
        case .scalar(let s, let isNull): isNull ? "an empty value" : "the value '\(s)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// Length of the caret underline for this node.
    var width: Int {
        if case .scalar(let s, _) = kind { return max(1, s.unicodeScalars.count) }
        return 1
    }
}

/// The lines of an input text, for the caret display.
struct SourceText {
    let fileName: String
    let lines: [Substring]

    init(_ text: String, fileName: String) {
        self.fileName = fileName
        // The line breaks libyaml counts: LF, CR LF, CR, NEL, LS, PS. ("\r\n" is one Character
        // in Swift, so splitting on "\n" alone kept a CRLF file as one line, without carets.)
        self.lines = text.split(omittingEmptySubsequences: false) {
            $0 == "\n" || $0 == "\r\n" || $0 == "\r" || $0 == "\u{85}" || $0 == "\u{2028}" || $0 == "\u{2029}"
        }
    }

    func location(line: Int, column: Int) -> TextLocation {
        let text = line >= 1 && line <= lines.count ? String(lines[line - 1]) : ""
        return TextLocation(file: fileName, line: max(1, line), column: max(1, column), sourceLine: text)
    }

    /// Most nodes a document may expand to. Yams resolves an alias to the anchored node, so
    /// ten nested levels of ten aliases ("billion laughs") make 10¹⁰ nodes from 400 bytes;
    /// the largest example flowsheet has about 600 nodes.
    static let nodeLimit = 100_000

    /// Converts a composed Yams node, recursively; fails at the node where the expansion
    /// passes `nodeLimit`.
    func tree(_ node: Node) -> Result<SourceNode, ExpansionLimit> {
        var budget = Self.nodeLimit
        var stoppedAt: TextLocation?
        func convert(_ node: Node) -> SourceNode {
            let mark = node.mark
            let loc = location(line: mark?.line ?? 1, column: mark?.column ?? 1)
            budget -= 1
            if budget < 0 {
                if stoppedAt == nil { stoppedAt = loc }
                return SourceNode(kind: .scalar("", isNull: true), location: loc)
            }
            switch node {
            case .scalar(let s):
                let plain = s.style == .plain || s.style == .any
                let isNull = plain && ["", "~", "null", "Null", "NULL"].contains(s.string)
                return SourceNode(kind: .scalar(s.string, isNull: isNull), location: loc)
            case .mapping(let m):
                var pairs: [(key: SourceNode, value: SourceNode)] = []
                for pair in m where budget >= 0 { pairs.append((convert(pair.key), convert(pair.value))) }
                return SourceNode(kind: .mapping(pairs), location: loc)
            case .sequence(let q):
                var items: [SourceNode] = []
                for item in q where budget >= 0 { items.append(convert(item)) }
                return SourceNode(kind: .sequence(items), location: loc)
            case .alias:
                return SourceNode(kind: .alias, location: loc)
            }
        }
        let root = convert(node)
        if let stoppedAt { return .failure(ExpansionLimit(location: stoppedAt)) }
        return .success(root)
    }
}

/// Where a document's expansion passed `SourceText.nodeLimit`.
struct ExpansionLimit: Error {
    var location: TextLocation
}
