import Foundation
import SXFlowsheet
import SXModel

/// Reads a state file or a run report into a `DynamicState` for one cascade, collecting every
/// problem as a diagnostic located at the value (`JSONLocator`) and naming its key path.
struct StateReader {
    typealias Key = DynamicStateFile.RowKey
    let document: JSONValue
    let locator: JSONLocator
    let cascade: Cascade
    let expected: DynamicState.Layout
    var problems: [Diagnostic] = []
    /// What to do about a layout that does not match: where the state came from.
    var origin: String?

    init(document: JSONValue, locator: JSONLocator, cascade: Cascade, expected: DynamicState.Layout) {
        self.document = document
        self.locator = locator
        self.cascade = cascade
        self.expected = expected
    }

    mutating func problem(_ id: DiagnosticID, _ message: String, _ path: [JSONPathStep], help: String? = nil) {
        let at = path.isEmpty ? "" : "\(JSONPathStep.text(path)): "
        problems.append(Diagnostic(id, at + message, at: locator.location(path), help: help))
    }

    func value(_ path: [JSONPathStep]) -> JSONValue? {
        var v: JSONValue? = document
        for step in path {
            switch step {
            case .key(let k): v = v?[k]
            case .index(let i): v = v?.arrayValue.flatMap { i < $0.count ? $0[i] : nil }
            }
        }
        return v
    }

    /// The value at `path` converted by `get`; a missing key or another type is SX602.
    mutating func require<T>(_ path: [JSONPathStep], _ what: String, _ get: (JSONValue) -> T?) -> T? {
        guard let v = value(path) else {
            problem(.stateFormat, "missing (\(what) is needed)", path)
            return nil
        }
        guard let t = get(v) else {
            problem(.stateFormat, "must be \(what), got \(v.rendered())", path)
            return nil
        }
        return t
    }

    /// A concentration, mol/L: positive (a logarithm is taken) or, with `zeroAllowed`, not
    /// negative; finite. Null (a non-finite number written) and the rest are SX604.
    mutating func concentration(_ path: [JSONPathStep], zeroAllowed: Bool = false) -> Double? {
        guard let v = value(path) else {
            problem(.stateFormat, "missing (a concentration in mol/L is needed)", path)
            return nil
        }
        guard let x = v.doubleValue, x.isFinite, zeroAllowed ? x >= 0 : x > 0 else {
            problem(.stateValue, "must be a \(zeroAllowed ? "finite concentration, not negative" : "positive, finite concentration") (mol/L), got \(v.rendered())", path,
                    help: zeroAllowed ? nil : "every unknown of a stage is a logarithm: a stage without this species holds 1e-14 mol/L, not 0")
            return nil
        }
        return x
    }

    mutating func read() -> DynamicState? {
        guard let format = require([.key("format")], "a string naming the format", \.stringValue) else { return nil }
        let version = require([.key("formatVersion")], "an integer", { $0.doubleValue.flatMap { Int(exactly: $0) } })
        let known = [(DynamicStateFile.formatName, DynamicStateFile.formatVersion), (DynamicStateFile.runFormatName, DynamicStateFile.runFormatVersion)]
        guard let expectedVersion = known.first(where: { $0.0 == format })?.1 else {
            problem(.stateFormat, "'\(format)' is neither a saved state nor a run report", [.key("format")],
                    help: "--start-from reads '\(DynamicStateFile.formatName)' (sxsim dynamic --save-state) or '\(DynamicStateFile.runFormatName)' (sxsim run --format json --profiles)")
            return nil
        }
        if let version, version != expectedVersion {
            problem(.stateFormat, "version \(version) of '\(format)' is not read by this sxsim (it reads version \(expectedVersion))", [.key("formatVersion")])
        }
        return format == DynamicStateFile.formatName ? readState() : readRun()
    }

    // MARK: - A saved state

    mutating func readState() -> DynamicState? {
        if let file = value([.key("flowsheet"), .key("file")])?.stringValue {
            origin = "the state was saved from \(file); start it with that flowsheet, or save a state of this one"
        }
        let time = require([.key("time_h")], "a time in h", \.doubleValue)
        if let time, !(time.isFinite && time >= 0) { problem(.stateValue, "must be a finite time, not negative (h), got \(time)", [.key("time_h")]) }
        let layout: [JSONPathStep] = [.key("layout")]
        structure(stages: layout + [.key("stages")], sections: layout + [.key("sections")])
        if let symbols = require(layout + [.key("elements")], "an array of element symbols", { $0.arrayValue?.compactMap(\.stringValue) }) {
            let wanted = expected.elements.map(\.symbol)
            if symbols != wanted {
                problem(.stateLayout, "the state has unknowns for \(list(symbols)), the flowsheet's cascade '\(cascade.name)' for the elements it is fed, \(list(wanted))",
                        layout + [.key("elements")], help: origin)
            }
        }
        flag(layout + [.key("exchangesAcid")], expected.exchangesAcid, "free extractant and acidity per stage (an acid-exchange model)")
        flag(layout + [.key("saponifyingCation")], expected.hasCation, "a saponifying cation per stage")
        guard problems.isEmpty, let time, let rows = rows([.key("stages")], mixed: true) else { return nil }
        var state = rows
        state.time = time
        return state
    }

    /// A layout flag of the state against the flowsheet's.
    mutating func flag(_ path: [JSONPathStep], _ flowsheet: Bool, _ what: String) {
        guard let saved = require(path, "true or false", \.boolValue), saved != flowsheet else { return }
        problem(.stateLayout, saved ? "the state carries \(what), the flowsheet's cascade '\(cascade.name)' has none"
                                    : "the flowsheet's cascade '\(cascade.name)' carries \(what), the state has none", path, help: origin)
    }

    func list(_ items: [String]) -> String { items.isEmpty ? "none" : items.joined(separator: ", ") }

    /// The stage count and sections (name, stages, model) at the given paths against the cascade's.
    mutating func structure(stages: [JSONPathStep], sections: [JSONPathStep]) {
        if let n = require(stages, "a stage count", { $0.doubleValue.flatMap { Int(exactly: $0) } }), n != cascade.stageCount {
            problem(.stateLayout, "the state has \(n) stages, the flowsheet's cascade '\(cascade.name)' has \(cascade.stageCount)", stages, help: origin)
        }
        guard let saved = require(sections, "an array of sections", \.arrayValue) else { return }
        let savedText = saved.map { s in
            "\(s["name"]?.stringValue ?? "?") \(s["stages"]?.doubleValue.map { String(Int($0)) } ?? "?") (\(s["model"]?.stringValue ?? "?"))"
        }
        let ownText = cascade.sections.map { "\($0.name) \($0.stageCount) (\($0.equilibrium.modelName))" }
        if savedText != ownText {
            problem(.stateLayout, "the state's sections are \(list(savedText)), the flowsheet's cascade '\(cascade.name)' has \(list(ownText))",
                    sections, help: origin)
        }
    }

    /// Every stage's values from the rows at `path` (one per stage, `RowKey`s): the unknowns
    /// from their logarithms, each concentration given beside them checked against those; the
    /// mixed species too when `mixed`.
    mutating func rows(_ path: [JSONPathStep], mixed: Bool) -> DynamicState? {
        guard let rows = require(path, "an array of stages", \.arrayValue) else { return nil }
        let n = cascade.stageCount
        guard rows.count == n else {
            problem(.stateLayout, "\(rows.count) stage rows, the flowsheet's cascade '\(cascade.name)' has \(n) stages", path, help: origin)
            return nil
        }
        let names = expected.unknownNames, b = expected.blockSize
        // Where each unknown's concentration is also written.
        let shown: [[JSONPathStep]] = expected.elements.map { [.key(Key.aqueous), .key($0.symbol)] }
            + (expected.exchangesAcid ? [[.key(Key.freeDimer)]] : []) + (expected.hasCation ? [[.key(Key.cation)]] : [])
            + (expected.exchangesAcid ? [[.key(Key.acidity)]] : [])
        let first = path + [.index(0), .key(Key.unknowns)]
        if let keys = value(first)?.objectValue?.map(\.0), Set(keys) != Set(names) {
            problem(.stateLayout, "the stages' unknowns are \(list(keys)), the flowsheet's cascade '\(cascade.name)' has \(list(names))", first, help: origin)
            return nil
        }
        var unknowns = [Double](repeating: 0, count: n * b)
        var organic: [[Double]]? = []
        var capacity: [Double] = [], sulfate: [Double] = [], extractant: [Double] = []
        let before = problems.count
        for i in 0..<n {
            let row = path + [.index(i)]
            for (k, name) in names.enumerated() {
                let at = row + [.key(Key.unknowns), .key(name)]
                guard let v = value(at) else { problem(.stateFormat, "missing (the logarithm of a concentration in mol/L is needed)", at); continue }
                guard let u = v.doubleValue, u.isFinite else {
                    problem(.stateValue, "must be a finite number (ln mol/L), got \(v.rendered())", at)
                    continue
                }
                unknowns[i * b + k] = u
                // The concentration beside it, when given: not negative, and exp(u).
                guard let c = value(row + shown[k]) else { continue }
                if let x = concentration(row + shown[k], zeroAllowed: true),
                   abs(x - exp(u)) > Self.agreement * max(x, exp(u)) + Double.leastNormalMagnitude {
                    problem(.stateValue, "\(c.rendered()) mol/L disagrees with its logarithm \(JSONPathStep.text([.key(Key.unknowns), .key(name)])) = \(u) (exp: \(exp(u)))",
                            row + shown[k], help: "a start reads the logarithms; correct or remove the concentration")
                }
            }
            // The organic is for the reader: kept when every value is a number, never required.
            let y = expected.elements.map { value(row + [.key(Key.organic), .key($0.symbol)])?.doubleValue }
            if organic != nil, y.allSatisfy({ $0 != nil }) { organic?.append(y.map { $0! }) } else { organic = nil }
            if mixed {
                capacity.append(concentration(row + [.key(Key.acidCapacity)], zeroAllowed: true) ?? 0)
                sulfate.append(concentration(row + [.key(Key.sulfate)], zeroAllowed: true) ?? 0)
                extractant.append(concentration(row + [.key(Key.extractant)], zeroAllowed: true) ?? 0)
            }
        }
        guard problems.count == before else { return nil }
        var state = DynamicState(time: 0, layout: expected, unknowns: unknowns,
                                 mixed: mixed ? DynamicState.Mixed(acidCapacity: capacity, sulfate: sulfate, extractant: extractant) : nil)
        state.organic = organic
        return state
    }

    /// Relative agreement asked of a concentration written beside its logarithm: a few
    /// roundings of exp (the writer's own pair agrees to one).
    static let agreement = 1e-13

    // MARK: - A run report

    mutating func readRun() -> DynamicState? {
        if let file = value([.key("flowsheet"), .key("file")])?.stringValue {
            origin = "the report is of \(file); start it with that flowsheet, or run this one with sxsim run --format json --profiles"
        }
        let converged = require([.key("outcome"), .key("converged")], "true or false", \.boolValue)
        if converged == false || value([.key("lastIterate")])?.boolValue == true {
            let code = value([.key("outcome"), .key("code")])?.stringValue ?? "not converged"
            let why = value([.key("outcome"), .key("explanation")])?.stringValue.map { ": \($0)" } ?? ""
            problem(.stateNotConverged, "the run did not converge (\(code))\(why); its last iterate is not a steady state to start from",
                    [.key("outcome")], help: "start from --start solvent (or feed), or from a converged run")
            return nil
        }
        guard let cascades = require([.key("cascades")], "an array of cascades", \.arrayValue) else { return nil }
        let names = cascades.compactMap { $0["name"]?.stringValue }
        guard let k = names.firstIndex(of: cascade.name) else {
            problem(.stateLayout, "the report has cascade\(names.count == 1 ? "" : "s") \(list(names)), the flowsheet's cascade is '\(cascade.name)'",
                    [.key("cascades")], help: origin)
            return nil
        }
        let at: [JSONPathStep] = [.key("cascades"), .index(k)]
        structure(stages: at + [.key("stages")], sections: at + [.key("sections")])
        if let symbols = require([.key("flowsheet"), .key("elements")], "an array of element symbols", { $0.arrayValue?.compactMap(\.stringValue) }) {
            let own = cascade.elements.map(\.symbol)
            if symbols != own {
                problem(.stateLayout, "the report's elements are \(list(symbols)), the flowsheet's \(list(own))", [.key("flowsheet"), .key("elements")], help: origin)
            }
        }
        guard problems.isEmpty else { return nil }
        guard let profiles = value([.key("profiles")])?.arrayValue else {
            problem(.stateFormat, "the run report has no stage profiles", [.key("profiles")],
                    help: "write it with sxsim run --format json --profiles")
            return nil
        }
        guard let p = profiles.firstIndex(where: { $0["cascade"]?.stringValue == cascade.name }) else {
            problem(.stateFormat, "no profile of cascade '\(cascade.name)'", [.key("profiles")])
            return nil
        }
        let path: [JSONPathStep] = [.key("profiles"), .index(p), .key("stages")]
        if value(path + [.index(0), .key(Key.unknowns)]) == nil {
            problem(.stateFormat, "the profiles carry no stage unknowns ('\(Key.unknowns)')", path + [.index(0)],
                    help: "the report was written by an older sxsim: write it again with sxsim run --format json --profiles")
            return nil
        }
        return rows(path, mixed: false)
    }
}
