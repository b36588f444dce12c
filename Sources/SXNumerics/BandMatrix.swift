/// A square matrix stored in LAPACK general-band layout, ready for `dgbtrf`.
///
/// Element (row r, column c), 0-based, with `c - upperBandwidth <= r <= c + lowerBandwidth`,
/// lives at `storage[(lowerBandwidth + upperBandwidth + r - c) + c * leadingDimension]`.
/// The first `lowerBandwidth` rows of every column are workspace for the fill-in of the
/// LU factorisation, so `leadingDimension = 2 * lowerBandwidth + upperBandwidth + 1`.
public struct BandMatrix: Sendable {
    /// Number of rows and columns.
    public let order: Int
    /// Number of sub-diagonals that may hold non-zeros.
    public let lowerBandwidth: Int
    /// Number of super-diagonals that may hold non-zeros.
    public let upperBandwidth: Int
    /// Rows per column in `storage`.
    public let leadingDimension: Int
    /// Column-major band storage (see the type's documentation).
    public var storage: [Double]

    public init(order: Int, lowerBandwidth: Int, upperBandwidth: Int) {
        precondition(order > 0 && lowerBandwidth >= 0 && upperBandwidth >= 0)
        self.order = order
        self.lowerBandwidth = lowerBandwidth
        self.upperBandwidth = upperBandwidth
        self.leadingDimension = 2 * lowerBandwidth + upperBandwidth + 1
        self.storage = Array(repeating: 0, count: leadingDimension * order)
    }

    /// True when (row, column) lies inside the declared band.
    @inlinable
    public func isInBand(row: Int, column: Int) -> Bool {
        row - column <= lowerBandwidth && column - row <= upperBandwidth
            && row >= 0 && column >= 0 && row < order && column < order
    }

    @inlinable
    internal func offset(row: Int, column: Int) -> Int {
        (lowerBandwidth + upperBandwidth + row - column) + column * leadingDimension
    }

    /// Reads or writes one element; positions outside the band read as zero and must not be written.
    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { isInBand(row: row, column: column) ? storage[offset(row: row, column: column)] : 0 }
        set {
            precondition(isInBand(row: row, column: column), "write outside the band at (\(row), \(column))")
            storage[offset(row: row, column: column)] = newValue
        }
    }

    /// Adds `value` to element (row, column), which must lie inside the band.
    @inlinable
    public mutating func add(_ value: Double, row: Int, column: Int) {
        precondition(isInBand(row: row, column: column), "write outside the band at (\(row), \(column))")
        storage[offset(row: row, column: column)] += value
    }

    /// Sets every element (and the fill-in workspace) to zero without reallocating.
    @inlinable
    public mutating func setZero() {
        storage.withUnsafeMutableBufferPointer { buffer in
            buffer.update(repeating: 0)
        }
    }

    /// y = A·x for the matrix as it stands (not after factorisation).
    public func multiply(_ x: [Double]) -> [Double] {
        precondition(x.count == order)
        var y = Array(repeating: 0.0, count: order)
        for column in 0..<order {
            let lo = max(0, column - upperBandwidth)
            let hi = min(order - 1, column + lowerBandwidth)
            if lo > hi { continue }
            for row in lo...hi {
                y[row] += storage[offset(row: row, column: column)] * x[column]
            }
        }
        return y
    }

    /// The same matrix as a dense column-major array (for tests and the dense baseline).
    public func denseColumnMajor() -> [Double] {
        var dense = Array(repeating: 0.0, count: order * order)
        writeDense(into: &dense)
        return dense
    }

    /// Writes the matrix into a dense column-major buffer of order² elements, without allocating.
    public func writeDense(into dense: inout [Double]) {
        precondition(dense.count == order * order)
        dense.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        for column in 0..<order {
            let lo = max(0, column - upperBandwidth)
            let hi = min(order - 1, column + lowerBandwidth)
            if lo > hi { continue }
            for row in lo...hi {
                dense[row + column * order] = storage[offset(row: row, column: column)]
            }
        }
    }
}
