/// The root of a strictly increasing scalar function on a bracket, by Newton's method kept
/// inside the bracket (a step that would leave it is replaced by bisection), so it converges
/// from any start in the bracket.
public enum MonotoneRoot {
    /// Solves f(t) = 0 for t in (lower, upper), f increasing. `evaluate` returns f(t) and
    /// f′(t). Starts at `start`, stops when a step is below `tolerance` or after
    /// `maximumIterations` (returning the last iterate: the bracket has then shrunk by at
    /// least 2^−k where bisection was needed).
    @inlinable
    public static func solve(lower: Double, upper: Double, start: Double, tolerance: Double = 1e-12,
                             maximumIterations: Int = 60, evaluate: (Double) -> (value: Double, slope: Double)) -> Double {
        var lo = lower, hi = upper
        var t = start
        for _ in 0..<maximumIterations {
            let (f, slope) = evaluate(t)
            if f > 0 { hi = t } else { lo = t }
            var next = t - f / slope
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            if abs(next - t) < tolerance { return next }
            t = next
        }
        return t
    }
}
