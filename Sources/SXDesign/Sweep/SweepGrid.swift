import Foundation

/// A problem with a sweep's parameters, shard or parts, with the offending text.
public struct SweepError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One varied input: a dotted key path into the flowsheet and the values it takes, as YAML
/// scalar texts (so integers stay integers and units can follow a number).
public struct SweepParameter: Sendable, Equatable {
    public var key: String
    public var values: [String]

    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }

    /// Parses `KEY=FROM:TO:COUNT` (COUNT evenly spaced values, both ends included, an optional
    /// unit after COUNT: `feeds.feed.flow=1:2:5 L/h`), `KEY=a,b,c` (a list) or `KEY=v` (one value).
    /// A range whose ends are integers and whose step is whole gives integers.
    public static func parse(_ text: String) throws(SweepError) -> SweepParameter {
        guard let eq = text.firstIndex(of: "=") else {
            throw SweepError("'\(text)': expected KEY=FROM:TO:COUNT or KEY=a,b,c")
        }
        let key = text[..<eq].trimmingCharacters(in: .whitespaces)
        let spec = text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { throw SweepError("'\(text)': the key before '=' is empty") }
        guard !spec.isEmpty else { throw SweepError("'\(text)': no values after '='") }
        let colon = spec.split(separator: ":", omittingEmptySubsequences: false)
        if colon.count == 3 {
            return SweepParameter(key: key, values: try range(String(colon[0]), String(colon[1]), String(colon[2]), in: text))
        }
        if colon.count > 1 && !spec.contains(",") {
            throw SweepError("'\(text)': a range is FROM:TO:COUNT (three parts), got \(colon.count)")
        }
        let values = spec.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if values.contains(where: \.isEmpty) { throw SweepError("'\(text)': an empty value in the list") }
        return SweepParameter(key: key, values: values)
    }

    static func range(_ fromText: String, _ toText: String, _ countText: String, in text: String) throws(SweepError) -> [String] {
        // COUNT may carry a unit after it: "5 L/h".
        let countParts = countText.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
        let unit = countParts.count == 2 ? " " + countParts[1].trimmingCharacters(in: .whitespaces) : ""
        let f = fromText.trimmingCharacters(in: .whitespaces), t = toText.trimmingCharacters(in: .whitespaces)
        guard let from = Double(f), let to = Double(t), from.isFinite, to.isFinite else {
            throw SweepError("'\(text)': FROM and TO must be numbers (got '\(f)', '\(t)')")
        }
        guard let first = countParts.first, let count = Int(first), count >= 1 else {
            throw SweepError("'\(text)': COUNT must be a whole number ≥ 1 (got '\(countText)')")
        }
        if count == 1 && from != to { throw SweepError("'\(text)': COUNT 1 needs FROM = TO") }
        guard count <= SweepGrid.maximumCases else {
            throw SweepError("'\(text)': COUNT \(count) is more than a sweep runs (at most \(SweepGrid.maximumCases) cases)")
        }
        // Integer ends and a whole step give integers; the span must fit in Int (ends at Int64's limits).
        var integralStep: Int? = nil
        if let a = Int(f), let b = Int(t) {
            let (span, overflow) = b.subtractingReportingOverflow(a)
            if overflow { throw SweepError("'\(text)': the range \(f)…\(t) is too wide") }
            if count == 1 { integralStep = 0 } else if span % (count - 1) == 0 { integralStep = span / (count - 1) }
        }
        return (0..<count).map { i in
            if let step = integralStep, let a = Int(f) {
                return String(a + i * step) + unit  // within a…b, so no overflow
            }
            let v = i == count - 1 ? to : from + (to - from) * Double(i) / Double(count - 1)
            return format(v) + unit
        }
    }

    /// The grid point as text, to 15 significant digits ("0.25", "1e-05", "20.1075"): the grid's
    /// arithmetic leaves round-off in the last of 17 digits (20.09 + 7 × 0.0025 gave
    /// "20.107499999999998 L/h" in reports and CSV), and the text is the value the case runs
    /// with, so the point meant is written and used (it differs from the arithmetic by at most
    /// 5e-16 relative).
    static func format(_ v: Double) -> String {
        String(format: "%.15g", v)
    }
}

/// One case of a sweep: its 1-based number and the value of every parameter.
public struct SweepCase: Sendable, Equatable {
    public var number: Int
    public var assignments: [(key: String, value: String)]

    public static func == (a: SweepCase, b: SweepCase) -> Bool {
        a.number == b.number && a.assignments.elementsEqual(b.assignments) { $0.key == $1.key && $0.value == $1.value }
    }
}

/// The full grid of a sweep: every combination of the parameters' values, numbered 1…count
/// with the first parameter varying slowest (like nested loops in the order given).
public struct SweepGrid: Sendable, Equatable {
    public var parameters: [SweepParameter]

    /// Most cases in one sweep (or one shard's part of it would need): rows are held in
    /// memory, and at about 3 ms of CPU per case a million cases take about an hour on 2 cores.
    public static let maximumCases = 1_000_000

    public init(_ parameters: [SweepParameter]) throws(SweepError) {
        var seen = Set<String>()
        for p in parameters where !seen.insert(p.key).inserted {
            throw SweepError("the key '\(p.key)' is varied twice; give all its values in one --vary")
        }
        if parameters.isEmpty { throw SweepError("nothing to sweep: give at least one --vary KEY=...") }
        // Checked before anything is allocated: 1000 × 1000 × 1000 overflows no Int but is a billion rows.
        var count = 1
        for p in parameters {
            let (product, overflow) = count.multipliedReportingOverflow(by: p.values.count)
            guard !overflow, product <= Self.maximumCases else {
                throw SweepError("the grid has " + (overflow ? "more than \(Int.max)" : "\(product)") + " cases or more (" + parameters.map { String($0.values.count) }.joined(separator: " × ")
                                 + "); a sweep runs at most \(Self.maximumCases): use fewer values")
            }
            count = product
        }
        self.parameters = parameters
    }

    /// Number of cases (at most `maximumCases`, checked at construction).
    public var caseCount: Int { parameters.reduce(1) { $0 * $1.values.count } }

    /// The case numbers to run: all of them without a shard, else the shard's block, which is
    /// nil (no case) when the shard count exceeds the case count and this block is empty —
    /// such a shard writes a header-only part that merges cleanly.
    public func cases(shard: SweepShard?) -> ClosedRange<Int>? {
        guard let shard else { return 1...caseCount }
        return shard.cases(of: caseCount)
    }

    /// The case with 1-based `number`.
    public func `case`(_ number: Int) -> SweepCase {
        precondition((1...caseCount).contains(number), "case \(number) outside 1…\(caseCount)")
        var rest = number - 1
        var values = [String](repeating: "", count: parameters.count)
        for k in parameters.indices.reversed() {
            let c = parameters[k].values.count
            values[k] = parameters[k].values[rest % c]
            rest /= c
        }
        return SweepCase(number: number, assignments: zip(parameters, values).map { ($0.key, $1) })
    }
}

/// The I-th of N disjoint, contiguous parts of a sweep (for a scheduler's job array).
public struct SweepShard: Sendable, Equatable {
    /// 1-based part number.
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(SweepError) {
        guard count >= 1, (1...count).contains(index) else {
            throw SweepError("shard \(index)/\(count): need 1 ≤ I ≤ N")
        }
        self.index = index
        self.count = count
    }

    /// Parses "I/N", e.g. "3/10" (Slurm: --shard $((SLURM_ARRAY_TASK_ID))/N).
    public static func parse(_ text: String) throws(SweepError) -> SweepShard {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw SweepError("--shard '\(text)': expected I/N with whole numbers, e.g. 2/8")
        }
        return try SweepShard(index: i, count: n)
    }

    /// The case numbers of this part: a contiguous block, sizes differing by at most one.
    public func cases(of total: Int) -> ClosedRange<Int>? {
        // (index − 1)·total/count in full width: index and count may be as large as Int.max.
        func bound(_ i: Int) -> Int { count.dividingFullWidth(i.multipliedFullWidth(by: total)).quotient }
        let lo = bound(index - 1), hi = bound(index)
        return hi > lo ? (lo + 1)...hi : nil
    }
}
