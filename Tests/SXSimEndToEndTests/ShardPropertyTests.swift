import PropertyBased
import Testing
@testable import SXDesign

/// Properties of shards and of the merge's shard check (issue 14, item 3) over random case and
/// shard counts, with x-sheep/swift-property-based: a failure is shrunk to the smallest case
/// and shard counts that still fail, and reported with its seed (`.fixedSeed("…")` on the test
/// then repeats it). Unlike the project's other randomised tests (SplitMix64 with a fixed
/// seed), each run draws new inputs: the library's fixed-seed trait always records an issue, so
/// it is for reproducing a failure, not for CI. The properties are exact integer facts, so a
/// new input can only find a real bug, never a tolerance.
@Suite("Shards: properties over random case and shard counts")
struct ShardPropertyTests {
    static func parts(total: Int, shards: Int) -> [ShardCoverage.Part] {
        (1...shards).map { k in
            ShardCoverage.Part(name: "part-\(k).csv", cases: (try! SweepShard(index: k, count: shards)).cases(of: total).map(Array.init) ?? [])
        }
    }

    @Test func shardsAreContiguousDisjointBalancedAndFound() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...400), Gen.int(in: 1...500)) { total, shards in
            let parts = Self.parts(total: total, shards: shards)
            #expect(parts.flatMap(\.cases) == Array(1...total), "shards cover 1…\(total) in order, once")
            let sizes = parts.map(\.cases.count)
            #expect(sizes.max()! - sizes.min()! <= 1, "sizes \(Set(sizes)) differ by more than one")
            for (k, part) in parts.enumerated() {
                for n in part.cases { #expect(ShardCoverage.shardIndex(of: n, total: total, shards: shards) == k + 1) }
            }
        }
    }

    @Test func everyShardOnceInAnyOrderIsTheOnlyAcceptedSet() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...200), Gen.int(in: 1...250), Gen.int(in: 0...1_000_000)) { total, shards, pick in
            let parts = Self.parts(total: total, shards: shards)
            // Any order: a rotation and a reversal.
            let r = pick % shards
            #expect(throws: Never.self) { try ShardCoverage.check(Array(parts[r...] + parts[..<r]).reversed(), total: total, shards: shards) }
            // Without one part, or with one part twice: refused, naming the shard or the part.
            var without = parts
            let dropped = without.remove(at: r)
            #expect(throws: SweepError.self) { try ShardCoverage.check(without, total: total, shards: shards) }
            do { try ShardCoverage.check(parts + [dropped], total: total, shards: shards); Issue.record("a repeated part was accepted") } catch let error as SweepError {
                #expect(error.message.contains(dropped.cases.isEmpty ? "header-only" : "given twice"), "\(error.message)")
            }
            // A part of another shard count (when that cuts differently) is refused.
            let other = Self.parts(total: total, shards: shards + 1)
            if let foreign = other.first(where: { p in !p.cases.isEmpty && !parts.contains { $0.cases == p.cases } }) {
                var mixed = parts
                mixed[ShardCoverage.shardIndex(of: foreign.cases[0], total: total, shards: shards)! - 1] = foreign
                #expect(throws: SweepError.self) { try ShardCoverage.check(mixed, total: total, shards: shards) }
            }
        }
    }
}
