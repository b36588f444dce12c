import Foundation
import SXFlowsheet
import SXModel

/// Reads a design file: a flat YAML subset, one `key: value` per line, `#` comments, lists as
/// `[a, b, c]` (see docs/design.md for every key). The command line's options are the same keys
/// given as (key, value) pairs after the file, so both paths share this reader. Reads no files.
public enum DesignFile {
    /// Keys a design file may hold, in documentation order.
    public static let keys = ["elements", "feed-concentrations", "feed-flow", "separation-factors", "extraction-constants",
                              "split", "organic-purity", "raffinate-purity", "organic-recovery", "raffinate-recovery",
                              "purity-basis", "operating", "extractant", "saponification", "base", "organic-loading",
                              "scrub-acid", "strip-acid", "strip-acid-excess", "strip-stages", "strip-distribution-ratio",
                              "efficiency", "stage-margin", "max-stages"]

    /// Parses `text` (may be empty) and then `options` (key, value) in order; later values win.
    /// Every problem is reported together, with the 1-based line for file entries.
    public static func parse(text: String, fileName: String = "design", options: [(key: String, value: String)] = [])
        throws(DesignSpecificationError) -> DesignSpecification
    {
        var problems: [String] = []
        var entries: [String: (value: String, origin: String)] = [:]
        for (k, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let origin = "\(fileName):\(k + 1)"
            guard let colon = line.firstIndex(of: ":") else {
                problems.append("\(origin): expected 'key: value', got '\(line)'"); continue
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if let first = entries[key] { problems.append("\(origin): '\(key)' is given twice (first at \(first.origin))"); continue }
            entries[key] = (value, origin)
        }
        for o in options { entries[o.key] = (o.value, "--\(o.key)") }
        for key in entries.keys.sorted() where !keys.contains(key) {
            let near = keys.min { editDistance($0, key) < editDistance($1, key) }!
            problems.append("\(entries[key]!.origin): unknown key '\(key)'" + (editDistance(near, key) <= 3 ? "; did you mean '\(near)'?" : ""))
        }

        func value(_ key: String) -> String? { entries[key]?.value }
        func fail(_ key: String, _ message: String) { problems.append("\(entries[key]?.origin ?? fileName): \(key): \(message)") }
        func number(_ key: String) -> Double? {
            guard let t = value(key) else { return nil }
            if let v = Double(t.trimmingCharacters(in: .whitespaces)) {
                if v.isFinite { return v }
                fail(key, "'\(t)' is not a finite number"); return nil
            }
            fail(key, "'\(t)' is not a number"); return nil
        }
        /// A value with its unit honoured (the flowsheet format's units, converted to the unit
        /// the key documents); a plain number is already in that unit. Acids may be given in N.
        func quantity(_ key: String, _ dimension: SXFlowsheet.Dimension, text: String? = nil, element: Element? = nil) -> Double? {
            guard let t = (text ?? value(key))?.trimmingCharacters(in: .whitespaces) else { return nil }
            if let v = Double(t) {
                if v.isFinite { return v }
                fail(key, "'\(t)' is not a finite number"); return nil
            }
            if (key == "scrub-acid" || key == "strip-acid"), let (v, unit) = Units.split(t), unit == "N" { return v }  // HCl: 1 N = 1 mol/L H⁺
            switch Units.read(t, as: dimension, element: element) {
            case .value(let v):
                if v.isFinite { return v }
                fail(key, "'\(t)' is not a finite number")
            case .notANumber: fail(key, "'\(t)' is not a number")
            case .missingUnit: fail(key, "'\(t)' needs a unit (\(dimension.examples))")
            case .unknownUnit(let unit, let nearest):
                fail(key, "unknown unit '\(unit)' in '\(t)'" + (nearest.map { "; did you mean '\($0)'?" } ?? "; use \(dimension.examples)"))
            case .wrongDimension(let unit, let actual):
                fail(key, "'\(unit)' is a unit of \(actual.rawValue), but \(key) is a \(dimension.rawValue) (\(dimension.examples))")
            case .massBasisNeedsElement(let unit):
                fail(key, "'\(unit)' needs an element's molar mass; give \(key) in mol/L")
            }
            return nil
        }
        func list(_ key: String) -> [String]? {
            guard var t = value(key) else { return nil }
            if t.hasPrefix("[") && t.hasSuffix("]") { t = String(t.dropFirst().dropLast()) }
            return t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        func numbers(_ key: String) -> [Double]? {
            guard let items = list(key) else { return nil }
            let v = items.compactMap(Double.init).filter(\.isFinite)
            if v.count != items.count { fail(key, "every item must be a finite number"); return nil }
            return v
        }

        var elements: [Element] = []
        if let items = list("elements") {
            for s in items {
                if let e = Element(symbol: s) { elements.append(e) } else { fail("elements", "'\(s)' is not a rare-earth element symbol") }
            }
        } else { problems.append("\(fileName): 'elements' is required, e.g. elements: [Pr, Nd]") }
        // Concentrations may carry units (g/L, g/L REO by the element in the same position).
        var feed: [Double]? = nil
        if let items = list("feed-concentrations") {
            let values = items.enumerated().map { k, item in
                quantity("feed-concentrations", .concentration, text: item, element: k < elements.count ? elements[k] : nil)
            }
            if values.allSatisfy({ $0 != nil }) { feed = values.map { $0! } }
        }
        if feed == nil && value("feed-concentrations") == nil { problems.append("\(fileName): 'feed-concentrations' (mol/L, one per element) is required") }
        let beta: [Double]? = numbers("separation-factors") ?? numbers("extraction-constants")
        if value("separation-factors") != nil && value("extraction-constants") != nil {
            problems.append("\(fileName): give 'separation-factors' or 'extraction-constants', not both")
        }
        if beta == nil && value("separation-factors") == nil && value("extraction-constants") == nil {
            problems.append("\(fileName): 'separation-factors' (or mass-action 'extraction-constants', whose ratios are the β) is required")
        }
        var keysPair: (Element, Element)? = nil
        if let s = value("split") {
            let parts = s.split(whereSeparator: { $0 == "|" || $0 == "/" }).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let a = Element(symbol: parts[0]), let b = Element(symbol: parts[1]) { keysPair = (a, b) }
            else { fail("split", "expected LIGHTER|HEAVIER key elements, e.g. Pr|Nd") }
        } else { problems.append("\(fileName): 'split' is required, e.g. split: Pr|Nd (lighter key | heavier key)") }
        var targets: [DesignTarget] = []
        for (key, make) in [("organic-purity", { DesignTarget.purity(.organic, $0) }), ("raffinate-purity", { .purity(.raffinate, $0) }),
                            ("organic-recovery", { .recovery(.organic, $0) }), ("raffinate-recovery", { .recovery(.raffinate, $0) })]
            as [(String, (Double) -> DesignTarget)]
        {
            if let v = quantity(key, .fraction) { targets.append(make(v)) }
        }
        if targets.count != 2 {
            problems.append("\(fileName): give exactly two of organic-purity, raffinate-purity, organic-recovery, raffinate-recovery (got \(targets.count))")
        }
        let flow = quantity("feed-flow", .flow) ?? 1
        guard problems.isEmpty, let feed, let beta, let (light, heavy) = keysPair else {
            throw DesignSpecificationError(problems: problems)
        }
        var spec = DesignSpecification(elements: elements, feedConcentrations: feed, feedFlow: flow, separationFactors: beta,
                                       lighterKey: light, heavierKey: heavy, targets: targets)
        if let b = value("purity-basis") {
            if let v = PurityBasis(rawValue: b) { spec.purityBasis = v } else { fail("purity-basis", "'\(b)' is not mole or oxide") }
        }
        if let o = value("operating") {
            if let v = operating(o) { spec.operating = v }
            else { fail("operating", "'\(o)': expected xu-optimum, 'K S_min' (e.g. 1.2 S_min) or 'S=4.09 W=3.34'") }
        }
        if let v = quantity("extractant", .concentration) { spec.extractant = v }
        if let v = quantity("saponification", .fraction) { spec.saponification = v }
        if let b = value("base") {
            if let v = Base(rawValue: b) { spec.base = v } else { fail("base", "'\(b)' is not NaOH or NH3") }
        }
        if let v = quantity("organic-loading", .concentration) { spec.organicLoading = v }
        if let v = quantity("scrub-acid", .concentration) { spec.scrubAcid = v }
        if let v = quantity("strip-acid", .concentration) { spec.stripAcid = v }
        if let v = quantity("strip-acid-excess", .fraction) { spec.stripAcidExcess = v }
        if let v = quantity("efficiency", .fraction) {
            if v > 0 && v <= 1 { spec.efficiency = v } else { fail("efficiency", "a Murphree efficiency lies in (0, 1] (got \(v)); e.g. 90 %") }
        }
        if let v = quantity("stage-margin", .fraction) {
            if v >= 0 && v <= 1 { spec.stageMargin = v } else { fail("stage-margin", "give a fraction of the stages from 0 to 100 % (got \(v)); e.g. 10 %") }
        }
        if let v = number("strip-stages") {
            if v == v.rounded(), v >= 1, v <= Double(DesignSpecification.stageLimit) { spec.stripStages = Int(v) }
            else { fail("strip-stages", "'\(value("strip-stages")!)' must be a whole number from 1 to \(DesignSpecification.stageLimit)") }
        }
        if let v = number("strip-distribution-ratio") {
            if v > 0 && v < 1 { spec.stripDistributionRatio = v }
            else { fail("strip-distribution-ratio", "a strip needs 0 < D < 1 (got \(v)); strong HCl on P507 gives about 0.01–0.05") }
        }
        if let v = number("max-stages") {
            // Checked before converting: Int(_:) traps on nan, inf and values beyond Int's range.
            if v == v.rounded(), v >= 2, v <= Double(DesignSpecification.stageLimit) { spec.maximumStages = Int(v) }
            else { fail("max-stages", "'\(value("max-stages")!)' must be a whole number from 2 to \(DesignSpecification.stageLimit)") }
        }
        if !problems.isEmpty { throw DesignSpecificationError(problems: problems) }
        _ = try Designer.keySplit(spec)   // report inconsistent elements, keys and counts now
        return spec
    }

    static func operating(_ t: String) -> OperatingChoice? {
        let s = t.trimmingCharacters(in: .whitespaces)
        if s == "xu-optimum" { return .xuOptimum }
        if s.hasSuffix("S_min"), let k = Double(s.dropLast(5).trimmingCharacters(in: .whitespaces)) { return .multipleOfMinimum(k) }
        var sv: Double?, wv: Double?
        for part in s.split(whereSeparator: { $0 == " " || $0 == "," }) {
            let kv = part.split(separator: "=")
            guard kv.count == 2, let v = Double(kv[1]) else { continue }
            if kv[0] == "S" { sv = v } else if kv[0] == "W" { wv = v }
        }
        if let sv, let wv { return .fluxes(s: sv, w: wv) }
        return nil
    }

    static func stripComment(_ line: String) -> String {
        guard let hash = line.firstIndex(of: "#") else { return line }
        return String(line[..<hash])
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var prev = row[0]; row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }
}
