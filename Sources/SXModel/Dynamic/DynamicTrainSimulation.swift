import Foundation
import SXNumerics

/// Where the dynamic simulation of a train starts.
public enum DynamicTrainStart: Sendable {
    /// Every cascade solvent-filled (`DynamicStart.solventFilled`).
    case solventFilled
    /// The train's steady state (`TrainSolver.solve`, converged), e.g. before an upset.
    case steady(TrainResult)
}

/// Dynamic simulation of a train of cascades linked by streams, recycles included: all
/// cascades in one `DynamicTrainSystem` advanced by one `BDFIntegrator`, the links coupled
/// implicitly within every step (docs/dynamic.md §8). Reports the train's products (the
/// outlets no link consumes), the inventory of each cascade and of the train, and the
/// conservation of the train as a whole (fresh feeds in, products out).
public enum DynamicTrainSimulation {
    /// Most passes of the linked flows over a recycle, and the relative change at which they
    /// have settled (the flows are a linear fixed point; the parser refuses loops without exit).
    static let maximumFlowPasses = 500
    static let flowTolerance = 1e-14
    /// Saponifying cation (mol/L in an aqueous feed; extractant mol/L at saponification ½ in an
    /// organic one) of a linked feed whose source carries a cation, so that the receiving
    /// network keeps a cation balance (`CascadeNetwork.hasCation`) although the stream's own
    /// fields are emptied: the time simulation adds what the stream carries
    /// (`DynamicTrainSystem.logLinkCationFlux`). Some 1e-150 of any real flux, it changes no
    /// balance at double precision.
    static let linkedCationPlaceholder = 1e-150

    /// The train's cascades with every linked feed carrying its source outlet's volumetric
    /// flow and no rare earth, acid or cation of its own: the time simulation adds what the
    /// stream carries from the source cascade's state. Throws the first cascade whose network
    /// is invalid.
    public static func linkedCascades(_ train: CascadeTrain) throws(TrainSpecificationError) -> [Cascade] {
        var cascades = train.cascades
        for link in train.links {
            let c = link.cascade, zeros = cascades[c].elements.map { _ in 0.0 }
            switch link.phase {
            case .aqueous:
                cascades[c].aqueousFeeds[link.feedIndex].concentrations = zeros
                cascades[c].aqueousFeeds[link.feedIndex].acidity = 0
                cascades[c].aqueousFeeds[link.feedIndex].cation = 0
                cascades[c].aqueousFeeds[link.feedIndex].bisulfate = 0
                cascades[c].aqueousFeeds[link.feedIndex].sulfate = 0
            case .organic:
                cascades[c].organicFeeds[link.feedIndex].concentrations = zeros
                cascades[c].organicFeeds[link.feedIndex].saponification = 0
                cascades[c].organicFeeds[link.feedIndex].extractant = 0
            }
        }
        // Which cascades carry a saponifying cation, through the links too (as `TrainSolver.fill`
        // passes [C⁺] and the soap on): their acid-exchange receivers get the placeholder.
        var carriesCation = Array(repeating: false, count: cascades.count)
        for _ in 0...cascades.count {
            for (c, cascade) in cascades.enumerated() {
                carriesCation[c] = (try? CascadeNetwork(cascade))?.hasCation ?? false
            }
            var changed = false
            for link in train.links where carriesCation[link.sourceCascade] && cascades[link.cascade].stageChemistry.exchangesAcid {
                let c = link.cascade
                switch link.phase {
                case .aqueous:
                    changed = changed || cascades[c].aqueousFeeds[link.feedIndex].cation == 0
                    cascades[c].aqueousFeeds[link.feedIndex].cation = linkedCationPlaceholder
                case .organic:
                    changed = changed || cascades[c].organicFeeds[link.feedIndex].extractant == 0
                    cascades[c].organicFeeds[link.feedIndex].extractant = linkedCationPlaceholder
                    cascades[c].organicFeeds[link.feedIndex].saponification = 0.5
                }
            }
            if !changed { break }
        }
        for _ in 0..<maximumFlowPasses {
            var change = 0.0
            for c in train.solveOrder {
                for link in train.links where link.cascade == c {
                    let source: CascadeNetwork
                    do { source = try CascadeNetwork(cascades[link.sourceCascade]) } catch {
                        throw TrainSpecificationError(cascade: cascades[link.sourceCascade].name, error: error)
                    }
                    let flow = source.outlets.first { $0.name == link.sourceOutlet }?.flow ?? 0
                    let old = link.phase == .aqueous ? cascades[c].aqueousFeeds[link.feedIndex].flow : cascades[c].organicFeeds[link.feedIndex].flow
                    change = max(change, abs(flow - old) / max(flow, old, 1e-300))
                    if link.phase == .aqueous { cascades[c].aqueousFeeds[link.feedIndex].flow = flow } else { cascades[c].organicFeeds[link.feedIndex].flow = flow }
                }
            }
            if change <= flowTolerance || !train.hasRecycles {
                for c in cascades {
                    do { _ = try CascadeNetwork(c) } catch { throw TrainSpecificationError(cascade: c.name, error: error) }
                }
                return cascades
            }
        }
        throw TrainSpecificationError(cascade: cascades[0].name, error: CascadeSpecificationError([.init(.circulation, "the flows of the linked streams do not settle over the recycles: a phase circulates between the cascades without leaving")]))
    }

    /// What the time simulation cannot do with cascade c of `train`, as its specification error.
    static func refusal(_ train: CascadeTrain, _ c: Int, _ message: String) -> TrainSpecificationError {
        TrainSpecificationError(cascade: train.cascades[c].name, error: CascadeSpecificationError([.init(.unsupported, message)]))
    }

    /// The train's system for one period (between events): each cascade with its linked feeds'
    /// flows and the elements `elements` (indices fed to the train), the links resolved to
    /// stages, the mixed species at their steady mixing.
    static func system(for period: CascadeTrain, elements fed: [Int], holdups: [StageHoldups]) throws(TrainSpecificationError) -> DynamicTrainSystem {
        func refuse(_ c: Int, _ message: String) -> TrainSpecificationError { refusal(period, c, message) }
        let linked = try linkedCascades(period)
        var parts: [DynamicCascadeSystem] = []
        for (c, cascade) in linked.enumerated() {
            do { parts.append(DynamicCascadeSystem(network: try CascadeNetwork(cascade.keepingElements(fed)), holdups: holdups[c])) } catch {
                throw TrainSpecificationError(cascade: cascade.name, error: error)
            }
        }
        var links: [DynamicTrainSystem.Link] = []
        for l in period.links {
            let receiver = parts[l.cascade].network
            guard let outlet = parts[l.sourceCascade].network.outlets.first(where: { $0.name == l.sourceOutlet }) else { continue }
            let stage = (l.phase == .aqueous ? receiver.cascade.aqueousFeeds[l.feedIndex].stage : receiver.cascade.organicFeeds[l.feedIndex].stage) - 1
            let name = l.phase == .aqueous ? receiver.cascade.aqueousFeeds[l.feedIndex].name : receiver.cascade.organicFeeds[l.feedIndex].name
            if receiver.efficiency[stage] < 1 {
                throw refuse(l.cascade, "linked stream '\(name)' enters stage \(stage + 1), whose Murphree efficiency is below 1: the mixed inlet of such a stage is not coupled between cascades in time yet")
            }
            if l.acidity != nil {
                throw refuse(l.cascade, "linked stream '\(name)' has its acidity adjusted: an adjustment (acid added to a linked stream) is not simulated in time yet; simulate the train without it")
            }
            if parts[l.sourceCascade].network.hasCation && !receiver.exchangesAcid {
                throw refuse(l.cascade, "linked stream '\(name)' carries the saponifying cation of an acid-exchange cascade into a cascade without acid exchange, whose stages hold no cation balance: not simulated in time yet")
            }
            var link = DynamicTrainSystem.Link(receiver: l.cascade, stage: stage, phase: l.phase, source: l.sourceCascade, sourceStage: outlet.stage, flow: outlet.flow)
            // As in the steady train (`TrainSolver`), the stream carries the source outlet's free
            // acid when the source cascade states acid (its own feeds or a linked stream's).
            let sourceStatesAcid = CascadeResult.statesAcid(period.cascades[l.sourceCascade])
                || period.links.contains { $0.cascade == l.sourceCascade && $0.phase == .aqueous }
            link.stripsLoadedStage = l.phase == .aqueous && receiver.fullLoading[stage] > 0 && sourceStatesAcid
            links.append(link)
        }
        var s = DynamicTrainSystem(systems: parts, links: links, order: period.solveOrder, hasRecycles: period.hasRecycles)
        s.setSteadyMixing()
        return s
    }

    /// Runs `train` with the holdups of each cascade (in `train.cascades` order) from `start`
    /// to `options.until` (or to the train's steady state), applying `events` (each to the
    /// cascade at its index). Never traps on a failed integration: the outcome says so and
    /// the samples up to it are kept.
    public static func run(_ train: CascadeTrain, holdups: [StageHoldups], start: DynamicTrainStart,
                           events: [(cascade: Int, event: DynamicEvent)] = [],
                           options: DynamicOptions = DynamicOptions()) throws(TrainSpecificationError) -> DynamicResult {
        let events = events.enumerated().sorted { ($0.element.event.time, $0.offset) < ($1.element.event.time, $1.offset) }.map(\.element)
        func refuse(_ c: Int, _ message: String) -> TrainSpecificationError { Self.refusal(train, c, message) }
        precondition(holdups.count == train.cascades.count)
        // The train before each event time (events at one time applied together).
        var periods = [train]
        var eventTimes: [Double] = []
        for e in events {
            var next = periods.last!
            switch e.event.applied(to: next.cascades[e.cascade], original: train.cascades[e.cascade]) {
            case .success(let c): next.cascades[e.cascade] = c
            case .failure(let error): throw TrainSpecificationError(cascade: train.cascades[e.cascade].name, error: error)
            }
            // A stopped feed leaves its cascade's list: the links find theirs again by name
            // (a linked stream itself is never changed by an event).
            for (k, l) in train.links.enumerated() {
                let feeds = l.phase == .aqueous ? train.cascades[l.cascade].aqueousFeeds.map(\.name) : train.cascades[l.cascade].organicFeeds.map(\.name)
                let now = l.phase == .aqueous ? next.cascades[l.cascade].aqueousFeeds.map(\.name) : next.cascades[l.cascade].organicFeeds.map(\.name)
                if let index = now.firstIndex(of: feeds[l.feedIndex]) { next.links[k].feedIndex = index }
            }
            if eventTimes.last == e.event.time { periods[periods.count - 1] = next } else { periods.append(next); eventTimes.append(e.event.time) }
        }
        let elements = train.cascades[0].elements
        for (c, cascade) in train.cascades.enumerated() {
            if cascade.elements != elements { throw refuse(c, "cascade '\(cascade.name)' lists other elements than '\(train.cascades[0].name)'; a train is simulated in time over one element list") }
            if cascade.organicCircuit != nil {
                throw refuse(c, "a closed organic circuit in a train is not simulated in time yet (a single cascade's circuit is, its return line instantaneous); simulate the cascade alone")
            }
            guard holdups[c].aqueous.count == cascade.stageCount,
                  holdups[c].aqueous.allSatisfy({ $0 > 0 && $0.isFinite }), holdups[c].organic.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw TrainSpecificationError(cascade: cascade.name, error: CascadeSpecificationError(problems: ["every stage needs positive aqueous and organic holdups (\(cascade.stageCount) stages)"]))
            }
        }
        // Elements fed to the train from outside at any time; every cascade carries them all.
        let fed = elements.indices.filter { j in
            periods.contains { t in
                t.cascades.enumerated().contains { c, cascade in
                    cascade.aqueousFeeds.indices.contains { !t.isLinked(cascade: c, phase: .aqueous, feedIndex: $0) && cascade.aqueousFeeds[$0].concentrations[j] > 0 }
                        || cascade.organicFeeds.indices.contains { !t.isLinked(cascade: c, phase: .organic, feedIndex: $0) && cascade.organicFeeds[$0].concentrations[j] > 0 }
                }
            }
        }
        if fed.isEmpty { throw refuse(0, "no rare earth is fed to the train: every fresh feed concentration is zero") }

        // A period in which an event leaves a phase standing in some stages of a cascade (what a
        // single cascade simulates, docs/dynamic.md §4) is not coupled across links yet.
        for (k, period) in periods.enumerated().dropFirst() {
            for (c, cascade) in period.cascades.enumerated() where (try? CascadeNetwork(cascade)) == nil
                && (try? CascadeNetwork(cascade, allowingStoppedFlows: true)) != nil {
                throw refuse(c, "the event at \(EngineeringFormat.string(eventTimes[k - 1])) h stops a phase in stages of cascade '\(cascade.name)': stopped flows are simulated for a single cascade, not yet in a train; reduce the flow instead of stopping it, or simulate the cascade alone")
            }
        }
        let systems = try periods.map { p throws(TrainSpecificationError) in try system(for: p, elements: fed, holdups: holdups) }
        for (k, s) in systems.enumerated().dropFirst() where s.unknownCount != systems[0].unknownCount {
            throw refuse(0, "the event at \(eventTimes[k - 1]) h changes the stages' unknowns (a saponifying cation or the model family); simulate the two periods separately")
        }
        var first = systems[0]
        let ne = fed.count

        // Initial unknowns.
        var u = [Double](repeating: 0, count: first.unknownCount)
        switch start {
        case .solventFilled:
            for (c, cascade) in train.cascades.enumerated() {
                if cascade.sections.contains(where: { $0.equilibrium.fixedOrganicLoading != nil }) {
                    throw refuse(c, "a cascade under the separation-factor model cannot start solvent-filled: that model's organic always carries its full loading, so an empty cascade has no state under it; start the train from its steady state (--start steady) and simulate an upset")
                }
                if cascade.sections.contains(where: { $0.murphreeEfficiency < 1 }) {
                    throw refuse(c, "a solvent-filled start needs ideal stages: with a Murphree efficiency below 1 the feed stage's aqueous outlet would have to start at (1 − E) of its inlet; start from a steady state instead")
                }
            }
            // Each cascade as a single one starts (under acid exchange: its extractant free, its
            // aqueous holding the acid of the train's steady mixing, links included).
            for c in first.parts.indices {
                let local = DynamicSimulation.solventFilledUnknowns(first.parts[c].network, emptyConcentration: options.emptyConcentration)
                for (k, v) in local.enumerated() { u[first.unknownOffset[c] + k] = v }
            }
        case .steady(let result):
            guard result.outcome.isConverged, result.results.count == train.cascades.count else {
                throw refuse(0, "the starting steady state of the train did not converge")
            }
            for c in train.cascades.indices {
                guard let r = result.result(forCascade: c), let state = r.solverState else { throw refuse(c, "no steady state of cascade '\(train.cascades[c].name)' to start from") }
                // The cascade's solve may have dropped an element no feed of it carries: that
                // element starts at the empty concentration there.
                let network = first.parts[c].network, b = network.blockSize
                guard state.stageCount == network.stageCount, state.blockSize - state.elements.count == b - ne else {
                    throw refuse(c, "the steady state of cascade '\(train.cascades[c].name)' does not fit the simulated cascade")
                }
                let o = first.unknownOffset[c], sb = state.blockSize
                for i in 0..<network.stageCount {
                    for (k, j) in fed.enumerated() {
                        u[o + i * b + k] = state.elements.firstIndex(of: elements[j]).map { state.unknowns[i * sb + $0] } ?? log(options.emptyConcentration)
                    }
                    // Acid exchange: ln [(HA)₂], ln [C⁺] and ln [H⁺], in the same order.
                    for e in 0..<(b - ne) { u[o + i * b + ne + e] = state.unknowns[i * sb + state.elements.count + e] }
                }
            }
        }

        // The single cascade's integrator: the train has its conserving quadrature
        // (`DynamicTrainSystem.steppedLogInventory`), so the error-weighted Newton test holds.
        let integratorOptions = options.integrator
        var integrator: BDFIntegrator<DynamicTrainSystem>
        do { integrator = try BDFIntegrator(system: first, unknowns: u, options: integratorOptions) } catch {
            throw refuse(0, "the initial state: \(error)")
        }
        first = integrator.system

        // The train's steady state after the last event (for stopping and settling times).
        var steady: TrainResult?
        if options.stopAtSteadyState || options.solveSteadyState {
            do { steady = try TrainSolver.solve(periods.last!) } catch { throw error }
        }
        let steadyOutlets = steady.flatMap { $0.outcome.isConverged ? $0.products.map(\.outlet) : nil }

        let sampler = TrainSampler(train: train, fed: fed, fullCount: elements.count)
        var cumulative = BoundaryQuadrature(elements: ne, order: integratorOptions.maximumOrder)
        var samples = [sampler.sample(time: 0, system: &first, unknowns: integrator.unknowns, logInventory: integrator.logInventory, fed: cumulative.fed, out: cumulative.out)]
        let initialInventory = samples[0].inventory
        var outcome = DynamicOutcome.completed
        var period = 0
        run: while integrator.time < options.until {
            while period < eventTimes.count && eventTimes[period] <= integrator.time {
                period += 1
                var next = systems[period]
                // What the cascades hold is continuous: the mixed species carry over.
                for c in next.parts.indices {
                    let range = first.inventoryOffset[c]..<first.inventoryOffset[c + 1]
                    next.parts[c].takeMixedConcentrations(fromLogInventory: Array(integrator.logInventory[range]))
                }
                integrator.restart(with: next)
                cumulative.restart()
            }
            let limit = min(options.until, period < eventTimes.count ? eventTimes[period] : .infinity)
            if let failure = integrator.advance(notBeyond: limit) {
                outcome = .failed(time: integrator.time, reason: DynamicSimulation.explanation(failure, cascades: train.cascades))
                break run
            }
            let step = integrator.lastStep!
            var system = integrator.system
            let (fedFlux, outFlux) = sampler.boundaryFluxes(&system, at: integrator.unknowns)
            cumulative.advance(step, fedFlux: fedFlux, outFlux: outFlux)
            let s = sampler.sample(time: integrator.time, system: &system, unknowns: integrator.unknowns, logInventory: integrator.logInventory, fed: cumulative.fed, out: cumulative.out)
            samples.append(s)
            options.progress?(integrator.time, options.until)
            if options.stopAtSteadyState, period == eventTimes.count, let target = steadyOutlets,
               DynamicSimulation.distance(s.outlets, target) <= options.steadyTolerance {
                outcome = .reachedSteadyState
                break run
            }
        }
        let last = samples.last!
        let conservation = DynamicSimulation.conservationError(initial: fed.map { initialInventory[$0] }, final: fed.map { last.inventory[$0] },
                                                               fed: cumulative.fed, out: cumulative.out)
        var result = DynamicResult(cascade: periods.last!.cascades[0], samples: samples, outcome: outcome, statistics: integrator.statistics,
                                   steadyState: nil, events: events.map(\.event), conservationError: conservation)
        result.cascadeNames = train.cascades.map(\.name)
        result.trainSteadyState = steady
        return result
    }
}

/// Reads a train's products, inventories and boundary fluxes from the state of its system.
struct TrainSampler {
    let train: CascadeTrain
    let fed: [Int]
    let fullCount: Int

    /// Per cascade, the indices in its network's `outlets` that are products of the train.
    func productOutlets(_ system: DynamicTrainSystem, cascade c: Int) -> [Int] {
        let consumed = Set(train.links.filter { $0.sourceCascade == c }.map(\.sourceOutlet))
        return system.parts[c].network.outlets.indices.filter { !consumed.contains(system.parts[c].network.outlets[$0].name) }
    }

    /// Evaluates every cascade's state at `unknowns` (ln inventories), per cascade.
    func evaluate(_ system: inout DynamicTrainSystem, at unknowns: [Double]) -> [Double] {
        var inventory = [Double](repeating: 0, count: system.inventoryCount)
        try? system.logInventory(at: unknowns, into: &inventory)
        return inventory
    }

    /// Fresh feed and product flux of each fed element, mol/h.
    func boundaryFluxes(_ system: inout DynamicTrainSystem, at unknowns: [Double]) -> ([Double], [Double]) {
        _ = evaluate(&system, at: unknowns)
        let ne = fed.count
        var fedFlux = [Double](repeating: 0, count: ne), outFlux = fedFlux
        for c in system.parts.indices {
            let net = system.parts[c].network, lx = system.parts[c].steady.lx, ly = system.parts[c].steady.ly
            for j in 0..<ne { fedFlux[j] += net.totalFeed(element: j) }
            for k in productOutlets(system, cascade: c) {
                let o = net.outlets[k]
                for j in 0..<ne { outFlux[j] += o.flow * exp(o.phase == .aqueous ? lx[o.stage * ne + j] : ly[o.stage * ne + j]) }
            }
        }
        return (fedFlux, outFlux)
    }

    func expand(_ v: [Double]) -> [Double] { Sampler(fed: fed, fullCount: fullCount).expand(v) }

    /// The state at `unknowns`; the inventories are the integrator's (`logInventory`), which
    /// the conserving quadrature may have set apart from N(unknowns) by the Newton tolerance.
    func sample(time: Double, system: inout DynamicTrainSystem, unknowns: [Double], logInventory: [Double],
                fed fedCumulative: [Double], out outCumulative: [Double]) -> DynamicSample {
        _ = evaluate(&system, at: unknowns)   // evaluates the state the outlets read
        let ne = fed.count
        var outlets: [OutletStream] = []
        var cascadeInventory: [[Double]] = []
        var feedFlow = [Double](repeating: 0, count: ne)
        for c in system.parts.indices {
            let part = system.parts[c], net = part.network, b = net.blockSize, o = system.inventoryOffset[c]
            let single = Sampler(fed: fed, fullCount: fullCount).outlets(of: part, network: net)
            outlets += productOutlets(system, cascade: c).map { single[$0] }
            cascadeInventory.append(expand((0..<ne).map { j in (0..<net.stageCount).reduce(0) { $0 + exp(logInventory[o + $1 * b + j]) } }))
            for j in 0..<ne { feedFlow[j] += net.totalFeed(element: j) }
        }
        let total = (0..<fullCount).map { j in cascadeInventory.reduce(0) { $0 + $1[j] } }
        return DynamicSample(time: time, outlets: outlets, inventory: total, cumulativeFed: expand(fedCumulative),
                             cumulativeOut: expand(outCumulative), feedFlow: expand(feedFlow), cascadeInventory: cascadeInventory)
    }
}
