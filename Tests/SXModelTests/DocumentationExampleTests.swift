import Foundation
import Testing
import SXModel

// The worked example of the SXModel documentation (Sources/SXModel/Documentation.docc/
// BuildingACascadeInCode.md). The code between the `example` markers is the article's code
// block character for character (`articleShowsTheTestedCode` compares them), so the article's
// code compiles and runs as a test and cannot drift from the library.

// example: begin
/// Solves a Pr|Nd split (reference case X1, docs/references.md): 17 extraction and 20 scrub
/// stages under Xu's separation-factor model, β(Nd/Pr) = 1.5; flows in L/h, concentrations
/// in mol/L. Returns the Nd₂O₃ purity (oxide basis) and the Nd recovery of the loaded organic.
func solvePrNdSplit() throws -> (purity: Double, recovery: Double) {
    let model = SeparationFactorModel(separationFactors: [1.5, 1], organicLoading: 1)
    let cascade = Cascade(
        elements: [.Nd, .Pr],
        sections: [Section(name: "extraction", stageCount: 17, equilibrium: model),
                   Section(name: "scrub", stageCount: 20, equilibrium: model)],
        aqueousFeeds: [AqueousFeed(name: "feed", stage: 17, flow: 1, concentrations: [0.75, 0.25]),
                       AqueousFeed(name: "scrub", stage: 37, flow: 1, concentrations: [0, 0], acidity: 10.05)],
        organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: 4.1, concentrations: [0, 0])])

    // Throws only for an invalid specification; a solve that fails says why in its outcome.
    let result = try CascadeSolver.solve(cascade)
    guard result.outcome.isConverged, let product = result.outlet(named: "organic out") else {
        throw SolveFailure(reason: result.outcome.explanation)
    }
    let purity = product.oxidePurity(elements: cascade.elements)   // fractions, in element order
    return (purity[0], result.recovery(element: 0, in: product))
}

struct SolveFailure: Error {
    var reason: String
}
// example: end

struct DocumentationExampleTests {
    static let article = "Sources/SXModel/Documentation.docc/BuildingACascadeInCode.md"

    @Test func workedExampleSolvesAndReadsPurity() throws {
        let (purity, recovery) = try solvePrNdSplit()
        #expect(purity > 0.995)
        #expect(abs(recovery - 0.995689) <= 1e-5)   // [RC-X1], tolerance 1e-5
    }

    @Test func articleShowsTheTestedCode() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let article = try String(contentsOf: root.appendingPathComponent(Self.article), encoding: .utf8)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        let begin = try #require(lines.firstIndex(of: "// example: begin"))
        let end = try #require(lines.firstIndex(of: "// example: end"))
        let tested = lines[(begin + 1)..<end].joined(separator: "\n")
        #expect(article.contains("```swift\nimport SXModel\n\n" + tested + "\n```"),
                "the code block of \(Self.article) differs from the tested code in DocumentationExampleTests.swift")
    }
}
