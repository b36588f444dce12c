import SXModel

extension FlowsheetBuilder {
    static let correlationKeys = ["m0", "m1", "B0", "B1"]

    /// An `empirical` equilibrium set: per element either a correlation
    /// `{m0, m1, B0, B1}` under `correlations` or a constant D under `distribution-ratios`
    /// (each flowsheet element in exactly one), the extractant's molar mass (g/mol) and
    /// density (g/L) for the dosage, and an optional validity window
    /// `{pH: [lo, hi], dosage: [lo %, hi %]}`.
    mutating func readEmpirical(_ body: [Reader.Entry], owner: SourceNode, what: String) -> EmpiricalModel? {
        var distributions = [EmpiricalModel.Distribution?](repeating: nil, count: elements.count)
        var ok = true
        var firstNode = [Int: SourceNode]()
        func place(_ element: Element, at node: SourceNode, _ d: EmpiricalModel.Distribution?, in key: String) {
            guard let k = elements.firstIndex(of: element) else {
                reader.report(.unknownElement, "element \(element.symbol) in \(key) of \(what) is not in the flowsheet's elements", at: node,
                              help: "add it to 'elements' or remove it here")
                ok = false
                return
            }
            if let first = firstNode[k] {
                reader.report(.duplicateElement, "\(element.symbol) has both a correlation and a constant distribution ratio in \(what)", at: node,
                              help: "keep one of them", notes: [DiagnosticNote("first given here", at: first.location)])
                ok = false
                return
            }
            firstNode[k] = node
            if let d { distributions[k] = d } else { ok = false }
        }
        func element(_ entry: Reader.Entry, in key: String) -> Element? {
            if let el = Element(symbol: entry.key) { return el }
            reader.report(.unknownElement, "unknown element '\(entry.key)' in \(key) of \(what)", at: entry.keyNode,
                          help: Suggestions.help(for: entry.key, in: elements.map(\.symbol), kind: "element"))
            ok = false
            return nil
        }
        if let node = reader.value(body, "correlations"), let entries = reader.mapping(node, what: "correlations of \(what)") {
            for entry in entries {
                guard let el = element(entry, in: "correlations") else { continue }
                guard let fit = reader.mapping(entry.value, what: "correlation of \(el.symbol)") else { ok = false; continue }
                reader.checkKeys(fit, allowed: Self.correlationKeys, in: "correlation of \(el.symbol)")
                let c = Self.correlationKeys.map { key -> Double? in
                    guard let v = reader.require(fit, key, in: entry.keyNode, what: "correlation of \(el.symbol)", example: "0.3") else { return nil }
                    return reader.number(v, what: "\(key) of \(el.symbol)")
                }
                let d: EmpiricalModel.Distribution? = c.contains { $0 == nil }
                    ? nil : .correlation(m0: c[0]!, m1: c[1]!, b0: c[2]!, b1: c[3]!)
                place(el, at: entry.keyNode, d, in: "correlations")
            }
        }
        if let node = reader.value(body, "distribution-ratios"), let entries = reader.mapping(node, what: "distribution-ratios of \(what)") {
            for entry in entries {
                guard let el = element(entry, in: "distribution-ratios") else { continue }
                var d: EmpiricalModel.Distribution?
                if let x = reader.number(entry.value, what: "distribution ratio of \(el.symbol)") {
                    if x > 0 { d = .constant(x) } else {
                        reader.report(.outOfRange, "distribution ratio of \(el.symbol) must be positive, found \(entry.value.scalarText ?? "")", at: entry.value)
                    }
                }
                place(el, at: entry.keyNode, d, in: "distribution-ratios")
            }
        }
        let missing = elements.indices.filter { firstNode[$0] == nil }
        if !missing.isEmpty {
            let names = missing.map { elements[$0].symbol }
            reader.report(.missingEquilibriumData, "\(what) has no correlation or distribution ratio for \(names.joined(separator: ", "))", at: owner,
                          help: "every element of the flowsheet needs one: add \(names.map { "\($0): {m0: ..., m1: ..., B0: ..., B1: ...}" }.joined(separator: ", ")) under 'correlations', or a constant under 'distribution-ratios'")
            ok = false
        }
        let molarMass = reader.require(body, "extractant-molar-mass", in: owner, what: what, example: "322.431 g/mol")
            .flatMap { positiveWithUnit($0, units: ["g/mol": 1, "kg/mol": 1000], what: "extractant-molar-mass", example: "322.431 g/mol") }
        let density = reader.require(body, "extractant-density", in: owner, what: what, example: "975.8 g/L")
            .flatMap { positiveWithUnit($0, units: ["g/L": 1, "kg/m3": 1, "kg/L": 1000, "g/mL": 1000], what: "extractant-density", example: "975.8 g/L") }
        var validity: EmpiricalModel.ValidityWindow?
        if let node = reader.value(body, "validity"), let entries = reader.mapping(node, what: "validity of \(what)") {
            reader.checkKeys(entries, allowed: ["pH", "dosage"], in: "validity of \(what)")
            func range(_ key: String, fraction: Bool) -> ClosedRange<Double>? {
                guard let n = reader.require(entries, key, in: node, what: "validity", example: fraction ? "[1 %, 10 %]" : "[0.5, 3]") else { return nil }
                guard let items = n.items, items.count == 2 else {
                    reader.report(.wrongType, "\(key) of the validity window must be a list of two values [lowest, highest]", at: n)
                    return nil
                }
                // A dosage is a volume percentage: "5 %" or 5 (vol %).
                let values = items.map { item -> Double? in
                    guard let s = item.scalarText, let (x, unit) = Units.split(s), unit.isEmpty || (fraction && unit == "%") else {
                        reader.report(.invalidNumber, "\(key) limits must be numbers\(fraction ? " (vol %)" : "")", at: item)
                        return nil
                    }
                    return x
                }
                guard let lo = values[0], let hi = values[1] else { return nil }
                guard lo <= hi else { reader.report(.outOfRange, "\(key) window [\(lo), \(hi)] is empty", at: n); return nil }
                return lo...hi
            }
            if let p = range("pH", fraction: false), let d = range("dosage", fraction: true) { validity = .init(pH: p, dosage: d) }
        }
        guard ok, let molarMass, let density else { return nil }
        return EmpiricalModel(distributions: distributions.map { $0! }, extractantPerMetal: elements.map { Double($0.charge) },
                              extractantMolarMass: molarMass, extractantDensity: density, validity: validity)
    }

    /// "number unit" with one of `units` (name → factor to the model unit), positive.
    func positiveWithUnit(_ node: SourceNode, units: [String: Double], what: String, example: String) -> Double? {
        guard let s = node.scalarText, let (x, unit) = Units.split(s) else {
            reader.report(.invalidNumber, "\(what) must be a quantity such as \"\(example)\"", at: node)
            return nil
        }
        guard let factor = units[unit] else {
            reader.report(unit.isEmpty ? .missingUnit : .unknownUnit, unit.isEmpty ? "\(what) needs a unit" : "unknown unit '\(unit)' in \(what)", at: node,
                          help: "accepted units: \(units.keys.sorted().joined(separator: ", "))")
            return nil
        }
        guard x > 0 && x.isFinite else {
            reader.report(.outOfRange, "\(what) must be positive, found '\(s)'", at: node)
            return nil
        }
        return x * factor
    }
}
