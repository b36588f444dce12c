import Foundation
import SXFlowsheet

extension SensitivityTable {
    /// Text: for every output, the parameters by decreasing |elasticity| (those below 1e-6 in
    /// magnitude counted, not listed), elasticities to 4 significant digits.
    public func text() -> String {
        var s = "Sensitivities: elasticity ∂ln(output)/∂ln(parameter) at the steady state (+1 % in the parameter gives about elasticity % in the output)\n"
        if method == .resolvedTrain {
            s += "(a train: central differences of re-solves at ±\(Fmt.g(step, 2)) in ln p, warm-started from this steady state)\n"
        }
        let width = max(9, parameters.map(\.keyPath.count).max() ?? 0)
        for (o, output) in outputs.enumerated() {
            s += "\n\(output.product) \(output.element.symbol) \(output.quantity.rawValue) = \(Fmt.g(output.nominal, 6))\n"
            let order = parameters.indices.sorted { a, b in
                abs(elasticities[a][o] ?? 0) > abs(elasticities[b][o] ?? 0)
            }
            var negligible = 0
            for p in order {
                guard let e = elasticities[p][o] else { s += "  " + Fmt.pad(parameters[p].keyPath, width, right: false) + "  n/a (output is 0)\n"; continue }
                if abs(e) < 1e-6 { negligible += 1; continue }
                let value = FlowsheetParser.text(parameters[p].number, unit: parameters[p].unit)
                s += "  " + Fmt.pad(parameters[p].keyPath, width, right: false) + "  " + Fmt.pad(value, 12) + "  " + (e >= 0 ? "+" : "") + Fmt.g(e, 5) + "\n"
            }
            if negligible > 0 { s += "  (\(negligible) parameter\(negligible == 1 ? "" : "s") with |elasticity| < 1e-6)\n" }
        }
        return s
    }

    /// JSON: {step, parameters: [{key, value, unit}], outputs: [{key, product, element,
    /// quantity, nominal, elasticities: {parameter key: number or null}}]}.
    public func json() -> JSONValue {
        .object([
            ("method", .string(method.rawValue)),
            ("stepInLogParameter", .number(step)),
            ("parameters", .array(parameters.map { .object([("key", .string($0.keyPath)), ("value", .number($0.number)), ("unit", .string($0.unit))]) })),
            ("outputs", .array(outputs.enumerated().map { o, output in
                .object([("key", .string(output.key)), ("product", .string(output.product)), ("element", .string(output.element.symbol)),
                         ("quantity", .string(output.quantity.rawValue)), ("nominal", .number(output.nominal)),
                         ("elasticities", .object(parameters.indices.map { p in (parameters[p].keyPath, .optional(elasticities[p][o])) }))])
            })),
        ])
    }

    /// CSV, one row per parameter and output:
    /// `parameter,value,unit,product,element,quantity,nominal,elasticity` (empty elasticity
    /// where the output is 0). Numbers in shortest round-trip form.
    public func csv() -> String {
        var s = "parameter,value,unit,product,element,quantity,nominal,elasticity\n"
        func q(_ t: String) -> String { t.contains(",") || t.contains("\"") ? "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : t }
        for (p, parameter) in parameters.enumerated() {
            for (o, output) in outputs.enumerated() {
                s += [q(parameter.keyPath), "\(parameter.number)", q(parameter.unit), q(output.product), output.element.symbol,
                      output.quantity.rawValue, "\(output.nominal)", elasticities[p][o].map { "\($0)" } ?? ""].joined(separator: ",") + "\n"
            }
        }
        return s
    }
}
