import Testing
import SXFlowsheet
import SXModel
import SXReport

/// Flowsheets the engine cannot solve yet (Flowsheets/engine-pending/). Each is a known issue:
/// when the engine starts to converge on one, this test reports it so that the file can move
/// into Flowsheets/ with an expected output.
struct EngineStatusTests {
    @Test func massActionPrNdSplit() throws {
        let path = "Flowsheets/engine-pending/prnd-mass-action.yaml"
        // A low iteration limit keeps the failing solve short in debug builds.
        let out = Pipeline.run(text: try Repository.text(path), fileName: path,
                               overrides: [Override(keyPath: "solver.max-iterations", value: "15")], measureTime: false)
        // Whatever the engine does, the run ends in a report or diagnostics, never a crash.
        #expect(out.report != nil || out.status == .inputError)
        withKnownIssue("mass-action Pr|Nd: no converging design yet (docs/engine.md §6)") {
            #expect(out.status == .ok, "\(out.standardError)")
        }
    }
}
