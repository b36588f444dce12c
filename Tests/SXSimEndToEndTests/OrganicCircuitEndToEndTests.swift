import Foundation
import Testing
import SXFlowsheet
import SXModel
import SXReport

/// Issue 13 item 9: the closed organic circuit from the command line's pipeline.
@Suite("Closed organic circuit, end to end")
struct OrganicCircuitEndToEndTests {
    static let path = "Flowsheets/prnd-circuit.yaml"

    static func run(_ overrides: [Override] = [], format: ReportFormat = .text) throws -> PipelineOutput {
        Pipeline.run(text: try Repository.text(path), fileName: path, overrides: overrides, format: format, measureTime: false)
    }

    /// The report states what circulates: the return, its loading, the make-up. The loading
    /// printed is the last stage's organic, and fresh feed in = products out for the train.
    @Test func reportShowsTheCircuitAndTheTrainBalances() throws {
        let out = try Self.run()
        let report = try #require(out.report)
        #expect(report.outcome.isConverged)
        let circuit = try #require(report.cascades.first?.circuit)
        let last = try #require(report.results.first?.organic.last)
        #expect(circuit.returningLoading == last)
        #expect(circuit.returningLoading.allSatisfy { $0 > 0 })
        // 0.5 % bleed of the stripped organic, the rest returning; make-up tops it up to 2243 L/h.
        let bleed = try #require(report.products.first { $0.name == "organic-bleed" })
        #expect(abs(circuit.returnFlow - 199 * bleed.flow) <= 1e-9 * circuit.returnFlow)
        #expect(abs(circuit.returnFlow + circuit.makeUpFlow - 2243) <= 1e-9)
        for j in report.elements.indices {
            #expect(abs(report.products.reduce(0) { $0 + $1.recovery[j] } - 1) <= 1e-10)
        }
        #expect(out.standardOutput.contains("organic circuit: 2232 L/h of stripped organic return to stage 1 carrying 0.0219 g/L REO"))
        let json = try Self.run(format: .json).standardOutput
        #expect(json.contains("\"organicCircuit\": {") && json.contains("\"entryStage\": 1,"))
    }

    /// Not a steady state (an unreachable tolerance, one Newton iteration): the circuit's
    /// loading is withheld.
    @Test func failedRunWithholdsTheReturningLoading() throws {
        let failing = [Override(keyPath: "solver.tolerance", value: "1e-300"), Override(keyPath: "solver.max-iterations", value: "1")]
        let text = try Self.run(failing).standardOutput
        #expect(text.contains("carrying n/a"), "\(text)")
        let json = try Self.run(failing, format: .json).standardOutput
        #expect(json.contains("\"returningREO_g_per_L\": null"))
    }

    /// `sxsim dynamic` on the closed circuit (return line instantaneous, docs/dynamic.md §8):
    /// Xu's organic has no solvent-filled state, so the start-up is refused with that reason;
    /// from the steady circuit an upset runs, sits at the steady circuit until the event and
    /// conserves.
    @Test func dynamicCircuitUpset() throws {
        let text = try Repository.text(Self.path)
        var settings = DynamicSettings()
        settings.until = 1
        settings.defaultResidenceTime = 0.1
        let refused = Pipeline.dynamic(text: text, fileName: Self.path, settings: settings)
        #expect(refused.status == .inputError)
        #expect(refused.standardError.contains("cannot start solvent-filled"), "\(refused.standardError)")
        settings.start = .steady
        let upset = text + """

            events:
              - {at: 0.5 h, stream: feed, flow: 101 L/h}
            """
        let out = Pipeline.dynamic(text: upset, fileName: Self.path, settings: settings)
        #expect(out.status == .ok, "\(out.standardError)")
        let result = try #require(out.report?.result)
        #expect(result.conservationError <= 1e-10)
        let before = try #require(result.samples.last { $0.time <= 0.5 })
        #expect(DynamicSimulation.distance(before.outlets, result.samples[0].outlets) <= 1e-11)
        #expect(DynamicSimulation.distance(result.samples.last!.outlets, result.samples[0].outlets) > 1e-6)
        // The bled organic is a product, as in `sxsim run`.
        #expect(result.samples.last!.outlets.map(\.name).contains("organic-bleed"))
    }
}
