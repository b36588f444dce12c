import Dispatch
import Foundation

/// Runs sweep cases on several threads. Each case's row is stored at its own position, so the
/// rows — and the CSV — do not depend on the number of threads or on the order in which cases
/// finish.
public enum SweepRunner {
    /// Evaluates `cases` (1-based case numbers of `grid`) with `workers` threads (≥ 1) and
    /// returns one row of cells per case, in case order. Each case is solved on its own.
    /// `progress(done, total)` is called after each case (from worker threads, serialised).
    public static func run(grid: SweepGrid, cases: ClosedRange<Int>?, workers: Int,
                           evaluate: @escaping @Sendable (SweepCase) -> [String],
                           progress: (@Sendable (Int, Int) -> Void)? = nil) -> [(SweepCase, [String])]
    {
        run(grid: grid, cases: cases, workers: workers, chainLength: 1,
            evaluate: { (c: SweepCase, _: Bool?) in (evaluate(c), nil) }, progress: progress)
    }

    /// Cases per warm-start chain for a grid of `caseCount` cases: a function of the grid
    /// alone (never of the threads or the shard), so that every row is computed from the same
    /// chain whatever the scheduling. 8 chains for small grids, at most 64 cases each. Each
    /// chain starts cold, and a shard that begins inside a chain re-solves up to 63 cases
    /// before it; longer chains save cold starts but limit the threads a sweep can use
    /// (measured in docs/sweep.md: 1,000 mass-action cases took 4.3 s of CPU in chains of 32,
    /// 3.7 s in chains of 64, 3.3 s in chains of 125, against 46.5 s all cold).
    public static func chainLength(caseCount: Int) -> Int { max(1, min(64, caseCount / 8)) }

    /// Evaluates `cases` in warm-start chains: the grid's cases 1…K are cut into consecutive
    /// chains of `chainLength` (chain k holds cases k·L + 1 … (k + 1)·L, fixed by the grid, not
    /// by the threads or the shard). One worker evaluates a chain in case order, handing each
    /// case the seed its predecessor returned (nil for the chain's first case), e.g. the last
    /// converged solution to start from. When `cases` begins inside a chain, that chain's
    /// earlier cases are evaluated first for their seeds only (their rows are dropped), so every
    /// row is the one the whole, unsharded sweep computes, byte for byte, for any number of
    /// threads. `progress` counts the cases of `cases` only.
    public static func run<Seed: Sendable>(grid: SweepGrid, cases: ClosedRange<Int>?, workers: Int, chainLength: Int,
                                           evaluate: @escaping @Sendable (SweepCase, Seed?) -> (cells: [String], seed: Seed?),
                                           progress: (@Sendable (Int, Int) -> Void)? = nil) -> [(SweepCase, [String])]
    {
        run(cases: cases, item: { grid.case($0) }, workers: workers, chainLength: chainLength, evaluate: evaluate, progress: progress)
    }

    /// The same for any numbered items (1-based; `item(n)` gives item n, e.g. a sweep case or
    /// an uncertainty sample): rows in item order whatever the threads, chains fixed by
    /// `chainLength` alone.
    public static func run<Item: Sendable, Seed: Sendable>(cases: ClosedRange<Int>?, item: @escaping @Sendable (Int) -> Item, workers: Int,
                                                           chainLength: Int,
                                                           evaluate: @escaping @Sendable (Item, Seed?) -> (cells: [String], seed: Seed?),
                                                           progress: (@Sendable (Int, Int) -> Void)? = nil) -> [(Item, [String])]
    {
        guard let cases else { return [] }
        precondition(chainLength >= 1, "a chain holds at least one case")
        let list = cases.map(item)
        // The chains meeting `cases`, each as the range of grid cases to evaluate (from the
        // chain's start) and its first case inside `cases`.
        let firstChain = (cases.lowerBound - 1) / chainLength, lastChain = (cases.upperBound - 1) / chainLength
        let chains = (firstChain...lastChain).map { k in
            (k * chainLength + 1)...min((k + 1) * chainLength, cases.upperBound)
        }
        let slots = UnsafeResults<[String]>(count: list.count)
        let state = Progress(total: chains.count, cases: list.count, report: progress)
        let threads = max(1, min(workers, chains.count))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let k = state.next() {
                var seed: Seed? = nil
                for number in chains[k] {
                    let (cells, next) = evaluate(number >= cases.lowerBound ? list[number - cases.lowerBound] : item(number), seed)
                    seed = next
                    guard number >= cases.lowerBound else { continue }
                    slots.set(number - cases.lowerBound, cells)
                    state.finished()
                }
            }
        }
        return list.indices.map { (list[$0], slots.get($0) ?? []) }
    }

    /// Hands out work items 0…total−1 and counts finished cases.
    private final class Progress: @unchecked Sendable {
        let total: Int
        let cases: Int
        let report: (@Sendable (Int, Int) -> Void)?
        private var issued = 0, done = 0
        private let lock = NSLock()
        init(total: Int, cases: Int, report: (@Sendable (Int, Int) -> Void)?) {
            self.total = total; self.cases = cases; self.report = report
        }
        func next() -> Int? {
            lock.withLock { () -> Int? in
                guard issued < total else { return nil }
                issued += 1
                return issued - 1
            }
        }
        func finished() {
            lock.lock(); defer { lock.unlock() }
            done += 1
            report?(done, cases)
        }
    }
}

/// The CSV of a sweep: a header `case,<keys…>,<result columns…>` and one row per case in
/// case order. Cells holding a comma, quote or line break are quoted (RFC 4180); line breaks
/// inside cells are replaced by spaces so that every row is one line.
public enum SweepCSV {
    public static func header(grid: SweepGrid, resultColumns: [String]) -> String {
        line(["case"] + grid.parameters.map(\.key) + resultColumns)
    }

    public static func row(_ c: SweepCase, _ cells: [String]) -> String {
        line([String(c.number)] + c.assignments.map(\.value) + cells)
    }

    public static func document(grid: SweepGrid, resultColumns: [String], rows: [(SweepCase, [String])]) -> String {
        ([header(grid: grid, resultColumns: resultColumns)] + rows.map { row($0.0, $0.1) }).map { $0 + "\n" }.joined()
    }

    /// Cells in one CSV line as `line` writes it (commas outside double quotes, plus one).
    static func cellCount(_ line: String) -> Int {
        var quoted = false, cells = 1
        for c in line.unicodeScalars {
            if c == "\"" { quoted.toggle() } else if c == ",", !quoted { cells += 1 }
        }
        return cells
    }

    static func line(_ cells: [String]) -> String {
        cells.map { cell -> String in
            let flat = cell.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
                .replacingOccurrences(of: "\r", with: " ")
            if flat.contains(",") || flat.contains("\"") {
                return "\"" + flat.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return flat
        }.joined(separator: ",")
    }

    /// Cells of one CSV line as `line` writes it: commas inside double quotes belong to the
    /// cell, and a doubled quote inside quotes is one quote.
    static func fields(_ line: Substring) -> [String] {
        var cells: [String] = [], cell = "", quoted = false, previousQuote = false
        for ch in line {
            if ch == "\"" {
                if quoted { quoted = false; previousQuote = true; continue }
                if previousQuote { cell.append("\"") }
                quoted = true
            } else if ch == ",", !quoted {
                cells.append(cell); cell = ""
            } else {
                cell.append(ch)
            }
            previousQuote = false
        }
        return cells + [cell]
    }

    /// Merges the CSVs of a sweep's shards (any order) into the CSV of the whole sweep: checks
    /// that every part has the same header, that no case appears twice and that the cases run
    /// 1…K without a gap (`expectedCases`, when given, must equal K). The result is byte for
    /// byte the CSV of the unsharded run.
    ///
    /// With the `study` the parts came from (the same flowsheet and `--vary` values), it also
    /// refuses parts of another study: a header other than the study's (the first differing
    /// column is named), a case beyond the study's grid, a row whose varied values are not its
    /// case's. With the study's shard count it checks that every shard is present exactly once
    /// (`ShardCoverage`), so a missing last shard is caught too.
    public static func merge(_ parts: [(name: String, text: String)], expectedCases: Int? = nil,
                             study: SweepStudy? = nil, indexColumn: String = "case") throws(SweepError) -> String {
        // `indexColumn` names the first column ("case" for a sweep, "sample" for an uncertainty
        // study, whose CSV follows the same conventions).
        let what = indexColumn == "case" ? "sweep" : "study"
        guard !parts.isEmpty else { throw SweepError("no parts to merge") }
        var header: String? = study?.header
        var rows: [Int: (line: String, part: String)] = [:]
        var coverage: [ShardCoverage.Part] = []
        let limit = study?.grid.caseCount ?? SweepGrid.maximumCases
        for part in parts {
            var lines = part.text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).map(String.init)
            guard !lines.isEmpty else { throw SweepError("\(part.name): empty (not a \(what) CSV)") }
            let h = lines.removeFirst()
            guard h.hasPrefix(indexColumn + ",") else { throw SweepError("\(part.name): the first line is not a \(what) header (\(indexColumn),...)") }
            if let header, header != h {
                guard study != nil else {
                    throw SweepError("\(part.name): its header differs from the first part's; the parts come from different \(what)s")
                }
                let mine = fields(h[...]), theirs = fields(header[...])
                let k = zip(mine, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(mine.count, theirs.count)
                let difference = k < min(mine.count, theirs.count)
                    ? "column \(k + 1) is '\(mine[k])' where this study has '\(theirs[k])'"
                    : "it has \(mine.count) columns where this study has \(theirs.count)"
                throw SweepError("\(part.name): not a part of this study: \(difference) (another flowsheet or other --vary keys?)")
            }
            header = h
            let columns = cellCount(h)
            var numbers: [Int] = []
            numbers.reserveCapacity(lines.count)
            for (k, l) in lines.enumerated() {
                guard let comma = l.firstIndex(of: ","), let n = Int(l[..<comma]), n >= 1 else {
                    throw SweepError("\(part.name):\(k + 2): a row must start with its \(indexColumn) number")
                }
                guard n <= limit else {
                    throw SweepError(study == nil ? "\(part.name):\(k + 2): \(indexColumn) \(n) is beyond any \(what) (at most \(SweepGrid.maximumCases) \(indexColumn)s)"
                                     : "\(part.name):\(k + 2): case \(n) is beyond this study's \(limit) cases; the part comes from another study")
                }
                guard cellCount(l) == columns else {
                    throw SweepError("\(part.name):\(k + 2): \(cellCount(l)) cells where the header has \(columns); is the part truncated?")
                }
                if let grid = study?.grid {
                    let expected = grid.case(n)
                    if !l.hasPrefix(line([String(n)] + expected.assignments.map(\.value)) + ",") {
                        let cells = fields(l[...]).dropFirst()
                        let (key, value) = zip(expected.assignments, cells).first { $0.value != $1 }.map { ($0.0.key, $0.1) } ?? ("?", "?")
                        let wanted = expected.assignments.first { $0.key == key }?.value ?? "?"
                        throw SweepError("\(part.name):\(k + 2): case \(n) has \(key)=\(value) where this study has \(key)=\(wanted); "
                                         + "the part comes from another study (other --vary values)")
                    }
                }
                numbers.append(n)
                if study?.shards == nil, let other = rows[n] { throw SweepError("\(indexColumn) \(n) is in both \(other.part) and \(part.name)") }
                rows[n] = (l, part.name)
            }
            coverage.append(ShardCoverage.Part(name: part.name, cases: numbers))
        }
        if let study, let shards = study.shards {
            try ShardCoverage.check(coverage, total: study.grid.caseCount, shards: shards)
        }
        let numbers = rows.keys.sorted()
        let count = numbers.last ?? 0
        if numbers.count != count {
            // The gaps, from the sorted numbers (never a set of 1…count: a row numbered 10⁸ took 2.3 GB).
            var missing: [ClosedRange<Int>] = []
            var next = 1
            for n in numbers {
                if n > next { missing.append(next...(n - 1)) }
                next = n + 1
            }
            let total = missing.reduce(0) { $0 + $1.count }
            let shown = missing.prefix(5).map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)–\($0.upperBound)" }
            throw SweepError("\(total) \(indexColumn)(s) missing: \(shown.joined(separator: ", "))\(missing.count > 5 ? ", …" : ""); is a shard missing or incomplete?")
        }
        if let expected = expectedCases ?? study?.grid.caseCount, expected != count {
            throw SweepError("the parts hold \(indexColumn)s 1…\(count) but the \(what) has \(expected); is the last shard missing?")
        }
        return ([header!] + numbers.map { rows[$0]!.line }).map { $0 + "\n" }.joined()
    }
}

/// What a merge knows of the study its parts came from: its grid (case count and varied
/// values), the header its parts must have, and, when the parts are a job array's, the number
/// of shards it was cut into.
public struct SweepStudy: Sendable {
    public var grid: SweepGrid
    public var header: String
    public var shards: Int?

    public init(grid: SweepGrid, resultColumns: [String], shards: Int? = nil) {
        self.grid = grid
        self.header = SweepCSV.header(grid: grid, resultColumns: resultColumns)
        self.shards = shards
    }
}
