import Foundation
import Testing
import SXFlowsheet
import SXReport

/// `sxsim compare A B` (issue 13, item 10): flowsheets and saved JSON reports side by side.
struct CompareTests {
    static let prnd = "Flowsheets/prnd-split.yaml"

    @Test func aFlowsheetEqualsItsSavedReport() throws {
        let text = try Repository.text(Self.prnd)
        let saved = Pipeline.run(text: text, fileName: Self.prnd, format: .json, measureTime: false).standardOutput
        // The writer's JSON reads back to the same document.
        #expect(try JSONValue.parse(saved).rendered() + "\n" == saved)
        let out = Pipeline.compare((text, Self.prnd), (saved, "prnd.json"))
        #expect(out.status == 0, "\(out.standardOutput)")
        let c = try #require(out.comparison)
        #expect(c.b.kind == "saved report" && c.a.kind == "flowsheet")
        #expect(c.rows.contains { $0.section == "targets" && $0.item == "nd-product.min-purity.Nd" })
        #expect(out.standardOutput.contains("no differences beyond a relative tolerance of 1e-9"))
    }

    @Test func differencesAreAbsoluteAndRelative() throws {
        let text = try Repository.text(Self.prnd)
        let fewer = Pipeline.run(text: text, fileName: "fewer", overrides: [Override(keyPath: "cascades.prnd.sections.scrub.stages", value: "40")],
                                 format: .json, measureTime: false).standardOutput
        let out = Pipeline.compare((text, Self.prnd), (fewer, "fewer.json"))
        #expect(out.status == 1)
        let c = try #require(out.comparison)
        let a = try #require(Pipeline.run(text: text, fileName: Self.prnd, measureTime: false).report)
        let b = try #require(Pipeline.run(text: text, fileName: "f", overrides: [Override(keyPath: "cascades.prnd.sections.scrub.stages", value: "40")], measureTime: false).report)
        let row = try #require(c.rows.first { $0.item == "nd-product" && $0.quantity == "Nd2O3 purity" })
        let pa = a.products[1].purity[1], pb = b.products[1].purity[1]
        #expect(row.a == .number(pa) && row.b == .number(pb))
        #expect(row.difference == pb - pa && row.relative == (pb - pa) / pa)
        #expect(row.differs(tolerance: 1e-9) && !row.differs(tolerance: 1))
        // Iterations are shown but never count; a tolerance of 1 hides every number.
        #expect(c.differences.allSatisfy { $0.quantity != "Newton iterations" })
        #expect(ReportComparison(c.a, c.b, tolerance: 0.9999).differences.allSatisfy { $0.quantity == "pass" || $0.quantity == "outcome" || $0.quantity == "targets met" })
        let json = Pipeline.compare((text, Self.prnd), (fewer, "fewer.json"), json: true).standardOutput
        let doc = try JSONValue.parse(json)
        #expect(doc["format"]?.stringValue == "sxsim-compare" && doc["differs"]?.boolValue == true)
        #expect(out.standardOutput.contains("nd-product  Nd2O3 purity %"))
    }

    @Test func inputsThatAreNeitherAreRefused() throws {
        let text = try Repository.text(Self.prnd)
        let other = Pipeline.compare(("{\"format\": \"sxsim-compare\"}", "x.json"), (text, Self.prnd))
        #expect(other.status == 2 && other.standardError.contains("x.json is JSON but not an sxsim run report"))
        let version = Pipeline.compare(("{\"format\": \"sxsim-run\", \"formatVersion\": 2}", "v2.json"), (text, Self.prnd))
        #expect(version.status == 2 && version.standardError.contains("formatVersion 2 is not supported"))
        let bad = Pipeline.compare((try Repository.text("Flowsheets/invalid/bad-units.yaml"), "bad-units.yaml"), (text, Self.prnd))
        #expect(bad.status == 2 && bad.standardError.contains("error[SX203]"))
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse("{\"a\": [1, 2,]}") }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(String(repeating: "[", count: 500)) }
        #expect(try JSONValue.parse(#"{"s": "\u00e9\ud83d\ude00\n", "n": -1.5e-3, "i": 7, "b": [true, null]}"#).rendered()
                == "{\n  \"s\": \"é😀\\n\",\n  \"n\": -0.0015,\n  \"i\": 7,\n  \"b\": [true, null]\n}")
    }

    @Test func aFailedRunComparesAsNotAvailable() throws {
        let text = try Repository.text(Self.prnd)
        let failed = Pipeline.run(text: text, fileName: "failed", overrides: [Override(keyPath: "solver.tolerance", value: "1e-300"),
                                                                           Override(keyPath: "solver.max-iterations", value: "1")],
                                  format: .json, measureTime: false).standardOutput
        let c = try #require(Pipeline.compare((text, Self.prnd), (failed, "failed.json")).comparison)
        #expect(c.rows.first { $0.quantity == "outcome" }?.b == .text("not-converged"))
        #expect(c.rows.first { $0.item == "nd-product" && $0.quantity == "Nd2O3 purity" }?.b == .number(nil))
        #expect(c.text().contains("n/a"))
    }
}
