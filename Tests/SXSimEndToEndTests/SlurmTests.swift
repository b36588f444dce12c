import ArgumentParser
import Foundation
import Testing
@testable import SXDesign
@testable import sxsim

/// Issue 14, item 3: sweeps as a Slurm job array. The merge checks every shard is there once
/// (ShardCoverage, SweepStudy); `sxsim slurm` writes the script. The real round trip on a
/// one-node Slurm is `.ci/slurm-roundtrip`, which CI runs.
@Suite("Slurm: shards present exactly once, and the job-array script")
struct SlurmTests {
    /// Parts of a sweep of 10 cases in 4 shards (blocks 1–2, 3–5, 6–7, 8–10), as case lists.
    static func parts(_ shards: Int = 4, total: Int = 10) -> [ShardCoverage.Part] {
        (1...shards).map { k in
            ShardCoverage.Part(name: "part-\(k).csv", cases: (try! SweepShard(index: k, count: shards)).cases(of: total).map(Array.init) ?? [])
        }
    }

    static func refusal(_ parts: [ShardCoverage.Part], total: Int = 10, shards: Int = 4) -> String? {
        do { try ShardCoverage.check(parts, total: total, shards: shards); return nil } catch { return error.message }
    }

    @Test func everyShardOnceIsAccepted() throws {
        try ShardCoverage.check(Self.parts(), total: 10, shards: 4)
        try ShardCoverage.check(Self.parts().reversed(), total: 10, shards: 4)
        // More shards than cases: 3 empty shards write header-only parts.
        try ShardCoverage.check(Self.parts(5, total: 2), total: 2, shards: 5)
        #expect(Self.parts(5, total: 2).filter(\.cases.isEmpty).count == 3)
    }

    @Test func missingRepeatedForeignAndCutShortAreNamed() {
        var p = Self.parts()
        #expect(Self.refusal(Array(p.prefix(3))) == "1 of 4 shards missing: shard 4/4 (cases 8–10); run it (--shard I/4) or give its part")
        #expect(Self.refusal([p[0], p[3]])?.hasPrefix("2 of 4 shards missing: shard 2/4 (cases 3–5), shard 3/4 (cases 6–7)") == true)
        #expect(Self.refusal(p + [ShardCoverage.Part(name: "copy.csv", cases: [3, 4, 5])])
                == "shard 2/4 (cases 3–5) is given twice: part-2.csv and copy.csv; give each shard's part once")
        // A part of a 5-shard run among 4-shard parts.
        p[1] = ShardCoverage.Part(name: "five.csv", cases: [5, 6])
        #expect(Self.refusal(p)?.contains("which is not one of 4 shards") == true)
        p[1] = ShardCoverage.Part(name: "short.csv", cases: [3, 4])
        #expect(Self.refusal(p)?.contains("shard 2/4 (cases 3–5) should hold 3 case(s) but 1 of them are missing") == true)
        p[1] = ShardCoverage.Part(name: "far.csv", cases: [11])
        #expect(Self.refusal(p) == "far.csv: case 11 is not a case of this study (1…10)")
        // A header-only part where every shard holds cases; one too few header-only parts.
        #expect(Self.refusal(Self.parts() + [ShardCoverage.Part(name: "empty.csv", cases: [])])?.contains("empty.csv holds no case") == true)
        #expect(Self.refusal(Array(Self.parts(5, total: 2).dropFirst()), total: 2, shards: 5)?
                .contains("3 of the 5 shards hold no case and each writes a header-only part; 2 header-only parts were given") == true)
    }

    @Test func hugeShardCountsAreCheckedWithoutWalkingEveryShard() {
        let n = Int.max
        let parts = (1...3).map { c in ShardCoverage.Part(name: "p\(c)", cases: [c]) }
        #expect(ShardCoverage.shardIndex(of: 3, total: 3, shards: n) == n)
        #expect(Self.refusal(Array(parts.prefix(2)), total: 3, shards: n)?.hasPrefix("1 of \(n) shards missing: shard \(n)/\(n) (case 3)") == true)
    }

    // MARK: The merge with the study

    /// 6 cases; a value with a comma, which the CSV quotes.
    static let grid = try! SweepGrid([try! SweepParameter.parse("a=1:3:3"), SweepParameter(key: "b", values: ["x", "y,z"])])
    static let columns = ["outcome", "value"]

    /// The CSV of the grid's cases `range`, with made-up results.
    static func part(_ range: ClosedRange<Int>?, grid: SweepGrid = grid) -> String {
        let rows = (range.map(Array.init) ?? []).map { n in (grid.case(n), ["converged", "\(Double(n) / 8)"]) }
        return SweepCSV.document(grid: grid, resultColumns: columns, rows: rows)
    }

    static func merge(_ parts: [(String, String)], shards: Int? = 4) -> Result<String, SweepError> {
        Result { () throws(SweepError) in
            try SweepCSV.merge(parts.map { (name: $0.0, text: $0.1) }, study: SweepStudy(grid: grid, resultColumns: columns, shards: shards))
        }
    }

    @Test func studyMergeEqualsTheWholeAndRefusesForeignParts() throws {
        let whole = Self.part(1...6)
        let parts = try (1...4).map { k in ("part-\(k).csv", Self.part(try SweepShard(index: k, count: 4).cases(of: 6))) }
        #expect(try Self.merge(parts.reversed()).get() == whole)
        #expect(try Self.merge(parts, shards: nil).get() == whole)
        // The last shard missing is seen, with or without the shard count.
        #expect(throws: SweepError.self) { try Self.merge(Array(parts.prefix(3)), shards: nil).get() }
        guard case .failure(let missing) = Self.merge(Array(parts.prefix(3))) else { Issue.record("accepted"); return }
        #expect(missing.message == "1 of 4 shards missing: shard 4/4 (cases 5–6); run it (--shard I/4) or give its part")
        // Another study's values for the same keys.
        let other = try SweepGrid([try SweepParameter.parse("a=1:3:3"), try SweepParameter.parse("b=x,w")])
        var foreign = parts
        foreign[1] = ("old.csv", Self.part(2...3, grid: other))
        guard case .failure(let e) = Self.merge(foreign) else { Issue.record("accepted a foreign part"); return }
        #expect(e.message == "old.csv:2: case 2 has b=w where this study has b=y,z; the part comes from another study (other --vary values)")
        // Another header: the first differing column is named.
        foreign[1] = ("other.csv", Self.part(2...3).replacingOccurrences(of: "case,a,b,outcome,value", with: "case,a,c,outcome,value"))
        guard case .failure(let h) = Self.merge(foreign) else { Issue.record("accepted another header"); return }
        #expect(h.message == "other.csv: not a part of this study: column 3 is 'c' where this study has 'b' (another flowsheet or other --vary keys?)")
        // A case beyond the grid.
        foreign[1] = ("big.csv", Self.part(nil) + "7,1,x,converged,1\n")
        guard case .failure(let b) = Self.merge(foreign) else { Issue.record("accepted case 7"); return }
        #expect(b.message == "big.csv:2: case 7 is beyond this study's 6 cases; the part comes from another study")
    }

    @Test func csvFieldsFollowTheWriter() {
        #expect(SweepCSV.fields("1,\"a,b\",\"say \"\"hi\"\"\",") == ["1", "a,b", "say \"hi\"", ""])
    }

    // MARK: The script

    static let script = SlurmScript(name: "prnd", command: ["sweep", "my flows/prnd.yaml", "--vary", "streams.feed.flow=1:2:3 L/h"],
                                    mergeCommand: ["sweep", "my flows/prnd.yaml", "--vary", "streams.feed.flow=1:2:3 L/h"],
                                    inputs: ["my flows/prnd.yaml"], shards: 16, executable: "/opt/sxsim/bin/sxsim",
                                    workingDirectory: "/home/me/study", partsDirectory: "prnd.parts", result: "prnd.csv",
                                    sbatchOptions: ["--partition=short", "--time=00:30:00"], version: "0.1.0")

    @Test func scriptRunsOneShardPerTaskAndMergesEveryPart() {
        let text = Self.script.rendered()
        for line in ["#SBATCH --array=1-16", "#SBATCH --job-name=prnd", "#SBATCH --chdir=/home/me/study", "#SBATCH --partition=short",
                     "#SBATCH --time=00:30:00", "shards=16",
                     "command=(sweep 'my flows/prnd.yaml' --vary 'streams.feed.flow=1:2:3 L/h')",
                     #"exec "$sxsim" "${command[@]}" --shard "$i/$shards" -o "$parts/part-$i.csv" --force"#,
                     "merge_command=(sweep 'my flows/prnd.yaml' --vary 'streams.feed.flow=1:2:3 L/h' --merge)",
                     "shards_option=(--shards 16)",
                     #""$sxsim" "${merge_command[@]}" "${list[@]}" "${shards_option[@]}" -o "$result" --force"#,
                     "--dependency=afterok:\"$array\" --kill-on-invalid-dep=yes"] {
            #expect(text.contains(line), "missing: \(line)")
        }
        #expect(text.hasPrefix("#!/bin/bash\n"))
        // #SBATCH lines must come before the first command, or sbatch ignores them.
        let lines = text.split(separator: "\n")
        let lastDirective = lines.lastIndex { $0.hasPrefix("#SBATCH") }!
        let firstCommand = lines.firstIndex { !$0.hasPrefix("#") }!
        #expect(lastDirective < firstCommand)
    }

    /// A command whose merge takes the parts alone (no study, no --shards) gets that merge.
    @Test func mergeOfPartsAloneIsWrittenAsSuch() {
        var script = Self.script
        script.mergeCommand = ["uncertainty"]
        script.mergeChecksShards = false
        let text = script.rendered()
        #expect(text.contains("merge_command=(uncertainty --merge)\n"))
        #expect(text.contains("shards_option=()\n"))
    }

    @Test func shellQuotingSurvivesBash() throws {
        let words = ["plain", "two words", "it's", "$HOME", "a\"b", "`x`", "*", ""]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", "a=\(SlurmScript.array(words)); printf '%s\\n' \"${a[@]}\""]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed == words.map { $0 + "\n" }.joined())
    }

    @Test func scriptIsValidBash() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sxsim-slurm-\(getpid()).sbatch")
        try Self.script.rendered().write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-n", file.path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    // MARK: The command

    static func parse(_ arguments: [String]) throws -> Slurm {
        try #require(try SXSimCommand.parseAsRoot(["slurm"] + arguments) as? Slurm)
    }

    @Test func commandTakesTheStudyAfterItsOptions() throws {
        let example = Repository.flowsheets.appendingPathComponent("kremser.yaml").path
        let s = try Self.parse(["--shards", "4", "--", "sweep", example, "--vary", "streams.feed.flow=80:120:5 L/h"])
        #expect(s.distributed == ["sweep", example, "--vary", "streams.feed.flow=80:120:5 L/h"])
        #expect(try s.shardable().inputFiles == [example])
        let bare = try Self.parse(["--shards", "4", "sweep", example, "--vary", "k=1"])
        #expect(bare.distributed.first == "sweep")
        // The study is checked when the script is written, not in every task: a key the
        // flowsheet has not is exit 2 with its diagnostic, standard input is refused.
        try s.shardable().validateStudy()
        #expect(throws: ExitCode(2)) { try bare.shardable().validateStudy() }
        #expect(throws: ValidationError.self) { try Self.parse(["--shards", "4", "sweep", "-", "--vary", "k=1"]).shardable().validateStudy() }
    }

    @Test func commandRefusesWhatCannotBeDistributed() throws {
        func refusal(_ arguments: [String]) -> String {
            do { _ = try Self.parse(arguments); return "accepted" } catch { return SXSimCommand.message(for: error) }
        }
        #expect(refusal(["--shards", "4", "--", "run", "f.yaml"]).contains("'run' cannot be run in shards"))
        #expect(refusal(["--shards", "4", "--", "sweep", "f.yaml", "--vary", "k=1", "--shard", "1/2", "-o", "x.csv"])
                .contains("leave --shard, -o/--output out of the command to distribute"))
        #expect(refusal(["--shards", "0", "--", "sweep", "f.yaml", "--vary", "k=1"]).contains("give 1 to 1000 shards"))
        #expect(refusal(["--shards", "4"]).contains("give the sxsim command to distribute"))
        #expect(refusal(["--shards", "4", "--name", "a b", "--", "sweep", "f.yaml"]).contains("letters, digits"))
        #expect(refusal(["--shards", "4", "--", "sweep", "f.yaml", "--bogus"]).contains("the command to distribute is not valid"))
    }
}
