import Testing
@testable import SXFlowsheet

/// Expected diagnostics are written into the test input as markers `⟪SX110⟫` placed exactly
/// where the diagnostic's caret must point. `strip` removes them and returns their positions.
enum Marked {
    struct Expectation: Hashable, CustomStringConvertible {
        var code: String
        var line: Int
        var column: Int
        var description: String { "\(code)@\(line):\(column)" }
    }

    static func strip(_ marked: String) -> (text: String, expected: Set<Expectation>) {
        var text = ""
        var expected: Set<Expectation> = []
        var line = 1, column = 1
        var rest = Substring(marked)
        while let c = rest.first {
            if rest.hasPrefix("⟪"), let close = rest.firstIndex(of: "⟫") {
                let code = String(rest[rest.index(after: rest.startIndex)..<close])
                expected.insert(Expectation(code: code, line: line, column: column))
                rest = rest[rest.index(after: close)...]
                continue
            }
            text.append(c)
            if c == "\n" { line += 1; column = 1 } else { column += c.unicodeScalars.count }
            rest = rest.dropFirst()
        }
        return (text, expected)
    }

    /// Parses the marked text and checks that exactly the marked diagnostics appear.
    static func check(_ marked: String, overrides: [Override] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        let (text, expected) = strip(marked)
        let result = FlowsheetParser.parse(text: text, fileName: "test.yaml", overrides: overrides)
        let found = Set(result.diagnostics.filter { $0.location.file == "test.yaml" }.map {
            Expectation(code: $0.id.code, line: $0.location.line, column: $0.location.column)
        })
        #expect(found == expected, "expected \(expected.sorted { $0.description < $1.description }), found:\n\(result.diagnostics.map(\.description).joined())",
                sourceLocation: sourceLocation)
    }
}

/// A small valid flowsheet the tests modify.
let minimalFlowsheet = """
version: 1
elements: [Pr, Nd]
equilibria:
  d:
    model: constant-D
    distribution-ratios: {Pr: 0.8, Nd: 1.2}
    provenance: {source: "test", status: illustrative}
streams:
  feed:
    phase: aqueous
    flow: 100 L/h
    concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L}
  organic:
    phase: organic
    flow: 120 L/h
  scrub:
    phase: aqueous
    flow: 20 L/h
    acidity: 1 mol/L
cascades:
  c:
    sections:
      extraction: {stages: 10, equilibrium: d}
      scrub: {stages: 5, equilibrium: d}
    feeds: {organic: 1, feed: extraction.last, scrub: scrub.last}
targets:
  - {product: c-organic, element: Nd, min-purity: 60 %}

"""
