/// The figures of one run report that `sxsim compare` sets side by side, read from the run
/// report's JSON layout (docs/cli.md): a flowsheet solved now (`RunReport.json()`) and a report
/// saved with `sxsim run -f json` are read by the same code, so they compare alike.
public struct ComparedReport: Sendable {
    /// A number with its name and unit ("fraction" numbers print as %).
    public struct Figure: Sendable {
        public var label: String
        public var unit: String
        public var value: Double?
    }
    public struct Product: Sendable {
        public var name: String
        public var figures: [Figure]
    }
    public struct Limit: Sendable {
        public var key: String
        public var unit: String
        public var limit: Double?
        public var value: Double?
        public var margin: Double?
        public var pass: Bool?
    }
    public struct CascadeOutcome: Sendable {
        public var name: String
        public var outcome: String
        public var iterations: Int?
    }

    /// Where the report came from (a file name) and what it is ("flowsheet" or "saved report").
    public var source: String
    public var kind: String
    public var name: String
    public var outcome: String
    public var targetsMet: Bool?
    public var products: [Product]
    public var limits: [Limit]
    public var reagents: [Figure]
    public var cascades: [CascadeOutcome]

    public struct FormatError: Error, Sendable, Equatable {
        public var message: String
    }

    /// Reads a run report's JSON document. Throws when it is not an `sxsim-run` document of
    /// format version 1.
    public init(json: JSONValue, source: String, kind: String) throws(FormatError) {
        guard json["format"]?.stringValue == "sxsim-run" else {
            throw FormatError(message: "\(source) is JSON but not an sxsim run report (its \"format\" is \(json["format"]?.stringValue.map { "'\($0)'" } ?? "missing"), expected 'sxsim-run'; write one with sxsim run -f json)")
        }
        guard let version = json["formatVersion"]?.doubleValue, version == 1 else {
            throw FormatError(message: "\(source): report formatVersion \(json["formatVersion"]?.doubleValue.map { String(Int($0)) } ?? "missing") is not supported; this sxsim reads version 1")
        }
        self.source = source
        self.kind = kind
        name = json["flowsheet"]?["name"]?.stringValue ?? source
        outcome = json["outcome"]?["code"]?.stringValue ?? "unknown"
        targetsMet = json["targetsMet"]?.boolValue
        let elements = json["flowsheet"]?["elements"]?.arrayValue?.compactMap(\.stringValue) ?? []
        products = (json["products"]?.arrayValue ?? []).map { p in
            var figures = [Figure(label: "flow", unit: "L/h", value: p["flow_L_per_h"]?.doubleValue),
                           Figure(label: "total REO", unit: "g/L", value: p["totalREO_g_per_L"]?.doubleValue),
                           Figure(label: "REO", unit: "t/y", value: p["REO_t_per_y"]?.doubleValue)]
            if let h = p["acidity_mol_per_L"], h != .null { figures.append(Figure(label: "free acid", unit: "mol/L", value: h.doubleValue)) }
            for e in elements {
                let x = p["elements"]?[e]
                let oxide = x?["oxide"]?.stringValue ?? e
                figures.append(Figure(label: "\(oxide) purity", unit: "fraction", value: x?["oxidePurity"]?.doubleValue))
                figures.append(Figure(label: "\(e) recovery", unit: "fraction", value: x?["recovery"]?.doubleValue))
            }
            return Product(name: p["name"]?.stringValue ?? "?", figures: figures)
        }
        var limits: [Limit] = []
        for list in ["targets", "effluentTargets"] {
            for t in json[list]?.arrayValue ?? [] {
                if let ls = t["limits"]?.arrayValue {
                    limits += ls.map { l in
                        Limit(key: l["key"]?.stringValue ?? "?", unit: l["unit"]?.stringValue ?? "", limit: l["limit"]?.doubleValue,
                              value: l["value"]?.doubleValue, margin: l["margin"]?.doubleValue, pass: l["pass"]?.boolValue)
                    }
                    continue
                }
                // A report written before targets had "limits": its purity and recovery limits.
                let product = t["product"]?.stringValue ?? "?", element = t["element"]?.stringValue ?? "?"
                for (kind, limitKey, valueKey) in [("min-purity", "minPurity", "purity"), ("min-recovery", "minRecovery", "recovery")] {
                    guard let m = t[limitKey]?.doubleValue else { continue }
                    let v = t[valueKey]?.doubleValue
                    limits.append(Limit(key: "\(product).\(kind).\(element)", unit: "fraction", limit: m, value: v, margin: v.map { $0 - m },
                                        pass: t["pass"]?.boolValue))
                }
            }
        }
        self.limits = limits
        let r = json["reagents"]
        reagents = [Figure(label: "REO fed", unit: "kg/h", value: r?["REO_fed_kg_per_h"]?.doubleValue),
                    Figure(label: "acid (HCl)", unit: "kg/h", value: r?["HCl_kg_per_h"]?.doubleValue),
                    Figure(label: "acid (HCl) per t REO fed", unit: "kg/t", value: r?["HCl_kg_per_t_REO_fed"]?.doubleValue),
                    Figure(label: "base (\(r?["base"]?.stringValue ?? "base"))", unit: "kg/h", value: r?["base_kg_per_h"]?.doubleValue),
                    Figure(label: "base per t REO fed", unit: "kg/t", value: r?["base_kg_per_t_REO_fed"]?.doubleValue),
                    Figure(label: "extractant circulating", unit: "mol/h", value: r?["extractant_mol_per_h"]?.doubleValue)]
        cascades = (json["cascades"]?.arrayValue ?? []).map { c in
            CascadeOutcome(name: c["name"]?.stringValue ?? "?", outcome: c["outcome"]?.stringValue ?? "?",
                           iterations: c["iterations"]?.doubleValue.map { Int($0) })
        }
    }

    /// The figures of a report solved now.
    public init(report: RunReport, source: String) {
        // The JSON document is the one layout both kinds are read from; it always parses.
        try! self.init(json: report.json(), source: source, kind: "flowsheet")
    }
}
