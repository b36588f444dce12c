import Foundation
import Testing
import SXFlowsheet
import SXModel
import SXReport
@testable import sxsim

/// Plant specifications (issue 13, item 8) through the report: a group purity, impurity
/// maxima on an oxide basis, several limits per product, effluent limits; PASS/FAIL and margin
/// in text, JSON, CSV and the sweep's columns, all from `RunReport.limits`.
struct PlantSpecificationTests {
    static let path = "Flowsheets/light-re-train.yaml"
    /// Added to the example's own targets (Nd with max Sm2O3, La recovery, the La-Ce group with Pr and Nd maxima).
    static let extra = """
      - {product: nd-product, element: Nd, max: {Pr: 10 ppm}}
      - {product: lace-chloride, max-reo: 50 g/L REO}
      - {product: pr-chloride, elements: [Pr, Ce], min-purity: 95 %}

    """

    static func run(_ format: ReportFormat = .text, options: ReportOptions = ReportOptions(), overrides: [Override] = []) throws -> PipelineOutput {
        Pipeline.run(text: try Repository.text(path) + extra, fileName: path, overrides: overrides, format: format, options: options, measureTime: false)
    }

    @Test func limitsAreEvaluatedOnceWithMargins() throws {
        let out = try Self.run()
        let report = try #require(out.report)
        #expect(report.limits.map(\.key) == ["nd-product.min-purity.Nd", "nd-product.min-recovery.Nd", "nd-product.max-impurity.Sm",
                                             "lace-chloride.min-recovery.La", "lace-chloride.min-purity.La+Ce",
                                             "lace-chloride.max-impurity.Pr", "lace-chloride.max-impurity.Nd",
                                             "nd-product.max-impurity.Pr", "pr-chloride.min-purity.Pr+Ce", "lace-chloride.max-reo"])
        let sheet = try #require(FlowsheetParser.parse(text: try Repository.text(Self.path) + Self.extra, fileName: "f").flowsheet)
        #expect(report.limits.map(\.key) == RunReport.LimitCheck.keys(of: sheet))
        let lace = try #require(report.products.first { $0.name == "lace-chloride" })
        let nd = try #require(report.products.first { $0.name == "nd-product" })
        let limit = { (key: String) in report.limits.first { $0.key == key }! }
        // Group purity: the oxide fractions of La and Ce added; impurity: Sm2O3's fraction.
        #expect(abs(limit("lace-chloride.min-purity.La+Ce").value! - (lace.purity[0] + lace.purity[1])) < 1e-15)
        #expect(limit("nd-product.max-impurity.Sm").value == nd.purity[4])
        #expect(limit("lace-chloride.max-reo").value == lace.totalOxide)
        for l in report.limits {
            let v = try #require(l.value)
            #expect(l.margin == (l.isMinimum ? v - l.limit : l.limit - v))
            #expect(l.passed == (l.margin! >= 0))
        }
        let pr = try #require(report.products.first { $0.name == "pr-chloride" })
        #expect(abs(limit("pr-chloride.min-purity.Pr+Ce").value! - (pr.purity[2] + pr.purity[1])) < 1e-15)
        #expect(limit("nd-product.max-impurity.Pr").value == nd.purity[2])
        // Pr6O11 is 20 ppm of the Nd product and the raffinate carries 54 g/L REO: both fail, so the run exits 1.
        #expect(!limit("nd-product.max-impurity.Pr").passed && !limit("lace-chloride.max-reo").passed)
        #expect(limit("nd-product.max-impurity.Sm").passed && limit("pr-chloride.min-purity.Pr+Ce").passed)
        #expect(report.targetsMet == false && out.status == .targetsMissed)
        let text = out.standardOutput
        #expect(text.contains("FAIL  nd-product: Pr6O11 20.34 ppm (max 10 ppm, margin -10.34 ppm) FAIL"), "\(text)")
        #expect(text.contains("PASS  pr-chloride: Pr6O11+CeO2 purity 96.5351 % (min 95.0000 %, margin +1.5351 pp) PASS"))
        #expect(text.contains("FAIL  lace-chloride: total 54.11 g/L REO (max 50 g/L REO, margin -4.114 g/L REO) FAIL"))
    }

    @Test func jsonCSVAndSweepCarryEveryLimit() throws {
        let json = try Self.run(.json).standardOutput
        #expect(json.contains("\"effluentTargets\""))
        #expect(json.contains("\"key\": \"lace-chloride.max-reo\""))
        #expect(json.contains("\"elements\": [\"La\", \"Ce\"]") || json.contains("\"elements\": [\n"))
        let report = try #require(try Self.run().report)
        let csv = try Self.run(.csv, options: ReportOptions(targets: true)).standardOutput
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first == ["product", "kind", "elements", "unit", "limit", "value", "margin", "pass", "intermediate", "outcome"])
        #expect(rows.count == report.limits.count + 1)
        for (row, l) in zip(rows.dropFirst(), report.limits) {
            #expect(row[0] == l.product && row[1] == l.kind.rawValue && Double(row[5]) == l.value && Double(row[6]) == l.margin)
            #expect(row[7] == (l.passed ? "yes" : "no") && row[9] == "converged")
        }
        // The sweep's cells: three per limit, the report's numbers, then targets-met.
        let keys = report.limits.map(\.key)
        let cells = Sweep.cells(report, products: [], elements: report.elements, limitKeys: keys)
        let limitCells = Array(cells.dropFirst(4).dropLast())
        #expect(limitCells.count == 3 * keys.count)
        for (k, l) in report.limits.enumerated() {
            #expect(limitCells[3 * k] == "\(l.value!)" && limitCells[3 * k + 1] == "\(l.margin!)" && limitCells[3 * k + 2] == (l.passed ? "yes" : "no"))
        }
        #expect(cells.last == "no")
    }

    @Test func failedRunWithholdsLimitValues() throws {
        let failing = [Override(keyPath: "solver.tolerance", value: "1e-300"), Override(keyPath: "solver.max-iterations", value: "1")]
        let out = try Self.run(overrides: failing)
        #expect(out.status == .notConverged)
        let targets = try #require(out.standardOutput.components(separatedBy: "\nTargets\n").last?.components(separatedBy: "\nReagents").first)
        #expect(!targets.contains("PASS") && !targets.contains("FAIL") && !targets.contains("margin"), "\(targets)")
        #expect(targets.contains("Pr6O11 n/a (max 10 ppm)") && targets.contains("total n/a (max 50 g/L REO)"), "\(targets)")
        let json = try Self.run(.json, overrides: failing).standardOutput
        #expect(json.contains("\"margin\": null") && !json.contains("\"margin\": 0") && !json.contains("\"margin\": -"))
        let csv = try Self.run(.csv, options: ReportOptions(targets: true), overrides: failing).standardOutput
        for row in csv.split(separator: "\n").dropFirst() {
            let c = row.split(separator: ",", omittingEmptySubsequences: false)
            #expect(c[5].isEmpty && c[6].isEmpty && c[7].isEmpty, "\(row)")
        }
        let report = try #require(out.report)
        let cells = Sweep.cells(report, products: [], elements: report.elements, limitKeys: report.limits.map(\.key))
        #expect(cells.dropFirst(4).allSatisfy { $0.isEmpty })
    }
}
