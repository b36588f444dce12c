import Foundation
import Testing
import SXDesign
import SXFlowsheet
import SXModel
import SXReport

/// Issue 13: never a wrong-looking answer. Each test failed before its fix.
@Suite("Honest answers")
struct HonestAnswerTests {
    static let train = "Flowsheets/light-re-train.yaml"

    static func run(_ path: String, _ overrides: [Override], format: ReportFormat = .text,
                    options: ReportOptions = ReportOptions()) throws -> PipelineOutput {
        Pipeline.run(text: try Repository.text(path), fileName: path, overrides: overrides, format: format,
                     options: options, measureTime: false)
    }

    // MARK: - Item 1: an outlet is consumed once; the train's closure is checked

    /// A second `from:` on the same strip liquor: `check` and `run` refuse it, located at the
    /// second link with a note at the first (before: accepted, Pr recoveries summing to 150 %).
    @Test func outletTakenTwiceIsRefusedByCheckAndRun() throws {
        let overrides = [Override(keyPath: "streams.dup", value: "{from: prndsm-strip-liquor}"),
                         Override(keyPath: "cascades.nd-sm.feeds.dup", value: "extraction.last")]
        let text = try Repository.text(Self.train)
        let check = Pipeline.check(text: text, fileName: Self.train, overrides: overrides)
        let run = try Self.run(Self.train, overrides)
        for out in [check, run] {
            #expect(out.status == .inputError)
            let d = try #require(out.diagnostics.first { $0.id == .outletUsedTwice })
            #expect(d.id.code == "SX313")
            #expect(d.location.file == "<override 1>" && d.location.column == 13, "\(d.location)")
            // The note points at the first link, line 60 of the example ("prndsm-liquor: {from: ...}").
            #expect(d.notes.first?.location?.file == Self.train && d.notes.first?.location?.line == 60)
            #expect(out.report == nil)
        }
    }

    /// A train built in code (no parser) whose outlet feeds two cascades: the train's own
    /// balance catches the created mass. Each receiver gets the whole Kremser raffinate, so
    /// products carry fresh × (1 + φ): closure = −φ, φ = 0.5/(1.5⁶ − 1) = 0.0481203 (Kremser
    /// closed form, docs/references.md [RC-K1], as in Flowsheets/kremser.yaml's header).
    @Test func duplicatedOutletShowsAsTrainImbalance() throws {
        let d = ConstantDistributionModel(distributionRatios: [1.5])
        func kremser(_ name: String) -> Cascade {
            Cascade(name: name, elements: [.Nd], sections: [Section(name: "x", stageCount: 5, equilibrium: d)],
                    aqueousFeeds: [AqueousFeed(name: "\(name)-feed", stage: 5, flow: 100, concentrations: [1])],
                    organicFeeds: [OrganicFeed(name: "\(name)-solvent", stage: 1, flow: 100, concentrations: [0])],
                    raffinateName: "\(name)-raff", organicOutletName: "\(name)-ext")
        }
        let links = ["b", "c"].enumerated().map { k, _ in
            CascadeTrain.Link(cascade: k + 1, phase: .aqueous, feedIndex: 0, sourceCascade: 0, sourceOutlet: "a-raff")
        }
        let result = try TrainSolver.solve(CascadeTrain(cascades: [kremser("a"), kremser("b"), kremser("c")], links: links))
        let phi = 0.5 / (pow(1.5, 6) - 1)
        let closure = result.trainClosure(elements: [.Nd])
        #expect(abs(closure[0] + phi) <= 1e-8 * phi, "closure \(closure[0]), expected \(-phi)")
        guard case .imbalance(let element, _) = result.outcome else { Issue.record("outcome \(result.outcome)"); return }
        #expect(element == "Nd")
        // Every cascade itself closes: only the train-level check sees the problem.
        #expect(result.results.allSatisfy { $0.worstClosure <= 1e-12 })
    }

    /// A train made in code reports like a parsed one (issue 13, item 19: Flowsheet had no
    /// public initialiser). Kremser K1 (docs/references.md [RC]; Flowsheets/kremser.yaml's header): the
    /// raffinate keeps φ = 0.5/(1.5⁶ − 1) = 0.0481203 of the Nd.
    @Test func reportOfATrainMadeInCode() throws {
        let cascade = Cascade(name: "k", elements: [.Nd],
                              sections: [Section(name: "x", stageCount: 5, equilibrium: .constantDistribution(distributionRatios: [1.5]))],
                              aqueousFeeds: [AqueousFeed(name: "feed", stage: 5, flow: 100, concentrations: [1])],
                              organicFeeds: [OrganicFeed(name: "solvent", stage: 1, flow: 100, concentrations: [0])],
                              raffinateName: "raffinate", organicOutletName: "extract")
        let train = CascadeTrain(cascades: [cascade])
        let target = ProductTarget(product: "extract", element: .Nd, minimumPurity: nil, minimumRecovery: 0.95,
                                   location: TextLocation(file: "code", line: 1, column: 1))
        let flowsheet = Flowsheet(name: "in code", elements: [.Nd], train: train, targets: [target])
        let report = RunReport(flowsheet: flowsheet, fileName: "code", result: try TrainSolver.solve(train))
        let phi = 0.5 / (pow(1.5, 6) - 1)
        let raffinate = try #require(report.products.first { $0.name == "raffinate" })
        #expect(abs(raffinate.recovery[0] - phi) <= 1e-8 * phi)
        #expect(report.targetsMet == true)
        #expect(report.trainClosure.allSatisfy { abs($0) <= 1e-12 })
    }

    /// Every example reports its train closure, and conserves every element to it.
    @Test(arguments: Repository.examples)
    func everyReportCarriesTheTrainClosure(_ name: String) throws {
        let out = try Repository.run(name)
        let report = try #require(out.report)
        #expect(report.trainClosure.count == report.elements.count)
        #expect(report.trainClosure.allSatisfy { abs($0) <= report.imbalanceTolerance }, "\(report.trainClosure)")
        #expect(out.standardOutput.contains("train closure (fresh feeds in - products out)/fresh: "))
        guard case .object(let doc) = report.json(), case .object(let outcome)? = doc.first(where: { $0.0 == "outcome" })?.1 else {
            Issue.record("no outcome object"); return
        }
        #expect(outcome.contains { $0.0 == "trainClosure" })
    }

    // MARK: - Item 2: a target on an intermediate outlet is evaluated

    /// The strip liquor of the first cascade feeds the second. Its Nd recovery is computed
    /// independently here from the solved outlet and the fresh feed.
    @Test func targetOnIntermediateOutletIsEvaluated() throws {
        let target = Override(keyPath: "targets.1", value: "{product: prndsm-strip-liquor, element: Nd, min-recovery: 99.99999 %}")
        let out = try Self.run(Self.train, [target])
        let report = try #require(out.report)
        #expect(report.targets.count == 3)   // the Nd target, this one (replacing the La recovery), the La-Ce group
        let t = try #require(report.targets.first { $0.target.product == "prndsm-strip-liquor" })
        #expect(t.intermediate)
        let nd = try #require(report.elements.firstIndex(of: .Nd))
        let liquor = try #require(report.results.lazy.compactMap { $0.outlet(named: "prndsm-strip-liquor") }.first)
        let source = try #require(report.results.first { $0.outlet(named: "prndsm-strip-liquor") != nil })
        let fresh = source.feedFlow(element: source.cascade.elements.firstIndex(of: .Nd)!)  // the first cascade takes only fresh feeds
        let recovery = liquor.flow * liquor.concentrations[nd] / fresh
        #expect(abs((t.recovery ?? -1) - recovery) <= 1e-12)
        // 99.99999 % is above what the strip liquor carries (99.9998 %): the run must say FAIL, exit 1.
        #expect(recovery < 0.9999999)
        #expect(!t.passed)
        #expect(out.status == .targetsMissed)
        #expect(out.standardOutput.contains("FAIL  prndsm-strip-liquor: Nd recovery"))
        #expect(out.standardOutput.contains("(an intermediate stream: it feeds another cascade)"))
    }

    // MARK: - Item 3: an empty shard writes a header-only part that merges cleanly

    @Test func emptyShardsRunNothingAndMerge() throws {
        let grid = try SweepGrid([try SweepParameter.parse("k=1,2,3")])
        let evaluate: @Sendable (SweepCase) -> [String] = { ["value-\($0.number)"] }
        let whole = SweepCSV.document(grid: grid, resultColumns: ["r"],
                                      rows: SweepRunner.run(grid: grid, cases: grid.cases(shard: nil), workers: 1, evaluate: evaluate))
        var parts: [(name: String, text: String)] = []
        var headerOnly = 0
        for i in 1...10 {
            let cases = grid.cases(shard: try SweepShard(index: i, count: 10))
            let rows = SweepRunner.run(grid: grid, cases: cases, workers: 2, evaluate: evaluate)
            // 3 cases in 10 shards: each shard runs at most one (before: empty shards ran all 3).
            #expect(rows.count <= 1, "shard \(i)/10 ran \(rows.count) cases")
            let text = SweepCSV.document(grid: grid, resultColumns: ["r"], rows: rows)
            if rows.isEmpty { headerOnly += 1; #expect(text == "case,k,r\n") }
            parts.append(("part-\(i).csv", text))
        }
        #expect(headerOnly == 7)
        #expect(try SweepCSV.merge(parts) == whole)
    }

    // MARK: - Item 4: finite numbers only

    /// `design --set extractant=1e308` wrote a flowsheet with a loading of 1.2e307 mol/L;
    /// `strip-acid-excess: nan/inf/-1` were accepted. All are refused with the key named.
    @Test(arguments: [("extractant", "1e308"), ("strip-acid-excess", "nan"), ("strip-acid-excess", "inf"),
                      ("strip-acid-excess", "-1"), ("organic-loading", "1e307"), ("feed-flow", "1e306")])
    func designRefusesOverflowingInput(_ key: String, _ value: String) throws {
        let text = try Repository.text("docs/examples/prnd.design")
        do {
            _ = try Designer.design(try DesignFile.parse(text: text, options: [(key, value)]))
            Issue.record("\(key)=\(value) was accepted")
        } catch {
            #expect(error.problems.contains { $0.contains(key) }, "\(error.problems)")
        }
    }

    /// The flowsheet such a design wrote: the solver converges on its log unknowns, but the
    /// organic's oxide mass (1e307 mol/L × 336 g/mol) overflows. Before: "status: converged",
    /// "Nd2O3 purity nan %", exit 0. Now: no valid result, exit 3, no "nan" anywhere.
    @Test func overflowingResultIsNotConverged() throws {
        let out = try Self.run("Flowsheets/xu-model.yaml", [Override(keyPath: "equilibria.xu.organic-loading", value: "1e307 mol/L"),
                                                            Override(keyPath: "streams.organic.flow", value: "4.1e-307 L/h")])
        let report = try #require(out.report)
        #expect(report.outcome.code == "non-finite")
        #expect(out.status == .notConverged)
        #expect(out.standardOutput.contains("NO VALID RESULT"))
        #expect(!out.standardOutput.contains("nan"))
        #expect(!report.rendered(.json).contains("nan"))
    }

    // MARK: - Item 5: a failed solve prints no result-like numbers

    /// Fractional extraction with an unreachable tolerance: not converged.
    static let failing = [Override(keyPath: "solver.tolerance", value: "1e-300"), Override(keyPath: "solver.max-iterations", value: "1")]
    static let fractional = "Flowsheets/fractional-extraction.yaml"

    @Test func failedRunWithholdsNumbersInText() throws {
        let out = try Self.run(Self.fractional, Self.failing)
        #expect(out.status == .notConverged)
        let text = out.standardOutput
        let products = try #require(text.components(separatedBy: "\nProducts\n").last?.components(separatedBy: "\nTargets").first)
        #expect(!products.contains("%"), "\(products)")
        #expect(!products.contains("L/h"), "\(products)")
        #expect(products.contains("n/a"))
        let targets = try #require(text.components(separatedBy: "\nTargets\n").last?.components(separatedBy: "\nReagents").first)
        #expect(!targets.contains("PASS") && !targets.contains("FAIL"), "\(targets)")
        #expect(targets.contains("Nd recovery n/a (min 93.0000 %)"), "\(targets)")
        #expect(text.contains("train closure (fresh feeds in - products out)/fresh: n/a"))
    }

    @Test func failedRunWithholdsNumbersInJSONAndCSV() throws {
        let json = try Self.run(Self.fractional, Self.failing, format: .json).standardOutput
        #expect(json.contains("\"lastIterate\": false"))
        #expect(json.contains("\"recovery\": null"))
        #expect(json.contains("\"oxidePurity\": null"))
        #expect(json.contains("\"targetsMet\": null"))
        #expect(json.contains("\"pass\": null"))
        #expect(!json.contains("\"recovery\": 0."))
        let csv = try Self.run(Self.fractional, Self.failing, format: .csv).standardOutput
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasSuffix(",recovery,outcome") == true)
        for row in lines.dropFirst() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            #expect(cells.last == "not-converged")
            #expect(cells[4] == "" && cells[7...10].allSatisfy(\.isEmpty), "\(row)")
        }
    }

    /// `--last-iterate` shows the numbers, marked as such in every format, without a verdict.
    @Test func lastIterateIsShownOnlyOnRequestAndMarked() throws {
        let options = ReportOptions(lastIterate: true)
        let text = try Self.run(Self.fractional, Self.failing, options: options).standardOutput
        #expect(text.contains("LAST ITERATE (--last-iterate): not a steady state"))
        #expect(text.contains("recovery %"))
        let targets = try #require(text.components(separatedBy: "\nTargets\n").last?.components(separatedBy: "\nReagents").first)
        #expect(!targets.contains("PASS") && !targets.contains("FAIL"), "\(targets)")
        let json = try Self.run(Self.fractional, Self.failing, format: .json, options: options).standardOutput
        #expect(json.contains("\"lastIterate\": true"))
        #expect(!json.contains("\"oxidePurity\": null"))
        let csv = try Self.run(Self.fractional, Self.failing, format: .csv, options: options).standardOutput
        #expect(csv.split(separator: "\n").dropFirst().allSatisfy { $0.hasSuffix(",not-converged (last iterate)") })
        // A converged run is unchanged by the flag.
        let converged = try Self.run(Self.fractional, [], options: options)
        #expect(converged.status == .ok)
        #expect(!converged.standardOutput.contains("LAST ITERATE"))
    }
}

/// Issue 13, item 11: what `run` refuses before solving, `check` refuses, located; no traps.
@Suite("Hardening: traps and check = run")
struct CheckMatchesRunTests {
    static func both(_ path: String, _ overrides: [Override]) throws -> [PipelineOutput] {
        let text = try Repository.text(path)
        return [Pipeline.check(text: text, fileName: path, overrides: overrides),
                Pipeline.run(text: text, fileName: path, overrides: overrides, measureTime: false)]
    }

    /// A route from a stage to itself passed `check` and trapped in `run` (a precondition of
    /// the linear start). Now SX322 at the route, from both commands.
    @Test func selfRouteIsRefused() throws {
        for out in try Self.both("Flowsheets/kremser.yaml", [Override(keyPath: "cascades.kremser.routes", value: "[{from: 3, to: 3, fraction: 50 %}]")]) {
            #expect(out.status == .inputError)
            let d = try #require(out.diagnostics.first { $0.id == .selfRoute })
            #expect(d.id.code == "SX322" && d.location.file == "<override 1>")
        }
    }

    /// A cascade fed no rare earth passed `check`; `run` said so without a location.
    @Test func noRareEarthFedIsRefusedAtTheCascade() throws {
        for out in try Self.both("Flowsheets/kremser.yaml", [Override(keyPath: "streams.feed.concentrations", value: "{Nd: 0 mol/L}")]) {
            #expect(out.status == .inputError)
            let d = try #require(out.diagnostics.first { $0.id == .noRareEarthFed })
            #expect(d.id.code == "SX406")
            // Flowsheets/kremser.yaml line 23 is "  kremser:", the cascade's key.
            #expect(d.location.file == "Flowsheets/kremser.yaml" && d.location.line == 23 && d.location.column == 3)
        }
    }

    /// 20 mol/L of acid in the linked strip liquor: the second cascade's stage 40 would be
    /// stripped of more than its organic carries. `check` passed it and `run` printed an
    /// unlocated message; then both gave SX402 at the cascade. Now the model's problem is a
    /// typed value (`CascadeSpecificationError.Kind.acidExceedsLoading`) that the flowsheet
    /// layer reports as SX411 at the section holding stage 40 (light-re-train.yaml line 80,
    /// "      extraction:"), its numbers in engineering form (before: "6785.999999999999 mol/h").
    @Test func linkedAcidityIsCheckedWithTheLinkedFlow() throws {
        let acid = [Override(keyPath: "streams.prndsm-liquor", value: "{from: prndsm-strip-liquor, acidity: 20 mol/L}")]
        for out in try Self.both("Flowsheets/light-re-train.yaml", acid) {
            #expect(out.status == .inputError)
            let d = try #require(out.diagnostics.first { $0.id == .loadedOrganicExceedsFeed })
            #expect(d.location.line == 80 && d.location.column == 7 && d.message.contains("stage 40"), "\(d)")
            #expect(out.standardError.contains("light-re-train.yaml:80:7: error[SX411]"))
            #expect(d.message.contains("(6786 mol/h H⁺)") && !d.message.contains("99999"), "\(d.message)")
        }
    }

    /// `design --beta 1,1.000001` searched for minutes and printed "recovery 877961.9224 %" from
    /// a solve that had not converged. Fenske's N_min = lg(a·b)/lg β (docs/design.md) is about
    /// 9.9e6 here, a lower bound on n + m far above max-stages: refused at once.
    @Test func designAtBetaNearOneIsRefusedByFenske() throws {
        let spec = try DesignFile.parse(text: "", options: [("elements", "Pr,Nd"), ("feed-concentrations", "0.25,0.75"),
                                                          ("separation-factors", "1,1.000001"), ("split", "Pr|Nd"),
                                                          ("organic-purity", "0.995"), ("raffinate-purity", "0.99")])
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: DesignSpecificationError.self) { try Designer.design(spec) }
        #expect(clock.now - start < .seconds(5))
    }

    /// Purities of 0.999999999999999 ran 87 s with 294 of 644 solves failing and still claimed
    /// 305 stages: a target closer to 1 than the solver's 1e-12 accuracy is refused at once.
    @Test func targetsBeyondTheSolverAccuracyAreRefused() throws {
        let text = try Repository.text("docs/examples/prnd.design")
        #expect(throws: DesignSpecificationError.self) {
            try DesignFile.parse(text: text, options: [("organic-purity", "0.999999999999999"), ("raffinate-purity", "0.999999999999999")])
        }
        #expect(try DesignFile.parse(text: text, options: [("organic-purity", "0.999999")]).targets.count == 2)
        // The largest value the refusal suggests ("give at most 0.999999999999") is accepted.
        #expect(try DesignFile.parse(text: text, options: [("organic-purity", "0.999999999999")]).targets.count == 2)
        #expect(throws: DesignSpecificationError.self) {
            try DesignFile.parse(text: text, options: [("organic-purity", "0.9999999999991")])
        }
    }

    /// `max-stages` nan, inf and 1e19 trapped converting to Int; -5 and 2.5 were accepted.
    @Test(arguments: ["nan", "inf", "1e19", "-5", "2.5", "1"])
    func maxStagesIsAWholeNumberInRange(_ value: String) throws {
        let text = try Repository.text("docs/examples/prnd.design")
        #expect(throws: DesignSpecificationError.self) { try DesignFile.parse(text: text, options: [("max-stages", value)]) }
        #expect(try DesignFile.parse(text: text, options: [("max-stages", "40")]).maximumStages == 40)
    }
}

/// Issue 13, item 12: hostile YAML is answered quickly, in bounded memory, with a bounded report.
@Suite("Hardening: hostile YAML")
struct HostileInputTests {
    /// "Billion laughs": 10 levels of 10 aliases, 531 bytes, 10¹⁰ nodes once expanded. Before:
    /// `sxsim check` of such a file grew to 10 GB and ran 37 s (6 levels measured here: 2.3 GB, 14.7 s).
    @Test func aliasExpansionIsBounded() {
        var lines = ["version: 1", "a0: &a0 [" + Array(repeating: "\"lol\"", count: 10).joined(separator: ",") + "]"]
        for i in 1...9 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ",") + "]") }
        let clock = ContinuousClock()
        let start = clock.now
        let out = Pipeline.check(text: lines.joined(separator: "\n") + "\n", fileName: "laughs.yaml")
        #expect(clock.now - start < .seconds(5))
        #expect(out.status == .inputError)
        let d = out.diagnostics.first { $0.message.contains("expands to more than") }
        #expect(d?.id == .yamlSyntax && d?.location.line == 2, "\(out.standardError)")
    }

    @Test func oversizedTextIsRefusedBeforeParsing() {
        let text = "version: 1\n# " + String(repeating: "x", count: FlowsheetParser.maximumTextSize) + "\n"
        let out = Pipeline.check(text: text, fileName: "big.yaml")
        #expect(out.status == .inputError)
        #expect(out.diagnostics.count == 1 && out.diagnostics[0].message.contains("bytes"))
    }

    /// 300 unknown keys give 303 diagnostics: text shows 50 and says how many more; JSON has all.
    @Test func printedDiagnosticsAreCapped() {
        let text = (["version: 1", "elements: [Pr, Nd]"] + (0..<300).map { "k\($0): \($0)" }).joined(separator: "\n") + "\n"
        let out = Pipeline.check(text: text, fileName: "many.yaml")
        #expect(out.diagnostics.count > Pipeline.maximumRendered)
        let printed = out.standardError.components(separatedBy: ": error[").count - 1
        #expect(printed == Pipeline.maximumRendered)
        #expect(out.standardError.contains("and \(out.diagnostics.count - Pipeline.maximumRendered) more diagnostics"))
        let json = Pipeline.check(text: text, fileName: "many.yaml", json: true).standardOutput
        #expect(json.components(separatedBy: "\"id\":").count - 1 == out.diagnostics.count)
    }
}

/// Issue 13, item 15: CRLF files keep their carets; numbers read as engineers write them.
@Suite("Hardening: text form")
struct TextFormTests {
    /// "\r\n" is one Character in Swift: the reader split on "\n" only and a CRLF file became
    /// one line, so every diagnostic lost its source line and caret.
    @Test func crlfDiagnosticsKeepTheSourceLine() throws {
        let text = try Repository.text("Flowsheets/kremser.yaml").replacingOccurrences(of: "stages: 5", with: "stges: 5")
            .replacingOccurrences(of: "\n", with: "\r\n")
        let out = Pipeline.check(text: text, fileName: "crlf.yaml")
        let d = try #require(out.diagnostics.first { $0.id == .unknownKey })
        #expect(d.location.line == 25 && d.location.sourceLine == "      extraction: {stges: 5, equilibrium: constant}")
        #expect(out.standardError.contains("   25 |       extraction: {stges: 5, equilibrium: constant}\n      |                    ^~~~~\n"))
    }

    /// "flow 4e+04 L/h" and a 99.99999 % limit shown as "100.0000 %" (with the value rounded alike).
    @Test func numbersInEngineeringFormAndLimitsAsWritten() throws {
        let out = Pipeline.run(text: try Repository.text("Flowsheets/kremser.yaml"), fileName: "Flowsheets/kremser.yaml",
                               overrides: [Override(keyPath: "streams.feed.flow", value: "4e4 L/h"),
                                           Override(keyPath: "targets.0.min-recovery", value: "99.99999 %")], measureTime: false)
        #expect(out.standardOutput.contains("flow 40000 L/h"))
        // Flows, tonnages and reagents in plain digits (every number in engineering form: EngineeringFormTests).
        for line in out.standardOutput.split(separator: "\n") where line.contains("L/h") || line.contains("mol/h") {
            #expect(!line.contains("e+"), "\(line)")
        }
        #expect(out.standardOutput.contains("(min 99.99999 %, margin -"), "\(out.standardOutput)")
        #expect(out.standardOutput.contains(" pp) FAIL"))
    }
}

/// Issue 13, item 6: the design file honours units or rejects them, with the flowsheet
/// format's unit reader. Before: `feed-flow: 1.5 m3/h` became 1.5 L/h and
/// `extractant=1500 mmol/L` 1500 mol/L (a silent 1000×).
@Suite("Design input units")
struct DesignUnitTests {
    static func spec(_ key: String, _ value: String) throws -> DesignSpecification {
        try DesignFile.parse(text: try Repository.text("docs/examples/prnd.design"), options: [(key, value)])
    }

    static func problems(_ key: String, _ value: String) throws -> [String] {
        let text = try Repository.text("docs/examples/prnd.design")
        do { _ = try DesignFile.parse(text: text, options: [(key, value)]); return [] } catch { return error.problems }
    }

    @Test func unitsAreConverted() throws {
        #expect(try Self.spec("feed-flow", "1.5 m3/h").feedFlow == 1500)           // 1 m³ = 1000 L
        #expect(try Self.spec("extractant", "1500 mmol/L").extractant == 1.5)
        #expect(try Self.spec("strip-acid", "5 N").stripAcid == 5)                  // HCl: 1 N = 1 mol/L H⁺
        #expect(try Self.spec("saponification", "36 %").saponification == 0.36)
        #expect(try Self.spec("feed-flow", "100").feedFlow == 100)                  // a plain number is in L/h, as documented
        // 50 g/L of Pr6O11 is 50 / (Pr6O11 per Pr: 1021.4/6 = 170.2 g/mol) = 0.2937 mol/L Pr (IUPAC atomic weights).
        let pr = try Self.spec("feed-concentrations", "[50 g/L REO, 0.75 mol/L]").feedConcentrations[0]
        #expect(abs(pr - 50 / Element.Pr.oxideMassPerMole) <= 1e-15)
        #expect(abs(pr - 0.2937) <= 1e-4)
    }

    @Test func wrongOrUnknownUnitsAreRefusedWithTheKey() throws {
        #expect(try Self.problems("feed-flow", "1.5 L/hr").contains { $0.contains("did you mean 'L/h'?") })
        #expect(try Self.problems("feed-flow", "1.5 mol/L").contains { $0.contains("feed-flow is a flow") })
        #expect(try Self.problems("extractant", "1.5 L/h").contains { $0.contains("extractant is a concentration") })
        #expect(try !Self.problems("organic-purity", "99.5 bananas").isEmpty)
    }
}
