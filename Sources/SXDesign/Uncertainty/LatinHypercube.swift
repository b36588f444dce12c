import SXNumerics

/// Seeded Latin-hypercube designs on the unit cube.
///
/// For N samples in d dimensions, each dimension's interval (0, 1) is cut into N strata of
/// width 1/N; dimension k takes a random permutation π_k of the strata and sample i gets
/// u_ik = (π_k(i) + v_ik)/N, v_ik uniform in (0, 1). So every stratum of every dimension
/// holds exactly one sample (tested), and the dimensions are paired at random (independent
/// in expectation; no correlation is imposed). The design is a function of (N, d, seed)
/// alone: a shard or a thread computes the same sample i as the whole run.
public struct LatinHypercube: Sendable, Equatable {
    public let sampleCount: Int
    public let dimensions: Int
    public let seed: UInt64
    /// u[i · dimensions + k], each in (0, 1).
    let points: [Double]

    public init(samples: Int, dimensions: Int, seed: UInt64) {
        precondition(samples >= 1 && dimensions >= 0, "a design has at least one sample")
        sampleCount = samples
        self.dimensions = dimensions
        self.seed = seed
        var generator = SplitMix64(seed: seed)
        var points = [Double](repeating: 0, count: samples * dimensions)
        let n = Double(samples)
        for k in 0..<dimensions {
            // Fisher–Yates with an unbiased bounded draw.
            var strata = Array(0..<samples)
            for i in stride(from: samples - 1, to: 0, by: -1) {
                strata.swapAt(i, Int(generator.next(upperBound: UInt64(i + 1))))
            }
            for i in 0..<samples {
                // v in (0, 1): the top 53 bits plus one half, never 0 or 1.
                let v = (Double(generator.next() >> 11) + 0.5) / 9_007_199_254_740_992
                points[i * dimensions + k] = (Double(strata[i]) + v) / n
            }
        }
        self.points = points
    }

    /// The point of sample `i` (1-based), one coordinate per dimension.
    public func point(_ i: Int) -> ArraySlice<Double> {
        precondition((1...sampleCount).contains(i), "sample \(i) outside 1…\(sampleCount)")
        return points[((i - 1) * dimensions)..<(i * dimensions)]
    }
}
