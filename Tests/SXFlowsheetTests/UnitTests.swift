import Testing
import SXModel
@testable import SXFlowsheet

/// Unit conversions. Sources: SI definitions (1 m³ = 1000 L, 1 h = 60 min, 0 °C = 273.15 K);
/// molar masses from SXModel.Element (IUPAC standard atomic weights).
struct UnitTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var text: String
        var dimension: Dimension
        var element: Element?
        var expected: Double
        var source: String
        var testDescription: String { "\(text) [\(source)]" }
    }

    static let rows: [Row] = [
        Row(text: "120 L/h", dimension: .flow, element: nil, expected: 120, source: "model unit"),
        Row(text: "1.2 m3/h", dimension: .flow, element: nil, expected: 1200, source: "SI: 1 m³ = 1000 L"),
        Row(text: "1.2 m³/h", dimension: .flow, element: nil, expected: 1200, source: "SI: 1 m³ = 1000 L"),
        Row(text: "2 L/min", dimension: .flow, element: nil, expected: 120, source: "1 h = 60 min"),
        Row(text: "0.5 mol/L", dimension: .concentration, element: nil, expected: 0.5, source: "model unit"),
        Row(text: "250 mmol/L", dimension: .concentration, element: nil, expected: 0.25, source: "SI prefix"),
        Row(text: "144.242 g/L", dimension: .concentration, element: .Nd, expected: 1, source: "Nd 144.242 g/mol (IUPAC)"),
        Row(text: "168.2405 g/L REO", dimension: .concentration, element: .Nd, expected: 1, source: "Nd2O3/2 = 144.242 + 1.5·15.999"),
        Row(text: "25 °C", dimension: .temperature, element: nil, expected: 298.15, source: "0 °C = 273.15 K"),
        Row(text: "298 K", dimension: .temperature, element: nil, expected: 298, source: "model unit"),
        Row(text: "36 %", dimension: .fraction, element: nil, expected: 0.36, source: "definition of %"),
        Row(text: "0.36", dimension: .fraction, element: nil, expected: 0.36, source: "plain fraction"),
        Row(text: "1e-3 mol/L", dimension: .concentration, element: nil, expected: 1e-3, source: "exponent notation"),
    ]

    @Test(arguments: rows)
    func converts(_ row: Row) {
        guard case .value(let x) = Units.read(row.text, as: row.dimension, element: row.element) else {
            Issue.record("\(row.text) did not convert: \(Units.read(row.text, as: row.dimension, element: row.element))")
            return
        }
        #expect(abs(x - row.expected) <= 1e-12 * max(1, abs(row.expected)), "\(row.text): expected \(row.expected), computed \(x)")
    }

    @Test func rejectsWrongDimensionsAndMissingUnits() {
        #expect(Units.read("0.5 mol/L", as: .flow) == .wrongDimension(unit: "mol/L", actual: .concentration))
        #expect(Units.read("120", as: .flow) == .missingUnit)
        #expect(Units.read("abc", as: .flow) == .notANumber)
        #expect(Units.read("45 g/L", as: .concentration) == .massBasisNeedsElement(unit: "g/L"))
        if case .unknownUnit(_, let nearest) = Units.read("120 L/hr", as: .flow) { #expect(nearest == "L/h") } else { Issue.record("L/hr accepted") }
    }

    @Test func editDistance() {
        // Levenshtein distances by hand: one deletion, one substitution, one insertion.
        #expect(Suggestions.editDistance("stges", "stages") == 1)
        #expect(Suggestions.editDistance("p508", "p507") == 1)
        #expect(Suggestions.editDistance("kitten", "sitting") == 3)  // textbook example
        #expect(Suggestions.nearest(to: "organic-loadng", in: ["organic-loading", "model"]) == "organic-loading")
        #expect(Suggestions.nearest(to: "zzzz", in: ["stages"]) == nil)
    }
}
