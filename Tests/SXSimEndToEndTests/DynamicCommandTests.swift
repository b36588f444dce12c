import Foundation
import Testing
import SXFlowsheet
import SXModel
import SXReport

/// `sxsim dynamic` in-process: the start-up example against its stored output, and the
/// command's refusals.
struct DynamicCommandTests {
    /// Flowsheets/expected/prnd-startup.dynamic.txt: first line the exit status, then the text
    /// report of `sxsim dynamic Flowsheets/prnd-startup.yaml --until 2h --rtol 1e-3 --atol 1e-6`
    /// (the first hours of the start-up: a debug-build test must stay short).
    /// Re-record with SXSIM_RECORD=1.
    @Test func startUpExampleMatchesExpectedOutput() throws {
        let path = "Flowsheets/prnd-startup.yaml"
        var settings = DynamicSettings()
        settings.until = 2
        settings.relativeTolerance = 1e-3
        settings.absoluteTolerance = 1e-6
        let out = Pipeline.dynamic(text: try Repository.text(path), fileName: path, settings: settings)
        let actual = "# exit status \(out.status.exitCode)\n" + out.standardOutput
        try Repository.expectMatchesStored(actual, at: "Flowsheets/expected/prnd-startup.dynamic.txt")
        #expect(out.standardError.isEmpty, "\(out.standardError)")
        let report = try #require(out.report)
        #expect(report.result.conservationError <= 1e-10)
    }

    /// Sections without a holdup are named, located, with the remedy; a flowsheet whose
    /// separation-factor organic cannot start empty is refused with the reason.
    @Test func refusesWhatItCannotSimulate() throws {
        let path = "Flowsheets/prnd-split.yaml"
        let text = try Repository.text(path)
        let missing = Pipeline.dynamic(text: text, fileName: path, settings: DynamicSettings())
        #expect(missing.status == .inputError)
        #expect(missing.standardError.contains("error[SX111]: section 'extraction' of cascade 'prnd' has no holdup"))
        // Located at the section's line in the file (found here, so an edit above it does not matter).
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.hasPrefix("      extraction: {stages") }) + 1
        #expect(missing.standardError.contains("prnd-split.yaml:\(line):7"), "\(missing.standardError)")
        var settings = DynamicSettings()
        settings.defaultResidenceTime = 0.5
        let empty = Pipeline.dynamic(text: text, fileName: path, settings: settings)
        #expect(empty.status == .inputError)
        #expect(empty.standardError.contains("cannot start solvent-filled"), "\(empty.standardError)")
    }

    /// The feed-filled start (docs/dynamic.md §4): the La|Ce example under Xu's model starts up
    /// to its steady state; prnd-split's organic drains its raffinate stage (at 0.42 h, measured
    /// with the release build) and the run says where it stopped, exit status 3.
    @Test func feedFilledStart() throws {
        var settings = DynamicSettings()
        settings.start = .feed
        settings.defaultResidenceTime = 0.5
        settings.stopAtSteadyState = true
        settings.until = 100_000
        let lace = "Flowsheets/lace-split.yaml"
        let started = Pipeline.dynamic(text: try Repository.text(lace), fileName: lace, settings: settings)
        let result = try #require(started.report?.result)
        #expect(result.outcome == .reachedSteadyState, "\(result.outcome)")
        #expect(result.conservationError <= 1e-10)
        #expect(started.standardOutput.contains("feed-filled cascade"))
        let prnd = "Flowsheets/prnd-split.yaml"
        settings.defaultResidenceTime = 0.2
        let drained = Pipeline.dynamic(text: try Repository.text(prnd), fileName: prnd, settings: settings)
        #expect(drained.status == .notConverged)
        guard case .failed(let time, let reason) = drained.report?.result.outcome else {
            Issue.record("prnd-split started from feed liquor did not fail: \(String(describing: drained.report?.result.outcome))")
            return
        }
        #expect(time > 0.3 && time < 0.5, "stopped at \(time) h")
        // The failure names its likely cause under Xu's model and the remedy.
        #expect(reason.contains("the step equations have no solution there; under the separation-factor model this is typically a fully loaded stage draining"), "\(reason)")
        #expect(drained.standardError.contains("the integration stopped at t = "), "\(drained.standardError)")
    }

    /// An upset of the separation-factor example from its steady state: the run completes,
    /// conserves, and the outputs are well formed.
    @Test func upsetFromSteadyStateInEveryFormat() throws {
        let path = "Flowsheets/prnd-split.yaml"
        let text = try Repository.text(path) + """

            events:
              - {at: 1 h, stream: feed, flow: 105 L/h}
            """
        var settings = DynamicSettings()
        settings.defaultResidenceTime = 0.2
        settings.start = .steady
        settings.until = 1.2
        let out = Pipeline.dynamic(text: text, fileName: path, settings: settings, format: .csv)
        #expect(out.status == .ok, "\(out.standardError)")
        let lines = out.standardOutput.split(separator: "\n")
        #expect(lines.first?.hasPrefix("time_h,pr-product:Pr_mol_per_L,") == true)
        #expect(lines.count > 3)
        let report = try #require(out.report)
        #expect(report.result.conservationError <= 1e-10)
        let json = report.rendered(.json)
        #expect(json.contains("\"samples\""))
        // Event times and values in engineering form (issue 13, item 15; before: "1.0 h", "105.0 L/h").
        #expect(report.rendered(.text).contains("at 1 h: stream 'feed' flow 105 L/h"))
    }

    /// An events file (`--events FILE`) is the flowsheet's `events` list kept apart: the same
    /// upset given either way gives the same report, byte for byte; a problem in the file is
    /// located in it.
    @Test func eventsFileEqualsFlowsheetEvents() throws {
        let path = "Flowsheets/prnd-split.yaml"
        let events = "  - {at: 1 h, stream: feed, flow: 105 L/h}\n  - {at: 1.1 h, stream: strip-acid, acidity: 5.5 mol/L}\n"
        var settings = DynamicSettings()
        settings.defaultResidenceTime = 0.2
        settings.start = .steady
        settings.until = 1.2
        let inFlowsheet = Pipeline.dynamic(text: try Repository.text(path) + "\nevents:\n" + events, fileName: path, settings: settings)
        let inFile = Pipeline.dynamic(text: try Repository.text(path), fileName: path,
                                      events: EventsDocument(text: "events:\n" + events, fileName: "upset.yaml"), settings: settings)
        #expect(inFlowsheet.status == .ok && inFile.status == .ok, "\(inFlowsheet.standardError)\(inFile.standardError)")
        #expect(inFile.standardOutput == inFlowsheet.standardOutput)
        #expect(inFile.standardOutput.contains("at 1.1 h: stream 'strip-acid' acidity 5.5 mol/L"), "\(inFile.standardOutput)")
        let bad = Pipeline.dynamic(text: try Repository.text(path), fileName: path,
                                   events: EventsDocument(text: "- {at: 1 h, stream: fed, flow: 105 L/h}\n", fileName: "upset.yaml"), settings: settings)
        #expect(bad.status == .inputError)
        #expect(bad.standardError.contains("upset.yaml:1:21: error[SX310]: event 0 changes stream 'fed'"), "\(bad.standardError)")
        #expect(bad.standardError.contains("did you mean 'feed'?"), "\(bad.standardError)")
    }

    /// A pump fault that stops the strip acid of the Pr|Nd split (Xu's model) also stops its
    /// refluxed scrub liquor, so 50 fully loaded scrub stages would stand: refused with the
    /// remedy, as an input error, before any time step.
    @Test func stoppedFlowThroughLoadedStagesIsRefused() throws {
        let path = "Flowsheets/prnd-split.yaml"
        var settings = DynamicSettings()
        settings.defaultResidenceTime = 0.5
        settings.start = .steady
        settings.until = 2
        let out = Pipeline.dynamic(text: try Repository.text(path), fileName: path,
                                   events: EventsDocument(text: "- {at: 1 h, stream: strip-acid, stop: true}\n", fileName: "trip.yaml"), settings: settings)
        #expect(out.status == .inputError)
        #expect(out.standardError.contains("the event at 1 h stops the aqueous in 50 fully loaded stages (first: stage 41, section 'scrub')"), "\(out.standardError)")
        #expect(out.standardError.contains("simulate this upset under the mass-action model"), "\(out.standardError)")
    }

    /// In a train, an event that leaves a phase standing in some stages (the rougher's only
    /// organic stopped) is refused with the remedy instead of "no organic feed".
    @Test func stoppedFlowInATrainIsRefused() throws {
        let path = "Flowsheets/recycle-polish.yaml"
        var settings = DynamicSettings()
        settings.defaultResidenceTime = 0.5
        settings.until = 3
        let out = Pipeline.dynamic(text: try Repository.text(path), fileName: path,
                                   events: EventsDocument(text: "- {at: 1 h, stream: organic-a, stop: true}\n", fileName: "trip.yaml"), settings: settings)
        #expect(out.status == .inputError)
        #expect(out.standardError.contains("the event at 1 h stops a phase in stages of cascade 'rougher': stopped flows are simulated for a single cascade, not yet in a train"),
                "\(out.standardError)")
    }

    /// A train with a recycle (issue 11, item 3): `sxsim dynamic Flowsheets/recycle-polish.yaml
    /// --residence-time 0.5h` runs the whole train, reports every product of both cascades, the
    /// inventory of each cascade and of the train, and conserves the train to 1e-10.
    @Test func linkedTrainWithRecycle() throws {
        let path = "Flowsheets/recycle-polish.yaml"
        var settings = DynamicSettings()
        settings.defaultResidenceTime = 0.5
        settings.until = 3
        let out = Pipeline.dynamic(text: try Repository.text(path), fileName: path, settings: settings)
        #expect(out.status == .ok, "\(out.standardError)")
        #expect(out.standardError.isEmpty, "\(out.standardError)")
        let report = try #require(out.report)
        #expect(report.result.cascadeNames == ["rougher", "polisher"])
        #expect(report.result.conservationError <= 1e-10)
        // The products: every outlet no link consumes (the rougher's strip liquor and the
        // polisher's raffinate are linked streams).
        #expect(report.result.samples.last!.outlets.map(\.name) == ["pr-product", "stripped-organic-a", "nd-product", "stripped-organic-b"])
        // The polisher is fed only through the link, so it holds rare earth only if it flows.
        #expect(report.result.samples.last!.cascadeInventory[1].reduce(0, +) > 0)
        let text = out.standardOutput
        #expect(text.contains("Rare earth held in the train:"), "\(text)")
        #expect(text.contains("  in cascade polisher: "))
        #expect(text.contains("Product nd-product (cascade polisher, aqueous, stage 19):"), "\(text)")
        #expect(text.contains("Start: solvent-filled cascades ("))
        #expect(text.contains("  steady state (sxsim run): "))
        #expect(text.contains("rougher.scrub: 0.5 h residence time per phase"))
        #expect(report.rendered(.csv).split(separator: "\n").first?.contains(",inventory:polisher:Nd_mol,") == true)
        #expect(report.rendered(.json).contains("\"cascadeInventory\""))
    }

    /// A train of mass-action cascades (fixture: the Pr|Nd set of Flowsheets/prnd-mass-action.yaml
    /// as a 20-stage rougher whose Pr raffinate, with its free acid and the Na⁺ its saponified
    /// organic released, feeds a 13-stage scavenger; `sxsim run` converges it in 37 + 23
    /// Newton iterations). Short runs: a debug-build test (the long-time limit against the
    /// steady train is `DynamicTrainTests`).
    static let massActionTrain = """
        version: 1
        name: Pr|Nd rougher and scavenger, mass action (train)
        elements: [Pr, Nd]

        equilibria:
          p507-hcl:
            model: mass-action
            extraction-constants: {Pr: 1.0, Nd: 1.5}
            cation: Na
            cation-exchange-constant: 1e-5
            soap: NaA
            provenance:
              source: "Flowsheets/prnd-mass-action.yaml's illustrative set"
              status: illustrative

        streams:
          feed: {phase: aqueous, flow: 1 L/h, concentrations: {Pr: 0.3 mol/L, Nd: 0.9 mol/L}, acidity: 0.05 mol/L}
          organic-a: {phase: organic, flow: 20 L/h, extractant: 1.5 mol/L, saponification: 36 %}
          scrub-a: {phase: aqueous, flow: 2.52 L/h, acidity: 3.5 mol/L}
          strip-a: {phase: aqueous, flow: 1.5 L/h, acidity: 4.5 mol/L}
          rougher-pr: {from: rougher-raffinate}
          organic-b: {phase: organic, flow: 4 L/h, extractant: 1.5 mol/L, saponification: 20 %}
          scrub-b: {phase: aqueous, flow: 0.5 L/h, acidity: 3.5 mol/L}
          strip-b: {phase: aqueous, flow: 0.5 L/h, acidity: 4.5 mol/L}

        cascades:
          rougher:
            sections:
              extraction: {stages: 8, equilibrium: p507-hcl}
              scrub: {stages: 8, equilibrium: p507-hcl}
              strip: {stages: 4, equilibrium: p507-hcl}
            feeds: {organic-a: 1, feed: extraction.last, scrub-a: scrub.last, strip-a: strip.last}
            raffinate: rougher-raffinate
            organic-outlet: stripped-organic-a
            draws:
              nd-product: {stage: strip.first, fraction: 100 %}
          scavenger:
            sections:
              extraction: {stages: 6, equilibrium: p507-hcl}
              scrub: {stages: 4, equilibrium: p507-hcl}
              strip: {stages: 3, equilibrium: p507-hcl}
            feeds: {organic-b: 1, rougher-pr: extraction.last, scrub-b: scrub.last, strip-b: strip.last}
            raffinate: pr-product
            organic-outlet: stripped-organic-b
            draws:
              scavenged-nd: {stage: strip.first, fraction: 100 %}
        """

    /// `sxsim dynamic` on the mass-action train: the start-up runs and conserves the train,
    /// reporting both cascades' products with their pH; started from the steady train
    /// (`--start steady`, every stage's free extractant, cation and acid included) it stays
    /// there.
    @Test func massActionTrain() throws {
        let path = "mass-action-train.yaml"
        var settings = DynamicSettings()
        settings.defaultResidenceTime = 0.5
        settings.until = 3
        let out = Pipeline.dynamic(text: Self.massActionTrain, fileName: path, settings: settings)
        #expect(out.status == .ok, "\(out.standardError)")
        #expect(out.standardError.isEmpty, "\(out.standardError)")
        let result = try #require(out.report?.result)
        #expect(result.cascadeNames == ["rougher", "scavenger"])
        #expect(result.conservationError <= 1e-10)
        #expect(result.samples.last!.outlets.map(\.name) == ["nd-product", "stripped-organic-a", "pr-product", "scavenged-nd", "stripped-organic-b"])
        // The scavenger is fed only through the link.
        #expect(result.samples.last!.cascadeInventory[1].reduce(0, +) > 1e-3)
        #expect(out.standardOutput.contains("Product pr-product (cascade scavenger, aqueous, stage 1):"), "\(out.standardOutput)")
        #expect(out.standardOutput.contains("Nd rec %         pH"))

        settings.start = .steady
        settings.until = 1
        let held = Pipeline.dynamic(text: Self.massActionTrain, fileName: path, settings: settings)
        #expect(held.status == .ok, "\(held.standardError)")
        let steady = try #require(held.report?.result)
        let target = try #require(steady.steadyOutlets)
        let off = DynamicSimulation.distance(steady.samples.last!.outlets, target)
        #expect(off <= 1e-10, "distance from the steady train after 1 h started there: \(off)")
        #expect(steady.conservationError <= 1e-10)
    }

    /// An event naming a cascade that does not exist is located (file:line:column of the
    /// section reference) and suggests the nearest cascade name.
    @Test func eventOnUnknownCascadeIsLocated() throws {
        let path = "Flowsheets/recycle-polish.yaml"
        let text = try Repository.text(path) + """

            events:
              - {at: 1 h, section: polishr.scrub, equilibrium: f1}
            """
        var settings = DynamicSettings()
        settings.defaultResidenceTime = 0.5
        let out = Pipeline.dynamic(text: text, fileName: path, settings: settings)
        #expect(out.status == .inputError)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(out.standardError.contains("error[SX310]: event 0 names section 'polishr.scrub' of cascade 'polishr', which is not defined under 'cascades'"),
                "\(out.standardError)")
        #expect(out.standardError.contains("recycle-polish.yaml:\(line):24"), "\(out.standardError)")
        #expect(out.standardError.contains("did you mean 'polisher'?"), "\(out.standardError)")
    }

    /// The shipped light-RE train (three feed-forward cascades under Xu's separation factors,
    /// each strip liquor with its residual acid feeding the next cascade's loaded feed stage):
    /// Xu's organic has no solvent-filled state, so the start-up is refused with the remedy;
    /// an upset from the train's steady state runs, stays at the steady state until the event
    /// and conserves.
    @Test func lightRareEarthTrainUpset() throws {
        let path = "Flowsheets/light-re-train.yaml"
        var settings = DynamicSettings()
        settings.defaultResidenceTime = 0.5
        let refused = Pipeline.dynamic(text: try Repository.text(path), fileName: path, settings: settings)
        #expect(refused.status == .inputError)
        #expect(refused.standardError.contains("cascade 'lace-prndsm': a cascade under the separation-factor model cannot start solvent-filled"), "\(refused.standardError)")
        #expect(refused.standardError.contains("--start steady"))
        let text = try Repository.text(path) + """

            events:
              - {at: 0.5 h, stream: monazite-liquor, flow: 700 L/h}
            """
        settings.start = .steady
        settings.until = 1
        let out = Pipeline.dynamic(text: text, fileName: path, settings: settings)
        #expect(out.status == .ok, "\(out.standardError)")
        let result = try #require(out.report?.result)
        #expect(result.conservationError <= 1e-10)
        #expect(result.cascadeNames == ["lace-prndsm", "pr-ndsm", "nd-sm"])
        // Before the event the train sits at its steady state, the links' acid included (the
        // release build's CSV shows no change at 10 digits; with the linked acid left out of the
        // initial inventories, a bug fixed, the outlets moved by 3.8e-9 of their rare earth by
        // 0.5 h); after the feed step they move.
        let steady = try #require(result.steadyOutlets)
        let before = try #require(result.samples.last { $0.time <= 0.5 })
        #expect(DynamicSimulation.distance(before.outlets, result.samples[0].outlets) <= 1e-11)
        #expect(DynamicSimulation.distance(result.samples.last!.outlets, result.samples[0].outlets) > 1e-4)
        #expect(before.outlets.map(\.name) == steady.map(\.name))
    }
}
