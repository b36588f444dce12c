import Foundation

/// One axis of a plot: what it shows (label and unit), its scale and its range.
///
/// A logarithmic axis spans whole decades and puts a major tick on every decade (labels
/// thinned to at most `maximumLabels` when the span is wide) and minor ticks at 2…9 × 10ᵏ
/// when it spans few decades; a linear axis uses 1-2-2.5-5 × 10ᵏ steps. A log-odds axis
/// (fractions 0 < v < 1 placed at ln(v/(1 − v))) spreads both ends of a fraction, so that
/// 0.999 and 0.9999 are as far apart as 0.5 and 0.9; its ticks are 10⁻ᵏ, 0.5 and 1 − 10⁻ᵏ.
public struct Axis: Sendable, Equatable {
    public enum Scale: Sendable, Equatable { case linear, logarithmic, logOdds }

    public struct Tick: Sendable, Equatable {
        public var value: Double
        /// Nil for an unlabelled (thinned-out) major tick.
        public var label: String?
    }

    /// What the axis shows, e.g. "Concentration".
    public var label: String
    /// The unit of the values, e.g. "mol/L"; nil for a count or a dimensionless ratio
    /// (then say what the ratio is in `label`).
    public var unit: String?
    public var scale: Scale
    public var lower: Double
    public var upper: Double
    /// Linear axes only: ticks at whole numbers (stage numbers).
    public var integerTicks = false
    public var maximumLabels = 8

    public init(label: String, unit: String? = nil, scale: Scale = .linear, lower: Double, upper: Double, integerTicks: Bool = false) {
        precondition(upper > lower, "axis range must be increasing")
        precondition(scale == .linear || lower > 0, "a logarithmic axis needs a positive range")
        precondition(scale != .logOdds || upper < 1, "a log-odds axis needs a range inside (0, 1)")
        self.label = label
        self.unit = unit
        self.scale = scale
        self.lower = lower
        self.upper = upper
        self.integerTicks = integerTicks
    }

    /// An axis covering `values` (non-finite values, and on a log axis values ≤ 0 or below
    /// `floor`, are ignored), its ends rounded out to ticks: whole decades on a log axis.
    public static func fitting(_ values: [Double], label: String, unit: String? = nil, scale: Scale = .linear,
                               floor: Double = 0, includingZero: Bool = false, integerTicks: Bool = false) -> Axis {
        let usable = values.filter { $0.isFinite && (scale == .linear || ($0 > 0 && $0 >= floor)) && (scale != .logOdds || $0 < 1) }
        switch scale {
        case .logOdds:
            // Whole powers of ten from each end, at least 0.1 … 0.9, at most 1e-15 … 1 − 1e-15.
            let a = min(15, max(1, ceil(-log10(usable.min() ?? 0.1) - 1e-9)))
            let b = min(15, max(1, ceil(-log10(1 - (usable.max() ?? 0.9)) - 1e-9)))
            return Axis(label: label, unit: unit, scale: .logOdds, lower: pow(10, -a), upper: 1 - pow(10, -b))
        case .logarithmic:
            let lo = usable.min() ?? 0.1, hi = usable.max() ?? 1
            var a = Foundation.floor(log10(lo) + 1e-9), b = ceil(log10(hi) - 1e-9)
            if b <= a { a -= 1; b += 1 }
            return Axis(label: label, unit: unit, scale: .logarithmic, lower: pow(10, a), upper: pow(10, b))
        case .linear:
            var lo = usable.min() ?? 0, hi = usable.max() ?? 1
            if includingZero { lo = min(lo, 0); hi = max(hi, 0) }
            if hi - lo < 1e-12 * max(abs(hi), 1) { lo -= max(abs(lo) * 0.1, 0.5); hi += max(abs(hi) * 0.1, 0.5) }
            let step = Axis.linearStep(span: hi - lo, integer: integerTicks)
            return Axis(label: label, unit: unit, scale: .linear, lower: Foundation.floor(lo / step + 1e-9) * step,
                        upper: ceil(hi / step - 1e-9) * step, integerTicks: integerTicks)
        }
    }

    /// "Label (unit)", the axis title as printed.
    public var title: String { unit.map { "\(label) (\($0))" } ?? label }

    /// Position of `value` along the axis, 0 at `lower` and 1 at `upper`; nil for a
    /// non-positive value on a log axis (values outside the range map outside 0…1).
    public func fraction(of value: Double) -> Double? {
        switch scale {
        case .linear: return (value - lower) / (upper - lower)
        case .logarithmic:
            guard value > 0 else { return nil }
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        case .logOdds:
            guard value > 0, value < 1 else { return nil }
            func logit(_ p: Double) -> Double { log(p) - log1p(-p) }
            return (logit(value) - logit(lower)) / (logit(upper) - logit(lower))
        }
    }

    /// The labelled (and thinned) major ticks inside the range.
    public var ticks: [Tick] {
        switch scale {
        case .logOdds:
            let a = Int((-log10(lower)).rounded()), b = Int((-log10(1 - upper)).rounded())
            let values: [(Double, String)] = (1...max(1, a)).reversed().map { (pow(10, -Double($0)), Axis.smallFractionLabel($0)) }
                + [(0.5, "0.5")] + (1...max(1, b)).map { (1 - pow(10, -Double($0)), $0 <= 3 ? "0." + String(repeating: "9", count: $0) : "1 − " + Axis.decadeLabel(-$0)) }
            let every = max(1, Int(ceil(Double(values.count) / Double(maximumLabels))))
            let middle = values.firstIndex { $0.0 == 0.5 }!
            return values.enumerated().map { k, v in Tick(value: v.0, label: (k - middle) % every == 0 ? v.1 : nil) }
        case .logarithmic:
            let a = Int((log10(lower)).rounded(.down)), b = Int((log10(upper)).rounded(.up))
            let decades = Array(a...b).filter { pow(10, Double($0)) >= lower * (1 - 1e-12) && pow(10, Double($0)) <= upper * (1 + 1e-12) }
            let every = max(1, Int(ceil(Double(decades.count) / Double(maximumLabels))))
            return decades.map { k in
                Tick(value: pow(10, Double(k)), label: (k - b) % every == 0 ? Axis.decadeLabel(k) : nil)
            }
        case .linear:
            let step = Axis.linearStep(span: upper - lower, integer: integerTicks)
            let first = ceil(lower / step - 1e-9), last = Foundation.floor(upper / step + 1e-9)
            guard last >= first else { return [] }
            return stride(from: first, through: last, by: 1).map { k in
                let v = k * step
                return Tick(value: v, label: Axis.format(v, step: step))
            }
        }
    }

    /// Minor ticks of a log axis (2…9 × 10ᵏ) when it spans at most 6 decades; none otherwise.
    public var minorTicks: [Double] {
        guard scale == .logarithmic else { return [] }
        let a = Int((log10(lower)).rounded(.down)), b = Int((log10(upper)).rounded(.up))
        guard b - a <= 6 else { return [] }
        return (a..<b).flatMap { k in (2...9).map { Double($0) * pow(10, Double(k)) } }.filter { $0 > lower && $0 < upper }
    }

    /// 1, 2, 2.5 or 5 × 10ᵏ giving about five intervals over `span`.
    static func linearStep(span: Double, integer: Bool) -> Double {
        let raw = span / 5
        let magnitude = pow(10, Foundation.floor(log10(raw)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
        return integer ? max(1, step.rounded(.up)) : step
    }

    /// A linear tick label with as many decimals as the step needs ("0.25", "40", "-1.5").
    static func format(_ v: Double, step: Double) -> String {
        var decimals = max(0, -Int(Foundation.floor(log10(step) + 1e-9)))
        if abs((step / pow(10, -Double(decimals))).rounded() - step / pow(10, -Double(decimals))) > 1e-6 { decimals += 1 }
        let s = String(format: "%.\(decimals)f", v)
        return Double(s) == 0 ? String(format: "%.\(decimals)f", 0.0) : s
    }

    /// 10⁻ᵏ as "0.1", "0.01", "0.001", then "10⁻⁴"…
    static func smallFractionLabel(_ k: Int) -> String {
        k <= 3 ? String(format: "%.\(k)f", pow(10, -Double(k))) : decadeLabel(-k)
    }

    /// "0.01", "0.1", "1", "10", "100" near 1, "10⁻⁵", "10⁶" beyond.
    public static func decadeLabel(_ k: Int) -> String {
        switch k {
        case -2: return "0.01"
        case -1: return "0.1"
        case 0: return "1"
        case 1: return "10"
        case 2: return "100"
        default:
            let superscripts: [Character: Character] = ["-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴",
                                                        "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹"]
            return "10" + String(String(k).map { superscripts[$0]! })
        }
    }
}
