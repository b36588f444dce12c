/// Reading a flowsheet's numeric values by key path (the paths of `--set`, `--vary` and the
/// sensitivities), without building the flowsheet.
extension FlowsheetParser {
    /// A numeric value of a flowsheet at a key path: its text as written ("100 L/h", "1.5",
    /// "36 %"), split into its number and unit.
    public struct NumericValue: Sendable, Equatable {
        public var keyPath: String
        public var number: Double
        /// The unit text after the number ("L/h", "%", "" for a bare number).
        public var unit: String
        /// The text of `number · factor` with the same unit, in the shortest form that reads
        /// back to the same Double ("100.001 L/h"), for an override.
        public func scaled(by factor: Double) -> String {
            FlowsheetParser.text(number * factor, unit: unit)
        }
    }

    /// "v unit" with v in its shortest round-trip form, without a spurious ".0".
    public static func text(_ value: Double, unit: String) -> String {
        var s = "\(value)"
        if s.hasSuffix(".0") { s.removeLast(2) }
        return unit.isEmpty ? s : s + " " + unit
    }

    /// The scalar text at `keyPath` (dotted, list items by 0-based index), nil when the path
    /// does not lead to a scalar or the text is not YAML.
    public static func scalarText(at keyPath: String, in text: String) -> String? {
        let source = SourceText(text, fileName: "")
        guard var node = compose(text, source: source, reader: Reader(source: source)) else { return nil }
        for segment in keyPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
            if let entries = node.entries, let e = entries.first(where: { $0.key.scalarText == segment }) {
                node = e.value
            } else if let items = node.items, let i = Int(segment), items.indices.contains(i) {
                node = items[i]
            } else {
                return nil
            }
        }
        return node.scalarText
    }

    /// The numeric value at `keyPath`, nil when there is none.
    public static func numericValue(at keyPath: String, in text: String) -> NumericValue? {
        scalarText(at: keyPath, in: text).flatMap { numericValue(keyPath: keyPath, text: $0) }
    }

    static func numericValue(keyPath: String, text: String) -> NumericValue? {
        Units.split(text).map { NumericValue(keyPath: keyPath, number: $0.number, unit: $0.unit) }
    }

    /// The continuous parameters of a flowsheet whose local sensitivities `sxsim run
    /// --sensitivities` reports, in file order, each with its value as written:
    /// - `equilibria.NAME.` `distribution-ratios.El`, `separation-factors.El`,
    ///   `extraction-constants.El`, `organic-loading`, `cation-exchange-constant`,
    ///   `correlations.El.{m0,m1,B0,B1}`;
    /// - `streams.NAME.` `flow`, `concentrations.El`, `acidity`, `extractant`, `saponification`;
    /// - `cascades.NAME.sections.SECTION.efficiency` (1 when not written).
    /// Values of zero are left out (a relative change of zero is none).
    public static func sensitivityParameters(in text: String) -> [NumericValue] {
        let source = SourceText(text, fileName: "")
        guard let root = compose(text, source: source, reader: Reader(source: source)), let top = root.entries else { return [] }
        var out: [NumericValue] = []
        func add(_ path: String, _ node: SourceNode) {
            if let t = node.scalarText, let v = numericValue(keyPath: path, text: t), v.number != 0, v.number.isFinite { out.append(v) }
        }
        func children(_ node: SourceNode?) -> [(String, SourceNode)] {
            (node?.entries ?? []).compactMap { e in e.key.scalarText.map { ($0, e.value) } }
        }
        func section(_ name: String) -> SourceNode? { top.first { $0.key.scalarText == name }?.value }
        for (name, set) in children(section("equilibria")) {
            for (key, value) in children(set) {
                let path = "equilibria.\(name).\(key)"
                switch key {
                case "distribution-ratios", "separation-factors", "extraction-constants":
                    for (element, v) in children(value) { add("\(path).\(element)", v) }
                case "organic-loading", "cation-exchange-constant":
                    add(path, value)
                case "correlations":
                    for (element, coefficients) in children(value) {
                        for (c, v) in children(coefficients) where ["m0", "m1", "B0", "B1"].contains(c) { add("\(path).\(element).\(c)", v) }
                    }
                default: break
                }
            }
        }
        for (name, stream) in children(section("streams")) {
            for (key, value) in children(stream) {
                let path = "streams.\(name).\(key)"
                switch key {
                case "flow", "acidity", "extractant", "saponification": add(path, value)
                case "concentrations": for (element, v) in children(value) { add("\(path).\(element)", v) }
                default: break
                }
            }
        }
        for (name, cascade) in children(section("cascades")) {
            for (sectionName, s) in children(children(cascade).first { $0.0 == "sections" }?.1) {
                let path = "cascades.\(name).sections.\(sectionName).efficiency"
                if let e = children(s).first(where: { $0.0 == "efficiency" }) { add(path, e.1) } else {
                    out.append(NumericValue(keyPath: path, number: 1, unit: ""))
                }
            }
        }
        return out
    }
}
