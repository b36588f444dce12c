import Foundation
import Testing
@testable import SXModel

@Suite("Cold starts on long cascades")
struct ColdStartTests {
    @Test("500-stage fractional extraction + strip, 6 elements, converges from a cold start",
          arguments: ["constant-D", "separation-factors", "mass-action"])
    func fiveHundredStages(model: String) throws {
        let cascade = Build.fractionalWithStrip(model: model, elements: 6, n: 200, m: 200, k: 100, reflux: 0.2)
        #expect(cascade.stageCount == 500)
        let r = try CascadeSolver.solve(cascade)
        print("\(model): \(r.outcome.code) iterations \(r.iterations) continuation \(r.continuationSteps) residual \(r.residualNorm) closure \(r.worstClosure)")
        Check.solved(r)
    }
}
