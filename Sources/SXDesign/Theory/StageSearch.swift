import Dispatch
import Foundation

/// The exact minimum-stage search over (n, m): n extraction stages, m scrub stages.
///
/// The caller supplies `evaluate(n, m)`, which solves the rigorous model and returns a margin:
/// ≥ 0 when every target is met (the smallest of achieved − target over the targets), or nil
/// when the solve did not converge. The search assumes what Xu's model shows: at a fixed
/// total N the margin rises then falls with the feed position n (one maximum), and the best
/// margin does not fall when N grows. It then confirms its answer by evaluating **every** split
/// of N_min (to list all pairs reaching the targets) and of N_min − 1 (to show none does).
///
/// It stops instead of searching forever when the best margin stops improving while still
/// negative (a purity plateau, e.g. below the minimum fluxes) or when N passes `maximumTotal`.
///
/// Neighbouring splits of one total are one cascade with the feed moved by a stage, so the
/// search names, for each split it evaluates, an already evaluated neighbour of the same total
/// whose solution the evaluator may start from (`WarmEvaluate`; `Designer` warm-starts the
/// solve from it). The neighbour is fixed by the search's path, never by the scheduling of a
/// concurrent scan (scans run in fixed chains of `scanChain` splits), so the margins, and the
/// answer, do not depend on concurrency.
public struct StageSearch: Sendable {
    public typealias Evaluate = @Sendable (_ n: Int, _ m: Int) -> Double?
    /// Evaluates (n, m); `neighbour`, when given, is an evaluated split of the same total to
    /// start the solve from.
    public typealias WarmEvaluate = @Sendable (_ n: Int, _ m: Int, _ neighbour: (n: Int, m: Int)?) -> Double?

    /// Splits per chain of a full scan: each chain is evaluated in order of n on one thread,
    /// each split from the one before it; the chains run concurrently.
    public static let scanChain = 4

    /// Largest total number of stages n + m tried.
    public var maximumTotal: Int
    /// The best margin is taken as a plateau when growing N by half again improves it by less than this.
    public var plateauTolerance: Double
    /// Evaluate full scans concurrently (results do not depend on it).
    public var concurrent: Bool

    public init(maximumTotal: Int = 1000, plateauTolerance: Double = 1e-9, concurrent: Bool = true) {
        self.maximumTotal = maximumTotal
        self.plateauTolerance = plateauTolerance
        self.concurrent = concurrent
    }

    /// A (n, m) pair with its margin.
    public struct Point: Sendable, Equatable {
        public var n: Int
        public var m: Int
        public var margin: Double
        public var total: Int { n + m }
    }

    public enum Outcome: Sendable, Equatable {
        /// The minimal total, every pair reaching it (ascending n), and the best split one
        /// stage below it (its margin is negative).
        case found(minimalTotal: Int, pairs: [Point], bestBelow: Point?)
        /// The best margin stopped improving below zero: the targets are out of reach at these
        /// fluxes however many stages are added. `best` is the best split at the largest N tried.
        case plateau(best: Point)
        /// The targets were not reached within `maximumTotal` stages.
        case notReached(best: Point)
    }

    public struct Result: Sendable, Equatable {
        public var outcome: Outcome
        /// Rigorous solves done.
        public var evaluations: Int
        /// Solves that did not converge (counted as failing the targets).
        public var failedSolves: Int
        /// Every (n, m) solved, with its margin (−∞ for a solve that did not converge), by
        /// total then n: what the design's HTML page plots.
        public var evaluated: [Point] = []
    }

    public func run(startingTotal: Int, startingFraction: Double = 0.5, evaluate: @escaping Evaluate) -> Result {
        run(startingTotal: startingTotal, startingFraction: startingFraction, evaluateFrom: { n, m, _ in evaluate(n, m) })
    }

    public func run(startingTotal: Int, startingFraction: Double = 0.5, evaluateFrom evaluate: @escaping WarmEvaluate) -> Result {
        let cache = EvaluationCache(evaluate)
        var fraction = min(max(startingFraction, 0.02), 0.98)

        // Best split at total N by hill climbing from the previous best feed position.
        func best(_ total: Int) -> Point {
            var n = min(max(Int((fraction * Double(total)).rounded()), 1), total - 1)
            var here = cache.margin(n, total - n, from: nil)
            while true {
                let current = (n: n, m: total - n)
                let up = n + 1 < total ? cache.margin(n + 1, total - n - 1, from: current) : -.infinity
                let down = n - 1 >= 1 ? cache.margin(n - 1, total - n + 1, from: current) : -.infinity
                if up > here && up >= down { n += 1; here = up }
                else if down > here { n -= 1; here = down }
                else { break }
            }
            fraction = Double(n) / Double(total)
            return Point(n: n, m: total - n, margin: here)
        }

        var total = max(2, min(startingTotal, maximumTotal))
        var current = best(total)
        var lowFail: Point? = nil
        var highPass: Point? = nil
        if current.margin >= 0 {
            highPass = current
            // Walk down geometrically, then bisect.
            var step = max(1, total / 8)
            while let pass = highPass, pass.total > 2 {
                let t = max(2, pass.total - step)
                let p = best(t)
                if p.margin >= 0 { highPass = p; step *= 2 } else { lowFail = p; break }
                if t == 2 { break }
            }
        } else {
            lowFail = current
            var previous = current
            while highPass == nil {
                if total >= maximumTotal { return finish(.notReached(best: previous)) }
                total = min(maximumTotal, max(total + 1, Int((Double(total) * 1.5).rounded())))
                current = best(total)
                if current.margin >= 0 { highPass = current; break }
                if current.margin - previous.margin < plateauTolerance && current.total >= 8 {
                    // Confirm with a much longer cascade before declaring a plateau.
                    let far = best(min(maximumTotal, current.total * 2))
                    if far.margin - current.margin < plateauTolerance && far.margin < 0 {
                        return finish(.plateau(best: far))
                    }
                    if far.margin >= 0 { lowFail = current; highPass = far; break }
                    current = far; total = far.total
                }
                lowFail = current
                previous = current
            }
        }
        // Bisection on the total between lowFail (fails) and highPass (passes).
        var high = highPass!
        if var low = lowFail {
            while high.total - low.total > 1 {
                let mid = (high.total + low.total) / 2
                fraction = Double(high.n) / Double(high.total)
                let p = best(mid)
                if p.margin >= 0 { high = p } else { low = p }
            }
        }
        // Confirm by full scans: all pairs at the minimum, none one below (walk down if any).
        var minimal = high.total
        var pairs = scan(minimal, cache).filter { $0.margin >= 0 }
        var below: Point? = nil
        while minimal > 2 {
            let lower = scan(minimal - 1, cache)
            let passing = lower.filter { $0.margin >= 0 }
            if passing.isEmpty { below = lower.max { $0.margin < $1.margin }; break }
            minimal -= 1
            pairs = passing
        }
        return finish(.found(minimalTotal: minimal, pairs: pairs, bestBelow: below))

        func finish(_ o: Outcome) -> Result {
            Result(outcome: o, evaluations: cache.count, failedSolves: cache.failures, evaluated: cache.points)
        }
    }

    private func scan(_ total: Int, _ cache: EvaluationCache) -> [Point] {
        let ns = Array(1..<total)
        let chains = stride(from: 1, to: total, by: Self.scanChain).map { first in
            (first..<min(first + Self.scanChain, total)).map { ($0, total - $0) }
        }
        cache.prefetch(chains, concurrent: concurrent)
        return ns.map { Point(n: $0, m: total - $0, margin: cache.margin($0, total - $0, from: nil)) }
    }
}

/// Memoised margins; failed solves count as −∞.
private final class EvaluationCache: @unchecked Sendable {
    private let evaluate: StageSearch.WarmEvaluate
    private var values: [Int: [Int: Double]] = [:]
    private(set) var count = 0
    private(set) var failures = 0
    private let lock = NSLock()

    init(_ evaluate: @escaping StageSearch.WarmEvaluate) { self.evaluate = evaluate }

    private func cached(_ n: Int, _ m: Int) -> Double? { lock.withLock { values[n]?[m] } }

    /// The margin of (n, m), evaluated (from `neighbour`'s solution) when not yet known.
    func margin(_ n: Int, _ m: Int, from neighbour: (n: Int, m: Int)?) -> Double {
        if let v = cached(n, m) { return v }
        let v = evaluate(n, m, neighbour)
        return store(n, m, v)
    }

    @discardableResult
    private func store(_ n: Int, _ m: Int, _ v: Double?) -> Double {
        lock.withLock {
            count += 1
            if v == nil { failures += 1 }
            let value = v ?? -.infinity
            values[n, default: [:]][m] = value
            return value
        }
    }

    /// Every stored margin, by total then n.
    var points: [StageSearch.Point] {
        lock.withLock {
            values.flatMap { n, row in row.map { StageSearch.Point(n: n, m: $0.key, margin: $0.value) } }
                .sorted { ($0.total, $0.n) < ($1.total, $1.n) }
        }
    }

    /// Evaluates every split of `chains` not yet known: each chain in order, each split from
    /// the split before it in its chain (the first from nobody), the chains concurrently.
    /// Which splits are known beforehand is fixed by the search's path, so every evaluation
    /// starts from the same neighbour whatever the threads do.
    func prefetch(_ chains: [[(Int, Int)]], concurrent: Bool) {
        let missing = chains.map { chain in chain.enumerated().filter { cached($0.element.0, $0.element.1) == nil } }
        let work = missing.indices.filter { !missing[$0].isEmpty }
        @Sendable func run(_ k: Int) -> [(Int, Int, Double?)] {
            missing[k].map { (position, p) in
                let neighbour = position > 0 ? (n: chains[k][position - 1].0, m: chains[k][position - 1].1) : nil
                return (p.0, p.1, evaluate(p.0, p.1, neighbour))
            }
        }
        if !concurrent || work.count < 2 {
            for k in work { for (n, m, v) in run(k) { store(n, m, v) } }
            return
        }
        let results = UnsafeResults<[(Int, Int, Double?)]>(count: work.count)
        DispatchQueue.concurrentPerform(iterations: work.count) { i in results.set(i, run(work[i])) }
        for i in work.indices { for (n, m, v) in results.get(i) ?? [] { store(n, m, v) } }
    }
}

/// Slots written by exactly one concurrent iteration each.
final class UnsafeResults<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: T?) { lock.withLock { storage[i] = v } }
    func get(_ i: Int) -> T? { lock.withLock { storage[i] } }
}
