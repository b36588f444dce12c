import Foundation

/// ln(Σ exp(tᵢ)) accumulated in one pass: a running maximum and a sum rescaled to it, so
/// that terms far below the range of `Double` (t = −1000) add without underflow and large
/// ones without overflow. Terms equal to −∞ (a zero) are skipped; the empty sum is −∞.
///
/// Inlinable: it sits in the innermost loops of the cascade residual.
@frozen public struct LogSumExp {
    @usableFromInline var maximum = -Double.infinity
    @usableFromInline var sum = 0.0

    @inlinable public init() {}

    /// Adds exp(t) to the sum.
    @inlinable public mutating func add(_ t: Double) {
        if t == -Double.infinity { return }
        if t <= maximum {
            sum += exp(t - maximum)
        } else if maximum == -Double.infinity {
            // The first term: the sum rescaled from −∞ is 0 (no exp needed, the same value).
            sum = 1; maximum = t
        } else {
            sum = sum * exp(maximum - t) + 1; maximum = t
        }
    }

    /// ln of the sum so far.
    @inlinable public var value: Double { maximum == -Double.infinity ? -Double.infinity : maximum + log(sum) }
}
