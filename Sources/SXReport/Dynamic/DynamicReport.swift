import Foundation
import SXFlowsheet
import SXModel

/// The report of `sxsim dynamic`: products over time (composition mol/L, oxide purity,
/// recovery, pH), the rare earth held in the cascade, the settling times, and how the
/// integration went. Text shows a time table; CSV and JSON every accepted step.
public struct DynamicReport: Sendable {
    public let flowsheet: Flowsheet
    public let fileName: String
    public let settings: DynamicSettings
    public let holdups: [String]
    public let result: DynamicResult

    public init(flowsheet: Flowsheet, fileName: String, settings: DynamicSettings, holdups: [String], result: DynamicResult) {
        self.flowsheet = flowsheet
        self.fileName = fileName
        self.settings = settings
        self.holdups = holdups
        self.result = result
    }

    var elements: [Element] { result.cascade.elements }

    /// The steady outlet the run is compared with (of the cascade, or a train's product), when
    /// the steady state converged.
    func steadyOutlet(named name: String) -> OutletStream? { result.steadyOutlets?.first { $0.name == name } }

    public func rendered(_ format: DynamicFormat) -> String {
        switch format {
        case .text: text()
        case .csv: csv()
        case .json: json().rendered() + "\n"
        }
    }

    /// Recovery of each element into `outlet` at sample `s`: its flow there over its feed flow at that time.
    func recovery(_ o: OutletStream, _ s: DynamicSample) -> [Double] {
        elements.indices.map { j in OxideBasis.groupRecovery([j], flow: o.flow, concentrations: o.concentrations, fed: s.feedFlow) }
    }

    var outcomeText: String {
        switch result.outcome {
        case .completed: "completed to \(format6(result.samples.last?.time ?? 0)) h"
        case .reachedSteadyState: "within \(format6(settings.tolerance)) of the steady state at \(format6(result.samples.last?.time ?? 0)) h (stopped there)"
        case .failed(let t, let reason): "FAILED at \(format6(t)) h: \(reason); the numbers before that time are valid, none after it"
        }
    }

    // MARK: - Text

    func text() -> String {
        var out = "Dynamic simulation: \(flowsheet.name) (\(fileName))\n"
        let startText = switch settings.start {
        case .solvent: "solvent-filled cascade (fresh organic and rare-earth-free aqueous; every concentration starts at 1e-14 mol/L)"
        case .feed: "feed-filled cascade (every stage's aqueous is the feed liquor, its organic in equilibrium with it)"
        case .steady: "the steady state of the flowsheet as written"
        }
        // A train's cascades all start alike.
        out += "Start: " + (settings.startDescription ?? (result.cascadeNames.isEmpty ? startText : startText.replacingOccurrences(of: "cascade (", with: "cascades (")
            .replacingOccurrences(of: "the steady state of the flowsheet as written", with: "the steady state of the train as written (sxsim run)"))) + "\n"
        out += "Holdups per stage (one well-mixed volume per phase, phases in equilibrium):\n"
        for h in holdups { out += "  \(h)\n" }
        out += "Events:" + (result.events.isEmpty ? " none\n" : "\n" + result.events.map { "  at \($0.summary)\n" }.joined())
        let st = result.statistics
        out += "Integration: \(outcomeText)\n"
        let orders = st.stepsPerOrder.enumerated().filter { $0.element > 0 }.map { "\($0.element) at order \($0.offset + 1)" }
        out += "  BDF order 1-\(max(st.highestOrder, 1)), relative tolerance \(format6(settings.relativeTolerance)), absolute \(format6(settings.absoluteTolerance)) mol/L: "
        out += "\(st.acceptedSteps) steps (\(st.rejectedSteps) rejected; \(orders.joined(separator: ", "))), \(st.newtonIterations) Newton iterations, \(st.jacobianEvaluations) Jacobian evaluations\n"
        // The error itself is round-off (it differs between machines); the text says whether it is.
        out += result.conservesEveryElement
            ? "  Conservation: the change of inventory equals cumulative feed - outlets to \(String(format: "%.0e", DynamicResult.conservationTolerance)) (relative) for every element\n"
            : "  Conservation: NOT closed: largest relative error \(String(format: "%.2e", result.conservationError)) (limit \(String(format: "%.0e", DynamicResult.conservationTolerance)))\n"
        if let first = result.samples.first, let last = result.samples.last {
            func inventory(_ s: DynamicSample) -> String {
                format6(s.inventory.reduce(0, +)) + " mol (" + zip(elements, s.inventory).map { "\($0.symbol) \(format6($1))" }.joined(separator: ", ") + ")"
            }
            if result.cascadeNames.isEmpty {
                out += "Rare earth held in the cascade: \(inventory(first)) at the start, \(inventory(last)) at \(format6(last.time)) h\n"
            } else {
                out += "Rare earth held in the train: \(inventory(first)) at the start, \(inventory(last)) at \(format6(last.time)) h\n"
                for (c, name) in result.cascadeNames.enumerated() where c < first.cascadeInventory.count {
                    out += "  in cascade \(name): \(format6(first.cascadeInventory[c].reduce(0, +))) mol at the start, \(format6(last.cascadeInventory[c].reduce(0, +))) mol at \(format6(last.time)) h\n"
                }
            }
        }
        let rows = tableSamples()
        for outlet in result.samples.first?.outlets ?? [] {
            // A train's product names the cascade it leaves.
            let cascade = result.cascadeNames.isEmpty ? "" : producingCascade(outlet.name).map { "cascade \($0), " } ?? ""
            out += "\nProduct \(outlet.name) (\(cascade)\(outlet.phase.rawValue), stage \(outlet.stage)):\n"
            var header = ["time h"]
            header += elements.map { "\($0.symbol) mol/L" }
            header += elements.map { "\($0.oxideFormula) %" }
            header += elements.map { "\($0.symbol) rec %" }
            if outlet.acidity != nil { header.append("pH") }
            var table = [header]
            for s in rows {
                guard let o = s.outlets.first(where: { $0.name == outlet.name }) else { continue }
                var row = [format6(s.time)]
                row += o.concentrations.map(format6)
                row += o.oxidePurity(elements: elements).map { format6(100 * $0) }
                row += recovery(o, s).map { format6(100 * $0) }
                if let h = o.acidity { row.append(format6(-log10(h))) }
                table.append(row)
            }
            out += Self.align(table)
            if let o = steadyOutlet(named: outlet.name) {
                let purity = o.oxidePurity(elements: elements)
                out += "  steady state (sxsim run): " + zip(elements, purity).map { "\($0.oxideFormula) \(format6(100 * $1)) %" }.joined(separator: ", ") + "\n"
                if let t = result.settlingTime(outlet: outlet.name, tolerance: settings.tolerance) {
                    out += "  every oxide purity within \(format6(settings.tolerance)) of it from \(format6(t)) h on\n"
                } else {
                    out += "  the oxide purities are not within \(format6(settings.tolerance)) of it by the end of the run\n"
                }
            } else if let reason = result.noSteadyState {
                out += "  no steady state to compare with: after the last event \(reason)\n"
            } else {
                out += "  no converged steady state to compare with\n"
            }
        }
        return out
    }

    /// The cascade of the flowsheet's train whose product `name` is, nil when none is.
    func producingCascade(_ name: String) -> String? {
        let train = flowsheet.train
        return train.cascades.indices.first { train.productOutletNames(cascade: $0).contains(name) }.map { train.cascades[$0].name }
    }

    /// At most 11 samples for the text table: the last one at or before each tenth of the run.
    func tableSamples() -> [DynamicSample] {
        guard let last = result.samples.last else { return [] }
        var picked: [DynamicSample] = []
        for k in 0...10 {
            let t0 = result.samples[0].time   // 0, or the time of a saved state
            let t = t0 + (last.time - t0) * Double(k) / 10
            if let s = result.samples.last(where: { $0.time <= t * (1 + 1e-12) }), picked.last?.time != s.time { picked.append(s) }
        }
        return picked
    }

    static func align(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { c in rows.map { $0.count > c ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            "  " + row.enumerated().map { c, cell in String(repeating: " ", count: widths[c] - cell.count) + cell }.joined(separator: "  ") + "\n"
        }.joined()
    }

    // MARK: - CSV

    /// One row per accepted step: time (h); per outlet and element the concentration (mol/L),
    /// oxide purity and recovery (fractions); per aqueous outlet of an acid-exchange cascade its
    /// pH; per element the inventory, the cumulative feed and outlets (mol).
    func csv() -> String {
        guard let first = result.samples.first else { return "" }
        var header = ["time_h"]
        for o in first.outlets {
            header += elements.map { "\(o.name):\($0.symbol)_mol_per_L" }
            header += elements.map { "\(o.name):\($0.symbol)_oxide_purity" }
            header += elements.map { "\(o.name):\($0.symbol)_recovery" }
            if o.acidity != nil { header.append("\(o.name):pH") }
        }
        header += elements.map { "inventory:\($0.symbol)_mol" }
        for name in result.cascadeNames { header += elements.map { "inventory:\(name):\($0.symbol)_mol" } }
        header += elements.map { "fed:\($0.symbol)_mol" }
        header += elements.map { "out:\($0.symbol)_mol" }
        var lines = [header.joined(separator: ",")]
        func g(_ x: Double) -> String { x.isFinite ? String(format: "%.10g", x) : "" }
        for s in result.samples {
            var row = [g(s.time)]
            for o in s.outlets {
                row += o.concentrations.map(g)
                row += o.oxidePurity(elements: elements).map(g)
                row += recovery(o, s).map(g)
                if let h = o.acidity { row.append(g(-log10(h))) }
            }
            row += s.inventory.map(g) + s.cascadeInventory.flatMap { $0.map(g) } + s.cumulativeFed.map(g) + s.cumulativeOut.map(g)
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - JSON

    func json() -> JSONValue {
        func perElement(_ v: [Double]) -> JSONValue { .object(zip(elements, v).map { ($0.symbol, .number($1)) }) }
        let outcome: JSONValue
        switch result.outcome {
        case .completed: outcome = .object([("status", .string("completed"))])
        case .reachedSteadyState: outcome = .object([("status", .string("steady-state"))])
        case .failed(let t, let reason): outcome = .object([("status", .string("failed")), ("time", .number(t)), ("reason", .string(reason))])
        }
        let st = result.statistics
        let products: [JSONValue] = (result.samples.first?.outlets ?? []).map { o in
            let target = steadyOutlet(named: o.name)
            return .object([("name", .string(o.name)), ("phase", .string(o.phase.rawValue)), ("stage", .integer(o.stage)),
                            ("steadyOxidePurity", target.map { perElement($0.oxidePurity(elements: elements)) } ?? .null),
                            ("settlingTime", JSONValue.optional(result.settlingTime(outlet: o.name, tolerance: settings.tolerance)))])
        }
        let samples: [JSONValue] = result.samples.map { s in
            var fields: [(String, JSONValue)] = [
                ("time", .number(s.time)),
                ("outlets", .array(s.outlets.map { o in
                    .object([("name", .string(o.name)), ("concentrations", perElement(o.concentrations)),
                             ("oxidePurity", perElement(o.oxidePurity(elements: elements))), ("recovery", perElement(recovery(o, s))),
                             ("pH", JSONValue.optional(o.acidity.map { -log10($0) }))])
                })),
                ("inventory", perElement(s.inventory))]
            // A train's inventory per cascade (mol per element).
            if !result.cascadeNames.isEmpty {
                fields.append(("cascadeInventory", .object(zip(result.cascadeNames, s.cascadeInventory).map { ($0, perElement($1)) })))
            }
            fields += [("cumulativeFed", perElement(s.cumulativeFed)), ("cumulativeOut", perElement(s.cumulativeOut))]
            return .object(fields)
        }
        return .object([
            ("flowsheet", .string(flowsheet.name)), ("file", .string(fileName)),
            ("units", .object([("time", .string("h")), ("concentrations", .string("mol/L")), ("inventory", .string("mol")),
                               ("oxidePurity", .string("fraction")), ("recovery", .string("fraction"))])),
            ("start", .string(settings.startFrom.map { "file \($0.fileName)" } ?? settings.start.rawValue)), ("outcome", outcome),
            ("statistics", .object([("steps", .integer(st.acceptedSteps)), ("rejected", .integer(st.rejectedSteps)),
                                    ("newtonIterations", .integer(st.newtonIterations)),
                                    ("jacobianEvaluations", .integer(st.jacobianEvaluations))])),
            ("conservationError", .number(result.conservationError)),
            ("events", .array(result.events.map { .string($0.summary) })),
            ("products", .array(products)), ("samples", .array(samples)),
        ])
    }
}
