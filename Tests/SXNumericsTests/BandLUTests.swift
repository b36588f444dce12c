import Testing
@testable import SXNumerics

/// SXSim's band LU (`BandLUWorkspace`) against LAPACK's `dgbtrf`/`dgbtrs` (`LAPACKBandLU`), the
/// reference it reproduces operation for operation: solutions equal bit for bit, and A·x = b.
@Suite("Band LU")
struct BandLUTests {
    /// A reproducible generator of entries in [−0.5, 0.5).
    struct Entries {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
    }

    /// A random matrix declared with band (declaredLower, declaredUpper) whose non-zeros reach
    /// only (lower, upper); `diagonalBoost` small forces row interchanges.
    static func matrix(order n: Int, declaredLower: Int, declaredUpper: Int, lower: Int, upper: Int,
                       diagonalBoost: Double, seed: UInt64) -> BandMatrix {
        var m = BandMatrix(order: n, lowerBandwidth: declaredLower, upperBandwidth: declaredUpper)
        var entries = Entries(state: seed)
        for c in 0..<n {
            for r in max(0, c - upper)...min(n - 1, c + lower) {
                m[r, c] = entries.next() + (r == c ? diagonalBoost : 0)
            }
        }
        return m
    }

    static func bits(_ v: [Double]) -> [UInt64] { v.map(\.bitPattern) }

    @Test("Same solution as LAPACK, bit for bit, and A·x = b", arguments: [
        // (order, declared kl, declared ku, reached kl, reached ku, diagonal boost)
        (30, 3, 2, 3, 2, 4.0),       // diagonally dominant: no interchange
        (30, 3, 2, 3, 2, 0.0),       // interchanges at most steps
        (200, 17, 17, 10, 9, 0.0),   // declared wider than reached (the mass-action cascade's shape)
        (200, 17, 17, 10, 9, 0.01),
        (50, 6, 1, 6, 1, 0.0),       // lopsided bands
        (50, 1, 6, 1, 6, 0.0),
        (40, 5, 5, 0, 5, 0.0),       // upper triangular within a declared band
        (7, 10, 10, 6, 6, 0.0),      // bands wider than the order
    ])
    func agreesWithLAPACK(_ shape: (Int, Int, Int, Int, Int, Double)) throws {
        let (n, dkl, dku, kl, ku, boost) = shape
        for seed in UInt64(1)...5 {
            let m = Self.matrix(order: n, declaredLower: dkl, declaredUpper: dku, lower: kl, upper: ku,
                                diagonalBoost: boost, seed: seed)
            var entries = Entries(state: seed &+ 99)
            let rhs = (0..<n).map { _ in entries.next() }
            var ours = m, theirs = m
            var lu = BandLUWorkspace(order: n), lapack = LAPACKBandLU(order: n)
            try lu.factorize(&ours)
            try lapack.factorize(&theirs)
            #expect(lu.factoredLowerBandwidth == kl && lu.factoredUpperBandwidth == ku)
            #expect(lu.pivots == lapack.pivots.map { Int($0) - 1 }, "pivot rows, seed \(seed)")
            var x = rhs, y = rhs
            try lu.solve(ours, &x)
            try lapack.solve(theirs, &y)
            #expect(Self.bits(x) == Self.bits(y), "seed \(seed)")
            // Backward error ‖A·x − b‖∞ / (‖A‖∞‖x‖∞ + ‖b‖∞) at round-off (partial pivoting is
            // backward stable on these small orders; the forward error depends on conditioning).
            let back = m.multiply(x)
            let normA = (0..<n).map { r in (0..<n).reduce(0.0) { $0 + abs(m[r, $1]) } }.max()!
            let backward = zip(back, rhs).map { abs($0 - $1) }.max()!
                / (normA * x.map(abs).max()! + rhs.map(abs).max()!)
            #expect(backward < 1e-14, "seed \(seed)")
        }
    }

    @Test("Reached bandwidths: the outermost non-zeros, not the declared band")
    func reachedBandwidths() {
        var m = BandMatrix(order: 10, lowerBandwidth: 4, upperBandwidth: 3)
        for i in 0..<10 { m[i, i] = 1 }
        #expect(BandLUWorkspace.reachedBandwidths(of: m) == (0, 0))
        m[7, 5] = -2          // two below the diagonal
        m[0, 3] = 0.5         // three above
        #expect(BandLUWorkspace.reachedBandwidths(of: m) == (2, 3))
        m[9, 5] = 1e-300      // a tiny entry counts: only exact zeros are left out
        #expect(BandLUWorkspace.reachedBandwidths(of: m) == (4, 3))
    }

    @Test("A zero pivot is reported at the same row as LAPACK's INFO")
    func singular() {
        // Column 4 entirely zero: elimination finds no pivot at step 4.
        var m = Self.matrix(order: 12, declaredLower: 2, declaredUpper: 2, lower: 2, upper: 2, diagonalBoost: 3, seed: 4)
        for r in 0..<12 where m.isInBand(row: r, column: 4) { m[r, 4] = 0 }
        var ours = m, theirs = m
        var lu = BandLUWorkspace(order: 12), lapack = LAPACKBandLU(order: 12)
        #expect(throws: LinearAlgebraError.singular(pivot: 4)) { try lu.factorize(&ours) }
        #expect(throws: LinearAlgebraError.singular(pivot: 4)) { try lapack.factorize(&theirs) }
    }

    @Test("Refactorising a matrix of another band in the same workspace")
    func reuse() throws {
        var lu = BandLUWorkspace(order: 60)
        for (kl, ku) in [(5, 2), (1, 1), (8, 8)] {
            let m = Self.matrix(order: 60, declaredLower: 8, declaredUpper: 8, lower: kl, upper: ku, diagonalBoost: 0, seed: 11)
            var factored = m
            try lu.factorize(&factored)
            var x = [Double](repeating: 1, count: 60)
            try lu.solve(factored, &x)
            let back = m.multiply(x)
            #expect(back.allSatisfy { abs($0 - 1) < 1e-9 })
        }
    }

    /// A runtime value the optimiser cannot fold: the smallest normal double halved.
    @inline(never) static func halfOfSmallestNormal(_ x: Double) -> Double { x / 2 }

    @Test("Subnormal entries are flushed to zero inside the factorisation only; the solution agrees with LAPACK's")
    func subnormalsFlushed() throws {
        // The cascade's shape: trace couplings near 1e-300 and below (docs/engine.md §5).
        var m = Self.matrix(order: 120, declaredLower: 4, declaredUpper: 3, lower: 4, upper: 3, diagonalBoost: 0, seed: 21)
        var entries = Entries(state: 5)
        for c in 0..<120 where c % 3 == 0 {
            let r = min(119, c + 2)
            m[r, c] = 1e-310 * (entries.next() + 1)            // subnormal
            m[max(0, c - 1), c] = 1e-160 * (entries.next() + 1) // products of two are subnormal
        }
        let rhs = (0..<120).map { _ in entries.next() }
        var ours = m, theirs = m
        var lu = BandLUWorkspace(order: 120), lapack = LAPACKBandLU(order: 120)
        try lu.factorize(&ours)
        try lapack.factorize(&theirs)
        var x = rhs, y = rhs
        try lu.solve(ours, &x)
        try lapack.solve(theirs, &y)
        // What the flush changes is below 2.2e-308 next to entries of order 1: the solutions
        // agree to round-off (LAPACK as the reference).
        let difference = zip(x, y).map { abs($0 - $1) }.max()! / y.map(abs).max()!
        #expect(difference < 1e-12)
        // No subnormal is created (entries never updated keep their value, subnormal or not).
        let given = m.storage.filter(\.isSubnormal).count
        #expect(given > 0 && ours.storage.filter(\.isSubnormal).count <= given)
        // The floating-point mode is restored: subnormal arithmetic works again outside.
        #expect(Self.halfOfSmallestNormal(Double.leastNormalMagnitude) != 0)
        #expect(Self.halfOfSmallestNormal(Double.leastNormalMagnitude).isSubnormal)
    }
}
