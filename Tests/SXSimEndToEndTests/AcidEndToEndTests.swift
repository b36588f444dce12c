import Foundation
import Testing
import SXFlowsheet
import SXReport

/// Issue 9 item 2: the strip acid of Flowsheets/prnd-split.yaml matters.
struct AcidEndToEndTests {
    static func run(stripAcid: String) throws -> PipelineOutput {
        Pipeline.run(text: try Repository.text("Flowsheets/prnd-split.yaml"), fileName: "Flowsheets/prnd-split.yaml",
                     overrides: [Override(keyPath: "streams.strip-acid.acidity", value: stripAcid)], measureTime: false)
    }

    @Test("prnd-split with strip acid 0 mol/L is refused (SX409); at 5 mol/L it solves to a different Nd product than the design")
    func stripAcidZeroAndFiveDiffer() throws {
        let none = try Self.run(stripAcid: "0 mol/L")
        #expect(none.status == .inputError)
        #expect(none.diagnostics.contains { $0.id == .stripAcidShortfall && $0.severity == .error && $0.message.contains("mol/h short") })
        let five = try Self.run(stripAcid: "5 mol/L")
        let design = try Self.run(stripAcid: "4.8 mol/L")
        let ndFive = try #require(five.report?.products.first { $0.name == "nd-product" })
        let ndDesign = try #require(design.report?.products.first { $0.name == "nd-product" })
        // The 51 mol/h more acid leaves the strip liquor more acid; refluxed, it strips Nd back
        // into the scrub, so the product is leaner (1.28 against 1.50 mol/L Nd).
        #expect(ndFive.concentrations[1] < ndDesign.concentrations[1] - 0.1, "\(ndFive.concentrations) vs \(ndDesign.concentrations)")
        #expect((ndFive.acidity ?? 0) > (ndDesign.acidity ?? 0) + 0.5)
    }

    @Test("A constant-D strip that takes off more RE than its acid balances is warning SX908 with the shortfall in mol/h")
    func constantDStripWithoutEnoughAcid() throws {
        let out = Pipeline.run(text: try Repository.text("Flowsheets/recycle-polish.yaml"), fileName: "Flowsheets/recycle-polish.yaml",
                               overrides: [Override(keyPath: "streams.strip-b.acidity", value: "4 mol/L")], measureTime: false)
        // Still an answer (constant D does not depend on acid), but not a silent one.
        #expect(out.status == .ok)
        let warning = try #require(out.report?.warnings.first { $0.id == .negativeFreeAcid }, "\(out.standardError)")
        #expect(warning.severity == .warning && warning.message.contains("cascade 'polisher'") && warning.message.contains("acid shortfall"), "\(warning.message)")
        // The Nd product: 25 L/h at free acid −1.92 mol/L is 48 mol/h H⁺ short.
        #expect(warning.message.contains("'nd-product' 48.0"), "\(warning.message)")
        let design = try Self.runExample("recycle-polish")
        #expect(!(design.report?.warnings.contains { $0.id == .negativeFreeAcid } ?? true))
    }

    static func runExample(_ name: String) throws -> PipelineOutput {
        Pipeline.run(text: try Repository.text("Flowsheets/\(name).yaml"), fileName: "Flowsheets/\(name).yaml", measureTime: false)
    }
}
