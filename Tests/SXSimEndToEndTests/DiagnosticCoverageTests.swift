import Foundation
import Testing
import SXFlowsheet

/// Issue 13, item 20: every diagnostic id is asserted by at least one test. An id counts as
/// asserted when test code (not a comment) names it, as the case (`.overridePath`) or its code
/// ("SX501", also as a ⟪SX501⟫ marker in a marked test input), or when a stored diagnostics file
/// of Flowsheets/invalid/ (compared exactly by `InvalidExampleTests`) contains its code.
struct DiagnosticCoverageTests {
    /// Non-comment lines of every test source except this one, and the stored diagnostics.
    static func assertingText() throws -> String {
        var text = ""
        let fm = FileManager.default
        let tests = Repository.root.appendingPathComponent("Tests")
        let walker = fm.enumerator(atPath: tests.path)
        while let relative = walker?.nextObject() as? String {
            guard relative.hasSuffix(".swift"), !relative.hasSuffix("DiagnosticCoverageTests.swift") else { continue }
            let source = try String(contentsOf: tests.appendingPathComponent(relative), encoding: .utf8)
            for line in source.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                text += line + "\n"
            }
        }
        for name in Repository.invalidExamples {
            text += try Repository.text("Flowsheets/invalid/\(name).expected")
        }
        return text
    }

    /// The ids `text` neither names as a case nor contains by code.
    static func unasserted(in text: String) -> [String] {
        DiagnosticID.allCases.compactMap { id in
            let caseName = "\(id)"   // the Swift case name, e.g. "overridePath"
            let named = text.range(of: "\\.\(caseName)\\b", options: .regularExpression) != nil
            return named || text.contains(id.code) ? nil : "\(id.code) \(caseName)"
        }
    }

    @Test func everyDiagnosticIdIsAssertedByATest() throws {
        let missing = Self.unasserted(in: try Self.assertingText())
        #expect(missing.isEmpty, "diagnostic ids no test asserts: \(missing)")
        // The check can fail: with no test text every id is reported, and one mention of a
        // case or a code is enough to count it.
        #expect(Self.unasserted(in: "").count == DiagnosticID.allCases.count)
        #expect(Self.unasserted(in: "#expect(d.id == .overridePath) SX502").count == DiagnosticID.allCases.count - 2)
    }
}
