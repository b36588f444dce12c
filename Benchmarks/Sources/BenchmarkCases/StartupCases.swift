import Foundation
import SXModel
import SXNumerics
import SXReport

/// The dynamic-simulation benchmarks of issue 11: a start-up from a solvent-filled cascade to
/// within `steadyTolerance` of the steady state (docs/dynamic.md §7).
///
/// - `prnd-mass-action/102`: `Flowsheets/prnd-mass-action.yaml` (40 + 50 + 12 stages, Pr|Nd,
///   mass action), the whole `sxsim dynamic` process (parse, simulate, solve the steady state,
///   report) through `Pipeline.dynamic`, with `--residence-time 0.6h --stop-at-steady-state`.
///   It stands in for `Flowsheets/prnd-split.yaml`, the same 102-stage geometry under Xu's
///   separation-factor model, which has no start-up (docs/dynamic.md §4).
/// - `mass-action/500x6`: the benchmark grid's standard cascade (`BenchmarkCase`, 500 stages,
///   6 elements, mass action, 20 % reflux), holdups V = flow × 0.5 h, through
///   `DynamicSimulation.run`.
public enum StartupCase: String, CaseIterable, Sendable {
    case prndMassAction102 = "prnd-mass-action/102"
    case massAction500x6 = "mass-action/500x6"

    /// Closeness to the steady state that ends the run (largest |c − c_ss| of an outlet over its total RE).
    public static let steadyTolerance = 1e-6
    /// Longest simulated time, h (the run stops earlier at the steady state).
    public static let horizon = 100_000.0

    /// What one run reports.
    public struct Outcome: Sendable {
        public var reachedSteadyState: Bool
        /// Simulated time at the end, h.
        public var simulatedTime: Double
        public var statistics: BDFStatistics?
        public var summary: String
    }

    /// The example flowsheet, read from the repository beside this package.
    static func flowsheetText(_ name: String) -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let url = root.appendingPathComponent("Flowsheets").appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { preconditionFailure("cannot read \(url.path)") }
        return text
    }

    /// One run, from reading the input to the report.
    @inline(never)
    public func run() -> Outcome {
        switch self {
        case .prndMassAction102:
            var settings = DynamicSettings()
            settings.defaultResidenceTime = 0.6
            settings.stopAtSteadyState = true
            settings.tolerance = Self.steadyTolerance
            settings.until = Self.horizon
            let out = Pipeline.dynamic(text: Self.flowsheetText("prnd-mass-action.yaml"), fileName: "prnd-mass-action.yaml",
                                       settings: settings, format: .text)
            let result = out.report?.result
            return Outcome(reachedSteadyState: result?.outcome == .reachedSteadyState,
                           simulatedTime: result?.samples.last?.time ?? 0, statistics: result?.statistics,
                           summary: "\(out.status)")
        case .massAction500x6:
            let cascade = BenchmarkCase(model: .massAction, stages: 500, elements: 6).cascade
            guard let network = try? CascadeNetwork(cascade) else { preconditionFailure("standard cascade rejected") }
            let residenceTime = 0.5
            let holdups = StageHoldups(aqueous: network.aqueousFlow.map { $0 * residenceTime },
                                       organic: network.organicFlow.map { $0 * residenceTime })
            var options = DynamicOptions()
            options.until = Self.horizon
            options.stopAtSteadyState = true
            options.steadyTolerance = Self.steadyTolerance
            do {
                let r = try DynamicSimulation.run(cascade, holdups: holdups, start: .solventFilled, options: options)
                return Outcome(reachedSteadyState: r.outcome == .reachedSteadyState, simulatedTime: r.samples.last?.time ?? 0,
                               statistics: r.statistics, summary: "\(r.outcome)")
            } catch {
                return Outcome(reachedSteadyState: false, simulatedTime: 0, statistics: nil, summary: "\(error)")
            }
        }
    }
}
