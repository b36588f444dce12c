import Foundation
import SXModel

/// Typed reading of a `SourceNode` tree with every problem collected as a located diagnostic.
/// Each accessor returns nil after recording why; callers carry on to find further problems.
final class Reader {
    let source: SourceText
    var diagnostics = Diagnostics()

    init(source: SourceText) { self.source = source }

    typealias Entry = (key: String, keyNode: SourceNode, value: SourceNode)

    func report(_ id: DiagnosticID, _ message: String, at node: SourceNode, help: String? = nil, notes: [DiagnosticNote] = []) {
        diagnostics.append(Diagnostic(id, message, at: node.location, length: node.width, notes: notes, help: help))
    }

    func report(_ id: DiagnosticID, _ message: String, at location: TextLocation, length: Int = 1, help: String? = nil, notes: [DiagnosticNote] = []) {
        diagnostics.append(Diagnostic(id, message, at: location, length: length, notes: notes, help: help))
    }

    /// The entries of a mapping node, keys as text; nil (with a diagnostic) otherwise.
    func mapping(_ node: SourceNode, what: String) -> [Entry]? {
        guard let entries = node.entries else {
            report(.wrongType, "\(what) must be a mapping (key: value lines), found \(node.kindDescription)", at: node)
            return nil
        }
        var out: [Entry] = []
        for (k, v) in entries {
            guard let key = k.scalarText else {
                report(.wrongType, "a key in \(what) must be a plain name, found \(k.kindDescription)", at: k)
                continue
            }
            out.append((key, k, v))
        }
        return out
    }

    /// The items of a list node; nil (with a diagnostic) otherwise.
    func list(_ node: SourceNode, what: String) -> [SourceNode]? {
        guard let items = node.items else {
            report(.wrongType, "\(what) must be a list ([a, b] or '- ' lines), found \(node.kindDescription)", at: node)
            return nil
        }
        return items
    }

    /// Reports every key not in `allowed`, with the nearest valid key. `elsewhere` maps keys
    /// that are valid in another context to an explanation.
    func checkKeys(_ entries: [Entry], allowed: [String], in what: String, elsewhere: [String: String] = [:]) {
        for e in entries where !allowed.contains(e.key) {
            let help = elsewhere[e.key] ?? Suggestions.help(for: e.key, in: allowed, kind: "key")
            report(.unknownKey, "unknown key '\(e.key)' in \(what)", at: e.keyNode, help: help)
        }
    }

    func value(_ entries: [Entry], _ key: String) -> SourceNode? {
        entries.first { $0.key == key }?.value
    }

    func entry(_ entries: [Entry], _ key: String) -> Entry? {
        entries.first { $0.key == key }
    }

    /// The value of a required key, or a diagnostic at `owner` naming what is missing.
    func require(_ entries: [Entry], _ key: String, in owner: SourceNode, what: String, example: String) -> SourceNode? {
        if let v = value(entries, key) {
            if v.isNull {
                report(.missingKey, "'\(key)' in \(what) has no value", at: v, help: "write e.g. \(key): \(example)")
                return nil
            }
            return v
        }
        report(.missingKey, "\(what) needs '\(key)'", at: owner, help: "add e.g. \(key): \(example)")
        return nil
    }

    func string(_ node: SourceNode, what: String) -> String? {
        guard let s = node.scalarText else {
            report(.wrongType, "\(what) must be a text value, found \(node.kindDescription)", at: node)
            return nil
        }
        return s
    }

    func integer(_ node: SourceNode, what: String) -> Int? {
        guard let s = node.scalarText else {
            report(.wrongType, "\(what) must be a whole number, found \(node.kindDescription)", at: node)
            return nil
        }
        guard let n = Int(s.trimmingCharacters(in: .whitespaces)) else {
            report(.invalidNumber, "\(what) must be a whole number, found '\(s)'", at: node)
            return nil
        }
        return n
    }

    func number(_ node: SourceNode, what: String) -> Double? {
        guard let s = node.scalarText else {
            report(.wrongType, "\(what) must be a number, found \(node.kindDescription)", at: node)
            return nil
        }
        guard let (x, unit) = Units.split(s), unit.isEmpty else {
            report(.invalidNumber, "\(what) must be a plain number, found '\(s)'", at: node)
            return nil
        }
        return x
    }

    /// A "number unit" value converted to model units (see `Units`).
    func quantity(_ node: SourceNode, _ dimension: Dimension, what: String, element: Element? = nil, molarMass: Double? = nil) -> Double? {
        guard let s = node.scalarText else {
            report(.wrongType, "\(what) must be a quantity such as \"\(Reader.example(dimension))\", found \(node.kindDescription)", at: node)
            return nil
        }
        switch Units.read(s, as: dimension, element: element, molarMass: molarMass) {
        case .value(let x):
            return x
        case .notANumber:
            report(.invalidNumber, "\(what) must start with a number, found '\(s)'", at: node, help: "write e.g. \"\(Reader.example(dimension))\"")
        case .missingUnit:
            report(.missingUnit, "\(what) needs a unit", at: node, help: "write e.g. \"\(s) \(Reader.exampleUnit(dimension))\"; accepted units: \(dimension.examples)")
        case .unknownUnit(let u, let nearest):
            report(.unknownUnit, "unknown unit '\(u)' in \(what)", at: node,
                   help: nearest.map { "did you mean '\($0)'?" } ?? "accepted units: \(dimension.examples)")
        case .wrongDimension(let u, let actual):
            report(.wrongDimension, "\(what) is a \(dimension.rawValue), but '\(u)' measures \(actual.rawValue)", at: node,
                   help: "use a \(dimension.rawValue) unit: \(dimension.examples)")
        case .massBasisNeedsElement(let u):
            report(.wrongDimension, "\(what) cannot be given in '\(u)': a mass concentration needs an element's molar mass", at: node,
                   help: "use mol/L or mmol/L")
        }
        return nil
    }

    /// A quantity that must be > 0 (or ≥ 0 when `allowZero`), finite.
    func positive(_ node: SourceNode, _ dimension: Dimension, what: String, allowZero: Bool = false, element: Element? = nil,
                  molarMass: Double? = nil) -> Double? {
        guard let x = quantity(node, dimension, what: what, element: element, molarMass: molarMass) else { return nil }
        if allowZero ? !(x >= 0) : !(x > 0) {
            report(.outOfRange, "\(what) must be \(allowZero ? "zero or positive" : "positive"), found '\(node.scalarText ?? "")'", at: node)
            return nil
        }
        return x
    }

    /// A fraction in [lower, upper] (inclusive unless stated), written as a number or with %.
    func fraction(_ node: SourceNode, what: String, openLower: Bool = false, openUpper: Bool = false) -> Double? {
        guard let x = quantity(node, .fraction, what: what) else { return nil }
        let okLower = openLower ? x > 0 : x >= 0
        let okUpper = openUpper ? x < 1 : x <= 1
        if !(okLower && okUpper) {
            let range = "\(openLower ? "(" : "[")0, \(openUpper ? "100 %)" : "100 %]")"
            report(.outOfRange, "\(what) must lie in \(range), found '\(node.scalarText ?? "")'", at: node,
                   help: x > 1 && x <= 100 ? "a plain number is a fraction (0.36); write \"\(node.scalarText ?? "") %\" for a percentage" : nil)
            return nil
        }
        return x
    }

    /// A name usable in references and key paths: letters, digits, '-' and '_'.
    func validName(_ name: String, at node: SourceNode, kind: String) -> Bool {
        let ok = !name.isEmpty && name.unicodeScalars.allSatisfy {
            ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
        if !ok {
            report(.invalidName, "\(kind) name '\(name)' may contain only letters, digits, '-' and '_'", at: node,
                   help: "names are used in references and override paths such as cascades.NAME.sections.scrub.stages")
        }
        return ok
    }

    static func example(_ d: Dimension) -> String {
        switch d {
        case .flow: "120 L/h"
        case .concentration: "0.5 mol/L"
        case .temperature: "25 °C"
        case .fraction: "36 %"
        case .operatingTime: "8000 h/y"
        case .volume: "20 L"
        case .time: "10 h"
        }
    }

    static func exampleUnit(_ d: Dimension) -> String {
        switch d {
        case .flow: "L/h"
        case .concentration: "mol/L"
        case .temperature: "°C"
        case .fraction: "%"
        case .operatingTime: "h/y"
        case .volume: "L"
        case .time: "h"
        }
    }
}
