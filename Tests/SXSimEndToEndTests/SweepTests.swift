import Foundation
import Testing
import SXModel
@testable import SXDesign

/// Sweeps (issue 5): grids, shards and their merge, and independence of the thread count.
@Suite("Sweep")
struct SweepTests {
    @Test("Parameter forms: range, integer range, list, unit suffix")
    func parsing() throws {
        #expect(try SweepParameter.parse("a.b=0:1:5").values == ["0", "0.25", "0.5", "0.75", "1"])
        #expect(try SweepParameter.parse("stages=10:20:6").values == ["10", "12", "14", "16", "18", "20"])
        #expect(try SweepParameter.parse("stages=10:20:4").values == ["10", "13.3333333333333", "16.6666666666667", "20"])
        // Grid arithmetic's round-off is not written out: 20.09 + 7 × 0.0025 is 20.107499999999998.
        #expect(try SweepParameter.parse("streams.organic.flow=20.09:20.11:9 L/h").values[7] == "20.1075 L/h")
        #expect(try SweepParameter.parse("x=1e-5:1e-5:1").values == ["1e-05"])
        #expect(try SweepParameter.parse("model = constant-D, separation-factors").values == ["constant-D", "separation-factors"])
        #expect(try SweepParameter.parse("feeds.feed.flow=1:2:3 L/h").values == ["1 L/h", "1.5 L/h", "2 L/h"])
        #expect(throws: SweepError.self) { try SweepParameter.parse("novalue") }
        #expect(throws: SweepError.self) { try SweepParameter.parse("k=1:2") }
        #expect(throws: SweepError.self) { try SweepParameter.parse("k=1:2:0") }
        #expect(throws: SweepError.self) { try SweepShard.parse("0/4") }
        #expect(throws: SweepError.self) { try SweepGrid([SweepParameter(key: "k", values: ["1"]), SweepParameter(key: "k", values: ["2"])]) }
    }

    @Test("Grid order: first parameter slowest; shards are contiguous, disjoint and cover the grid")
    func gridAndShards() throws {
        let grid = try SweepGrid([SweepParameter(key: "a", values: ["1", "2"]), SweepParameter(key: "b", values: ["x", "y", "z"])])
        #expect(grid.caseCount == 6)
        #expect(grid.case(1).assignments.map(\.value) == ["1", "x"])
        #expect(grid.case(4).assignments.map(\.value) == ["2", "x"])
        for n in 1...8 {
            let parts = try (1...n).compactMap { try SweepShard(index: $0, count: n).cases(of: 6) }
            #expect(parts.flatMap { Array($0) } == Array(1...6), "\(n) shards")
        }
    }

    /// A sweep over Xu's X1 cascade (docs/references.md [RC-X1]) varying the stage numbers and the scrub flux.
    static let grid = try! SweepGrid([try! SweepParameter.parse("n=15:19:3"), try! SweepParameter.parse("m=18:22:3"),
                                      try! SweepParameter.parse("w=3.2:3.5:3")])

    static func evaluate(_ c: SweepCase) -> [String] {
        let v = Dictionary(uniqueKeysWithValues: c.assignments.map { ($0.key, $0.value) })
        let w = Double(v["w"]!)!
        let cascade = xu(n: Int(v["n"]!)!, m: Int(v["m"]!)!, s: w + 0.75, w: w)
        // Runs on SweepRunner's worker threads: no expectations here (they belong to the test's
        // own task); the outcome and closure travel in the row and are checked by `solvedAndConserved`.
        guard let r = try? CascadeSolver.solve(cascade) else { return SweepColumns.failure("spec", columns: columns.count) }
        return SweepColumns.cells(r, outlets: ["raffinate", "organic out"])
    }

    /// Every row converged and conserves each element to 1e-10 (its `closure` cell).
    static func solvedAndConserved(_ rows: [(SweepCase, [String])], sourceLocation: SourceLocation = #_sourceLocation) {
        let closure = columns.firstIndex(of: "closure")!
        for (c, cells) in rows {
            #expect(cells.first == "converged", "case \(c.number): \(cells.prefix(2))", sourceLocation: sourceLocation)
            #expect(Double(cells[closure]).map { abs($0) <= 1e-10 } == true, "closure \(cells[closure]) in case \(c.number)", sourceLocation: sourceLocation)
        }
    }

    static let columns = SweepColumns.header(outlets: ["raffinate", "organic out"], elements: [.Nd, .Pr])

    static func xu(n: Int, m: Int, s: Double, w: Double) -> Cascade {
        let eq = SeparationFactorModel(separationFactors: [1.5, 1], organicLoading: 1)
        return Cascade(elements: [.Nd, .Pr],
                       sections: [Section(name: "extraction", stageCount: n, equilibrium: eq),
                                  Section(name: "scrub", stageCount: m, equilibrium: eq)],
                       aqueousFeeds: [AqueousFeed(name: "feed", stage: n, flow: 1, concentrations: [0.75, 0.25]),
                                      AqueousFeed(name: "scrub", stage: n + m, flow: 1, concentrations: [0, 0], acidity: 3 * w)],
                       organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: s, concentrations: [0, 0])])
    }

    static func csv(workers: Int, cases: ClosedRange<Int>?) -> String {
        let rows = SweepRunner.run(grid: grid, cases: cases, workers: workers, evaluate: evaluate)
        solvedAndConserved(rows)
        return SweepCSV.document(grid: grid, resultColumns: columns, rows: rows)
    }

    @Test("The CSV is identical for 1, 2 and 3 threads")
    func threadIndependence() {
        let one = Self.csv(workers: 1, cases: 1...Self.grid.caseCount)
        #expect(one.split(separator: "\n").count == 28)
        #expect(Self.csv(workers: 2, cases: 1...Self.grid.caseCount) == one)
        #expect(Self.csv(workers: 3, cases: 1...Self.grid.caseCount) == one)
    }

    @Test("Shards merged (in any order) equal the unsharded sweep; bad merges are refused")
    func shardsMerge() throws {
        let whole = Self.csv(workers: 2, cases: 1...Self.grid.caseCount)
        let parts = try (1...4).map { i in
            (name: "part\(i).csv", text: Self.csv(workers: 2, cases: try SweepShard(index: i, count: 4).cases(of: Self.grid.caseCount)))
        }
        #expect(try SweepCSV.merge(parts.reversed(), expectedCases: 27) == whole)
        #expect(parts.map(\.text).joined().split(separator: "\n").count == 27 + 4)  // four headers
        #expect(throws: SweepError.self) { try SweepCSV.merge([parts[0], parts[2]]) }           // gap
        #expect(throws: SweepError.self) { try SweepCSV.merge([parts[0], parts[0]]) }           // duplicate
        #expect(throws: SweepError.self) { try SweepCSV.merge(Array(parts.prefix(3)), expectedCases: 27) }  // last missing
    }

    // MARK: Warm-start chains (issue 9, item 6)

    /// Counts the cases a sweep answered from a warm start (tests run concurrently: one per sweep).
    final class WarmCount: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.withLock { value += 1 } }
        var count: Int { lock.withLock { value } }
    }

    /// `evaluate` with a warm start from the last converged result of the case's chain.
    static func evaluateWarm(_ c: SweepCase, _ previous: CascadeResult?, _ warm: WarmCount) -> (cells: [String], seed: CascadeResult?) {
        let v = Dictionary(uniqueKeysWithValues: c.assignments.map { ($0.key, $0.value) })
        let w = Double(v["w"]!)!
        let cascade = xu(n: Int(v["n"]!)!, m: Int(v["m"]!)!, s: w + 0.75, w: w)
        guard let r = try? CascadeSolver.solve(cascade, startingFrom: previous) else {
            return (SweepColumns.failure("spec", columns: columns.count), previous)
        }
        if r.startedWarm { warm.add() }
        return (SweepColumns.cells(r, outlets: ["raffinate", "organic out"]), r.outcome.isConverged ? r : previous)
    }

    /// The cells of one CSV line as `SweepCSV` writes it (commas inside quotes belong to the
    /// cell; the quotes themselves are dropped, enough to compare cells).
    static func fields(_ line: Substring) -> [String] {
        var cells: [String] = [], cell = "", quoted = false
        var chars = line.makeIterator()
        while let ch = chars.next() {
            if ch == "\"" { quoted.toggle() }
            else if ch == ",", !quoted { cells.append(cell); cell = "" }
            else { cell.append(ch) }
        }
        return cells + [cell]
    }

    static func warmCSV(workers: Int, cases: ClosedRange<Int>?, warm: WarmCount = WarmCount()) -> String {
        let rows = SweepRunner.run(grid: grid, cases: cases, workers: workers,
                                   chainLength: SweepRunner.chainLength(caseCount: grid.caseCount),
                                   evaluate: { c, previous in evaluateWarm(c, previous, warm) })
        solvedAndConserved(rows)
        return SweepCSV.document(grid: grid, resultColumns: columns, rows: rows)
    }

    @Test("Warm-started sweep: the CSV is identical for 1, 2 and 3 threads, and cases do start warm")
    func warmThreadIndependence() {
        let warm = WarmCount()
        let one = Self.warmCSV(workers: 1, cases: 1...Self.grid.caseCount, warm: warm)
        #expect(one.split(separator: "\n").count == 28)
        // 27 cases in chains of 3 (SweepRunner.chainLength): the last parameter (w) varies
        // fastest, so the second and third case of each chain differ from the first in w only.
        #expect(SweepRunner.chainLength(caseCount: 27) == 3)
        #expect(warm.count == 18, "cases answered from a warm start: \(warm.count) of 27")
        #expect(Self.warmCSV(workers: 2, cases: 1...Self.grid.caseCount) == one)
        #expect(Self.warmCSV(workers: 3, cases: 1...Self.grid.caseCount) == one)
    }

    @Test("Warm-started sweep: shards (some starting inside a chain) merge into the unsharded CSV")
    func warmShardsMerge() throws {
        let whole = Self.warmCSV(workers: 2, cases: 1...Self.grid.caseCount)
        for count in [4, 5, 27] {   // blocks 7/7/7/6 and 6/6/5/5/5 start inside chains of 3
            let parts = try (1...count).map { i in
                (name: "part\(i).csv", text: Self.warmCSV(workers: 3, cases: try SweepShard(index: i, count: count).cases(of: Self.grid.caseCount)))
            }
            #expect(try SweepCSV.merge(parts.reversed(), expectedCases: 27) == whole, "\(count) shards")
        }
    }

    @Test("Warm-started and cold sweeps agree: same outcomes, purities and recoveries within 1e-9")
    func warmAgreesWithCold() {
        let cold = Self.csv(workers: 2, cases: 1...Self.grid.caseCount).split(separator: "\n").map { Self.fields($0) }
        let warm = Self.warmCSV(workers: 2, cases: 1...Self.grid.caseCount).split(separator: "\n").map { Self.fields($0) }
        #expect(cold.count == warm.count)
        let header = cold[0]
        let numeric = header.indices.filter { header[$0].hasSuffix(".purity") || header[$0].hasSuffix(".recovery") }
        for (c, w) in zip(cold.dropFirst(), warm.dropFirst()) {
            #expect(c[0] == w[0] && c[header.firstIndex(of: "outcome")!] == w[header.firstIndex(of: "outcome")!])
            for k in numeric {
                let a = Double(c[k])!, b = Double(w[k])!
                #expect(abs(a - b) <= 1e-9 * max(abs(a), 1e-300), "case \(c[0]) \(header[k]): cold \(a), warm \(b)")
            }
        }
    }

    @Test("X1 appears in the sweep with its reference purities (docs/references.md [RC-X1], 1e-5)")
    func x1InSweep() throws {
        let grid = try SweepGrid([SweepParameter(key: "n", values: ["17"]), SweepParameter(key: "m", values: ["20"]),
                                  SweepParameter(key: "w", values: ["3.35"])])
        let rows = SweepRunner.run(grid: grid, cases: 1...1, workers: 1, evaluate: Self.evaluate)
        Self.solvedAndConserved(rows)
        let cells = rows[0].1
        let purity = { (name: String) in Double(cells[Self.columns.firstIndex(of: name)!])! }
        #expect(cells[0] == "converged")
        #expect(abs(Double(cells[Self.columns.firstIndex(of: "organic out.Nd.recovery")!])! - 0.995689) <= 1e-5)
        #expect(abs(Double(cells[Self.columns.firstIndex(of: "raffinate.Pr.recovery")!])! - 0.987068) <= 1e-5)
        #expect(purity("organic out.Nd.purity") > 0.995)
    }
}

/// Issue 13, item 17: sizes and integer limits are checked up front and answered with a message.
@Suite("Sweep: integer and size limits")
struct SweepLimitTests {
    /// --shard 9223372036854775807/9223372036854775807 ended in SIGILL ((I − 1)·total overflowed).
    @Test func shardAtIntMaxIsComputedInFullWidth() throws {
        let shard = try SweepShard.parse("9223372036854775807/9223372036854775807")
        #expect(shard.cases(of: 3) == 3...3)   // the last block holds the last case
        #expect(try SweepShard.parse("1/9223372036854775807").cases(of: 3) == nil)
    }

    /// A range at Int64's limits overflowed computing its step.
    @Test func rangeAtIntLimitsIsRefusedOrExact() throws {
        #expect(throws: SweepError.self) { try SweepParameter.parse("k=-9223372036854775808:9223372036854775807:3") }
        #expect(try SweepParameter.parse("k=0:9223372036854775807:2").values == ["0", "9223372036854775807"])
        #expect(throws: SweepError.self) { try SweepParameter.parse("k=0:1:2000000") }
    }

    /// 1000 × 1000 × 1000 aborted allocating 16 GB.
    @Test func hugeGridIsRefusedBeforeAllocating() throws {
        let p = { (k: String) in try SweepParameter.parse("\(k)=1:1000:1000") }
        #expect(throws: SweepError.self) { try SweepGrid([try p("a"), try p("b"), try p("c")]) }
        #expect(try SweepGrid([try p("a"), try p("b")]).caseCount == 1_000_000)
    }

    /// A merged row numbered 9223372036854775807 ended in SIGILL, one numbered 10⁸ took 57 s and
    /// 2.3 GB; a truncated row was accepted.
    @Test func mergeValidatesRowsAndReportsGapsCheaply() throws {
        let header = "case,k,r\n"
        func refuses(_ text: String, saying words: String) {
            do { _ = try SweepCSV.merge([("a.csv", header + "1,x,1\n"), ("b.csv", header + text)]); Issue.record("accepted \(text)") } catch {
                #expect(error.message.contains(words), "\(error.message)")
            }
        }
        refuses("9223372036854775807,x,1\n", saying: "beyond any sweep")
        refuses("100000000,x,1\n", saying: "beyond any sweep")
        refuses("2,x\n", saying: "2 cells where the header has 3")
        refuses("5,x,1\n", saying: "3 case(s) missing: 2–4")
        #expect(try SweepCSV.merge([("a.csv", header + "1,x,1\n"), ("b.csv", header + "2,\"a,b\",1\n")]) == header + "1,x,1\n2,\"a,b\",1\n")
    }
}
