import Foundation

/// The statistics of an uncertainty study, computed from its CSV alone (so a merged CSV gives
/// the same summary as the unsharded run): per output, mean and the 5/50/95 % quantiles over
/// the samples that reached a steady state; per target limit, the probability of meeting it;
/// and the varied values that matter most, by Spearman rank correlation over the samples.
public struct UncertaintySummary: Sendable {
    /// Mean and quantiles of one numeric column over the converged samples.
    public struct Statistic: Sendable, Equatable {
        public var column: String
        /// Samples with a number in this column.
        public var count: Int
        public var mean: Double
        public var p5: Double
        public var p50: Double
        public var p95: Double
        /// Spearman rank correlation of the column with each varied value (same order as
        /// `UncertaintySummary.keys`); nil where either is constant over the samples.
        public var rankCorrelations: [Double?]
    }

    /// One target limit (`limit.<key>.*` columns).
    public struct Limit: Sendable, Equatable {
        public var key: String
        /// Samples meeting the limit over all samples: a sample without a steady state counts
        /// as missing it (nothing is known to meet it).
        public var probability: Double
        public var passes: Int
        public var value: Statistic
    }

    public var sampleCount: Int
    public var convergedCount: Int
    /// Samples by outcome code other than `converged`, most frequent first.
    public var failures: [(outcome: String, count: Int)]
    /// The varied keys (the CSV's columns between `sample` and `outcome`).
    public var keys: [String]
    public var limits: [Limit]
    /// Probability that every target is met (failed samples count as misses); nil without targets.
    public var allTargetsMet: Double?
    /// Every product purity and recovery column.
    public var outputs: [Statistic]

    /// Reads a study CSV (`UncertaintyStudy.document`, or merged parts).
    public init(csv: String, indexColumn: String = "sample") throws(StudyCSVError) {
        let records = SweepPage.records(csv)
        guard let header = records.first, header.first == indexColumn, let outcomeColumn = header.firstIndex(of: "outcome") else {
            throw StudyCSVError("not an uncertainty CSV: the header must start with '\(indexColumn),' and have an 'outcome' column")
        }
        let rows = records.dropFirst().filter { $0.count == header.count }
        keys = Array(header[1..<outcomeColumn])
        sampleCount = rows.count
        let converged = rows.filter { $0[outcomeColumn] == "converged" }
        convergedCount = converged.count
        var counts: [String: Int] = [:]
        for r in rows where r[outcomeColumn] != "converged" { counts[r[outcomeColumn], default: 0] += 1 }
        failures = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        // The varied values' numbers (a unit after the number is dropped), per converged sample.
        let keyNumbers: [[Double?]] = keys.indices.map { k in converged.map { SweepPage.numeric($0[1 + k]).map(\.0) } }
        func statistic(_ column: Int) -> Statistic? {
            var values: [Double] = [], rowsWithValue: [Int] = []
            for (i, r) in converged.enumerated() { if let v = Double(r[column]), v.isFinite { values.append(v); rowsWithValue.append(i) } }
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            let correlations = keyNumbers.map { numbers -> Double? in
                var xs: [Double] = [], ys: [Double] = []
                for (k, i) in rowsWithValue.enumerated() { if let x = numbers[i] { xs.append(x); ys.append(values[k]) } }
                return Self.spearman(xs, ys)
            }
            return Statistic(column: header[column], count: values.count, mean: values.reduce(0, +) / Double(values.count),
                             p5: Self.quantile(sorted, 0.05), p50: Self.quantile(sorted, 0.5), p95: Self.quantile(sorted, 0.95),
                             rankCorrelations: correlations)
        }
        outputs = header.indices.filter { header[$0].hasSuffix(".purity") || header[$0].hasSuffix(".recovery") }.compactMap(statistic)
        var limits: [Limit] = []
        for (c, name) in header.enumerated() where name.hasPrefix("limit.") && name.hasSuffix(".pass") {
            let key = String(name.dropFirst("limit.".count).dropLast(".pass".count))
            guard let valueColumn = header.firstIndex(of: "limit.\(key).value"), let value = statistic(valueColumn) else { continue }
            let passes = rows.filter { $0[c] == "yes" }.count
            limits.append(Limit(key: key, probability: rows.isEmpty ? 0 : Double(passes) / Double(rows.count), passes: passes, value: value))
        }
        self.limits = limits
        if let t = header.firstIndex(of: "targets-met"), !rows.isEmpty, rows.contains(where: { !$0[t].isEmpty }) || !limits.isEmpty {
            allTargetsMet = Double(rows.filter { $0[t] == "yes" }.count) / Double(rows.count)
        } else {
            allTargetsMet = nil
        }
    }

    /// The p-quantile of sorted values, linear between order statistics (Hyndman & Fan type 7:
    /// h = (n − 1)·p, the default of R and NumPy).
    public static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty && p >= 0 && p <= 1)
        let h = Double(sorted.count - 1) * p
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Spearman's rank correlation (Pearson correlation of the ranks, ties given their mean
    /// rank); nil for fewer than 3 pairs or a constant variable.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count)
        guard x.count >= 3 else { return nil }
        let rx = ranks(x), ry = ranks(y)
        let mx = rx.reduce(0, +) / Double(rx.count), my = ry.reduce(0, +) / Double(ry.count)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in rx.indices {
            let dx = rx[i] - mx, dy = ry[i] - my
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// 1-based ranks, ties given their mean rank.
    static func ranks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var r = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
            let mean = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = mean }
            i = j + 1
        }
        return r
    }
}

/// A CSV that cannot be read as a study's.
public struct StudyCSVError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
