import Foundation
import SXModel

/// The physical dimension a flowsheet value must have. Every dimensional value in a
/// flowsheet is a string "number unit" converted once, at load, to SXSim's model units:
///
/// | dimension      | model unit | accepted units |
/// |----------------|------------|----------------|
/// | flow           | L/h        | L/h, L/min, L/s, L/d, mL/min, m3/h (m³/h), m3/d |
/// | concentration  | mol/L      | mol/L, M, mmol/L, mM, mol/m3; for an element also g/L, mg/L, kg/m3 (element mass), and g/L REO, mg/L REO, kg/m3 REO (as the element's oxide) |
/// | temperature    | K          | K, °C (degC) |
/// | fraction       | 1          | a plain number (0.36), %, ppm |
/// | operating time | h/y        | h/y, h/a, h/yr, d/y (24 h days) |
/// | volume         | L          | L, mL, m3 (m³) |
/// | time           | h          | h, min, s, d |
public enum Dimension: String, Sendable, Equatable {
    case flow, concentration, temperature, fraction, operatingTime = "operating time", volume, time

    /// Example units shown in diagnostics.
    public var examples: String {
        switch self {
        case .flow: "L/h, L/min, m3/h"
        case .concentration: "mol/L, mmol/L, g/L, g/L REO"
        case .temperature: "K, °C"
        case .fraction: "%, or a plain number such as 0.36"
        case .operatingTime: "h/y"
        case .volume: "L, m3"
        case .time: "h, min, d"
        }
    }
}

/// The result of reading one "number unit" string.
public enum QuantityReading: Sendable, Equatable {
    case value(Double)
    /// The text does not start with a number.
    case notANumber
    /// A dimensional quantity was written without a unit.
    case missingUnit
    /// The unit is not known at all; `nearest` is the closest known spelling.
    case unknownUnit(String, nearest: String?)
    /// The unit is known but measures something else.
    case wrongDimension(unit: String, actual: Dimension)
    /// A mass concentration (g/L, g/L REO) where no element gives the molar mass.
    case massBasisNeedsElement(unit: String)
}

/// Converts "number unit" strings to model units.
public enum Units {
    enum Kind { case factor(Double), divisor(Double), celsius, elementMass(Double), oxideMass(Double) }

    static let table: [String: (Dimension, Kind)] = {
        var t: [String: (Dimension, Kind)] = [:]
        for (u, f) in [("L/h", 1.0), ("l/h", 1), ("L/min", 60), ("l/min", 60), ("L/s", 3600), ("l/s", 3600),
                       ("L/d", 1.0 / 24), ("mL/min", 0.06), ("ml/min", 0.06), ("mL/h", 1e-3), ("m3/h", 1000),
                       ("m³/h", 1000), ("m3/d", 1000.0 / 24), ("m³/d", 1000.0 / 24)] {
            t[u] = (.flow, .factor(f))
        }
        for (u, f) in [("mol/L", 1.0), ("mol/l", 1), ("M", 1), ("mmol/L", 1e-3), ("mmol/l", 1e-3), ("mM", 1e-3),
                       ("mol/m3", 1e-3), ("mol/m³", 1e-3), ("kmol/m3", 1), ("kmol/m³", 1)] {
            t[u] = (.concentration, .factor(f))
        }
        for (u, f) in [("g/L", 1.0), ("g/l", 1), ("mg/L", 1e-3), ("mg/l", 1e-3), ("kg/m3", 1), ("kg/m³", 1)] {
            t[u] = (.concentration, .elementMass(f))
            t[u + " REO"] = (.concentration, .oxideMass(f))
        }
        t["K"] = (.temperature, .factor(1))
        t["°C"] = (.temperature, .celsius)
        t["degC"] = (.temperature, .celsius)
        t["%"] = (.fraction, .divisor(100))
        t["ppm"] = (.fraction, .divisor(1e6))
        for u in ["h/y", "h/a", "h/yr"] { t[u] = (.operatingTime, .factor(1)) }
        t["d/y"] = (.operatingTime, .factor(24))
        for (u, f) in [("L", 1.0), ("l", 1), ("mL", 1e-3), ("ml", 1e-3), ("m3", 1000), ("m³", 1000)] { t[u] = (.volume, .factor(f)) }
        for (u, f) in [("h", 1.0), ("min", 1.0 / 60), ("s", 1.0 / 3600), ("d", 24)] { t[u] = (.time, .factor(f)) }
        return t
    }()

    /// Oxide-mass concentration units and their factor to g/L REO.
    public static let oxideMassFactor: [String: Double] = ["g/L REO": 1, "g/l REO": 1, "mg/L REO": 1e-3, "mg/l REO": 1e-3, "kg/m3 REO": 1, "kg/m³ REO": 1]

    /// All unit spellings of a dimension, for documentation and suggestions.
    public static func units(of dimension: Dimension) -> [String] {
        table.filter { $0.value.0 == dimension }.map(\.key).sorted()
    }

    /// Splits "1.5e-3 mol/L" into its number and its (trimmed) unit text.
    public static func split(_ text: String) -> (number: Double, unit: String)? {
        let s = text.trimmingCharacters(in: .whitespaces)
        let chars = Array(s)
        var end = 0
        var sawDigit = false
        // sign, digits, point, digits, exponent
        if end < chars.count, chars[end] == "+" || chars[end] == "-" { end += 1 }
        while end < chars.count, chars[end].isASCII, chars[end].isNumber { end += 1; sawDigit = true }
        if end < chars.count, chars[end] == "." {
            end += 1
            while end < chars.count, chars[end].isASCII, chars[end].isNumber { end += 1; sawDigit = true }
        }
        guard sawDigit else { return nil }
        if end < chars.count, chars[end] == "e" || chars[end] == "E" {
            var k = end + 1
            if k < chars.count, chars[k] == "+" || chars[k] == "-" { k += 1 }
            let digitsStart = k
            while k < chars.count, chars[k].isASCII, chars[k].isNumber { k += 1 }
            if k > digitsStart { end = k }
        }
        guard let number = Double(String(chars[0..<end])), number.isFinite else { return nil }
        let unit = String(chars[end...]).trimmingCharacters(in: .whitespaces)
        return (number, unit)
    }

    /// Reads `text` as a quantity of `dimension`, converted to model units. A mass
    /// concentration needs `element` (g/L: element mass, g/L REO: the element's oxide) or,
    /// for another species (H⁺, HSO₄⁻, SO₄²⁻), its `molarMass` (g/mol).
    /// A fraction may be written without a unit; every other dimension needs one.
    public static func read(_ text: String, as dimension: Dimension, element: Element? = nil,
                            molarMass: Double? = nil) -> QuantityReading {
        guard let (number, rawUnit) = split(text) else { return .notANumber }
        let unit = rawUnit.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        if unit.isEmpty {
            return dimension == .fraction ? .value(number) : .missingUnit
        }
        guard let (actual, kind) = table[unit] else {
            // The one- and two-letter volume and time units (L, h, s, d) are suggested only for
            // a volume or a time: elsewhere they would be the nearest spelling of many typos.
            let shortUnitsApply = dimension == .volume || dimension == .time
            let canonical = table.keys.filter { !$0.contains("/l") && !$0.contains("³") && !$0.hasPrefix("l/") && !$0.contains("ml/") }
                .filter { shortUnitsApply || (table[$0]!.0 != .volume && table[$0]!.0 != .time) }.sorted()
            return .unknownUnit(unit, nearest: Suggestions.nearest(to: unit, in: canonical))
        }
        guard actual == dimension else { return .wrongDimension(unit: unit, actual: actual) }
        switch kind {
        case .factor(let f): return .value(number * f)
        case .divisor(let d): return .value(number / d)
        case .celsius: return .value(number + 273.15)
        case .elementMass(let f):
            if let element { return .value(number * f / element.atomicWeight) }
            guard let molarMass else { return .massBasisNeedsElement(unit: unit) }
            return .value(number * f / molarMass)
        case .oxideMass(let f):
            guard let element else { return .massBasisNeedsElement(unit: unit) }
            return .value(number * f / element.oxideMassPerMole)
        }
    }
}

