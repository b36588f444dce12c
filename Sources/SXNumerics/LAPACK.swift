// The only file in SXSim that talks to LAPACK. Every INFO code becomes a typed error.
// (The solvers' band LU is SXSim's own, `BandLUWorkspace` in BandLU.swift; LAPACK's is kept
// here as its reference and baseline.)
import CLAPACK

/// A failure reported by a LAPACK routine, in LAPACK's own terms.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `U(pivot, pivot)` is exactly zero: the matrix is singular. `pivot` is 0-based.
    case singular(pivot: Int)
    /// Argument number `position` (1-based, as LAPACK counts) had an illegal value.
    /// This is a programming error in SXSim, reported rather than trapped so that a
    /// solve never crashes the host program.
    case illegalArgument(routine: String, position: Int)
    /// The problem is too large for LAPACK's 32-bit integers.
    case tooLarge(order: Int)

    public var description: String {
        switch self {
        case .singular(let pivot):
            return "the matrix is singular: zero pivot in row \(pivot + 1)"
        case .illegalArgument(let routine, let position):
            return "\(routine): argument \(position) had an illegal value (internal error)"
        case .tooLarge(let order):
            return "a system of order \(order) exceeds LAPACK's 32-bit index range"
        }
    }
}

@usableFromInline
func lapackInteger(_ value: Int) throws(LinearAlgebraError) -> Int32 {
    guard let converted = Int32(exactly: value) else { throw .tooLarge(order: value) }
    return converted
}

func checkInfo(_ info: Int32, routine: String) throws(LinearAlgebraError) {
    if info == 0 { return }
    if info < 0 { throw .illegalArgument(routine: routine, position: Int(-info)) }
    throw .singular(pivot: Int(info) - 1)
}

/// LAPACK's band LU (`dgbtrf`/`dgbtrs`) at the matrix's declared bandwidths: the reference
/// that `BandLUWorkspace` (SXSim's own band LU, which the solvers use) is tested against bit
/// for bit, and the baseline `sxbench kernels` times it against.
public struct LAPACKBandLU: Sendable {
    public private(set) var pivots: [Int32]

    public init(order: Int) {
        pivots = Array(repeating: 0, count: order)
    }

    /// Factorises `matrix` in place (partial pivoting). Throws `.singular` on a zero pivot.
    public mutating func factorize(_ matrix: inout BandMatrix) throws(LinearAlgebraError) {
        if pivots.count != matrix.order { pivots = Array(repeating: 0, count: matrix.order) }
        var m = try lapackInteger(matrix.order)
        var n = m
        var kl = try lapackInteger(matrix.lowerBandwidth)
        var ku = try lapackInteger(matrix.upperBandwidth)
        var ldab = try lapackInteger(matrix.leadingDimension)
        var info: Int32 = 0
        matrix.storage.withUnsafeMutableBufferPointer { ab in
            pivots.withUnsafeMutableBufferPointer { ipiv in
                dgbtrf_(&m, &n, &kl, &ku, ab.baseAddress, &ldab, ipiv.baseAddress, &info)
            }
        }
        try checkInfo(info, routine: "dgbtrf")
    }

    /// Solves A·x = b with the factors left in `factored` by `factorize`; `rhs` becomes x.
    public func solve(_ factored: BandMatrix, _ rhs: inout [Double]) throws(LinearAlgebraError) {
        precondition(rhs.count == factored.order)
        var trans = CChar(UInt8(ascii: "N"))
        var n = try lapackInteger(factored.order)
        var kl = try lapackInteger(factored.lowerBandwidth)
        var ku = try lapackInteger(factored.upperBandwidth)
        var nrhs: Int32 = 1
        var ldab = try lapackInteger(factored.leadingDimension)
        var ldb = n
        var info: Int32 = 0
        factored.storage.withUnsafeBufferPointer { ab in
            pivots.withUnsafeBufferPointer { ipiv in
                rhs.withUnsafeMutableBufferPointer { b in
                    dgbtrs_(&trans, &n, &kl, &ku, &nrhs, ab.baseAddress, &ldab,
                            ipiv.baseAddress, b.baseAddress, &ldb, &info, 1)
                }
            }
        }
        try checkInfo(info, routine: "dgbtrs")
    }
}

/// Dense LU solve (`dgesv`), used as the baseline that shows what the band structure buys.
public enum DenseSolver {
    /// Solves A·x = b for a dense column-major `matrix` of the given order; `rhs` becomes x.
    /// `matrix` is overwritten by its LU factors; `pivots` must hold `order` entries.
    public static func solve(order: Int, matrix: inout [Double], rhs: inout [Double],
                             pivots: inout [Int32]) throws(LinearAlgebraError) {
        precondition(matrix.count == order * order && rhs.count == order && pivots.count == order)
        var n = try lapackInteger(order)
        var lda = n
        var ldb = n
        var nrhs: Int32 = 1
        var info: Int32 = 0
        matrix.withUnsafeMutableBufferPointer { a in
            pivots.withUnsafeMutableBufferPointer { ipiv in
                rhs.withUnsafeMutableBufferPointer { b in
                    dgesv_(&n, &nrhs, a.baseAddress, &lda, ipiv.baseAddress, b.baseAddress, &ldb, &info)
                }
            }
        }
        try checkInfo(info, routine: "dgesv")
    }

    /// Solves with the LU factors left in `factors` by `solve` (`dgetrs`).
    public static func solveFactored(order: Int, factors: [Double], rhs: inout [Double],
                                     pivots: [Int32]) throws(LinearAlgebraError) {
        var trans = CChar(UInt8(ascii: "N"))
        var n = try lapackInteger(order)
        var lda = n, ldb = n
        var nrhs: Int32 = 1
        var info: Int32 = 0
        factors.withUnsafeBufferPointer { a in
            pivots.withUnsafeBufferPointer { ipiv in
                rhs.withUnsafeMutableBufferPointer { b in
                    dgetrs_(&trans, &n, &nrhs, a.baseAddress, &lda, ipiv.baseAddress, b.baseAddress, &ldb, &info, 1)
                }
            }
        }
        try checkInfo(info, routine: "dgetrs")
    }
}
