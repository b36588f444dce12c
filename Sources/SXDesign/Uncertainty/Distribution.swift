import Foundation
import SXFlowsheet

/// A probability distribution of one flowsheet value (`sxsim uncertainty --vary`,
/// docs/uncertainty.md), sampled through its quantile function.
public enum Distribution: Sendable, Equatable {
    /// Normal with mean μ and standard deviation σ > 0. Unbounded: a draw outside the value's
    /// valid range (a negative flow) gives that sample the outcome `input-error`.
    case normal(mean: Double, standardDeviation: Double)
    /// Lognormal: ln X is normal with mean ln(median) and standard deviation σ_ln > 0.
    case lognormal(median: Double, logStandardDeviation: Double)
    /// Uniform on [low, high], low < high.
    case uniform(low: Double, high: Double)
    /// Triangular on [low, high] with its peak at mode, low ≤ mode ≤ high, low < high.
    case triangular(low: Double, mode: Double, high: Double)

    /// The value below which a fraction `p` ∈ (0, 1) of the distribution lies.
    public func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "a quantile's probability lies in (0, 1)")
        switch self {
        case .normal(let mean, let sd): return mean + sd * StandardNormal.quantile(p)
        case .lognormal(let median, let sd): return median * exp(sd * StandardNormal.quantile(p))
        case .uniform(let low, let high): return low + (high - low) * p
        case .triangular(let low, let mode, let high):
            let split = (mode - low) / (high - low)
            return p < split ? low + ((high - low) * (mode - low) * p).squareRoot()
                             : high - ((high - low) * (high - mode) * (1 - p)).squareRoot()
        }
    }
}

/// The standard normal distribution's CDF and quantile.
public enum StandardNormal {
    /// Φ(z) = erfc(−z/√2)/2.
    public static func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// Φ⁻¹(p) for p ∈ (0, 1): Acklam's rational approximation (relative error below 1.2e-9)
    /// refined by one Halley step on Φ(z) − p with `erfc`, which brings it to a few ulps
    /// (checked in the tests against Φ).
    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "Φ⁻¹ needs p in (0, 1)")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var z: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            z = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            z = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            z = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        // Halley step: e = Φ(z) − p (upper tail through the complement, so no cancellation).
        let e = p > 0.5 ? (1 - p) - 0.5 * erfc(z / 2.0.squareRoot()) : cdf(z) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(z * z / 2)
        z -= u / (1 + z * u / 2)
        return z
    }
}

/// One uncertain flowsheet value: its key path, distribution and the unit its samples are
/// written in (`--vary "KEY=lognormal(1.5, 3 %)"`).
public struct UncertainParameter: Sendable, Equatable {
    public var key: String
    public var distribution: Distribution
    /// Unit text written after each sampled number ("L/h"; "" for a bare number).
    public var unit: String
    /// The specification as given, for messages and reports.
    public var specification: String

    /// The value text handed to the flowsheet for the distribution's quantile `p`.
    public func value(atQuantile p: Double) -> String { FlowsheetParser.text(distribution.quantile(p), unit: unit) }

    /// Parses `KEY=NAME(ARGS)`:
    /// - `normal(MEAN, SD)`, SD absolute or as `%` of MEAN;
    /// - `lognormal(MEDIAN, SD)`, SD the standard deviation of ln X, as a number or in `%`
    ///   (3 % is σ_ln = 0.03, about 3 % relative spread);
    /// - `uniform(LOW, HIGH)`; `triangular(LOW, MODE, HIGH)`.
    /// Values may carry a unit (`normal(100 L/h, 2 L/h)`), the same on every argument that
    /// has one; it is written after every sample.
    public static func parse(_ text: String) throws(SweepError) -> UncertainParameter {
        guard let eq = text.firstIndex(of: "=") else {
            throw SweepError("--vary '\(text)': expected KEY=DISTRIBUTION(...), e.g. equilibria.p507.separation-factors.Nd=lognormal(1.5, 3 %)")
        }
        let key = text[..<eq].trimmingCharacters(in: .whitespaces)
        let spec = text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { throw SweepError("--vary '\(text)': the key before '=' is empty") }
        guard let open = spec.firstIndex(of: "("), spec.hasSuffix(")") else {
            throw SweepError("--vary '\(text)': expected a distribution such as lognormal(1.5, 3 %), normal(100 L/h, 2 %), uniform(1.4, 1.6) or triangular(1.4, 1.5, 1.6) after '='")
        }
        let name = spec[..<open].trimmingCharacters(in: .whitespaces).lowercased()
        let inner = spec[spec.index(after: open)..<spec.index(before: spec.endIndex)]
        let arguments = inner.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let expected = ["normal": 2, "lognormal": 2, "uniform": 2, "triangular": 3]
        guard let count = expected[name] else {
            throw SweepError("--vary '\(text)': unknown distribution '\(name)'; use normal, lognormal, uniform or triangular")
        }
        guard arguments.count == count else {
            throw SweepError("--vary '\(text)': \(name) takes \(count) arguments, got \(arguments.count)")
        }
        var numbers: [Double] = [], percent: [Bool] = [], unit = ""
        for a in arguments {
            guard let (v, u) = Units.split(a).map({ ($0.number, $0.unit) }) else {
                throw SweepError("--vary '\(text)': '\(a)' is not a number (with an optional unit)")
            }
            if u == "%" { numbers.append(v); percent.append(true); continue }
            if !u.isEmpty {
                if !unit.isEmpty && unit != u { throw SweepError("--vary '\(text)': the arguments carry different units ('\(unit)', '\(u)'); give them all in one unit") }
                unit = u
            }
            numbers.append(v); percent.append(false)
        }
        let spreadOnly = name == "normal" || name == "lognormal"
        for k in numbers.indices where percent[k] && !(spreadOnly && k == 1) {
            throw SweepError("--vary '\(text)': '\(arguments[k])': only the spread of normal and lognormal may be given in %")
        }
        let distribution: Distribution
        switch name {
        case "normal":
            let sd = percent[1] ? numbers[0] * numbers[1] / 100 : numbers[1]
            guard sd > 0 else { throw SweepError("--vary '\(text)': the standard deviation must be > 0, got \(arguments[1])") }
            distribution = .normal(mean: numbers[0], standardDeviation: sd)
        case "lognormal":
            guard numbers[0] > 0 else { throw SweepError("--vary '\(text)': a lognormal's median must be > 0, got \(arguments[0])") }
            let sd = percent[1] ? numbers[1] / 100 : numbers[1]
            guard sd > 0 else { throw SweepError("--vary '\(text)': the standard deviation of ln must be > 0, got \(arguments[1])") }
            distribution = .lognormal(median: numbers[0], logStandardDeviation: sd)
        case "uniform":
            guard numbers[0] < numbers[1] else { throw SweepError("--vary '\(text)': uniform(LOW, HIGH) needs LOW < HIGH") }
            distribution = .uniform(low: numbers[0], high: numbers[1])
        default:
            guard numbers[0] < numbers[2], numbers[0] <= numbers[1], numbers[1] <= numbers[2] else {
                throw SweepError("--vary '\(text)': triangular(LOW, MODE, HIGH) needs LOW ≤ MODE ≤ HIGH and LOW < HIGH")
            }
            distribution = .triangular(low: numbers[0], mode: numbers[1], high: numbers[2])
        }
        return UncertainParameter(key: key, distribution: distribution, unit: unit, specification: String(spec))
    }
}
