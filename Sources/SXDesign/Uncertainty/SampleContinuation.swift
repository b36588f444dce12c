import Foundation
import SXFlowsheet
import SXModel

/// Solves the samples of an uncertainty study from the nominal steady state
/// (docs/uncertainty.md, "Solving"):
///
/// 1. Newton from the first-order prediction of the sample's state (`TangentPredictor`), for
///    at most `SolveOptions.warmStartIterations`;
/// 2. when that fails, natural-parameter continuation along the path
///    p_k(t) = p_k,0 · (p_k / p_k,0)^t, t from 0 (the nominal flowsheet) to 1 (the sample),
///    every varied value moved together in ln: each point is a warm-only Newton solve seeded by
///    the secant through the last two converged points (the tangent prediction for the first
///    point); the step in t starts at `firstStep`, doubles after a success and halves after a
///    failure, down to `smallestStep`;
/// 3. when the path breaks off, the full cold strategy chain on the sample's flowsheet, as
///    `sxsim run` would solve it.
///
/// Far from the nominal point of a pinched cascade (e.g. Nd/Pr separation factors a few per
/// cent off in `Flowsheets/prnd-split.yaml`) step 1 fails and the cold chain needs hundreds of
/// iterations where a few continuation points need tens. Every row is a pure function of its
/// sample and the nominal state, never of another sample, so results do not depend on threads
/// or shards. The returned result counts the Newton iterations of all three phases.
public struct SampleContinuation: Sendable {
    /// Most continuation points tried per sample (successful or not).
    public var maximumPoints = 16
    /// The first step in t, and the smallest before the path is given up.
    public var firstStep = 0.5
    public var smallestStep = 1.0 / 64
    /// Newton tolerance on ‖F‖∞ at the path's intermediate points, which only seed the next
    /// point: looser than a steady state's (1e-12), without polishing steps. The sample itself
    /// (t = 1) is solved to the flowsheet's own tolerance.
    public var intermediateTolerance = 1e-10

    /// The nominal flowsheet, read once (each continuation point re-reads it with overrides).
    let composed: ComposedFlowsheet
    let nominal: TrainResult
    let predictor: TangentPredictor?
    /// Each varied value as the nominal flowsheet writes it (nil: not written as a number).
    let nominalValues: [FlowsheetParser.NumericValue?]

    /// `nominal` must be the converged solution of the flowsheet `text` (`composed` is the same
    /// text read once); `keys` are the varied key paths in the order of every sample's
    /// assignments.
    public init(composed: ComposedFlowsheet, text: String, nominal: TrainResult, keys: [String], predictor: TangentPredictor?) {
        self.composed = composed
        self.nominal = nominal
        self.predictor = predictor
        nominalValues = keys.map { FlowsheetParser.numericValue(at: $0, in: text) }
    }

    /// Solves `flowsheet`, the flowsheet of `sample` (parsed with its assignments).
    public func solve(_ sample: SweepCase, flowsheet: Flowsheet) throws(TrainSpecificationError) -> TrainResult {
        var warmOnly = flowsheet.solveOptions
        warmOnly.coldChainAfterFailedWarmStart = false
        let direct = try TrainSolver.solve(flowsheet.train, options: warmOnly,
                                           startingFrom: predictor?.seed(for: sample, flowsheet: flowsheet) ?? nominal)
        if direct.outcome.isConverged { return direct }
        var spent = direct.totalIterations

        if let path = path(to: sample) {
            var last: (t: Double, result: TrainResult) = (0, nominal)
            var before: (t: Double, result: TrainResult)? = nil
            var step = firstStep
            var points = 0
            while points < maximumPoints && step >= smallestStep {
                points += 1
                let t = min(1, last.t + step)
                let point = path(t)
                guard let f = t == 1 ? flowsheet : parse(point) else { break }
                let secant = before.flatMap { b in last.result.extrapolated(awayFrom: b.result, by: (t - last.t) / (last.t - b.t)) }
                let seed = secant ?? predictor?.seed(for: point, flowsheet: f) ?? last.result
                var options = warmOnly
                if t < 1 {
                    options.newton.residualTolerance = max(options.newton.residualTolerance, intermediateTolerance)
                    options.newton.polishIterations = 0
                }
                let r = try TrainSolver.solve(f.train, options: options, startingFrom: seed)
                spent += r.totalIterations
                if r.outcome.isConverged {
                    if t == 1 { return r.counting(extraIterations: spent - r.totalIterations) }
                    before = last
                    last = (t, r)
                    step *= 2
                } else {
                    step /= 2
                }
            }
        }
        return try TrainSolver.solve(flowsheet.train, options: flowsheet.solveOptions).counting(extraIterations: spent)
    }

    /// The sample's assignments at path parameter t (t = 1: the sample's own values), or nil
    /// when some varied value cannot be interpolated in ln (not written as a positive number
    /// in the nominal flowsheet, or the sample's value in another unit).
    func path(to sample: SweepCase) -> ((Double) -> SweepCase)? {
        guard sample.assignments.count == nominalValues.count else { return nil }
        var ends: [(nominal: FlowsheetParser.NumericValue, logRatio: Double)] = []
        for (k, a) in sample.assignments.enumerated() {
            guard let p0 = nominalValues[k], let offset = TangentPredictor.logOffset(of: a.value, from: p0) else { return nil }
            ends.append((p0, offset))
        }
        return { t in
            SweepCase(number: sample.number, assignments: zip(sample.assignments, ends).map { a, e in
                (key: a.key, value: t == 1 ? a.value : e.nominal.scaled(by: exp(t * e.logRatio)))
            })
        }
    }

    func parse(_ point: SweepCase) -> Flowsheet? {
        composed.parse(overrides: point.assignments.map { (keyPath: $0.key, value: $0.value) }).flowsheet
    }
}
