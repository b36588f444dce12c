import Foundation
import SXNumerics

/// Where a dynamic simulation starts.
public enum DynamicStart: Sendable {
    /// Every stage filled with fresh organic and rare-earth-free aqueous: each concentration
    /// starts at `DynamicOptions.emptyConcentration` (the unknowns are logarithms, so no
    /// concentration is ever exactly 0). A model with a fixed organic loading (Xu's separation
    /// factors) has no such state: its organic always carries its full loading.
    case solventFilled
    /// Every stage's aqueous filled with the feed liquor (the rare-earth concentrations of the
    /// aqueous feed that carries the most rare earth) and its organic in equilibrium with it
    /// under the stage's model: the one start-up state that exists under Xu's separation-factor
    /// model, whose organic is always fully loaded. Models with algebraic organic balances
    /// (acid exchange: mass action, the empirical chemistry) are started solvent-filled instead.
    case feedFilled
    /// A steady state, e.g. `CascadeSolver.solve` of the cascade before an upset (it must have
    /// converged and carry the same elements and stages).
    case steady(CascadeResult)
    /// A state in physical units (`DynamicState`: a saved state, or a converged steady state
    /// read from a report), which must fit the cascade's layout. The run resumes at its time:
    /// the events before it are taken as already applied, those at or after it happen.
    case state(DynamicState)
}

/// Settings of a dynamic simulation.
public struct DynamicOptions: Sendable {
    /// End time, h.
    public var until: Double = 100
    /// The time integrator (tolerances, first step in h, Newton settings). Not `BDFOptions()`'s
    /// defaults (which the steady solver's time-stepping fallback keeps): variable order 1 to 3,
    /// the error-weighted Newton test with the conserving quadrature, and the chord iteration
    /// with a fresh Jacobian instead of the damped Newton method when the kept one fails
    /// (docs/dynamic.md §3; measured in §7).
    public var integrator = DynamicOptions.defaultIntegrator

    /// The integrator settings of a dynamic simulation (see `integrator`): also the Jacobian
    /// refreshed when h/a₀ changed by more than 30 % (`jacobianStepChange`), and no damped
    /// Newton method at order 1 either (`firstOrderDampedFallback`): a step whose chord
    /// iteration fails twice is retried shorter at once (docs/dynamic.md §3, §7).
    public static var defaultIntegrator: BDFOptions {
        var o = BDFOptions()
        o.maximumOrder = 3
        o.variableOrder = true
        o.newtonErrorFraction = 0.1
        o.dampedNewtonFallback = false
        o.firstOrderDampedFallback = false
        o.jacobianStepChange = 0.3
        return o
    }
    /// Stop as soon as every outlet is within `steadyTolerance` of the steady state of the
    /// cascade as it runs after the last event (which is then solved first).
    public var stopAtSteadyState = false
    /// Solve the steady state after the last event even when not stopping at it (for
    /// `DynamicResult.settlingTime`).
    public var solveSteadyState = false
    /// Closeness to the steady state: the largest |c − c_ss| of an outlet over the elements,
    /// relative to that outlet's total rare earth at steady state; also the tolerance of the
    /// settling times of the purities (absolute, as a fraction).
    public var steadyTolerance = 1e-6
    /// Concentration of every species in a `solventFilled` cascade, mol/L.
    public var emptyConcentration = 1e-14
    /// Called after every accepted step with (time h, end time h): a progress display.
    public var progress: (@Sendable (Double, Double) -> Void)?

    public init() {}
}

/// The state of the cascade's outlets and inventories at one time.
public struct DynamicSample: Sendable {
    /// h.
    public var time: Double
    /// Every stream leaving the cascade, concentrations in the cascade's full element order.
    public var outlets: [OutletStream]
    /// Rare earth held in the cascade per element (both phases, all stages), mol.
    public var inventory: [Double]
    /// Rare earth fed and leaving since the start, per element, mol (the integrator's own
    /// quadrature of the feed and outlet fluxes, so that inventory − initial inventory =
    /// fed − left to the Newton tolerance).
    public var cumulativeFed: [Double]
    public var cumulativeOut: [Double]
    /// Rare-earth feed flow of each element at this time, mol/h.
    public var feedFlow: [Double]
    /// For a train: the rare earth held in each cascade (in `DynamicResult.cascadeNames`
    /// order) per element, mol; `inventory` is their sum. Empty for one cascade.
    public var cascadeInventory: [[Double]] = []
}

/// How a dynamic simulation ended.
public enum DynamicOutcome: Sendable, Equatable {
    /// Reached the end time.
    case completed
    /// Stopped because every outlet came within the tolerance of the final steady state.
    case reachedSteadyState
    /// The integrator could not continue; the samples before `time` are valid.
    case failed(time: Double, reason: String)

    public var isSuccess: Bool { if case .failed = self { false } else { true } }
}

/// The record of a dynamic simulation.
public struct DynamicResult: Sendable {
    /// The cascade as it ran after the last event applied.
    public var cascade: Cascade
    public var samples: [DynamicSample]
    public var outcome: DynamicOutcome
    public var statistics: BDFStatistics
    /// The steady state of `cascade` (solved when asked for: `stopAtSteadyState` or
    /// `settlingTimes`), nil otherwise; only used when it converged.
    public var steadyState: CascadeResult?
    /// Why the cascade after the last event has no steady state (e.g. "no organic feed: …"
    /// when the organic is left stopped), nil when it has one or none was asked for.
    public var noSteadyState: String? = nil
    /// Events applied, in time order.
    public var events: [DynamicEvent]
    /// ∞-norm over elements of |Δinventory − (fed − left)| / max(inventory, fed) at the end:
    /// the conservation error of the whole run.
    public var conservationError: Double
    /// For a train: the names of its cascades (`DynamicSample.cascadeInventory`) and its
    /// steady state after the last event (`TrainSolver`); empty and nil for one cascade, whose
    /// steady state is `steadyState`.
    public var cascadeNames: [String] = []
    public var trainSteadyState: TrainResult?
    /// The state at the end of the run (the last accepted step, also after a failure), for
    /// `sxsim dynamic --save-state`; nil for a train.
    public var finalState: DynamicState?

    /// The outlets of the converged steady state the run is compared with (a train's
    /// products), nil without one.
    public var steadyOutlets: [OutletStream]? {
        if let train = trainSteadyState { return train.outcome.isConverged ? train.products.map(\.outlet) : nil }
        return steadyState.flatMap { $0.outcome.isConverged ? $0.outlets : nil }
    }

    /// The largest `conservationError` reported as closed: 1e-10 relative, issue 11's criterion.
    /// Each step conserves to round-off, and round-off accumulates over a run's thousands of
    /// steps (the 102-stage mass-action start-up, 3,154 steps, ends at about 3.5e-12), so a
    /// bound of 1e-12 would call a correct long run "not closed".
    public static let conservationTolerance = 1e-10
    /// True when the run conserved every element to `conservationTolerance`.
    public var conservesEveryElement: Bool { conservationError <= Self.conservationTolerance }

    /// For each outlet: the first time after which the oxide purity of every element stays
    /// within `tolerance` (absolute fraction) of its steady value, h; nil when it never does
    /// within the run, or without a converged steady state. Samples after the last event only.
    public func settlingTime(outlet name: String, tolerance: Double) -> Double? {
        guard let target = steadyOutlets?.first(where: { $0.name == name }) else { return nil }
        let elements = cascade.elements
        let goal = target.oxidePurity(elements: elements)
        let lastEvent = events.last?.time ?? 0
        var settled: Double?
        for s in samples where s.time >= lastEvent {
            guard let o = s.outlets.first(where: { $0.name == name }) else { continue }
            let p = o.oxidePurity(elements: elements)
            let off = zip(p, goal).map { abs($0 - $1) }.max() ?? 0
            if off <= tolerance { if settled == nil { settled = s.time } } else { settled = nil }
        }
        return settled
    }
}

/// Dynamic (start-up and upset) simulation of one cascade: `DynamicCascadeSystem` advanced by
/// `BDFIntegrator`, events applied at their times. See docs/dynamic.md.
public enum DynamicSimulation {
    /// Runs `cascade` with the given holdups from `start` to `options.until` (or to the steady
    /// state), applying `events`. Never traps on a failed integration: the outcome says so and
    /// the samples up to it are kept.
    public static func run(_ cascade: Cascade, holdups: StageHoldups, start: DynamicStart, events: [DynamicEvent] = [],
                           options: DynamicOptions = DynamicOptions()) throws(CascadeSpecificationError) -> DynamicResult {
        let events = events.sorted { $0.time < $1.time }
        // The cascade before each event, for the elements fed at any time.
        var cascades = [cascade]
        for e in events {
            switch e.applied(to: cascades.last!, original: cascade) {
            case .success(let c): cascades.append(c)
            case .failure(let error): throw error
            }
        }
        // The cascade as started must be a whole cascade; after an event a phase may stand still
        // in some or all stages (a stopped organic, a scrub-acid pump fault).
        _ = try CascadeNetwork(cascade)
        for c in cascades.dropFirst() { _ = try CascadeNetwork(c, allowingStoppedFlows: true) }
        // A closed organic circuit runs with its return line instantaneous (docs/dynamic.md §8):
        // the network's return link, as in the steady solve.
        let fed = cascade.elements.indices.filter { j in
            cascades.contains { c in
                c.aqueousFeeds.contains { $0.concentrations[j] > 0 } || c.organicFeeds.contains { $0.concentrations[j] > 0 }
            }
        }
        if fed.isEmpty { throw CascadeSpecificationError([.init(.noRareEarthFed, "no rare earth is fed: every feed concentration is zero")]) }
        guard holdups.aqueous.count == cascade.stageCount,
              holdups.aqueous.allSatisfy({ $0 > 0 && $0.isFinite }), holdups.organic.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw CascadeSpecificationError(problems: ["every stage needs positive aqueous and organic holdups (\(cascade.stageCount) stages)"])
        }
        let networks0 = try CascadeNetwork(cascade.keepingElements(fed))
        let networks = try [networks0] + cascades.dropFirst().map { c throws(CascadeSpecificationError) in
            try CascadeNetwork(c.keepingElements(fed), allowingStoppedFlows: true, cationUnknowns: networks0.hasCation)
        }
        if let problem = stoppedLoadedStages(networks, events: events) { throw problem }
        // A state resumes at its time, in the cascade as it runs after the events before it.
        var startTime = 0.0
        if case .state(let state) = start { startTime = state.time }
        let startIndex = events.prefix { $0.time < startTime }.count
        let first = networks[startIndex]
        if let other = networks.first(where: { $0.blockSize != first.blockSize }) {
            _ = other
            throw CascadeSpecificationError([.init(.unsupported, "an event adds or removes the saponifying cation (or changes the model family): the stages' unknowns would change; simulate the two periods separately")])
        }
        let ne = first.elementCount, n = first.stageCount, b = first.blockSize, full = cascade.elements.count

        // Initial unknowns.
        var u = [Double](repeating: 0, count: n * b)
        switch start {
        case .solventFilled:
            if cascade.sections.contains(where: { $0.equilibrium.fixedOrganicLoading != nil }) {
                throw CascadeSpecificationError([.init(.unsupported, "a cascade under the separation-factor model cannot start solvent-filled: that model's organic always carries its full loading, so an empty cascade has no state under it; start from a steady state (an upset), from feed liquor (--start feed: the organic loaded from the liquor it sits in), or use the mass-action model for a start-up")])
            }
            if cascade.sections.contains(where: { $0.murphreeEfficiency < 1 }) {
                throw CascadeSpecificationError([.init(.unsupported, "a solvent-filled start needs ideal stages: with a Murphree efficiency below 1 the feed stage's aqueous outlet would have to start at (1 − E) of its inlet; start from a steady state instead")])
            }
            u = Self.solventFilledUnknowns(first, emptyConcentration: options.emptyConcentration)
        case .feedFilled:
            if first.exchangesAcid {
                throw CascadeSpecificationError(problems: ["a feed-filled start is built for models without acid exchange (constant D, separation factors): under acid exchange the organic's free extractant would first have to be solved stage by stage; start solvent-filled instead"])
            }
            if cascade.sections.contains(where: { $0.murphreeEfficiency < 1 }) {
                throw CascadeSpecificationError(problems: ["a feed-filled start needs ideal stages: with a Murphree efficiency below 1 a stage's aqueous outlet depends on its inlet; start from a steady state instead"])
            }
            let liquor = first.cascade.aqueousFeeds.max { $0.flow * $0.concentrations.reduce(0, +) < $1.flow * $1.concentrations.reduce(0, +) }
            guard let liquor, liquor.concentrations.allSatisfy({ $0 > 0 }) else {
                throw CascadeSpecificationError(problems: ["a feed-filled start needs one aqueous feed carrying every element fed; none does"])
            }
            for i in 0..<n { for j in 0..<ne { u[i * b + j] = log(liquor.concentrations[j]) } }
        case .steady(let result):
            guard result.outcome.isConverged, let state = result.solverState, state.fits(first),
                  result.stageCount == n else {
                throw CascadeSpecificationError(problems: ["the starting steady state did not converge or does not fit this cascade (same elements fed, same stages)"])
            }
            let resultFed = result.cascade.elements.indices.filter { j in (0..<n).contains { result.aqueous[$0][j] > 0 } }
            guard resultFed == fed else {
                throw CascadeSpecificationError(problems: ["the starting steady state carries other elements than the simulation feeds"])
            }
            u = state.unknowns
        case .state(let state):
            var problems = state.problems(for: first)
            if let mixed = state.mixed, [mixed.acidCapacity, mixed.sulfate, mixed.extractant].contains(where: { $0.count != n }) {
                problems.append("the state's mixed species do not have one value per stage (\(n) stages)")
            } else if let mixed = state.mixed, ![mixed.acidCapacity, mixed.sulfate, mixed.extractant].joined().allSatisfy({ $0 >= 0 && $0.isFinite }) {
                problems.append("the state's acid capacity, sulfate and extractant must be finite and not negative")
            }
            if problems.isEmpty {
                u = state.unknowns
                if !u.allSatisfy(\.isFinite) { problems.append("every concentration of the state must be positive and finite") }
            }
            if !problems.isEmpty { throw CascadeSpecificationError(problems: problems) }
        }

        var system = DynamicCascadeSystem(network: first, holdups: holdups)
        if case .state(let state) = start, let mixed = state.mixed {
            system.setMixedConcentrations(anion: mixed.acidCapacity, sulfate: mixed.sulfate, extractant: mixed.extractant)
        }
        // A solvent-filled cascade's aqueous starts with the acid capacity (chloride) it has at
        // steady state, all of it as acid (no metal): started with the feeds' acid alone, the
        // first rare earth stripped into a stage finds too little anion for electroneutrality
        // and the integration stalls (measured on prnd-mass-action at 1.9 h). It then travels.
        var integrator: BDFIntegrator<DynamicCascadeSystem>
        do { integrator = try BDFIntegrator(system: system, unknowns: u, time: startTime, options: options.integrator) } catch {
            throw CascadeSpecificationError(problems: ["the initial state: \(error)"])
        }

        // Steady state after the last event (for stopping and settling times).
        var steady: CascadeResult?
        var noSteadyState: String?
        if options.stopAtSteadyState || options.solveSteadyState {
            // After an event that stops a phase (an organic trip left stopped) the cascade has
            // no steady state to settle to: the run goes on and says why.
            do { steady = try CascadeSolver.solve(cascades.last!) } catch {
                let problems = error.problems
                noSteadyState = problems[0] + (problems.count > 1 ? " (and \(problems.count - 1) more like it)" : "")
            }
        }
        let steadyOutlets = steady.flatMap { $0.outcome.isConverged ? $0.outlets : nil }

        // Cumulative boundary fluxes follow the integrator's quadrature (see DynamicSample).
        var cumulative = BoundaryQuadrature(elements: ne, order: options.integrator.maximumOrder)
        let sampler = Sampler(fed: fed, fullCount: full)
        var samples: [DynamicSample] = []
        let initialInventory = sampler.inventory(integrator.logInventory, network: first)
        samples.append(sampler.sample(time: startTime, system: integrator.system, logInventory: integrator.logInventory,
                                      network: first, fed: cumulative.fed, out: cumulative.out))

        var outcome = DynamicOutcome.completed
        var eventIndex = startIndex
        var network = first
        run: while integrator.time < options.until {
            while eventIndex < events.count && events[eventIndex].time <= integrator.time {
                network = networks[eventIndex + 1]
                var next = DynamicCascadeSystem(network: network, holdups: holdups)
                next.takeMixedConcentrations(fromLogInventory: integrator.logInventory)
                integrator.restart(with: next)
                cumulative.restart()
                eventIndex += 1
            }
            let limit = min(options.until, eventIndex < events.count ? events[eventIndex].time : .infinity)
            if let failure = integrator.advance(notBeyond: limit) {
                outcome = .failed(time: integrator.time, reason: Self.explanation(failure, cascades: [network.cascade]))
                break run
            }
            // The integrator's system was last evaluated at the accepted unknowns
            // (`BDFIntegrator.system`): its fluxes and outlets are read as they stand.
            let step = integrator.lastStep!
            let (fedFlux, outFlux) = integrator.system.boundaryFluxes()
            cumulative.advance(step, fedFlux: fedFlux, outFlux: outFlux)
            let s = sampler.sample(time: integrator.time, system: integrator.system,
                                   logInventory: integrator.logInventory, network: network, fed: cumulative.fed, out: cumulative.out)
            samples.append(s)
            options.progress?(integrator.time, options.until)
            if options.stopAtSteadyState, eventIndex == events.count, let target = steadyOutlets,
               Self.distance(s.outlets, target) <= options.steadyTolerance {
                outcome = .reachedSteadyState
                break run
            }
        }
        let finalInventory = sampler.inventory(integrator.logInventory, network: network)
        let conservation = conservationError(initial: initialInventory, final: finalInventory, fed: cumulative.fed, out: cumulative.out)
        var result = DynamicResult(cascade: cascades.last!, samples: samples, outcome: outcome, statistics: integrator.statistics,
                                   steadyState: steady, noSteadyState: noSteadyState, events: events, conservationError: conservation)
        result.finalState = finalState(integrator, network: network)
        return result
    }

    /// Why an integration stopped, for the report: the numbers in engineering form, what a step
    /// too small means, and under Xu's model (a fully loaded section) the likely cause.
    public static func explanation(_ failure: IntegrationFailure, cascades: [Cascade]) -> String {
        guard case .stepTooSmall(let t, let h, let reason) = failure else { return failure.description }
        let newton = reason?.description ?? "the error estimate stayed above the tolerance"
        var text = "the time step fell to \(EngineeringFormat.string(h)) h at t = \(EngineeringFormat.string(t, digits: 6)) h (\(newton)): the step equations have no solution there"
        if cascades.contains(where: { $0.sections.contains { $0.equilibrium.fixedOrganicLoading != nil } }) {
            text += "; under the separation-factor model this is typically a fully loaded stage draining the aqueous it holds, since its organic cannot load less (docs/dynamic.md §4): simulate the upset under the mass-action model, or make it milder"
        }
        return text
    }

    /// A period (after event k − 1) that stops a phase in a fully loaded stage (Xu's model):
    /// the organic there always carries its full loading, so with the aqueous that normally
    /// scrubs it (or the organic itself) stopped, the stages around take up the aqueous's rare
    /// earth until it is gone and the step equations have no solution (measured: prnd-split with
    /// its strip acid stopped, hence its refluxed scrub liquor, drains its extraction feed stage
    /// from 0.087 to 0.030 mol/L Pr within 0.04 h and the integration then creeps). Refused, with
    /// the remedy; nil when no period does this.
    static func stoppedLoadedStages(_ networks: [CascadeNetwork], events: [DynamicEvent]) -> CascadeSpecificationError? {
        for (k, net) in networks.enumerated().dropFirst() {
            let stopped = (0..<net.stageCount).filter { i in
                net.fullLoading[i] > 0 && (net.aqueousFlow[i] == 0 || net.organicFlow[i] == 0)
            }
            guard let i = stopped.first else { continue }
            let phase = net.organicFlow[i] == 0 ? "organic" : "aqueous"
            let section = net.cascade.sections[net.sectionOfStage[i]].name
            return CascadeSpecificationError([.init(.unsupported, "the event at \(EngineeringFormat.string(events[k - 1].time)) h stops the \(phase) in \(stopped.count) fully loaded stage\(stopped.count == 1 ? "" : "s") (first: stage \(i + 1), section '\(section)'): under the separation-factor model the organic always carries its full loading, so with that flow stopped the loaded stages drain the aqueous they hold and the cascade has no state; simulate this upset under the mass-action model, or reduce the flow instead of stopping it", stage: i + 1)])
        }
        return nil
    }

    /// The integrator's current state in physical units, the mixed species from its kept
    /// inventories (what an event restart carries over).
    static func finalState(_ integrator: BDFIntegrator<DynamicCascadeSystem>, network: CascadeNetwork) -> DynamicState {
        var system = integrator.system
        system.takeMixedConcentrations(fromLogInventory: integrator.logInventory)
        let mixed = system.mixedConcentrations
        var state = DynamicState(time: integrator.time, network: network, unknowns: integrator.unknowns,
                                 mixed: DynamicState.Mixed(acidCapacity: mixed.anion, sulfate: mixed.sulfate, extractant: mixed.extractant))
        var scratch = [Double](repeating: 0, count: system.inventoryCount)
        if (try? system.logInventory(at: integrator.unknowns, into: &scratch)) != nil {
            let ne = network.elementCount, ly = system.steady.logOrganicConcentrations
            state.organic = (0..<network.stageCount).map { i in (0..<ne).map { exp(ly[i * ne + $0]) } }
        }
        return state
    }

    /// The unknowns of a solvent-filled cascade: every metal and cation at `emptyConcentration`
    /// (mol/L); under acid exchange all the extractant free and the aqueous holding only its
    /// acid (no metal yet), both read from the network's mixed concentrations.
    static func solventFilledUnknowns(_ network: CascadeNetwork, emptyConcentration: Double) -> [Double] {
        let n = network.stageCount, ne = network.elementCount, b = network.blockSize
        let lnEmpty = log(emptyConcentration)
        var u = [Double](repeating: lnEmpty, count: n * b)
        guard network.exchangesAcid else { return u }
        let perFree = network.stageChemistry.stoichiometry?.perFreeExtractant ?? 2
        for i in 0..<n {
            u[i * b + ne] = log(network.extractantConcentration[i] / perFree)
            u[i * b + network.acidityIndex] = log(AqueousChargeBalance.freeAcidWithWater(
                protons: network.anionConcentration[i], sulfate: network.sulfateConcentration[i]))
        }
        return u
    }

    /// ∞-norm over elements of |Δinventory − (fed − out)| relative to the largest of the four
    /// amounts (mol): `DynamicResult.conservationError`.
    static func conservationError(initial: [Double], final: [Double], fed: [Double], out: [Double]) -> Double {
        var worst = 0.0
        for k in initial.indices {
            let change = final[k] - initial[k]
            let scale = max(abs(final[k]), abs(initial[k]), abs(fed[k]), abs(out[k]))
            if scale > 0 { worst = max(worst, abs(change - (fed[k] - out[k])) / scale) }
        }
        return worst
    }

    /// The largest |c − c_ss| over the outlets and elements, each relative to the outlet's
    /// total rare earth at steady state.
    public static func distance(_ outlets: [OutletStream], _ steady: [OutletStream]) -> Double {
        var worst = 0.0
        for o in outlets {
            guard let t = steady.first(where: { $0.name == o.name }) else { continue }
            let total = t.concentrations.reduce(0, +)
            guard total > 0 else { continue }
            for (c, cs) in zip(o.concentrations, t.concentrations) { worst = max(worst, abs(c - cs) / total) }
        }
        return worst
    }
}

/// The cumulative feed and outlet amounts of a run, mol per element, advanced with every
/// accepted step by that step's own multistep formula, (Δt·flux − Σ a_m·past_m)/a₀, so that
/// the change of inventory equals fed − out to the Newton tolerance (docs/dynamic.md §3).
struct BoundaryQuadrature {
    /// Past cumulative amounts, most recent first (as many as the integrator keeps past
    /// points: its highest order, at least two).
    private var fedHistory: [[Double]]
    private var outHistory: [[Double]]
    private let kept: Int

    init(elements: Int, order: Int) {
        fedHistory = [[Double](repeating: 0, count: elements)]
        outHistory = fedHistory
        kept = max(2, order)
    }

    var fed: [Double] { fedHistory[0] }
    var out: [Double] { outHistory[0] }

    /// After an event the method restarts at order 1: only the latest amounts are kept.
    mutating func restart() {
        fedHistory = [fedHistory[0]]
        outHistory = [outHistory[0]]
    }

    /// Adds the step whose end fluxes (mol/h) are given.
    mutating func advance(_ step: ImplicitStep, fedFlux: [Double], outFlux: [Double]) {
        func next(_ history: [[Double]], _ flux: [Double]) -> [[Double]] {
            let amount = flux.indices.map { j in
                var v = step.timeStep * flux[j]
                for (m, h) in step.history.enumerated() { v -= h.coefficient * history[m][j] }
                return v / step.newCoefficient
            }
            return [amount] + history.prefix(kept - 1)
        }
        fedHistory = next(fedHistory, fedFlux)
        outHistory = next(outHistory, outFlux)
    }
}

/// Reads outlets, inventories and boundary fluxes from the dynamic system's state.
struct Sampler {
    let fed: [Int]
    let fullCount: Int

    /// Per fed element, mol.
    func inventory(_ logInventory: [Double], network: CascadeNetwork) -> [Double] {
        let ne = network.elementCount, b = network.blockSize
        return (0..<ne).map { j in (0..<network.stageCount).reduce(0) { $0 + exp(logInventory[$1 * b + j]) } }
    }

    /// The state `system` was last evaluated at (the integrator's accepted unknowns); the
    /// inventories are the integrator's (`logInventory`), which the conserving quadrature may
    /// have set apart from N(unknowns) by the Newton tolerance. Before, the state was evaluated
    /// twice more per step here (for the fluxes and the outlets), the same numbers at the cost
    /// of two residuals.
    func sample(time: Double, system: DynamicCascadeSystem, logInventory inv: [Double],
                network: CascadeNetwork, fed fedCumulative: [Double], out outCumulative: [Double]) -> DynamicSample {
        let ne = network.elementCount
        let outlets = self.outlets(of: system, network: network)
        let inventory = self.inventory(inv, network: network)
        return DynamicSample(time: time, outlets: outlets, inventory: expand(inventory), cumulativeFed: expand(fedCumulative),
                             cumulativeOut: expand(outCumulative), feedFlow: expand((0..<ne).map { network.totalFeed(element: $0) }))
    }

    /// Per fed element → the full element order (0 for the others).
    func expand(_ v: [Double]) -> [Double] {
        var row = [Double](repeating: 0, count: fullCount)
        for (k, j) in fed.enumerated() { row[j] = v[k] }
        return row
    }

    /// Every outlet of `network` at the system's last evaluated state.
    func outlets(of system: DynamicCascadeSystem, network: CascadeNetwork) -> [OutletStream] {
        let ne = network.elementCount, steady = system.steady
        return network.outlets.map { o -> OutletStream in
            let c = (0..<ne).map { j in exp(o.phase == .aqueous ? steady.lx[o.stage * ne + j] : steady.ly[o.stage * ne + j]) }
            var stream = OutletStream(name: o.name, phase: o.phase, stage: o.stage + 1, flow: o.flow, concentrations: expand(c),
                                      acidity: o.phase == .aqueous && network.exchangesAcid ? steady.acidity[o.stage] : nil)
            let s = network.sulfateConcentration[o.stage]
            if o.phase == .aqueous && s > 0 {
                stream.bisulfate = stream.acidity.map { AqueousChargeBalance.bisulfate(acidity: $0, sulfate: s) } ?? 0
                stream.sulfate = s - stream.bisulfate
            }
            return stream
        }
    }
}
