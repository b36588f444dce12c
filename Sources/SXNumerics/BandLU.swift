import CFloatingPointMode

/// LU factors of a band matrix with partial pivoting, reusable for several right-hand sides:
/// the factorisation every solver in SXSim uses (Newton, the time integrator's chord
/// iteration, the flow network, sensitivities).
///
/// **Algorithm.** LAPACK's unblocked band LU (`dgbtf2`, which `dgbtrf` runs for bandwidths up
/// to 64) and its solve (`dgbtrs`), step for step and operation for operation: the pivot is the
/// first entry of largest magnitude, rows are swapped across the columns the factors can reach,
/// the multipliers are scaled by the reciprocal of the pivot, and rank-1 updates skip a column
/// whose pivot-row entry is zero. The factors and solutions are therefore the same, bit for bit,
/// as LAPACK's (`BandLUTests` checks this against `LAPACKBandLU` on random, pivoting and
/// singular matrices and on the cascade Jacobians).
///
/// **Why not LAPACK.** Two reasons, both measured on the mass-action cascade at 500 stages ×
/// 6 elements (`sxbench kernels mass-action/500x6/band`):
/// - A system declares the band its equations could need in general (a dense stage block of
///   b unknowns needs 2b − 1 on each side); a model often couples fewer unknowns. The
///   mass-action cascade declares kl = ku = 17 and its non-zeros reach 10 and 9. This
///   factorisation works at the bandwidths the non-zeros reach, found by a scan of the
///   matrix at each call. Entries outside them are exact zeros, and partial pivoting keeps
///   L within the true lower bandwidth, so nothing changes but the work, which grows as
///   kl·(kl + ku).
/// - With reference BLAS, `dgbtf2` makes four calls per column (`idamax`, `dswap`, `dscal`,
///   `dger`) on vectors of 10 to 30 entries, where the call and argument checks cost as
///   much as the arithmetic.
///
/// The matrix is factorised in place, in the storage `BandMatrix` declares: the factors'
/// fill-in (U's extra kl super-diagonals) lies in the first rows of each column, which
/// this type clears itself. Nothing is allocated after the first factorisation of a given order.
public struct BandLUWorkspace: Sendable {
    /// Row interchanged with row j at step j (0-based; j when there was no interchange).
    public private(set) var pivots: [Int]
    /// Sub-diagonals the last factorised matrix's non-zeros reached (≤ its declared band).
    public private(set) var factoredLowerBandwidth = 0
    /// Super-diagonals the last factorised matrix's non-zeros reached (≤ its declared band).
    public private(set) var factoredUpperBandwidth = 0

    public init(order: Int) {
        pivots = Array(repeating: 0, count: order)
    }

    /// The bandwidths that the non-zeros of `matrix` reach (at most the declared ones).
    public static func reachedBandwidths(of matrix: BandMatrix) -> (lower: Int, upper: Int) {
        let n = matrix.order, declaredLower = matrix.lowerBandwidth, declaredUpper = matrix.upperBandwidth
        let ld = matrix.leadingDimension, diagonalRow = declaredLower + declaredUpper
        var lower = 0, upper = 0
        matrix.storage.withUnsafeBufferPointer { a in
            for c in 0..<n {
                // Element (r, c) is at a[diagonal + r]; only rows beyond the reach so far are scanned.
                let diagonal = c * ld + diagonalRow - c
                var r = max(0, c - declaredUpper)
                while r < c - upper {
                    if a[diagonal + r] != 0 { upper = c - r; break }
                    r += 1
                }
                r = min(n - 1, c + declaredLower)
                while r > c + lower {
                    if a[diagonal + r] != 0 { lower = r - c; break }
                    r -= 1
                }
            }
        }
        return (lower, upper)
    }

    /// Factorises `matrix` in place (partial pivoting). Throws `.singular` with the first zero
    /// pivot (0-based), as LAPACK's INFO reports it; the factors are then not usable.
    public mutating func factorize(_ matrix: inout BandMatrix) throws(LinearAlgebraError) {
        let n = matrix.order
        if pivots.count != n { pivots = Array(repeating: 0, count: n) }
        let (kl, ku) = Self.reachedBandwidths(of: matrix)
        factoredLowerBandwidth = kl
        factoredUpperBandwidth = ku
        let ld = matrix.leadingDimension, diagonalRow = matrix.lowerBandwidth + matrix.upperBandwidth
        let fill = kl + ku   // super-diagonals of U after pivoting
        var singularAt: Int?
        let mode = sxsim_flush_subnormals_to_zero()
        defer { sxsim_restore_floating_point_mode(mode) }
        matrix.storage.withUnsafeMutableBufferPointer { storage in
            let a = storage.baseAddress!
            // Clear U's fill-in, the super-diagonals ku + 1 … kl + ku (what dgbtf2 clears column by column).
            if kl > 0 && ku + 1 < n {
                for c in (ku + 1)..<n {
                    let diagonal = c * ld + diagonalRow - c
                    for r in max(0, c - fill)..<(c - ku) { a[diagonal + r] = 0 }
                }
            }
            pivots.withUnsafeMutableBufferPointer { pivots in
                var reach = 0   // the last column that pivoting so far has filled (dgbtf2's JU)
                let columnStride = ld - 1   // from (j, c) to (j, c + 1) in the storage
                for j in 0..<n {
                    let below = min(kl, n - 1 - j)
                    let diagonal = a + (j * ld + diagonalRow)   // (j, j); (j + i, j) at diagonal[i]
                    var offset = 0
                    var largest = abs(diagonal[0])
                    var i = 1
                    while i <= below {
                        let magnitude = abs(diagonal[i])
                        if magnitude > largest { largest = magnitude; offset = i }
                        i &+= 1
                    }
                    pivots[j] = j + offset
                    guard diagonal[offset] != 0 else {
                        if singularAt == nil { singularAt = j }
                        continue
                    }
                    reach = max(reach, min(j + ku + offset, n - 1))
                    if offset != 0 {
                        // Swap rows j and j + offset in columns j … reach.
                        var rowJ = diagonal
                        for _ in j...reach {
                            let t = rowJ[0]; rowJ[0] = rowJ[offset]; rowJ[offset] = t
                            rowJ += columnStride
                        }
                    }
                    guard below > 0 else { continue }
                    let reciprocal = 1 / diagonal[0]
                    i = 1
                    while i <= below { diagonal[i] = reciprocal * diagonal[i]; i &+= 1 }
                    guard reach > j else { continue }
                    // Rank-1 update of rows j + 1 … j + below in columns j + 1 … reach; the
                    // multipliers are diagonal[1 … below], the pivot row's entry is rowJ[0].
                    let multipliers = diagonal + 1
                    var rowJ = diagonal + columnStride
                    for _ in (j + 1)...reach {
                        let pivotRowEntry = rowJ[0]
                        if pivotRowEntry != 0 {
                            let factor = -pivotRowEntry
                            let target = rowJ + 1
                            var k = 0
                            while k &+ 1 < below {
                                let x = SIMD2(multipliers[k], multipliers[k &+ 1])
                                let y = SIMD2(target[k], target[k &+ 1])
                                let z = y + x * factor
                                target[k] = z[0]; target[k &+ 1] = z[1]
                                k &+= 2
                            }
                            if k < below { target[k] = target[k] + multipliers[k] * factor }
                        }
                        rowJ += columnStride
                    }
                }
            }
        }
        if let singularAt { throw .singular(pivot: singularAt) }
    }

    /// Solves A·x = b with the factors left in `factored` by `factorize`; `rhs` becomes x.
    public func solve(_ factored: BandMatrix, _ rhs: inout [Double]) throws(LinearAlgebraError) {
        let n = factored.order
        precondition(rhs.count == n && pivots.count == n, "a right-hand side of another order than the factors")
        let kl = factoredLowerBandwidth, fill = factoredLowerBandwidth + factoredUpperBandwidth
        let ld = factored.leadingDimension, diagonalRow = factored.lowerBandwidth + factored.upperBandwidth
        let mode = sxsim_flush_subnormals_to_zero()
        defer { sxsim_restore_floating_point_mode(mode) }
        factored.storage.withUnsafeBufferPointer { storage in
            let a = storage.baseAddress!
            rhs.withUnsafeMutableBufferPointer { b in
                // L: the interchanges and multipliers of each step, in order.
                if kl > 0 {
                    for j in 0..<(n - 1) {
                        let p = pivots[j]
                        if p != j { let t = b[p]; b[p] = b[j]; b[j] = t }
                        let value = b[j]
                        if value == 0 { continue }
                        let factor = -value
                        let below = min(kl, n - 1 - j)
                        let pivotIndex = j * ld + diagonalRow
                        for i in 1...below { b[j + i] = b[j + i] + a[pivotIndex + i] * factor }
                    }
                }
                // U (bandwidth kl + ku), back substitution column by column.
                for j in stride(from: n - 1, through: 0, by: -1) where b[j] != 0 {
                    let diagonal = j * ld + diagonalRow - j   // element (r, j) at diagonal + r
                    b[j] = b[j] / a[diagonal + j]
                    let value = b[j]
                    let top = max(0, j - fill)
                    var r = j - 1
                    while r >= top {
                        b[r] = b[r] - value * a[diagonal + r]
                        r -= 1
                    }
                }
            }
        }
    }
}
