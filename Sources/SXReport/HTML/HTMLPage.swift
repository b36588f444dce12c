/// The shell of every HTML page SXSim writes (run, sweep and design reports): one
/// self-contained file, inline CSS and SVG, no script, no network, system fonts, and a print
/// style that keeps each plot on one page. The page is polyglot XHTML: it parses as HTML5 and
/// as well-formed XML (the tests check the latter).
struct HTMLPage {
    var title: String
    var body: [Markup]

    /// Kept free of `<`, `>` and `&` so that it reads the same escaped or not.
    static let css = """
        body { font-family: Helvetica, Arial, sans-serif; color: #222; max-width: 1100px; margin: 1.5em auto; padding: 0 1em; line-height: 1.4; }
        h1 { font-size: 1.5em; margin-bottom: 0.2em; }
        h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; margin-top: 1.6em; }
        h3 { font-size: 1.05em; }
        table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }
        th, td { border: 1px solid #ccc; padding: 0.2em 0.55em; text-align: left; vertical-align: top; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        th { background: #f2f2f2; }
        .meta { color: #555; }
        .status { padding: 0.6em 0.9em; border-radius: 4px; font-weight: bold; margin: 0.8em 0; }
        .status.ok { background: #e3f2ea; border-left: 6px solid #009E73; }
        .status.fail { background: #fbeee6; border-left: 6px solid #D55E00; }
        .status.error { background: #fbeee6; border-left: 6px solid #D55E00; }
        .pass { color: #006b4f; font-weight: bold; }
        .failed { color: #b34700; font-weight: bold; }
        .note { color: #555; font-size: 0.9em; max-width: 60em; }
        figure { margin: 1em 0; }
        figcaption { color: #555; font-size: 0.88em; max-width: 60em; }
        svg.plot { max-width: 100%; height: auto; border: 1px solid #eee; }
        @media print {
          body { max-width: none; margin: 0; }
          figure, table, .cascade-block h3 { break-inside: avoid; page-break-inside: avoid; }
          h2 { break-after: avoid; page-break-after: avoid; }
          svg.plot { border: none; }
        }
        """

    func rendered() -> String {
        let head = Markup.element("head", [], [
            .element("meta", [("charset", "utf-8")]),
            .element("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")]),
            .element("meta", [("name", "generator"), ("content", "sxsim")]),
            .element("title", [], text: title),
            .element("style", [], text: HTMLPage.css),
        ])
        let html = Markup.element("html", [("xmlns", "http://www.w3.org/1999/xhtml"), ("lang", "en")], [head, .element("body", [], body)])
        return "<!DOCTYPE html>\n" + html.rendered() + "\n"
    }

    // MARK: Building blocks

    static func heading(_ level: Int, _ text: String, id: String? = nil) -> Markup {
        .element("h\(level)", id.map { [("id", $0)] } ?? [], text: text)
    }

    static func paragraph(_ text: String, class cls: String? = nil) -> Markup {
        .element("p", cls.map { [("class", $0)] } ?? [], text: text)
    }

    /// A table cell: text, or a number (right-aligned), optionally with a class.
    struct Cell {
        var text: String
        var numeric = false
        var cls: String?
        init(_ text: String, numeric: Bool = false, cls: String? = nil) {
            self.text = text
            self.numeric = numeric
            self.cls = cls
        }
        static func number(_ text: String) -> Cell { Cell(text, numeric: true) }
        /// Solver effort (iterations, residual): engine detail, which golden files skip.
        static func effort(_ text: String) -> Cell { Cell(text, numeric: true, cls: "effort") }
    }

    static func table(header: [String], rows: [[Cell]], caption: String? = nil) -> Markup {
        var children: [Markup] = []
        if let caption { children.append(.element("caption", [], text: caption)) }
        children.append(.element("thead", [], [.element("tr", [], header.map { .element("th", [], text: $0) })]))
        children.append(.element("tbody", [], rows.map { row in
            .element("tr", [], row.map { c in
                var classes: [String] = []
                if c.numeric { classes.append("num") }
                if let k = c.cls { classes.append(k) }
                return .element("td", classes.isEmpty ? [] : [("class", classes.joined(separator: " "))], text: c.text)
            })
        }))
        return .element("table", [], children)
    }

    /// A plot and its caption; `class` "effort" marks solver effort (golden outlines skip it).
    static func figure(_ svg: Markup, caption: String, class cls: String? = nil) -> Markup {
        .element("figure", cls.map { [("class", $0)] } ?? [], [svg, .element("figcaption", [], text: caption)])
    }
}
