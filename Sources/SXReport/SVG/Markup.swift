/// A small XML tree for the SVG and HTML writers. Text and attribute values are escaped
/// when rendered, so every output is well-formed XML (the HTML page is written in the
/// polyglot subset that parses both as HTML5 and as XML).
public struct Markup: Sendable, Equatable {
    enum Content: Sendable, Equatable {
        case element(name: String, attributes: [Attribute], children: [Markup])
        case text(String)
    }

    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    let content: Content

    /// An element; `attributes` keep their order in the output.
    public static func element(_ name: String, _ attributes: [(String, String)] = [], _ children: [Markup] = []) -> Markup {
        Markup(content: .element(name: name, attributes: attributes.map { Attribute($0.0, $0.1) }, children: children))
    }

    /// An element holding only text.
    public static func element(_ name: String, _ attributes: [(String, String)] = [], text: String) -> Markup {
        element(name, attributes, [.text(text)])
    }

    public static func text(_ text: String) -> Markup { Markup(content: .text(text)) }

    /// HTML elements that never have content (written `<br/>`); every other empty element is
    /// written with an end tag (`<div></div>`), which HTML5 requires.
    static let voidElements: Set<String> = ["meta", "br", "hr", "img", "col", "link", "input"]

    /// The markup as text: one element per line; elements holding text stay on one line so
    /// that no layout whitespace enters a `<text>` or a table cell.
    public func rendered() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch content {
        case .text(let s):
            out += Markup.escape(s)
        case .element(let name, let attributes, let children):
            out += "<" + name
            for a in attributes { out += " \(a.name)=\"\(Markup.escape(a.value, attribute: true))\"" }
            if children.isEmpty {
                out += Markup.voidElements.contains(name) ? "/>" : "></\(name)>"
                return
            }
            out += ">"
            let inline = children.contains { if case .text = $0.content { true } else { false } }
            for c in children {
                if !inline { out += "\n" }
                c.write(to: &out)
            }
            out += (inline ? "" : "\n") + "</\(name)>"
        }
    }

    /// Escapes the XML special characters (`&`, `<`, `>`, and `"` in attribute values) and
    /// drops the control characters XML 1.0 forbids.
    public static func escape(_ s: String, attribute: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\n" where attribute, "\t" where attribute: out += " "
            default:
                if ch.value < 0x20 && ch != "\n" && ch != "\t" && ch != "\r" { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
