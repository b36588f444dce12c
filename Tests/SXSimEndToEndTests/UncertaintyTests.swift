import ArgumentParser
import Foundation
import Testing
import SXNumerics
@testable import SXDesign
@testable import SXReport
@testable import sxsim

/// `sxsim uncertainty` (issue 14, item 2): the sampler's statistics, a study whose output
/// distribution is known in closed form, and byte-identical CSVs for any threads and shards.
@Suite("Uncertainty")
struct UncertaintyTests {
    // MARK: - Sampler

    /// Reference quantiles of the standard normal (Abramowitz & Stegun, Table 26.5; the
    /// 17-digit values as given by R's qnorm): Φ⁻¹(0.975), Φ⁻¹(0.95), Φ⁻¹(0.5), Φ⁻¹(0.025).
    static let normalTable: [(Double, Double)] = [(0.975, 1.959963984540054), (0.95, 1.6448536269514722),
                                                 (0.5, 0), (0.025, -1.959963984540054), (0.001, -3.090232306167813)]

    @Test("Φ⁻¹: table values to 1e-14, and Φ(Φ⁻¹(p)) = p to 1e-14 relative (of the smaller tail) from 1e-12 to 1 − 1e-12")
    func normalQuantile() {
        for (p, z) in Self.normalTable {
            #expect(abs(StandardNormal.quantile(p) - z) <= 1e-14 * max(1, abs(z)), "Φ⁻¹(\(p)) = \(StandardNormal.quantile(p)), table \(z)")
        }
        for p in [1e-12, 1e-8, 1e-4, 0.01, 0.02425, 0.0243, 0.2, 0.49, 0.5, 0.51, 0.8, 0.97575, 0.99, 1 - 1e-4, 1 - 1e-8, 1 - 1e-12] {
            let z = StandardNormal.quantile(p)
            // The smaller tail, computed without cancellation: Φ(z) for p ≤ 0.5, 1 − Φ(z) = erfc(z/√2)/2 above.
            let tail = p <= 0.5 ? StandardNormal.cdf(z) : 0.5 * erfc(z / 2.0.squareRoot())
            let expected = p <= 0.5 ? p : 1 - p
            #expect(abs(tail - expected) <= 1e-14 * expected + 1e-300, "p \(p): z \(z), tail \(tail) vs \(expected)")
        }
    }

    @Test("Latin hypercube: every stratum of every dimension holds exactly one sample; same seed, same design", arguments: [1, 2, 7, 1000])
    func strata(_ n: Int) {
        let design = LatinHypercube(samples: n, dimensions: 3, seed: 42)
        for k in 0..<3 {
            let strata = (1...n).map { i -> Int in
                let u = design.point(i)[design.point(i).startIndex + k]
                #expect(u > 0 && u < 1)
                return Int((u * Double(n)).rounded(.down))
            }
            #expect(strata.sorted() == Array(0..<n), "dimension \(k): strata \(strata.sorted().prefix(10))…")
        }
        #expect(design == LatinHypercube(samples: n, dimensions: 3, seed: 42))
        if n > 1 { #expect(design != LatinHypercube(samples: n, dimensions: 3, seed: 43)) }
    }

    @Test("Distributions: closed-form quantiles")
    func distributions() {
        // Triangular(0, 1, 2) is symmetric: median 1; F⁻¹(1/8) = √(2·1·1/8) = 0.5. Uniform: linear.
        #expect(Distribution.triangular(low: 0, mode: 1, high: 2).quantile(0.5) == 1)
        #expect(abs(Distribution.triangular(low: 0, mode: 1, high: 2).quantile(0.125) - 0.5) <= 1e-15)
        #expect(Distribution.uniform(low: 2, high: 4).quantile(0.25) == 2.5)
        // Lognormal: median·e^(σ·z); normal: μ + σ·z.
        #expect(abs(Distribution.lognormal(median: 1.5, logStandardDeviation: 0.1).quantile(0.975) - 1.5 * exp(0.1 * 1.959963984540054)) <= 1e-14)
        #expect(abs(Distribution.normal(mean: 100, standardDeviation: 2).quantile(0.025) - (100 - 2 * 1.959963984540054)) <= 1e-12)
    }

    @Test("--vary parsing: forms, units, percentages")
    func parsing() throws {
        let l = try UncertainParameter.parse("equilibria.p507.separation-factors.Nd=lognormal(1.5, 3 %)")
        #expect(l.key == "equilibria.p507.separation-factors.Nd" && l.distribution == .lognormal(median: 1.5, logStandardDeviation: 0.03) && l.unit == "")
        let n = try UncertainParameter.parse("streams.feed.flow = normal(100 L/h, 2 %)")
        #expect(n.distribution == .normal(mean: 100, standardDeviation: 2) && n.unit == "L/h")
        #expect(n.value(atQuantile: 0.5) == "100 L/h")
        #expect(try UncertainParameter.parse("k=uniform(1 L/h, 2 L/h)").distribution == .uniform(low: 1, high: 2))
        #expect(try UncertainParameter.parse("k=Triangular(1, 1.5, 2)").distribution == .triangular(low: 1, mode: 1.5, high: 2))
    }

    /// Each bad specification and the message it must give (a fragment of it).
    static let badSpecifications: [(String, String)] = [
        ("k=normal(1, -3 %)", "the standard deviation must be > 0, got -3 %"),
        ("k=normal(1, 0)", "the standard deviation must be > 0, got 0"),
        ("k=lognormal(1.5, -0.1)", "the standard deviation of ln must be > 0, got -0.1"),
        ("k=lognormal(-1.5, 3 %)", "a lognormal's median must be > 0, got -1.5"),
        ("k=gamma(1, 2)", "unknown distribution 'gamma'; use normal, lognormal, uniform or triangular"),
        ("k=normal(1)", "normal takes 2 arguments, got 1"),
        ("k=normal(1, 2", "expected a distribution such as lognormal(1.5, 3 %)"),
        ("k=uniform(2, 1)", "uniform(LOW, HIGH) needs LOW < HIGH"),
        ("k=triangular(1, 3, 2)", "triangular(LOW, MODE, HIGH) needs LOW ≤ MODE ≤ HIGH"),
        ("k=normal(1 L/h, 2 mol/L)", "the arguments carry different units ('L/h', 'mol/L')"),
        ("k=uniform(1 %, 2 %)", "only the spread of normal and lognormal may be given in %"),
        ("k=normal(abc, 1)", "'abc' is not a number"),
        ("lognormal(1.5, 3 %)", "expected KEY=DISTRIBUTION(...)"),
        ("=normal(1, 2)", "the key before '=' is empty"),
    ]

    @Test("Bad --vary specifications give precise messages", arguments: badSpecifications)
    func badSpecification(_ c: (String, String)) {
        do {
            _ = try UncertainParameter.parse(c.0)
            Issue.record("'\(c.0)' was accepted")
        } catch {
            #expect(error.message.contains(c.1), "'\(c.0)': \(error.message)")
            #expect(error.message.contains(c.0), "the message quotes the specification: \(error.message)")
        }
    }

    // MARK: - The command

    static func temporaryDirectory() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sxsim-uncertainty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    static func run(_ arguments: [String]) throws {
        try Uncertainty.parse(arguments + ["--no-progress"]).run()
    }

    static func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// Runs a study of Flowsheets/NAME.yaml with `arguments` and returns its CSV, whole and as records.
    static func study(_ name: String, _ arguments: [String]) throws -> (csv: String, records: [[String]]) {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csvURL = dir.appendingPathComponent("\(name).csv")
        try run([Repository.root.appendingPathComponent("Flowsheets/\(name).yaml").path] + arguments + ["-o", csvURL.path])
        let csv = try read(csvURL)
        return (csv, SweepPage.records(csv))
    }

    /// Kremser K1 (Flowsheets/kremser.yaml, docs/references.md [KREMSER]): φ = (E − 1)/(E^(N+1) − 1),
    /// E = D·O/A = D (O = A = 100 L/h), N = 5.
    static func kremser(_ d: Double) -> Double { (d - 1) / (pow(d, 6) - 1) }

    @Test("Kremser with lognormal D: each sample equals the closed form, and the quantiles lie within the closed form at D's strata")
    func kremserLognormal() throws {
        let n = 1000, median = 1.5, sigma = 0.1
        let (csv, records) = try Self.study("kremser", ["--samples", "\(n)", "--seed", "11",
                                                         "--vary", "equilibria.constant.distribution-ratios.Nd=lognormal(\(median), 10 %)"])
        let header = records[0]
        let dColumn = 1, phiColumn = try #require(header.firstIndex(of: "raffinate.Nd.recovery"))
        #expect(records.count == n + 1)
        // Every sample: the solve equals the closed form at its D (1e-12 relative: constant-D
        // cascades are solved exactly by the linear start, docs/engine.md).
        for r in records.dropFirst() {
            let d = try #require(Double(r[dColumn])), phi = try #require(Double(r[phiColumn]))
            #expect(abs(phi - Self.kremser(d)) <= 1e-12 * Self.kremser(d), "D \(d): φ \(phi), closed form \(Self.kremser(d))")
        }
        // φ decreases with D, so the k-th smallest φ (0-based) comes from D's stratum N−1−k:
        // it lies in [φ(D_q((N−k)/N)), φ(D_q((N−k−1)/N))], D_q the lognormal quantile. The
        // summary's type-7 quantile at p lies between order statistics lo = ⌊(N−1)p⌋ and lo + 1,
        // hence in [φ(D_q((N−lo)/N)), φ(D_q((N−lo−2)/N))]: an exact bracket, no tolerance.
        let summary = try UncertaintySummary(csv: csv)
        let st = try #require(summary.outputs.first { $0.column == "raffinate.Nd.recovery" })
        func dQuantile(_ p: Double) -> Double { median * exp(sigma * StandardNormal.quantile(p)) }
        for (p, value) in [(0.05, st.p5), (0.5, st.p50), (0.95, st.p95)] {
            let lo = Int((Double(n - 1) * p).rounded(.down))
            let low = Self.kremser(dQuantile(Double(n - lo) / Double(n))), high = Self.kremser(dQuantile(Double(n - lo - 2) / Double(n)))
            #expect(value >= low && value <= high, "p \(p): \(value) outside [\(low), \(high)]")
        }
        // The closed-form median, φ(D = 1.5) = 0.0481203 (Flowsheets/kremser.yaml), to the width of two strata.
        #expect(abs(st.p50 - 0.5 / (pow(1.5, 6) - 1)) <= 2e-4, "median \(st.p50)")
        // D is the only varied value and φ is monotone in it: rank correlation −1 exactly.
        #expect(st.rankCorrelations == [-1])
        // The target (extract recovery ≥ 95 %) holds when φ ≤ 5 %, i.e. D above the root of φ(D) = 0.05.
        let limit = try #require(summary.limits.first)
        #expect(limit.passes == records.dropFirst().filter { Double($0[phiColumn])! <= 0.05 + 1e-15 }.count)
    }

    @Test("The sample CSV is byte-identical for 1 and 2 threads and when merged from shards (with an empty one)")
    func reproducible() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = Repository.root.appendingPathComponent("Flowsheets/prnd-split.yaml").path
        let common = [file, "--samples", "12", "--seed", "5",
                      "--vary", "equilibria.p507-loaded.separation-factors.Nd=lognormal(1.5, 3 %)",
                      "--vary", "streams.organic.flow=triangular(2100 L/h, 2133 L/h, 2160 L/h)"]
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        try Self.run(common + ["--jobs", "1", "-o", path("one.csv")])
        try Self.run(common + ["--jobs", "2", "-o", path("two.csv")])
        let one = try Self.read(URL(fileURLWithPath: path("one.csv")))
        #expect(one == (try Self.read(URL(fileURLWithPath: path("two.csv")))))
        // 13 shards of 12 samples: one shard is empty (a header-only part).
        let shards = 13
        for i in 1...shards { try Self.run(common + ["--jobs", "2", "--shard", "\(i)/\(shards)", "-o", path("part-\(i).csv")]) }
        try Self.run(["--merge"] + (1...shards).reversed().map { path("part-\($0).csv") } + ["-o", path("merged.csv")])
        #expect(one == (try Self.read(URL(fileURLWithPath: path("merged.csv")))))
        // Every sample reached a steady state (warm from the nominal solution) and is summarised.
        let summary = try UncertaintySummary(csv: one)
        #expect(summary.sampleCount == 12 && summary.convergedCount == 12, "\(summary.failures)")
        // A missing part is named.
        do {
            try Self.run(["--merge"] + (1...shards).filter { $0 != 4 }.map { path("part-\($0).csv") } + ["-o", path("gap.csv")])
            Issue.record("a merge with a missing part succeeded")
        } catch let e as ValidationError {
            #expect(e.message.contains("sample(s) missing"), "\(e.message)")
        }
    }

    @Test("A --vary path the flowsheet does not have stops the study before any sample (exit 2)")
    func unknownPath() throws {
        let file = Repository.root.appendingPathComponent("Flowsheets/kremser.yaml").path
        do {
            try Self.run([file, "--samples", "4", "--vary", "equilibria.constant.distribution-ratio.Nd=lognormal(1.5, 3 %)"])
            Issue.record("an unknown path was accepted")
        } catch let e as ExitCode {
            #expect(e.rawValue == 2)
        }
    }
}

/// Samples without a steady state (issue 14: "never numbers from a non-steady state").
@Suite("Uncertainty: failed samples")
struct UncertaintyFailureTests {
    @Test("A sample the flowsheet refuses (a negative flow drawn from a wide normal) keeps its outcome and reason, with empty numbers, and counts as a miss")
    func refusedSamples() throws {
        // normal(100, 80): P(flow ≤ 0) = Φ(−1.25) ≈ 0.106, so about 6 of 60 samples are refused.
        let (csv, records) = try UncertaintyTests.study("kremser", ["--samples", "60", "--seed", "2",
                                                                    "--vary", "streams.solvent.flow=normal(100 L/h, 80 %)"])
        let header = records[0]
        let outcome = try #require(header.firstIndex(of: "outcome"))
        let numeric = header.indices.filter { $0 > outcome + 1 }  // iterations onwards
        let failed = records.dropFirst().filter { $0[outcome] != "converged" }
        #expect(!failed.isEmpty, "the draw gave no negative flow; pick another seed")
        for r in failed {
            #expect(r[outcome] == "input-error" && !r[outcome + 1].isEmpty, "\(r.prefix(4))")
            for c in numeric where header[c] != "iterations" { #expect(r[c].isEmpty, "\(header[c]) = '\(r[c])' in a failed sample") }
            #expect((Double(r[1].split(separator: " ")[0]) ?? 1) <= 0, "only negative flows are refused: \(r[1])")
        }
        let summary = try UncertaintySummary(csv: csv)
        #expect(summary.convergedCount == 60 - failed.count)
        #expect(summary.failures.map(\.count).reduce(0, +) == failed.count)
        let limit = try #require(summary.limits.first)
        #expect(limit.value.count == 60 - failed.count)
        #expect(limit.probability == Double(limit.passes) / 60)
    }
}

/// `sxsim run --sensitivities` in its three formats.
@Suite("Sensitivities: formats")
struct SensitivityFormatTests {
    @Test("Text section, JSON member and CSV table of the Kremser example")
    func formats() throws {
        let file = "Flowsheets/kremser.yaml", text = try Repository.text(file)
        func run(_ format: ReportFormat) -> PipelineOutput {
            Pipeline.run(text: text, fileName: file, format: format, options: ReportOptions(sensitivities: true), measureTime: false)
        }
        // d ln φ/d ln D = −3.5774 at E = 1.5, N = 5 (the closed form's derivative, SensitivityTests).
        let t = run(.text).standardOutput
        #expect(t.contains("Sensitivities: elasticity"))
        #expect(t.contains("equilibria.constant.distribution-ratios.Nd                1.5  -3.5774"), "\(t)")
        let json = try JSONValue.parse(run(.json).standardOutput)
        guard case .object(let members) = json, let s = members.first(where: { $0.0 == "sensitivities" })?.1, case .object(let parts) = s else {
            Issue.record("no sensitivities member"); return
        }
        #expect(parts.map(\.0) == ["method", "stepInLogParameter", "parameters", "outputs"])
        let csv = run(.csv).standardOutput.split(separator: "\n")
        #expect(csv.first == "parameter,value,unit,product,element,quantity,nominal,elasticity")
        // 5 parameters (D, two flows, the feed concentration, the efficiency) × 4 outputs.
        #expect(csv.count == 1 + 5 * 4)
    }
}
