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
    /// A start read from a file (`--start-from`; replaces `start`): a saved state
    /// (`DynamicStateFile`) or a converged run report, its text and its name for the diagnostics.
    public var startFrom: (text: String, fileName: String)?
    /// Also render the state at the end of the run (`DynamicPipelineOutput.savedState`, `--save-state`).
    public var saveState = false
    /// What the report says the run started from when `startFrom` is set (filled in by the pipeline).
    public var startDescription: String?

    public init() {}
}

/// The `dynamic` command's outputs, produced in-process like `Pipeline.run`'s.
public struct DynamicPipelineOutput: Sendable {
    public var status: RunStatus
    public var standardOutput: String
    public var standardError: String
    public var report: DynamicReport?
    /// The state document at the end of the run (`DynamicSettings.saveState`), nil otherwise or
    /// when the run did not get as far as the integration.
    public var savedState: String?
}

/// Output formats of `sxsim dynamic`.
public enum DynamicFormat: String, Sendable, CaseIterable {
    case text, csv, json
}

extension Pipeline {
    /// Parses, simulates in time and reports (docs/dynamic.md). `progress` receives (t, end) in h.
    /// `events`, a separate events file (`--events`), adds its events to the flowsheet's.
    public static func dynamic(text: String, fileName: String, overrides: [Override] = [], events: EventsDocument? = nil, settings: DynamicSettings,
                               format: DynamicFormat = .text, progress: (@Sendable (Double, Double) -> Void)? = nil) -> DynamicPipelineOutput {
        let parsed = FlowsheetParser.parse(text: text, fileName: fileName, overrides: overrides, events: events)
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
        if flowsheet.train.cascades.count > 1 {
            if settings.startFrom != nil || settings.saveState {
                let train = flowsheet.train
                return inputError([Diagnostic(.cascadeSpecification, "--start-from and --save-state are built for one cascade; this flowsheet is a train of \(train.cascades.count) cascades (\(train.cascades.map(\.name).joined(separator: ", ")))",
                                              at: flowsheet.cascadeLocations[train.cascades[0].name] ?? TextLocation(file: fileName, line: 1, column: 1),
                                              help: "start the train solvent-filled or from its steady state (--start steady), and simulate it in one run")])
            }
            return dynamicTrain(flowsheet: flowsheet, fileName: fileName, settings: settings, format: format, progress: progress,
                                stderr: stderr, inputError: inputError)
        }
        let cascade = flowsheet.train.cascades[0]
        let network: CascadeNetwork
        do { network = try CascadeNetwork(cascade) } catch { return specificationError(error, cascade: cascade.name) }
        let (holdups, holdupText, missing) = stageHoldups(flowsheet: flowsheet, fileName: fileName, cascade: cascade, network: network, settings: settings)
        if !missing.isEmpty { return inputError(missing) }
        let events = flowsheet.events.filter { $0.cascade == cascade.name }.map(\.event)

        var start = settings.start == .feed ? DynamicStart.feedFilled : DynamicStart.solventFilled
        var settings = settings
        if let source = settings.startFrom {
            let (state, problems) = DynamicStateFile.read(text: source.text, fileName: source.fileName, cascade: cascade,
                                                          expected: expectedLayout(cascade, network: network))
            guard let state else { return inputError(problems) }
            if !(settings.until > state.time) {
                return DynamicPipelineOutput(status: .inputError, standardOutput: "",
                                             standardError: stderr + "\(source.fileName): the state is at t = \(format6(state.time)) h; the run resumes there, so --until (\(format6(settings.until)) h) must be later\n", report: nil)
            }
            start = .state(state)
            settings.startDescription = state.mixed == nil
                ? "the steady state in the run report \(source.fileName)"
                : "the state saved in \(source.fileName) at \(format6(state.time)) h (events before that time taken as applied)"
        } else if settings.start == .steady {
            let steady: CascadeResult
            do { steady = try CascadeSolver.solve(cascade, options: flowsheet.solveOptions) } catch {
                return specificationError(error, cascade: cascade.name)
            }
            guard steady.outcome.isConverged else { return noSteadyState(fileName, stderr, "", steady.outcome.explanation) }
            start = .steady(steady)
        }
        let result: DynamicResult
        do {
            result = try DynamicSimulation.run(cascade, holdups: holdups, start: start, events: events, options: dynamicOptions(settings, progress: progress))
        } catch {
            return specificationError(error, cascade: cascade.name)
        }
        var output = dynamicOutput(flowsheet: flowsheet, fileName: fileName, settings: settings, format: format, holdups: holdupText, result: result, stderr: stderr)
        if settings.saveState, let state = result.finalState {
            output.savedState = DynamicStateFile.json(state, cascade: cascade, flowsheetName: flowsheet.name, flowsheetFile: fileName,
                                                      outcome: result.outcome).rendered() + "\n"
        }
        return output
    }

    /// The layout of the unknowns a simulation of `cascade` has: the elements its feeds carry
    /// (as written, before any event), the model's extra unknowns.
    static func expectedLayout(_ cascade: Cascade, network: CascadeNetwork) -> DynamicState.Layout {
        let fed = cascade.elements.indices.filter { j in
            cascade.aqueousFeeds.contains { $0.concentrations[j] > 0 } || cascade.organicFeeds.contains { $0.concentrations[j] > 0 }
        }
        return DynamicState.Layout(elements: fed.map { cascade.elements[$0] }, stageCount: network.stageCount,
                                   exchangesAcid: network.exchangesAcid, hasCation: network.hasCation)
    }

    /// `--start steady` without a converged steady state: exit status 3 and why.
    static func noSteadyState(_ fileName: String, _ stderr: String, _ what: String, _ explanation: String) -> DynamicPipelineOutput {
        DynamicPipelineOutput(status: .notConverged, standardOutput: "",
                              standardError: stderr + "\(fileName): no steady state\(what) to start from: \(explanation)\n", report: nil)
    }

    /// The simulation's options from the command's settings.
    static func dynamicOptions(_ settings: DynamicSettings, progress: (@Sendable (Double, Double) -> Void)?) -> DynamicOptions {
        var options = DynamicOptions()
        options.until = settings.until
        options.steadyTolerance = settings.tolerance
        options.stopAtSteadyState = settings.stopAtSteadyState
        options.solveSteadyState = true
        options.integrator.relativeTolerance = settings.relativeTolerance
        options.integrator.absoluteTolerance = settings.absoluteTolerance
        options.progress = progress
        return options
    }

    /// The report of a finished (or failed) run, and its exit status.
    static func dynamicOutput(flowsheet: Flowsheet, fileName: String, settings: DynamicSettings, format: DynamicFormat, holdups: [String],
                              result: DynamicResult, stderr: String) -> DynamicPipelineOutput {
        let report = DynamicReport(flowsheet: flowsheet, fileName: fileName, settings: settings, holdups: holdups, result: result)
        var errors = stderr
        var status = RunStatus.ok
        if case .failed(let t, let reason) = result.outcome {
            status = .notConverged
            errors += "\(fileName): the integration stopped at t = \(format6(t)) h: \(reason)\n"
        }
        return DynamicPipelineOutput(status: status, standardOutput: report.rendered(format), standardError: errors, report: report)
    }

    /// The holdups of `cascade`'s stages: each section's own, else the residence time given on
    /// the command line (V = flow × τ); a line per section for the report; the sections
    /// without either, as diagnostics.
    static func stageHoldups(flowsheet: Flowsheet, fileName: String, cascade: Cascade, network: CascadeNetwork,
                             settings: DynamicSettings) -> (StageHoldups, [String], [Diagnostic]) {
        let origin = TextLocation(file: fileName, line: 1, column: 1)
        let prefix = flowsheet.train.cascades.count > 1 ? "\(cascade.name)." : ""
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
                holdupText.append("\(prefix)\(section.name): mixer \(format6(h.mixer)) L, settler aqueous \(format6(h.aqueousSettler)) L, organic \(format6(h.organicSettler)) L per stage")
            } else if let tau = settings.defaultResidenceTime {
                for s in range { aqueous[s - 1] = network.aqueousFlow[s - 1] * tau; organic[s - 1] = network.organicFlow[s - 1] * tau }
                holdupText.append("\(prefix)\(section.name): \(format6(tau)) h residence time per phase (--residence-time)")
            } else {
                missing.append(Diagnostic(.missingKey, "section '\(section.name)' of cascade '\(cascade.name)' has no holdup; sxsim dynamic needs the liquid each stage holds",
                                          at: flowsheet.sectionLocations[key] ?? origin,
                                          help: "add holdup: {mixer: 20 L, aqueous: 30 L, organic: 30 L} to the section, or give --residence-time"))
            }
        }
        return (StageHoldups(aqueous: aqueous, organic: organic), holdupText, missing)
    }

    /// `sxsim dynamic` of a train of linked cascades (docs/dynamic.md §8): one run over the
    /// whole train (`DynamicTrainSimulation`).
    static func dynamicTrain(flowsheet: Flowsheet, fileName: String, settings: DynamicSettings, format: DynamicFormat,
                             progress: (@Sendable (Double, Double) -> Void)?, stderr: String,
                             inputError: ([Diagnostic]) -> DynamicPipelineOutput) -> DynamicPipelineOutput {
        let train = flowsheet.train
        func trainError(_ error: TrainSpecificationError) -> DynamicPipelineOutput {
            inputError(error.error.diagnostics(cascade: error.cascade, at: flowsheet.locations(ofCascade: error.cascade, fileName: fileName)))
        }
        let linked: [Cascade]
        do { linked = try DynamicTrainSimulation.linkedCascades(train) } catch { return trainError(error) }
        var holdups: [StageHoldups] = [], holdupText: [String] = [], missing: [Diagnostic] = []
        for cascade in linked {
            let network: CascadeNetwork
            do { network = try CascadeNetwork(cascade) } catch { return trainError(TrainSpecificationError(cascade: cascade.name, error: error)) }
            let (h, text, absent) = stageHoldups(flowsheet: flowsheet, fileName: fileName, cascade: cascade, network: network, settings: settings)
            holdups.append(h); holdupText += text; missing += absent
        }
        if !missing.isEmpty { return inputError(missing) }
        let events = flowsheet.events.compactMap { e in train.cascades.firstIndex { $0.name == e.cascade }.map { (cascade: $0, event: e.event) } }
        var start = DynamicTrainStart.solventFilled
        switch settings.start {
        case .solvent: break
        case .feed:
            return inputError([Diagnostic(.cascadeSpecification, "--start feed is built for one cascade; a train of \(train.cascades.count) cascades starts solvent-filled or from its steady state (--start steady)",
                                          at: flowsheet.cascadeLocations[train.cascades[0].name] ?? TextLocation(file: fileName, line: 1, column: 1))])
        case .steady:
            let steady: TrainResult
            do { steady = try TrainSolver.solve(train, options: flowsheet.solveOptions) } catch { return trainError(error) }
            guard steady.outcome.isConverged else { return noSteadyState(fileName, stderr, " of the train", steady.outcome.explanation) }
            start = .steady(steady)
        }
        let result: DynamicResult
        do {
            result = try DynamicTrainSimulation.run(train, holdups: holdups, start: start, events: events, options: dynamicOptions(settings, progress: progress))
        } catch {
            return trainError(error)
        }
        return dynamicOutput(flowsheet: flowsheet, fileName: fileName, settings: settings, format: format, holdups: holdupText, result: result, stderr: stderr)
    }
}

/// Six significant digits, the precision of the dynamic text report.
func format6(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "n/a" }
