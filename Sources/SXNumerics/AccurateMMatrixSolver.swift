import Foundation

/// Solves M·x = f for a banded, column-diagonally-dominant M-matrix (a linear transport
/// network: one species' balances over stages with constant distribution) to full relative
/// accuracy in every component. The cascade solver uses it for its starting point.
///
/// M is a column-diagonally-dominant M-matrix: column i holds the outflow coefficient of
/// stage i on the diagonal and −(flow from stage i into stage k) in row k. LU factorisation
/// in floating point loses the relative accuracy of tiny components: interior columns sum
/// to exactly zero (every flow leaving a stage enters another), so the pivots are formed by
/// cancellation and a 1e-16 error excites the "uniform" mode, flooring trace concentrations
/// at ~1e-16 of the main ones. Here the pivots come from the column *excesses* (the flow
/// leaving the cascade from each stage), updated without subtraction as in the
/// Grassmann–Taksar–Heyman algorithm; L and U are then sign-definite, so forward and back
/// substitution only add positive terms. They run in logarithms, so a concentration below
/// the range of `Double` is still returned exactly as its logarithm.
public struct AccurateMMatrixSolver {
    public let order: Int
    public let lower: Int
    public let upper: Int
    /// Band storage: entry (row, column) at `values[row * width + (column - row + lower)]`.
    private var values: [Double]
    private var excess: [Double]
    private var width: Int { lower + upper + 1 }

    public init(order: Int, lower: Int, upper: Int) {
        self.order = order
        self.lower = lower
        self.upper = upper
        values = Array(repeating: 0, count: order * (lower + upper + 1))
        excess = Array(repeating: 0, count: order)
    }

    @inline(__always) private func index(_ row: Int, _ column: Int) -> Int { row * width + (column - row + lower) }

    /// Clears the matrix for the next system of the same shape (no allocation).
    public mutating func reset() {
        values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        excess.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Adds a transfer coefficient: `coefficient` ≥ 0 of stage `from`'s unknown enters stage `to`.
    public mutating func addTransfer(from: Int, to: Int, coefficient: Double) {
        precondition(from != to && to - from <= lower && from - to <= upper)
        values[index(to, from)] -= coefficient
    }

    /// Sets the coefficient of stage i's unknown that leaves the cascade (≥ 0).
    public mutating func setExcess(_ stage: Int, _ value: Double) { excess[stage] = value }

    /// Returns ln x for M·x = f (f ≥ 0), or nil if a pivot vanishes (a stage from which
    /// nothing ever leaves the cascade).
    public mutating func solveLog(rightHandSide f: [Double]) -> [Double]? {
        let n = order
        // Diagonals from the excesses.
        for c in 0..<n {
            var d = excess[c]
            for r in max(0, c - upper)...min(n - 1, c + lower) where r != c { d -= values[index(r, c)] }
            values[index(c, c)] = d
        }
        // Elimination without pivoting (diagonal dominance makes it stable).
        for i in 0..<n {
            let pivot = values[index(i, i)]
            if !(pivot > 0) { return nil }
            let lastRow = min(n - 1, i + lower), lastColumn = min(n - 1, i + upper)
            if i + 1 <= lastColumn {
                for c in (i + 1)...lastColumn {
                    let uic = values[index(i, c)]        // ≤ 0
                    if uic != 0 { excess[c] += -uic * excess[i] / pivot }
                }
            }
            if i + 1 <= lastRow {
                for k in (i + 1)...lastRow {
                    let mki = values[index(k, i)]
                    if mki == 0 { continue }
                    let l = mki / pivot                   // ≤ 0, kept as the L factor
                    values[index(k, i)] = l
                    if i + 1 <= lastColumn {
                        for c in (i + 1)...lastColumn where c != k && c - k <= upper && k - c <= lower {
                            values[index(k, c)] -= l * values[index(i, c)]   // both terms ≤ 0
                        }
                    }
                }
            }
            // Remaining diagonals from the updated excesses.
            let reach = min(n - 1, i + max(lower, upper))
            if i + 1 <= reach {
                for c in (i + 1)...reach {
                    var d = excess[c]
                    for r in max(i + 1, c - upper)...min(n - 1, c + lower) where r != c { d -= values[index(r, c)] }
                    values[index(c, c)] = d
                }
            }
        }
        if let linear = substituteLinear(f) { return linear }
        // Forward: y_k = f_k − Σ l_ki y_i (l ≤ 0), in logarithms.
        var logY = [Double](repeating: -.infinity, count: n)
        for k in 0..<n {
            var s = LogSumExp()
            if f[k] > 0 { s.add(log(f[k])) }
            for i in max(0, k - lower)..<k {
                let l = values[index(k, i)]
                if l < 0 { s.add(log(-l) + logY[i]) }
            }
            logY[k] = s.value
        }
        // Back: x_i = (y_i − Σ u_ic x_c) / u_ii (u_ic ≤ 0), in logarithms.
        var logX = [Double](repeating: -.infinity, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = LogSumExp()
            s.add(logY[i])
            if i + 1 <= min(n - 1, i + upper) {
                for c in (i + 1)...min(n - 1, i + upper) {
                    let u = values[index(i, c)]
                    if u < 0 { s.add(log(-u) + logX[c]) }
                }
            }
            logX[i] = s.value - log(values[index(i, i)])
        }
        return logX
    }

    /// The same substitutions in plain arithmetic (only positive terms are added, so they are
    /// as accurate as the logarithmic ones), returning ln x; nil when a value comes within
    /// reach of underflow or overflow, in which case the caller substitutes in logarithms.
    private func substituteLinear(_ f: [Double]) -> [Double]? {
        let n = order
        let tiny = 1e-280, huge = 1e280
        var y = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var v = max(f[k], 0)
            for i in max(0, k - lower)..<k { v -= values[index(k, i)] * y[i] }
            if v != 0 && !(v > tiny && v < huge) { return nil }
            y[k] = v
        }
        var logX = [Double](repeating: -.infinity, count: n)
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var v = y[i]
            if i + 1 <= min(n - 1, i + upper) {
                for c in (i + 1)...min(n - 1, i + upper) { v -= values[index(i, c)] * x[c] }
            }
            v /= values[index(i, i)]
            if v != 0 && !(v > tiny && v < huge) { return nil }
            x[i] = v
            logX[i] = v > 0 ? log(v) : -.infinity
        }
        return logX
    }
}
