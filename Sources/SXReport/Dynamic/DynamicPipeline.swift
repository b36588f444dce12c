import Foundation
import SXFlowsheet
import SXModel
import SXNumerics

/// What `sxsim dynamic` is asked to do (everything but the file).
public struct DynamicSettings: Sendable {
    public enum Start: String, Sendable, CaseIterable {
        /// Every stage filled with fresh organic and rare-earth-free aqueous.
        case solvent
        /// Every stage's aqueous filled with the feed liquor, its organic in equilibrium with it
        /// (the start-up under Xu's always fully loaded organic; `DynamicStart.feedFilled`).
        case feed
        /// The steady state of the flowsheet as written (before any event): an upset.
        case steady
    }

    public var start: Start = .solvent
    /// End time, h.
    public var until: Double = 100
    /// Closeness to the steady state that ends the run early (`stopAtSteadyState`) and that the
    /// settling times use (oxide purity, absolute fraction).
    public var tolerance: Double = 1e-6
    /// Stop once every product is within `tolerance` of the final steady state.
    public var stopAtSteadyState = false
    /// Integrator tolerances (relative; absolute in mol/L).
    public var relativeTolerance = 1e-4
    public var absoluteTolerance = 1e-8
    /// Residence time per phase per stage, h, for sections without `holdup` (V = flow × τ).
    public var defaultResidenceTime: Double?

    public init() {}
}

/// The `dynamic` command's outputs, produced in-process like `Pipeline.run`'s.
public struct DynamicPipelineOutput: Sendable {
    public var status: RunStatus
    public var standardOutput: String
    public var standardError: String
    public var report: DynamicReport?
}

/// Output formats of `sxsim dynamic`.
public enum DynamicFormat: String, Sendable, CaseIterable {
    case text, csv, json
}

extension Pipeline {
    /// Parses, simulates in time and reports (docs/dynamic.md). `progress` receives (t, end) in h.
    public static func dynamic(text: String, fileName: String, overrides: [Override] = [], settings: DynamicSettings,
                               format: DynamicFormat = .text, progress: (@Sendable (Double, Double) -> Void)? = nil) -> DynamicPipelineOutput {
        let parsed = FlowsheetParser.parse(text: text, fileName: fileName, overrides: overrides)
        let stderr = render(parsed.diagnostics)
        guard let flowsheet = parsed.flowsheet else {
            return DynamicPipelineOutput(status: .inputError, standardOutput: "", standardError: stderr + summaryLine(parsed.diagnostics), report: nil)
        }
        func inputError(_ found: [Diagnostic]) -> DynamicPipelineOutput {
            DynamicPipelineOutput(status: .inputError, standardOutput: "", standardError: stderr + render(found) + summaryLine(found), report: nil)
        }
        /// A specification error as located diagnostics (`CascadeSpecificationError.diagnostics`).
        func specificationError(_ error: CascadeSpecificationError, cascade: String) -> DynamicPipelineOutput {
            inputError(error.diagnostics(cascade: cascade, at: flowsheet.locations(ofCascade: cascade, fileName: fileName)))
        }
        let origin = TextLocation(file: fileName, line: 1, column: 1)
        guard flowsheet.train.cascades.count == 1, let cascade = flowsheet.train.cascades.first else {
            return inputError([Diagnostic(.cascadeSpecification, "sxsim dynamic simulates one cascade; this flowsheet has \(flowsheet.train.cascades.count) (linked trains are not simulated in time yet)",
                                          at: flowsheet.cascadeLocations[flowsheet.train.cascades.dropFirst().first?.name ?? ""] ?? origin)])
        }
        let network: CascadeNetwork
        do { network = try CascadeNetwork(cascade) } catch { return specificationError(error, cascade: cascade.name) }
        // Holdups: each section's own, else the residence time given on the command line.
        var missing: [Diagnostic] = []
        var aqueous = [Double](repeating: 0, count: network.stageCount), organic = aqueous
        var holdupText: [String] = []
        for (k, section) in cascade.sections.enumerated() {
            let key = "\(cascade.name)/\(section.name)"
            let range = cascade.sectionStageRanges[k]
            if let h = flowsheet.sectionHoldups[key] {
                for s in range {
                    (aqueous[s - 1], organic[s - 1]) = h.phaseVolumes(aqueousFlow: network.aqueousFlow[s - 1], organicFlow: network.organicFlow[s - 1])
                }
                holdupText.append("\(section.name): mixer \(format6(h.mixer)) L, settler aqueous \(format6(h.aqueousSettler)) L, organic \(format6(h.organicSettler)) L per stage")
            } else if let tau = settings.defaultResidenceTime {
                for s in range { aqueous[s - 1] = network.aqueousFlow[s - 1] * tau; organic[s - 1] = network.organicFlow[s - 1] * tau }
                holdupText.append("\(section.name): \(format6(tau)) h residence time per phase (--residence-time)")
            } else {
                missing.append(Diagnostic(.missingKey, "section '\(section.name)' of cascade '\(cascade.name)' has no holdup; sxsim dynamic needs the liquid each stage holds",
                                          at: flowsheet.sectionLocations[key] ?? origin,
                                          help: "add holdup: {mixer: 20 L, aqueous: 30 L, organic: 30 L} to the section, or give --residence-time"))
            }
        }
        if !missing.isEmpty { return inputError(missing) }
        let holdups = StageHoldups(aqueous: aqueous, organic: organic)
        let events = flowsheet.events.filter { $0.cascade == cascade.name }.map(\.event)

        var start = settings.start == .feed ? DynamicStart.feedFilled : DynamicStart.solventFilled
        if settings.start == .steady {
            let steady: CascadeResult
            do { steady = try CascadeSolver.solve(cascade, options: flowsheet.solveOptions) } catch {
                return specificationError(error, cascade: cascade.name)
            }
            guard steady.outcome.isConverged else {
                return DynamicPipelineOutput(status: .notConverged, standardOutput: "",
                                             standardError: stderr + "\(fileName): no steady state to start from: \(steady.outcome.explanation)\n", report: nil)
            }
            start = .steady(steady)
        }
        var options = DynamicOptions()
        options.until = settings.until
        options.steadyTolerance = settings.tolerance
        options.stopAtSteadyState = settings.stopAtSteadyState
        options.solveSteadyState = true
        options.integrator.relativeTolerance = settings.relativeTolerance
        options.integrator.absoluteTolerance = settings.absoluteTolerance
        options.progress = progress
        let result: DynamicResult
        do {
            result = try DynamicSimulation.run(cascade, holdups: holdups, start: start, events: events, options: options)
        } catch {
            return specificationError(error, cascade: cascade.name)
        }
        let report = DynamicReport(flowsheet: flowsheet, fileName: fileName, settings: settings, holdups: holdupText, result: result)
        var errors = stderr
        var status = RunStatus.ok
        if case .failed(let t, let reason) = result.outcome {
            status = .notConverged
            errors += "\(fileName): the integration stopped at t = \(format6(t)) h: \(reason)\n"
        }
        return DynamicPipelineOutput(status: status, standardOutput: report.rendered(format), standardError: errors, report: report)
    }
}

/// Six significant digits, the precision of the dynamic text report.
func format6(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "n/a" }
