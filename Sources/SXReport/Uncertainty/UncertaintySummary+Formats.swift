import Foundation

extension UncertaintySummary {
    /// Text: the samples and their outcomes, every target limit (probability of meeting it,
    /// mean and 5/50/95 % quantiles of its value, its strongest drivers), then every product
    /// purity and recovery that is not constant. Quantities are fractions (purity, recovery),
    /// mol/L (acidity) or g/L REO, as in the CSV.
    public func text(drivers: Int = 3) -> String {
        var s = "Uncertainty: \(sampleCount) sample\(sampleCount == 1 ? "" : "s"), \(convergedCount) reached a steady state"
        s += failures.isEmpty ? "\n" : " (" + failures.map { "\($0.count) \($0.outcome)" }.joined(separator: ", ") + "; they count as missing every target)\n"
        s += "Varied: " + keys.joined(separator: ", ") + "\n"
        let width = max(24, (limits.map { "limit.\($0.key)" } + outputs.map(\.column)).map(\.count).max() ?? 0)
        func row(_ name: String, _ st: Statistic) -> String {
            "  " + Fmt.pad(name, width, right: false) + "  " + [st.mean, st.p5, st.p50, st.p95].map { Fmt.pad(Fmt.g($0, 6), 11) }.joined(separator: " ")
                + "  " + driverText(st, drivers) + "\n"
        }
        let head = "  " + Fmt.pad("", width, right: false) + "  " + ["mean", "p5", "p50", "p95"].map { Fmt.pad($0, 11) }.joined(separator: " ") + "  rank correlation with the varied values\n"
        if !limits.isEmpty {
            s += "\nTargets (probability over all samples)\n"
            for l in limits { s += "  \(l.key): \(Fmt.pct(l.probability, decimals: 2)) % (\(l.passes) of \(sampleCount))\n" }
            if let all = allTargetsMet { s += "  every target met: \(Fmt.pct(all, decimals: 2)) %\n" }
            s += "\nTarget values (converged samples)\n" + head
            for l in limits { s += row(l.key, l.value) }
        }
        let varying = outputs.filter { $0.p5 != $0.p95 }
        if !varying.isEmpty {
            s += "\nProducts (converged samples)\n" + head
            for o in varying { s += row(o.column, o) }
        }
        return s
    }

    func driverText(_ st: Statistic, _ count: Int) -> String {
        let ranked = keys.indices.compactMap { k in st.rankCorrelations[k].map { (keys[k], $0) } }
            .sorted { abs($0.1) > abs($1.1) }.prefix(count)
        return ranked.map { "\($0.0) \($0.1 >= 0 ? "+" : "")\(Fmt.f($0.1, 2))" }.joined(separator: ", ")
    }

    /// JSON: {samples, converged, failures: {outcome: count}, varied: [key], allTargetsMet,
    /// limits: [{key, probability, passes, value: statistic}], outputs: [statistic]}, a
    /// statistic being {column, count, mean, p5, p50, p95, rankCorrelations: {key: number or null}}.
    public func json() -> JSONValue {
        func stat(_ st: Statistic) -> JSONValue {
            .object([("column", .string(st.column)), ("count", .integer(st.count)), ("mean", .number(st.mean)), ("p5", .number(st.p5)),
                     ("p50", .number(st.p50)), ("p95", .number(st.p95)),
                     ("rankCorrelations", .object(keys.indices.map { (keys[$0], .optional(st.rankCorrelations[$0])) }))])
        }
        return .object([
            ("format", .string("sxsim-uncertainty")), ("formatVersion", .integer(1)),
            ("samples", .integer(sampleCount)), ("converged", .integer(convergedCount)),
            ("failures", .object(failures.map { ($0.outcome, .integer($0.count)) })),
            ("varied", .array(keys.map { .string($0) })),
            ("allTargetsMet", .optional(allTargetsMet)),
            ("limits", .array(limits.map { l in
                .object([("key", .string(l.key)), ("probability", .number(l.probability)), ("passes", .integer(l.passes)), ("value", stat(l.value))])
            })),
            ("outputs", .array(outputs.map(stat))),
        ])
    }
}
