import Foundation
import SXFlowsheet
import SXModel

/// Local sensitivities of a solved flowsheet: the elasticity ∂ln q/∂ln p of every product's
/// oxide-basis purity and recovery q (the run report's figures) with respect to each
/// continuous parameter p of the flowsheet (`FlowsheetParser.sensitivityParameters`), at the
/// converged steady state, by the implicit-function theorem (`CascadeLinearization`). An
/// elasticity of 0.5 means +0.5 % in q for +1 % in p. Method and limits: docs/uncertainty.md.
public struct SensitivityTable: Sendable {
    /// One reported quantity: a product's purity or recovery of one element.
    public struct Output: Sendable, Equatable {
        public enum Quantity: String, Sendable { case purity, recovery }
        public var product: String
        public var element: Element
        public var quantity: Quantity
        /// Its value at the nominal steady state (fraction).
        public var nominal: Double
        /// "nd-product.Nd.purity", as the sweep's column.
        public var key: String { "\(product).\(element.symbol).\(quantity.rawValue)" }
    }

    public var parameters: [FlowsheetParser.NumericValue]
    public var outputs: [Output]
    /// elasticities[p][o] = ∂ln outputs[o]/∂ln parameters[p]; nil where the output is zero at
    /// the nominal state (no relative change defined).
    public var elasticities: [[Double?]]
    /// The stencil step in ln p.
    public var step: Double
    /// How the derivatives were formed.
    public var method: Method

    public enum Method: String, Sendable {
        /// One cascade: J·∂u/∂ln p = −∂R/∂ln p at the converged state (`CascadeLinearization`).
        case implicitFunction = "implicit-function"
        /// A train: central differences of whole re-solves warm-started from the nominal state.
        case resolvedTrain = "re-solved-train"
    }

    /// The elasticity of `output` with respect to the parameter at `keyPath`.
    public func elasticity(of output: String, to keyPath: String) -> Double? {
        guard let p = parameters.firstIndex(where: { $0.keyPath == keyPath }), let o = outputs.firstIndex(where: { $0.key == output }) else { return nil }
        return elasticities[p][o]
    }
}

public enum Sensitivities {
    /// Default stencil step in ln p: central differences of smooth functions at fixed state
    /// have error ≈ h²/6 · |f‴| ≈ 2e-11 relative and round-off ≈ ε/h ≈ 2e-11 (docs/uncertainty.md).
    public static let defaultStep = 1e-5

    /// The sensitivities of `report` (a converged run of `text`), for the parameters at
    /// `keyPaths` (nil: every `FlowsheetParser.sensitivityParameters`). A train of linked
    /// cascades (with recycles) is differentiated by central differences of warm-started
    /// re-solves (`trainStep`), since the tangent through its links is not formed.
    ///
    /// ∂R/∂ln p is analytic for the equilibrium factors D, β, K and the Murphree efficiencies
    /// (`AnalyticParameter`); with `analytic` false, or for other parameters, it is the
    /// stencil's difference at the fixed state (docs/uncertainty.md §1).
    public static func compute(text: String, fileName: String, flowsheet: Flowsheet, report: RunReport,
                               keyPaths: [String]? = nil, step: Double = defaultStep, analytic: Bool = true) throws(SensitivityError) -> SensitivityTable {
        guard report.isSteadyState else { throw SensitivityError("the flowsheet did not reach a steady state: no sensitivities") }
        let isTrain = !(flowsheet.train.cascades.count == 1 && flowsheet.train.links.isEmpty && report.results.count == 1)
        var parameters: [FlowsheetParser.NumericValue] = []
        if let keyPaths {
            for path in keyPaths {
                guard let v = FlowsheetParser.numericValue(at: path, in: text) else {
                    throw SensitivityError("'\(path)' is not a numeric value of the flowsheet")
                }
                if v.number != 0 { parameters.append(v) }
            }
        } else {
            parameters = FlowsheetParser.sensitivityParameters(in: text)
        }
        let outputs = Self.outputs(report)
        let nominal = outputs.map(\.nominal)
        var table: [[Double?]] = []
        if isTrain {
            // A train: central differences of whole re-solves, each warm-started from the
            // nominal steady state (the tangent through linked streams and recycles is not formed).
            for p in parameters {
                guard let d = trainDerivatives(of: p, step: trainStep, text: text, fileName: fileName, nominal: report) else {
                    throw SensitivityError("'\(p.keyPath)': the flowsheet has no steady state within ±\(trainStep) relative of its value")
                }
                table.append(zip(d, nominal).map { d, q in q != 0 && q.isFinite ? d / q : nil })
            }
            return SensitivityTable(parameters: parameters, outputs: outputs, elasticities: table, step: trainStep, method: .resolvedTrain)
        }
        let linearization = try CascadeLinearization(nominal: report.results[0])
        for p in parameters {
            // Central differences, or one-sided where the value cannot grow (an efficiency of 1).
            let derivative: [Double]
            var exact: [Double]? = nil
            if analytic, let a = analyticParameter(p.keyPath, text: text, flowsheet: flowsheet) { exact = try linearization.analyticTangent(a) }
            if let d = try derivatives(of: p, stencil: .central(step), text: text, fileName: fileName, linearization: linearization, tangent: exact) {
                derivative = d
            } else if let d = try derivatives(of: p, stencil: .backward(step), text: text, fileName: fileName, linearization: linearization, tangent: exact) {
                derivative = d
            } else {
                throw SensitivityError("'\(p.keyPath)': the flowsheet is not valid within ±\(step) relative of its value")
            }
            table.append(zip(derivative, nominal).map { d, q in q != 0 && q.isFinite ? d / q : nil })
        }
        return SensitivityTable(parameters: parameters, outputs: outputs, elasticities: table, step: step, method: .implicitFunction)
    }

    /// Step in ln p of a train's re-solves: the solves converge to about 1e-12 relative, so the
    /// central difference carries about 1e-12/1e-4 = 1e-8 of noise and h²/6·|f‴| ≈ 2e-9 of
    /// truncation (docs/uncertainty.md).
    public static let trainStep = 1e-4

    /// d q/d ln p of every output of a train by central differences of re-solves at p·e^(±h),
    /// warm-started from `nominal`; nil when either point has no steady state (or no flowsheet).
    static func trainDerivatives(of p: FlowsheetParser.NumericValue, step h: Double, text: String, fileName: String,
                                 nominal: RunReport) -> [Double]? {
        // Central; where p·e^h is not a valid flowsheet (an efficiency of 1), second-order
        // backward differences at 0, −h, −2h.
        if let central = trainOutputs(at: [h, -h], of: p, text: text, fileName: fileName, nominal: nominal) {
            return central[0].indices.map { (central[0][$0] - central[1][$0]) / (2 * h) }
        }
        guard let backward = trainOutputs(at: [-h, -2 * h], of: p, text: text, fileName: fileName, nominal: nominal) else { return nil }
        let q0 = outputs(nominal).map(\.nominal)
        return q0.indices.map { (3 * q0[$0] - 4 * backward[0][$0] + backward[1][$0]) / (2 * h) }
    }

    /// The outputs of the train re-solved at p·e^s for each offset s (nil if any has no steady state).
    static func trainOutputs(at offsets: [Double], of p: FlowsheetParser.NumericValue, text: String, fileName: String,
                             nominal: RunReport) -> [[Double]]? {
        var values: [[Double]] = []
        for s in offsets {
            let parsed = FlowsheetParser.parse(text: text, fileName: fileName,
                                               overrides: [Override(keyPath: p.keyPath, value: p.scaled(by: exp(s)))])
            guard let f = parsed.flowsheet,
                  let r = try? TrainSolver.solve(f.train, options: f.solveOptions, startingFrom: nominal.trainResult),
                  r.outcome.isConverged else { return nil }
            let report = RunReport(flowsheet: f, fileName: fileName, result: r)
            let q = outputs(report)
            guard q.map(\.key) == outputs(nominal).map(\.key) else { return nil }
            values.append(q.map(\.nominal))
        }
        return values
    }

    /// Every product's purity and recovery of every element, in the report's order.
    static func outputs(_ report: RunReport) -> [SensitivityTable.Output] {
        report.products.flatMap { p in
            report.elements.indices.map { SensitivityTable.Output(product: p.name, element: report.elements[$0], quantity: .purity, nominal: p.purity[$0]) }
                + report.elements.indices.map { SensitivityTable.Output(product: p.name, element: report.elements[$0], quantity: .recovery, nominal: p.recovery[$0]) }
        }
    }

    /// The analytic form of the parameter at `keyPath` of a one-cascade flowsheet, when it has
    /// one: `equilibria.NAME.{distribution-ratios|separation-factors|extraction-constants}.El`
    /// of a constant-D, separation-factor or mass-action set (the sections whose `equilibrium`
    /// names it), or `cascades.C.sections.S.efficiency`.
    static func analyticParameter(_ keyPath: String, text: String, flowsheet: Flowsheet) -> AnalyticParameter? {
        let parts = keyPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let cascade = flowsheet.train.cascades[0]
        if parts.count == 5, parts[0] == "cascades", parts[1] == cascade.name, parts[2] == "sections", parts[4] == "efficiency" {
            return cascade.sections.firstIndex { $0.name == parts[3] }.map { .murphreeEfficiency(section: $0) }
        }
        let kinds = ["distribution-ratios": "constant-D", "separation-factors": "separation-factors", "extraction-constants": "mass-action"]
        guard parts.count == 4, parts[0] == "equilibria", let model = kinds[parts[2]],
              flowsheet.equilibria.first(where: { $0.name == parts[1] })?.model == model,
              let element = cascade.elements.firstIndex(where: { $0.symbol == parts[3] }) else { return nil }
        let sections = cascade.sections.indices.filter {
            FlowsheetParser.scalarText(at: "cascades.\(cascade.name).sections.\(cascade.sections[$0].name).equilibrium", in: text) == parts[1]
        }
        return sections.isEmpty ? nil : .elementFactor(element: element, sections: sections)
    }

    /// d q/d ln p of every output by `stencil`, nil when a stencil point gives no valid flowsheet.
    /// `tangent` is ∂u/∂ln p when it was formed analytically; else the stencil forms it.
    static func derivatives(of p: FlowsheetParser.NumericValue, stencil: Stencil, text: String, fileName: String,
                            linearization: CascadeLinearization, tangent exact: [Double]?) throws(SensitivityError) -> [Double]? {
        var sheets: [Flowsheet] = []
        for s in stencil.offsets {
            let parsed = FlowsheetParser.parse(text: text, fileName: fileName,
                                               overrides: s == 0 ? [] : [Override(keyPath: p.keyPath, value: p.scaled(by: exp(s)))])
            guard let f = parsed.flowsheet, f.train.cascades.count == 1 else { return nil }
            sheets.append(f)
        }
        let cascades = sheets.map { $0.train.cascades[0] }
        let tangent: [Double]
        if let exact { tangent = exact } else { tangent = try linearization.tangent(stencil, cascades: cascades) }
        var values: [[Double]] = []
        for (k, f) in sheets.enumerated() {
            let r = try linearization.linearizedResult(cascade: cascades[k], offset: stencil.offsets[k], tangent: tangent)
            let report = RunReport(flowsheet: f, fileName: fileName, result: TrainResult(singleCascade: f.train, result: r))
            values.append(outputs(report).map(\.nominal))
        }
        return values[0].indices.map { o in stencil.apply(values.map { $0[o] }) }
    }
}
