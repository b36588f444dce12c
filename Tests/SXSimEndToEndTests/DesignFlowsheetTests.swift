import Foundation
import Testing
import SXFlowsheet
import SXModel
import SXReport
@testable import SXDesign

/// A designed flowsheet, read back by the flowsheet parser and solved, meets its targets (issue 5).
@Suite("Design → flowsheet → run")
struct DesignFlowsheetTests {
    @Test("The issue-5 Pr|Nd design written as a flowsheet reads back, solves, conserves every element and meets both targets")
    func designedFlowsheetMeetsTargets() throws {
        var spec = DesignSpecification(elements: [.Pr, .Nd], feedConcentrations: [0.25, 0.75], feedFlow: 100,
                                       separationFactors: [1, 1.5], lighterKey: .Pr, heavierKey: .Nd,
                                       targets: [.purity(.organic, 0.995), .purity(.raffinate, 0.99)])
        spec.extractant = 1.5; spec.saponification = 0.36
        let report = try Designer.design(spec)
        let text = try #require(report.flowsheetText(name: "prnd"))
        let parsed = FlowsheetParser.parse(text: text, fileName: "prnd.yaml")
        let sheet = try #require(parsed.flowsheet, "diagnostics: \(parsed.diagnostics.map { String(describing: $0) })")
        #expect(sheet.targets.count == 2)
        let r = try TrainSolver.solve(sheet.train, options: sheet.solveOptions)
        #expect(r.outcome.isConverged)
        for c in r.results { #expect(c.worstClosure <= 1e-10, "closure \(c.worstClosure)") }
        let products = Dictionary(r.products.map { ($0.outlet.name, $0.outlet) }, uniquingKeysWith: { a, _ in a })
        for t in sheet.targets {
            let o = try #require(products[t.product])
            let j = try #require(sheet.elements.firstIndex(of: t.element))
            if let p = t.minimumPurity { #expect(o.oxidePurity(elements: sheet.elements)[j] >= p, "\(t.product) purity") }
        }
        // The same numbers as the design's own rigorous solve.
        let org = try #require(products["nd-loaded-organic"])
        #expect(abs(org.molePurity[1] - report.performance!.molePurityA) <= 1e-9)
    }
}

/// A side of several elements is written as a group target (issue 13, items 7 and 8), which the
/// flowsheet reads back and the run report checks with the group's recovery.
@Suite("Design → group targets")
struct DesignGroupTargetTests {
    @Test func aSideOfSeveralElementsGetsAGroupTarget() throws {
        var spec = DesignSpecification(elements: [.Pr, .Nd, .Sm], feedConcentrations: [0.25, 0.7, 0.05], feedFlow: 100,
                                       separationFactors: [1, 1.5, 7.5], lighterKey: .Pr, heavierKey: .Nd,
                                       targets: [.recovery(.organic, 0.99), .recovery(.raffinate, 0.98)])
        spec.extractant = 1.5; spec.saponification = 0.36
        let report = try Designer.design(spec)
        let text = try #require(report.flowsheetText(name: "prndsm"))
        #expect(text.contains("elements: [Nd, Sm], min-recovery: 0.99"), "\(text)")
        let sheet = try #require(FlowsheetParser.parse(text: text, fileName: "prndsm.yaml").flowsheet)
        let group = try #require(sheet.targets.first { $0.elements.count == 2 })
        #expect(group.elements == [.Nd, .Sm] && group.minimumRecovery != nil && group.minimumPurity == nil)
        #expect(sheet.targets.contains { $0.elements == [.Pr] && $0.minimumRecovery != nil })
        // The designed flowsheet meets its group recovery when run (the run report's check).
        let run = RunReport(flowsheet: sheet, fileName: "prndsm.yaml", result: try TrainSolver.solve(sheet.train, options: sheet.solveOptions))
        let limit = try #require(run.limits.first { $0.key == "nd-loaded-organic.min-recovery.Nd+Sm" })
        #expect(limit.passed, "group recovery \(limit.value ?? .nan)")
    }
}
