/// Checks, at merge time, that the parts of a study run as N shards (`--shard I/N`, e.g. a
/// Slurm job array) hold every shard exactly once. Generic over what a case is: any command
/// that numbers its cases 1…total and cuts them with `SweepShard` (sweeps; uncertainty
/// samples) can call it with each part's case numbers.
///
/// What it can tell from the case numbers alone: a part that is not one whole shard of N (run
/// with another N, truncated, or from another study), a shard given twice, a shard missing.
/// Shards that hold no case (N larger than the case count) write header-only parts, which are
/// interchangeable: only their number is checked.
public enum ShardCoverage {
    /// One part as the merge read it: its name (file) and its case numbers, in file order.
    public struct Part: Sendable, Equatable {
        public var name: String
        public var cases: [Int]
        public init(name: String, cases: [Int]) {
            self.name = name
            self.cases = cases
        }
    }

    /// Throws the first problem found, naming parts and shards ("shard 3/4 (cases 7–9) is missing").
    public static func check(_ parts: [Part], total: Int, shards: Int) throws(SweepError) {
        guard shards >= 1 else { throw SweepError("--shards \(shards): need at least 1 shard") }
        func block(_ k: Int) -> ClosedRange<Int>? { (try? SweepShard(index: k, count: shards))?.cases(of: total) }
        func describe(_ k: Int) -> String {
            guard let b = block(k) else { return "shard \(k)/\(shards) (no case)" }
            return "shard \(k)/\(shards) (\(cases(b)))"
        }
        var owner: [Int: String] = [:]    // shard index → part name
        var empty: [String] = []
        for part in parts {
            guard let first = part.cases.first else { empty.append(part.name); continue }
            // The shard whose block holds the part's first case; SweepShard's blocks are
            // contiguous and increasing, so it is found by bisection (N may be huge).
            guard let k = shardIndex(of: first, total: total, shards: shards), let b = block(k) else {
                throw SweepError("\(part.name): case \(first) is not a case of this study (1…\(total))")
            }
            if part.cases != Array(b) {
                let sorted = part.cases.sorted()
                if sorted.allSatisfy(b.contains) {
                    let missing = b.count - Set(sorted).count
                    throw SweepError("\(part.name): \(describe(k)) should hold \(b.count) case(s) but \(missing) of them are missing; "
                                     + "was the shard cut short? run it again")
                }
                throw SweepError("\(part.name) holds \(cases(sorted.first!...sorted.last!)), which is not one of \(shards) shards "
                                 + "(\(describe(k)) is the one its first case falls in); was it run with another --shard count?")
            }
            if let other = owner[k] {
                throw SweepError("\(describe(k)) is given twice: \(other) and \(part.name); give each shard's part once")
            }
            owner[k] = part.name
        }
        // Shards with cases but no part. Only the first few are named; N may be large.
        var missing: [Int] = []
        var next: Int? = 1
        while let k = next, missing.count < 6 {
            if owner[k] == nil, block(k) != nil { missing.append(k) }
            if k == shards { break }
            next = block(k) == nil ? nextNonEmpty(after: k, total: total, shards: shards) : k + 1
        }
        if !missing.isEmpty {
            let nonEmpty = min(shards, total)
            let absent = nonEmpty - owner.count
            let named = missing.prefix(5).map(describe).joined(separator: ", ")
            throw SweepError("\(absent) of \(shards) shards missing: \(named)\(absent > 5 ? ", …" : ""); "
                             + "run \(absent == 1 ? "it" : "them") (--shard I/\(shards)) or give \(absent == 1 ? "its part" : "their parts")")
        }
        let emptyBlocks = shards - min(shards, total)
        if empty.count != emptyBlocks {
            if emptyBlocks == 0 {
                throw SweepError("\(empty.joined(separator: ", ")) hold\(empty.count == 1 ? "s" : "") no case, but every one of the \(shards) shards "
                                 + "of \(total) cases holds cases; a part of another study, or of a shard that failed?")
            }
            throw SweepError("\(emptyBlocks) of the \(shards) shards hold no case and each writes a header-only part; "
                             + "\(empty.count) header-only part\(empty.count == 1 ? " was" : "s were") given")
        }
    }

    /// "cases 7–9", "case 7".
    static func cases(_ r: ClosedRange<Int>) -> String {
        r.count == 1 ? "case \(r.lowerBound)" : "cases \(r.lowerBound)–\(r.upperBound)"
    }

    /// The index of the shard whose block holds `n` (nil outside 1…total).
    static func shardIndex(of n: Int, total: Int, shards: Int) -> Int? {
        guard (1...total).contains(n) else { return nil }
        // Largest k with lower bound (k − 1)·total/shards < n.
        var lo = 1, hi = shards
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2
            let start = shards.dividingFullWidth((mid - 1).multipliedFullWidth(by: total)).quotient
            if start < n { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The next shard after `k` that holds a case (nil when none does).
    static func nextNonEmpty(after k: Int, total: Int, shards: Int) -> Int? {
        let bound = shards.dividingFullWidth(k.multipliedFullWidth(by: total)).quotient   // last case before shard k + 1
        return bound >= total ? nil : shardIndex(of: bound + 1, total: total, shards: shards)
    }
}
