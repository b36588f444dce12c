import Foundation
import Testing
import SXFlowsheet
import SXModel
import SXReport

/// Every Flowsheets/ example solves and matches its stored output
/// (Flowsheets/expected/NAME.txt: first line the exit status, then the report of
/// `sxsim run Flowsheets/NAME.yaml --no-timing`). Re-record with SXSIM_RECORD=1.
struct ExampleTests {
    @Test(arguments: Repository.examples)
    func matchesExpectedOutput(_ name: String) throws {
        let out = try Repository.run(name)
        let actual = "# exit status \(out.status.exitCode)\n" + out.standardOutput
        try Repository.expectMatchesStored(actual, at: "Flowsheets/expected/\(name).txt")
        #expect(out.standardError.isEmpty, "\(out.standardError)")
    }

    /// Conservation of every element: each cascade's feeds equal its outlets, each stage's
    /// inflow equals its outflow, and the train's fresh feeds equal its products.
    @Test(arguments: Repository.examples)
    func conservesEveryElement(_ name: String) throws {
        let out = try Repository.run(name)
        let report = try #require(out.report, "\(out.standardError)")
        #expect(report.outcome.isConverged, "\(name): \(report.outcome.explanation)")
        for r in report.results {
            for (j, c) in r.massBalanceClosure.enumerated() {
                #expect(abs(c) <= 1e-10, "\(name)/\(r.cascade.name): closure of \(r.cascade.elements[j].symbol) \(c)")
            }
            let net = try CascadeNetwork(r.cascade)
            let ne = r.cascade.elements.count
            var worst = 0.0
            for i in 0..<r.stageCount {
                for j in 0..<ne where r.feedFlow(element: j) > 0 {
                    var inflow = net.feedFlux[i * ne + j]
                    for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] { inflow += net.aqueousSources[s].flow * r.aqueous[net.aqueousSources[s].from][j] }
                    for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] { inflow += net.organicSources[s].flow * r.organic[net.organicSources[s].from][j] }
                    let outflow = net.aqueousFlow[i] * r.aqueous[i][j] + net.organicFlow[i] * r.organic[i][j]
                    let scale = max(inflow, outflow)
                    if scale > 1e-200 { worst = max(worst, abs(inflow - outflow) / scale) }
                }
            }
            #expect(worst <= 1e-9, "\(name)/\(r.cascade.name): worst stage balance \(worst)")
        }
        // Whole train: fresh feed of each element = what leaves in the products.
        for (j, e) in report.elements.enumerated() {
            let recovered = report.products.reduce(0) { $0 + $1.recovery[j] }
            let fed = report.results.contains { $0.cascade.elements.contains(e) && $0.feedFlow(element: $0.cascade.elements.firstIndex(of: e)!) > 0 }
            if fed { #expect(abs(recovered - 1) <= 1e-9, "\(name): products carry \(recovered) of the \(e.symbol) fed") }
        }
    }

    /// The main examples meet their targets; the textbook ones too.
    @Test(arguments: Repository.examples)
    func meetsItsTargets(_ name: String) throws {
        let out = try Repository.run(name)
        #expect(out.status == .ok, "\(name): exit \(out.status) \(out.standardError)")
    }

    @Test func prNdExampleHasOverAHundredStagesAndMeetsNd2O3() throws {
        let report = try #require(try Repository.run("prnd-split").report)
        #expect(report.cascades[0].stageCount >= 100)
        let nd = try #require(report.targets.first { $0.target.element == .Nd })
        #expect(nd.purity ?? 0 >= 0.995)
    }

    @Test func lightRETrainIsSizedOnFourToFiveHundredTonnesNd2O3() throws {
        let report = try #require(try Repository.run("light-re-train").report)
        let product = try #require(report.products.first { $0.name == "nd-product" })
        let nd = report.elements.firstIndex(of: .Nd)!
        let tonnes = product.oxideTonnesPerYear * product.purity[nd]
        #expect(tonnes >= 400 && tonnes <= 500, "Nd2O3 \(tonnes) t/y")
        #expect(product.purity[nd] >= 0.995)
        #expect(report.cascades.count == 3)
    }
}

/// The textbook examples against their closed forms (docs/references.md [RC]; tolerances from there).
struct ClosedFormExampleTests {
    func product(_ report: RunReport, _ name: String) throws -> RunReport.Product {
        try #require(report.products.first { $0.name == name })
    }

    func molePurity(_ p: RunReport.Product, _ j: Int) -> Double {
        p.concentrations[j] / p.concentrations.reduce(0, +)
    }

    @Test func kremserK1() throws {
        // K1: ε = 1.5, N = 5, φ = 0.5/(1.5⁶ − 1) = 0.0481203 (1e-8 rel), docs/references.md [RC].
        let report = try #require(try Repository.run("kremser").report)
        let phi = try product(report, "raffinate").recovery[0]
        let expected = 0.5 / (pow(1.5, 6) - 1)
        #expect(abs(phi - expected) <= 1e-8 * expected, "expected \(expected), computed \(phi)")
        #expect(abs(expected - 0.0481203) < 1e-7)
    }

    @Test func fractionalF1() throws {
        // F1: Φ_A = 0.932748, Φ_B = 0.090796, organic purity 0.911293, raffinate purity 0.931127 (1e-6 abs), docs/references.md [RC].
        let report = try #require(try Repository.run("fractional-extraction").report)
        let organic = try product(report, "nd-organic"), raffinate = try product(report, "pr-raffinate")
        let pr = 0, nd = 1
        #expect(abs(organic.recovery[nd] - 0.932748) <= 1e-6)
        #expect(abs(organic.recovery[pr] - 0.090796) <= 1e-6)
        #expect(abs(molePurity(organic, nd) - 0.911293) <= 1e-6)
        #expect(abs(molePurity(raffinate, pr) - 0.931127) <= 1e-6)
    }

    @Test func xuX1() throws {
        // X1: P_A = Y_A = 0.995689, P_B = Y_B = 0.987068 (1e-5 abs), docs/references.md [RC].
        let report = try #require(try Repository.run("xu-model").report)
        let organic = try product(report, "nd-organic"), raffinate = try product(report, "pr-raffinate")
        #expect(abs(molePurity(organic, 1) - 0.995689) <= 1e-5)
        #expect(abs(organic.recovery[1] - 0.995689) <= 1e-5)
        #expect(abs(molePurity(raffinate, 0) - 0.987068) <= 1e-5)
        #expect(abs(raffinate.recovery[0] - 0.987068) <= 1e-5)
    }
}

/// Every Flowsheets/invalid/ file gives exactly its stored diagnostics
/// (Flowsheets/invalid/NAME.expected, the standard error of `sxsim check`).
struct InvalidExampleTests {
    @Test(arguments: Repository.invalidExamples)
    func givesExpectedDiagnostics(_ name: String) throws {
        let path = "Flowsheets/invalid/\(name).yaml"
        let out = Pipeline.check(text: try Repository.text(path), fileName: path)
        #expect(out.status == .inputError)
        let expectedPath = "Flowsheets/invalid/\(name).expected"
        if Repository.recording {
            try Repository.record(out.standardError, to: expectedPath)
            Repository.failRecordingRun(expectedPath)
            return
        }
        let expected = try Repository.text(expectedPath)
        #expect(out.standardError == expected, "\(path): expected\n\(expected)\ncomputed\n\(out.standardError)")
    }
}

/// The golden comparison itself (issue 13, item 16: stored outputs carry no stale solver counts).
struct GoldenComparisonTests {
    @Test("A solver line may differ by a machine's round-off in effort, not by a stale count or another outcome")
    func solverLines() {
        let stored = "    converged, 408 Newton iterations, residual 3.6e-15, mass-balance closure < 1e-12"
        // Another libm's last bits: a few iterations and another residual are the same answer.
        #expect(Golden.differences(expected: stored, actual: "    converged, 410 Newton iterations, residual 2.1e-15, mass-balance closure < 1e-12").isEmpty)
        // A count from before a solver change is stale: 408 stored, 60 now.
        #expect(Golden.differences(expected: stored, actual: "    converged, 60 Newton iterations, residual 3.6e-15, mass-balance closure < 1e-12").count == 1)
        // Another outcome is always a difference.
        #expect(!Golden.differences(expected: stored, actual: "    not-converged, 408 Newton iterations, residual 3.6e-5, mass-balance closure < 1e-12").isEmpty)
        #expect(Golden.iterationCount(stored) == 408)
        #expect(Golden.iterationCount("no count here") == nil)
    }
}
