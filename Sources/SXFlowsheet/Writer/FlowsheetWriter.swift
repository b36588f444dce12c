import SXModel

/// Writes a `FlowsheetDocument` as version-1 flowsheet text (docs/flowsheet-format.md,
/// "Writing flowsheets from a program"): every quantity in its canonical unit with the number
/// in Swift's shortest round-trip form, names as given, strings quoted. `FlowsheetParser`
/// reads the text back into the model the document describes (the tests round-trip it).
public enum FlowsheetWriter {
    public static func yaml(_ d: FlowsheetDocument) -> String {
        var lines: [String] = d.headerComments.map { "# " + $0 }
        func map(_ values: [Double], unit: String = "") -> String {
            "{" + zip(d.elements, values).map { "\($0.symbol): \(number($1))\(unit)" }.joined(separator: ", ") + "}"
        }
        lines.append("version: 1")
        lines.append("name: \(quoted(d.name))")
        if let description = d.description { lines.append("description: \(quoted(description))") }
        lines.append("elements: [\(d.elements.map(\.symbol).joined(separator: ", "))]")
        lines.append("equilibria:")
        for e in d.equilibria {
            lines.append("  \(e.name):")
            switch e.parameters {
            case .constantDistribution(let ratios):
                lines.append("    model: constant-D")
                lines.append("    distribution-ratios: \(map(ratios))")
            case .separationFactors(let factors, let loading):
                lines.append("    model: separation-factors")
                lines.append("    separation-factors: \(map(factors))")
                lines.append("    organic-loading: \(number(loading)) mol/L")
            case .massAction(let constants):
                lines.append("    model: mass-action")
                lines.append("    extraction-constants: \(map(constants))")
            }
            var provenance = "{source: \(quoted(e.provenance.source)), status: \(e.provenance.status)"
            if let c = e.provenance.conditions { provenance += ", conditions: \(quoted(c))" }
            lines.append("    provenance: \(provenance)}")
        }
        lines.append("streams:")
        for s in d.streams {
            switch s.kind {
            case .aqueous(let flow, let concentrations, let acidity):
                var fields = ["phase: aqueous", "flow: \(number(flow)) L/h"]
                if concentrations.contains(where: { $0 != 0 }) { fields.append("concentrations: \(map(concentrations, unit: " mol/L"))") }
                if acidity != 0 { fields.append("acidity: \(number(acidity)) mol/L") }
                lines.append("  \(s.name): {\(fields.joined(separator: ", "))}")
            case .organic(let flow, let extractant, let saponification, let loading):
                var fields = ["phase: organic", "flow: \(number(flow)) L/h"]
                if extractant != 0 { fields.append("extractant: \(number(extractant)) mol/L") }
                if saponification != 0 { fields.append("saponification: \(number(saponification))") }
                if loading.contains(where: { $0 != 0 }) { fields.append("loading: \(map(loading, unit: " mol/L"))") }
                lines.append("  \(s.name): {\(fields.joined(separator: ", "))}")
            case .linked(let outlet):
                lines.append("  \(s.name): {from: \(outlet)}")
            }
        }
        lines.append("cascades:")
        for c in d.cascades {
            lines.append("  \(c.name):")
            lines.append("    sections:")
            for s in c.sections {
                let efficiency = s.efficiency != 1 ? ", efficiency: \(number(s.efficiency))" : ""
                lines.append("      \(s.name): {stages: \(s.stages), equilibrium: \(s.equilibrium)\(efficiency)}")
            }
            lines.append("    feeds: {\(c.feeds.map { "\($0.stream): \($0.stage)" }.joined(separator: ", "))}")
            if let r = c.raffinate { lines.append("    raffinate: \(r)") }
            if let o = c.organicOutlet { lines.append("    organic-outlet: \(o)") }
            if let k = c.organicCircuit {
                lines.append("    organic-circuit: {stream: \(k.feedName)" + (k.bleedFraction != 0 ? ", bleed: \(number(k.bleedFraction))" : "") + "}")
            }
            if !c.draws.isEmpty {
                lines.append("    draws:")
                for w in c.draws {
                    lines.append("      \(w.name): {stage: \(w.stage), phase: \(w.phase.rawValue), fraction: \(number(w.fraction))}")
                }
            }
        }
        if !d.targets.isEmpty {
            lines.append("targets:")
            for t in d.targets {
                var fields = ["product: \(t.product)",
                              t.elements.count == 1 ? "element: \(t.element.symbol)" : "elements: [\(t.elements.map(\.symbol).joined(separator: ", "))]"]
                if let p = t.minimumPurity { fields.append("min-purity: \(number(p))") }
                if let r = t.minimumRecovery { fields.append("min-recovery: \(number(r))") }
                if !t.maximumImpurities.isEmpty {
                    // ppm keeps a unit on every maximum (a plain number is refused there, SX202).
                    fields.append("max: {" + t.maximumImpurities.map { "\($0.element.symbol): \(number($0.maximum * 1e6)) ppm" }.joined(separator: ", ") + "}")
                }
                lines.append("  - {\(fields.joined(separator: ", "))}")
            }
        }
        lines += d.trailingComments.map { "# " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The shortest text that reads back as the same Double (`Double.description`).
    static func number(_ x: Double) -> String { "\(x)" }

    /// A double-quoted YAML string (backslash and quote escaped, control characters dropped).
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case _ where c.value < 0x20: out += " "
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
