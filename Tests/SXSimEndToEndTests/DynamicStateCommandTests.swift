import Foundation
import Testing
import SXFlowsheet
import SXModel
import SXReport

/// `sxsim dynamic --save-state` and `--start-from` (docs/dynamic.md §4): the state file's round
/// trip, starts from a state and from a run report, and every refusal with its diagnostic and
/// exit status. In-process (`Pipeline.dynamic`) except the file errors, which only the
/// executable has.
struct DynamicStateCommandTests {
    /// Mass action without a saponifying cation, 28 stages: acid capacity and extractant are
    /// carried in the state besides the metals.
    static let massAction = "Flowsheets/ndsm-mass-action.yaml"
    /// Constant D, 10 stages.
    static let constantD = "Flowsheets/fractional-extraction.yaml"

    static func settings(until: Double, from source: (text: String, fileName: String)? = nil) -> DynamicSettings {
        var s = DynamicSettings()
        s.until = until
        s.defaultResidenceTime = 0.5
        s.saveState = true
        s.startFrom = source
        return s
    }

    static func cascade(_ path: String) throws -> Cascade {
        try #require(FlowsheetParser.parse(text: try Repository.text(path), fileName: path).flowsheet).train.cascades[0]
    }

    /// The saved document of a run of `path` to `until` h, and the run's own final state.
    static func saved(_ path: String, until: Double) throws -> (document: String, state: DynamicState) {
        let out = Pipeline.dynamic(text: try Repository.text(path), fileName: path, settings: settings(until: until))
        #expect(out.status == .ok, "\(out.standardError)")
        return (try #require(out.savedState), try #require(out.report?.result.finalState))
    }

    static func bits(_ v: [Double]) -> [UInt64] { v.map(\.bitPattern) }

    /// (c) save → load reproduces the state bit for bit (unknowns, mixed species, time, organic),
    /// and writing the loaded state again gives the same document.
    @Test func savedStateRoundTripsBitForBit() throws {
        for path in [Self.massAction, Self.constantD] {
            let (document, state) = try Self.saved(path, until: 3)
            let cascade = try Self.cascade(path)
            let (read, problems) = DynamicStateFile.read(text: document, fileName: "state.json", cascade: cascade, expected: state.layout)
            #expect(problems.isEmpty, "\(problems)")
            let loaded = try #require(read)
            #expect(Self.bits(loaded.unknowns) == Self.bits(state.unknowns))
            #expect(loaded.time.bitPattern == state.time.bitPattern)
            let m = try #require(state.mixed), l = try #require(loaded.mixed)
            #expect(Self.bits(l.acidCapacity + l.sulfate + l.extractant) == Self.bits(m.acidCapacity + m.sulfate + m.extractant))
            #expect(loaded.organic.map { Self.bits($0.flatMap { $0 }) } == state.organic.map { Self.bits($0.flatMap { $0 }) })
            let again = DynamicStateFile.json(loaded, cascade: cascade, flowsheetName: try #require(FlowsheetParser.parse(text: try Repository.text(path), fileName: path).flowsheet).name,
                                              flowsheetFile: path, outcome: .completed).rendered() + "\n"
            #expect(again == document)
        }
        // A state saved from a failed run says so (it is the last accepted step, not a steady state).
        let (_, state) = try Self.saved(Self.constantD, until: 1)
        let failed = DynamicStateFile.json(state, cascade: try Self.cascade(Self.constantD), flowsheetName: "f", flowsheetFile: "f.yaml",
                                           outcome: .failed(time: 1, reason: "the time step fell below 1e-12 h"))
        #expect(failed["run"] == .object([("status", .string("failed")), ("failedAt_h", .number(1)), ("reason", .string("the time step fell below 1e-12 h"))]))
    }

    /// The largest |a − b| over the outlets and elements, relative to the outlet's rare earth in
    /// `b` plus 100 × the absolute tolerance (1e-8 mol/L, the command's default): a concentration
    /// below that tolerance is not controlled by the error test (at 12 h the Sm product holds
    /// 2e-11 mol/L of Sm, whose two runs differ by 0.1 %).
    static func offRun(_ a: [OutletStream], _ b: [OutletStream]) -> Double {
        var worst = 0.0
        for (o, r) in zip(a, b) {
            let scale = r.concentrations.reduce(0, +) + 100 * DynamicSettings().absoluteTolerance
            for (x, y) in zip(o.concentrations, r.concentrations) { worst = max(worst, abs(x - y) / scale) }
        }
        return worst
    }

    /// (a) through the command: 0 → 12 h in one run against 0 → 6 h, saved, then 6 → 12 h from
    /// the file; the outlets at 12 h agree to the integrator's accuracy (`offRun`; rtol 1e-4, the
    /// command's default: measured 1.5e-5, asserted 1e-4) and both legs conserve. Not bit for
    /// bit: the resumed run restarts the BDF history at order 1.
    @Test func resumedCommandAgreesWithTheUninterruptedOne() throws {
        let path = Self.massAction, text = try Repository.text(path)
        let whole = try #require(Pipeline.dynamic(text: text, fileName: path, settings: Self.settings(until: 12)).report?.result)
        let (document, _) = try Self.saved(path, until: 6)
        let out = Pipeline.dynamic(text: text, fileName: path, settings: Self.settings(until: 12, from: (document, "state.json")))
        #expect(out.status == .ok, "\(out.standardError)")
        let resumed = try #require(out.report?.result)
        #expect(resumed.samples.first?.time == 6)
        #expect(out.standardOutput.contains("Start: the state saved in state.json at 6 h"), "\(out.standardOutput.prefix(300))")
        let off = Self.offRun(resumed.samples.last!.outlets, whole.samples.last!.outlets)
        print("resumed at 6 h: at 12 h off the uninterrupted run by \(off)")
        #expect(off <= 1e-4, "off the uninterrupted run by \(off)")
        #expect(resumed.conservationError <= 1e-10 && whole.conservationError <= 1e-10)
    }

    /// (b) From a converged `sxsim run --format json --profiles` report the outlets stay at the
    /// steady state: equal to `--start steady`'s to 1e-8 (relative to the outlet's rare earth).
    /// And the report's unknowns are the solve's, bit for bit.
    @Test func runReportStartEqualsSteadyStart() throws {
        for path in [Self.massAction, Self.constantD] {
            let text = try Repository.text(path)
            let report = Pipeline.run(text: text, fileName: path, format: .json, options: ReportOptions(profiles: true), measureTime: false)
            #expect(report.status == .ok)
            var steadySettings = Self.settings(until: 50)
            steadySettings.start = .steady
            let steady = try #require(Pipeline.dynamic(text: text, fileName: path, settings: steadySettings).report?.result)
            let out = Pipeline.dynamic(text: text, fileName: path, settings: Self.settings(until: 50, from: (report.standardOutput, "run.json")))
            #expect(out.status == .ok, "\(out.standardError)")
            let fromRun = try #require(out.report?.result)
            #expect(fromRun.samples.first?.time == 0)
            for r in [fromRun, steady] {
                let off = DynamicSimulation.distance(r.samples.last!.outlets, try #require(r.steadyOutlets))
                #expect(off <= 1e-8, "\(path): off the steady state by \(off)")
            }
            #expect(DynamicSimulation.distance(fromRun.samples.last!.outlets, steady.samples.last!.outlets) <= 1e-8)
            #expect(out.standardOutput.contains("Start: the steady state in the run report run.json"))
            let solved = try CascadeSolver.solve(try Self.cascade(path))
            let unknowns = try #require(solved.stageUnknowns)
            let (read, _) = DynamicStateFile.read(text: report.standardOutput, fileName: "run.json", cascade: try Self.cascade(path), expected: unknowns.layout)
            #expect(try Self.bits(#require(read).unknowns) == Self.bits(unknowns.unknowns))
        }
    }

    /// The document with `old` replaced by `new` (once; the test fails when `old` is absent).
    static func edited(_ document: String, _ old: String, _ new: String) -> String {
        #expect(document.contains(old), "no '\(old)' in the document")
        guard let r = document.range(of: old) else { return document }
        return document.replacingCharacters(in: r, with: new)
    }

    /// The line of `needle`'s first occurrence (1-based).
    static func line(of needle: String, in text: String) -> Int {
        (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) } ?? -1) + 1
    }

    /// (d) Every bad state file: its diagnostic id, message and location, exit status 2, and
    /// several problems reported together.
    @Test func badStateFilesAreLocated() throws {
        let path = Self.massAction, text = try Repository.text(path)
        let (document, _) = try Self.saved(path, until: 1)
        func start(_ state: String, until: Double = 5) -> DynamicPipelineOutput {
            Pipeline.dynamic(text: text, fileName: path, settings: Self.settings(until: until, from: (state, "state.json")))
        }
        func expectError(_ out: DynamicPipelineOutput, _ pieces: [String], sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(out.status == .inputError, sourceLocation: sourceLocation)
            #expect(out.status.exitCode == 2, sourceLocation: sourceLocation)
            #expect(out.report == nil && out.savedState == nil, sourceLocation: sourceLocation)
            for p in pieces { #expect(out.standardError.contains(p), "missing '\(p)' in:\n\(out.standardError)", sourceLocation: sourceLocation) }
        }
        // Not JSON (SX601): located at the offending character.
        expectError(start("{\n  \"format\": sxsim\n}"), ["state.json:2:13: error[SX601]: not JSON"])
        // Another format, another version (SX602).
        let format = Self.edited(document, "\"sxsim-dynamic-state\"", "\"sxsim-dynamic\"")
        expectError(start(format), ["state.json:2:13: error[SX602]: format: 'sxsim-dynamic' is neither a saved state nor a run report"])
        let version = Self.edited(document, "\"formatVersion\": 1", "\"formatVersion\": 2")
        expectError(start(version), ["state.json:3:20: error[SX602]: formatVersion: version 2 of 'sxsim-dynamic-state' is not read by this sxsim (it reads version 1)"])
        // A negative concentration and a null logarithm, found together (SX604), each located.
        var bad = Self.edited(document, "\"acidCapacity_mol_per_L\": ", "\"acidCapacity_mol_per_L\": -")
        let lnLine = Self.line(of: "\"x(Nd)\": ", in: bad)
        let lnValue = try #require(bad.range(of: #""x\(Nd\)": -?[0-9.e+-]+"#, options: .regularExpression))
        bad.replaceSubrange(lnValue, with: "\"x(Nd)\": null")
        let negativeLine = Self.line(of: "\"acidCapacity_mol_per_L\": -", in: bad)
        let out = start(bad)
        expectError(out, ["state.json:\(lnLine):", "error[SX604]: stages[0].unknowns_ln_mol_per_L.x(Nd): must be a finite number (ln mol/L), got null",
                          "state.json:\(negativeLine):", "error[SX604]: stages[0].acidCapacity_mol_per_L: must be a finite concentration, not negative",
                          "2 errors"])
        // A concentration that disagrees with its logarithm (SX604).
        let disagree = Self.edited(document, "\"aqueous_mol_per_L\": {\n        \"Nd\": ", "\"aqueous_mol_per_L\": {\n        \"Nd\": 7")
        expectError(start(disagree), ["error[SX604]: stages[0].aqueous_mol_per_L.Nd: ", "disagrees with its logarithm"])
        // A missing key (SX602).
        expectError(start(Self.edited(document, "\"time_h\"", "\"time\"")), ["error[SX602]: time_h: missing (a time in h is needed)"])
        // A state of another flowsheet (SX603): every difference, each side, where it came from.
        let (other, _) = try Self.saved(Self.constantD, until: 1)
        expectError(start(other), ["state.json:14:15: error[SX603]: layout.stages: the state has 10 stages, the flowsheet's cascade 'ndsm' has 28",
                                   "error[SX603]: layout.sections: the state's sections are extraction 6 (constant-D), scrub 4 (constant-D), the flowsheet's cascade 'ndsm' has extraction 12 (mass-action), scrub 12 (mass-action), strip 4 (mass-action)",
                                   "error[SX603]: layout.elements: the state has unknowns for Pr, Nd, the flowsheet's cascade 'ndsm' for the elements it is fed, Nd, Sm",
                                   "error[SX603]: layout.exchangesAcid: the flowsheet's cascade 'ndsm' carries free extractant and acidity per stage",
                                   "help: the state was saved from Flowsheets/fractional-extraction.yaml; start it with that flowsheet", "4 errors"])
        // An end time not after the state's.
        let early = start(document, until: 1)
        #expect(early.status == .inputError)
        #expect(early.standardError.contains("state.json: the state is at t = 1 h; the run resumes there, so --until (1 h) must be later"), "\(early.standardError)")
    }

    /// (d) Run reports: not converged (SX605), without profiles (SX602); trains refused (SX402).
    @Test func badRunReportsAndTrainsAreRefused() throws {
        let path = Self.constantD, text = try Repository.text(path)
        let report = Pipeline.run(text: text, fileName: path, format: .json, options: ReportOptions(profiles: true), measureTime: false).standardOutput
        func start(_ state: String) -> DynamicPipelineOutput {
            Pipeline.dynamic(text: text, fileName: path, settings: Self.settings(until: 5, from: (state, "run.json")))
        }
        // A report whose solve did not converge (the flag edited: the reader's check, not a solver failure).
        let failed = start(Self.edited(report, "\"converged\": true", "\"converged\": false"))
        #expect(failed.status == .inputError)
        #expect(failed.standardError.contains("error[SX605]: outcome: the run did not converge"), "\(failed.standardError)")
        let plain = Pipeline.run(text: text, fileName: path, format: .json, measureTime: false).standardOutput
        let bare = start(plain)
        #expect(bare.standardError.contains("error[SX602]: profiles: the run report has no stage profiles"), "\(bare.standardError)")
        #expect(bare.standardError.contains("help: write it with sxsim run --format json --profiles"))
        // A train: refused, located at its first cascade.
        let train = "Flowsheets/recycle-polish.yaml"
        var settings = Self.settings(until: 5)
        settings.saveState = true
        let refused = Pipeline.dynamic(text: try Repository.text(train), fileName: train, settings: settings)
        #expect(refused.status == .inputError)
        #expect(refused.standardError.contains("error[SX402]: --start-from and --save-state are built for one cascade"), "\(refused.standardError)")
    }

    /// The executable: an unreadable state file (66), a state file that exists without --force
    /// (73, checked before simulating), --start with --start-from (64); a saved state resumed
    /// and saved over itself with --force.
    @Test func fileErrorsAndExitCodes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sxsim-state-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let flowsheet = Repository.flowsheets.appendingPathComponent("fractional-extraction.yaml").path
        let state = directory.appendingPathComponent("state.json").path
        func sxsim(_ arguments: [String]) throws -> (status: Int32, errors: String) {
            let process = Process()
            process.executableURL = try InterruptedWriteTests.executable()
            process.arguments = ["dynamic", flowsheet, "--residence-time", "0.5h", "-q"] + arguments
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, said)
        }
        let missing = try sxsim(["--start-from", directory.appendingPathComponent("absent.json").path])
        #expect(missing.status == 66)
        #expect(missing.errors.contains("cannot read"), "\(missing.errors)")
        #expect(try sxsim(["--until", "1h", "--save-state", state]).status == 0)
        let exists = try sxsim(["--until", "1h", "--save-state", state])
        #expect(exists.status == 73)
        #expect(exists.errors.contains("it exists; pass --force to replace it"), "\(exists.errors)")
        #expect(try sxsim(["--until", "2h", "--save-state", state, "--force", "--start-from", state]).status == 0)
        let saved = try String(contentsOfFile: state, encoding: .utf8)
        #expect(saved.contains("\"time_h\": 2,"))
        #expect(try sxsim(["--start", "steady", "--start-from", state]).status == 64)
    }
}
