import Foundation

/// A stream leaving the cascade, with its composition at the solution.
public struct OutletStream: Sendable, Equatable {
    public var name: String
    public var phase: Phase
    /// 1-based stage it leaves.
    public var stage: Int
    /// Volumetric flow, L/h.
    public var flow: Double
    /// Rare-earth concentrations, mol/L, one per cascade element.
    public var concentrations: [Double]
    /// Free acid [H⁺], mol/L (aqueous outlets of cascades whose acid is tracked: every
    /// acid-exchange cascade, and any other whose streams state an acidity; nil otherwise).
    /// Negative when the aqueous holds more metal than its acid capacity balances (a strip
    /// without enough acid under a model that does not depend on it).
    public var acidity: Double?
    /// HSO₄⁻ and SO₄²⁻ of an aqueous outlet of a sulfate liquor, mol/L (0 otherwise).
    public var bisulfate: Double = 0
    public var sulfate: Double = 0

    /// Rare-earth flow of each element, mol/h.
    public var elementFlows: [Double] { concentrations.map { $0 * flow } }
}

/// The solution of one cascade (or the last iterate, when `outcome` is not `.converged`).
public struct CascadeResult: Sendable {
    public let cascade: Cascade
    public let outcome: SolveOutcome
    /// Newton iterations, all continuation steps included.
    public let iterations: Int
    /// ‖F‖∞ of the stage balances at the returned state (relative balance error).
    public let residualNorm: Double
    /// Continuation steps taken (0 when the direct solve from the linear start converged).
    public let continuationSteps: Int
    /// Aqueous outlet concentration x of every stage (index 0 = stage 1) and element, mol/L.
    public let aqueous: [[Double]]
    /// Organic outlet concentration y of every stage and element, mol/L.
    public let organic: [[Double]]
    /// Aqueous concentration in equilibrium with the organic outlet (x* = x for ideal stages), mol/L.
    public let equilibriumAqueous: [[Double]]
    /// [H⁺] of each stage's aqueous outlet, mol/L: from the charge balance under acid exchange
    /// (mass action, empirical); under the other models, the acid capacity left after the
    /// metal and saponifying cation (`AqueousChargeBalance`), reported when a stream of the
    /// cascade states an acidity (nil for a textbook cascade without acid). Negative where
    /// the aqueous would need more acid than it has.
    public let acidity: [Double]?
    /// Organic total RE leaving each stage of a fully loaded section after the acid reaching
    /// it has stripped its share, mol/L (nil without such a section).
    public let fullLoading: [Double]?
    /// Free [(HA)₂] of each stage's organic outlet, mol/L (mass action only).
    public let freeDimer: [Double]?
    /// Aqueous [C⁺] (Na⁺/NH₄⁺) and organic [CA] per stage, mol/L (mass action with saponification).
    public let aqueousCation: [Double]?
    public let organicCation: [Double]?
    public let outlets: [OutletStream]
    /// Volumetric flows leaving each stage, L/h.
    public let aqueousFlow: [Double]
    public let organicFlow: [Double]

    /// Every Newton and pseudo-transient step of the solve, in order (the convergence history).
    public let history: [SolveStep]

    /// True when the solve converged from a previous result's state
    /// (`CascadeSolver.solve(_:options:startingFrom:)`); false for a cold start, including a
    /// warm attempt that failed and was answered by the cold strategy chain.
    public let startedWarm: Bool

    /// The solver's unknowns at the returned state and the layout they belong to: what a warm
    /// start maps onto the next cascade (nil when the solve never reached a Newton phase).
    private(set) var solverState: SolverState?

    init(cascade: Cascade, fedElements: [Int], system: CascadeSystem, outcome: SolveOutcome,
         iterations: Int, residualNorm: Double, continuationSteps: Int, history: [SolveStep] = [],
         unknowns: [Double]? = nil, startedWarm: Bool = false, readOut: Bool = true) {
        self.cascade = cascade
        self.history = history
        self.startedWarm = startedWarm
        solverState = unknowns.map { SolverState(network: system.network, unknowns: $0) }
        self.outcome = outcome
        self.iterations = iterations
        self.residualNorm = residualNorm
        self.continuationSteps = continuationSteps
        let net = system.network
        aqueousFlow = net.aqueousFlow
        organicFlow = net.organicFlow
        guard readOut else {
            // A stepping stone of the continuation in the number of stages: only its state is used.
            (aqueous, organic, equilibriumAqueous, outlets) = ([], [], [], [])
            (acidity, fullLoading, freeDimer, aqueousCation, organicCation) = (nil, nil, nil, nil, nil)
            return
        }
        let n = net.stageCount, ne = net.elementCount, full = cascade.elements.count
        func expand(_ flat: [Double]) -> [[Double]] {
            (0..<n).map { i in
                var row = [Double](repeating: 0, count: full)
                for (k, j) in fedElements.enumerated() { row[j] = flat[i * ne + k] }
                return row
            }
        }
        aqueous = expand(system.aqueousConcentrations)
        organic = expand(system.organicConcentrations)
        equilibriumAqueous = expand(system.equilibriumAqueousConcentrations)
        acidity = net.exchangesAcid || Self.statesAcid(cascade) ? system.acidityProfile : nil
        fullLoading = net.fullLoading.contains { $0 > 0 } ? system.loadingProfile : nil
        freeDimer = net.exchangesAcid ? system.freeDimerProfile : nil
        aqueousCation = net.hasCation ? system.cationProfile : nil
        organicCation = net.hasCation ? system.organicCationProfile : nil
        let aq = aqueous, org = organic, h = acidity
        outlets = net.outlets.map { o in
            var out = OutletStream(name: o.name, phase: o.phase, stage: o.stage + 1, flow: o.flow,
                                   concentrations: o.phase == .aqueous ? aq[o.stage] : org[o.stage],
                                   acidity: o.phase == .aqueous ? h?[o.stage] : nil)
            let s = net.sulfateConcentration[o.stage]
            if o.phase == .aqueous && s > 0 {
                // Speciated at the stage's free acid (or, without acid exchange, all as SO₄²⁻).
                out.bisulfate = h.map { AqueousChargeBalance.bisulfate(acidity: max($0[o.stage], 0), sulfate: s) } ?? 0
                out.sulfate = s - out.bisulfate
            }
            return out
        }
    }

    public var stageCount: Int { aqueous.count }

    /// Rare earth of element j fed by all feeds, mol/h.
    public func feedFlow(element j: Int) -> Double {
        cascade.aqueousFeeds.reduce(0) { $0 + $1.flow * $1.concentrations[j] }
            + cascade.organicFeeds.reduce(0) { $0 + $1.flow * $1.concentrations[j] }
    }

    /// (fed − leaving) / fed for each element: the whole-cascade mass-balance closure
    /// (0 for an element that is not fed).
    public var massBalanceClosure: [Double] {
        cascade.elements.indices.map { j in
            let fed = feedFlow(element: j)
            if fed == 0 { return 0 }
            let out = outlets.reduce(0) { $0 + $1.flow * $1.concentrations[j] }
            return (fed - out) / fed
        }
    }

    /// Largest |closure| over the elements.
    public var worstClosure: Double { massBalanceClosure.map(abs).max() ?? 0 }

    /// D = y / x* at every stage for every element (0 where the element is absent).
    public var distributionRatios: [[Double]] {
        zip(organic, equilibriumAqueous).map { y, x in zip(y, x).map { $1 > 0 ? $0 / $1 : 0 } }
    }

    /// pH = −log10 [H⁺] per stage (acid-exchange models: mass action, empirical).
    public var pH: [Double]? { cascade.stageChemistry.exchangesAcid ? acidity?.map { -log10($0) } : nil }

    /// True when a stream of `cascade` states an acidity (free acid or bisulfate): its acid is
    /// then tracked and reported under every model.
    public static func statesAcid(_ cascade: Cascade) -> Bool {
        cascade.aqueousFeeds.contains { $0.acidity > 0 || $0.bisulfate > 0 }
    }

    /// Free extractant of each stage's organic as vol % of the pure extractant (the dosage d
    /// of an empirical fit), for cascades with an empirical section; nil otherwise.
    public var dosage: [Double]? {
        guard let free = freeDimer else { return nil }
        let models = cascade.sections.map { $0.equilibrium as? EmpiricalModel }
        guard models.contains(where: { $0 != nil }) else { return nil }
        var d = [Double](repeating: .nan, count: stageCount)
        for (k, range) in cascade.sectionStageRanges.enumerated() {
            guard let m = models[k] else { continue }
            for s in range { d[s - 1] = m.dosage(freeExtractant: free[s - 1]) }
        }
        return d
    }

    /// A seed for a warm start (`CascadeSolver.solve(_:options:startingFrom:)`) on a path of
    /// steady states (a continuation in some flowsheet value): this result's state moved
    /// `factor` times the step from `earlier` to it, u + factor·(u − u_earlier) in the solver's
    /// unknowns (ln concentrations), i.e. a secant predictor. Nil unless both results carry a
    /// state of the same layout.
    public func extrapolated(awayFrom earlier: CascadeResult, by factor: Double) -> CascadeResult? {
        guard factor.isFinite, let state = solverState, let previous = earlier.solverState,
              previous.unknowns.count == state.unknowns.count, previous.elements == state.elements,
              previous.blockSize == state.blockSize, previous.stageCount == state.stageCount else { return nil }
        return replacingState(zip(state.unknowns, previous.unknowns).map { u, v in u + factor * (u - v) })
    }

    /// This result with other solver unknowns of the same layout (a seed), nil without a state.
    func replacingState(_ unknowns: [Double]) -> CascadeResult? {
        guard let state = solverState, state.unknowns.count == unknowns.count else { return nil }
        var seed = self
        seed.solverState!.unknowns = unknowns
        return seed
    }

    /// Total organic RE loading per stage, mol/L.
    public var organicLoading: [Double] { organic.map { $0.reduce(0, +) } }

    /// The outlet with the given name.
    public func outlet(named name: String) -> OutletStream? { outlets.first { $0.name == name } }

    /// Recovery of element j into the named outlet: its flow there over the flow fed.
    public func recovery(element j: Int, in outlet: OutletStream) -> Double {
        OxideBasis.groupRecovery([j], flow: outlet.flow, concentrations: outlet.concentrations,
                                 fed: outlet.concentrations.indices.map { $0 == j ? feedFlow(element: j) : 0 })
    }
}

/// A solve's unknowns (stage blocks of ln x_j, then ln [(HA)₂] and ln [C⁺] where the cascade
/// carries them, docs/engine.md §4) with what fixes their layout. Another cascade can start
/// from them when `fits` it: the same fed elements in the same order, the same stage count and
/// the same block (flows, feeds, routes and model parameters may differ).
struct SolverState: Sendable {
    var elements: [Element]
    var stageCount: Int
    var blockSize: Int
    var exchangesAcid: Bool
    var hasCation: Bool
    var unknowns: [Double]

    init(network: CascadeNetwork, unknowns: [Double]) {
        elements = network.cascade.elements
        stageCount = network.stageCount
        blockSize = network.blockSize
        exchangesAcid = network.exchangesAcid
        hasCation = network.hasCation
        self.unknowns = unknowns
    }

    /// Whether these unknowns are laid out as `network`'s.
    func fits(_ network: CascadeNetwork) -> Bool {
        elements == network.cascade.elements && stageCount == network.stageCount && blockSize == network.blockSize
            && exchangesAcid == network.exchangesAcid && hasCation == network.hasCation
            && unknowns.count == stageCount * blockSize && unknowns.allSatisfy(\.isFinite)
    }
}

extension OutletStream {
    /// Oxide-basis purity of each element (`OxideBasis.purity`): a rare earth's oxide mass
    /// over the total rare-earth oxide; another metal's over all metal oxides.
    public func oxidePurity(elements: [Element]) -> [Double] {
        OxideBasis.purity(elements: elements, concentrations: concentrations)
    }

    /// Total rare-earth oxide concentration, g/L REO (rare earths only).
    public func oxideConcentration(elements: [Element]) -> Double {
        OxideBasis.totalRareEarthOxide(elements: elements, concentrations: concentrations)
    }

    /// Mole-fraction purity of each element (Xu's convention).
    public var molePurity: [Double] {
        let total = concentrations.reduce(0, +)
        return concentrations.map { total > 0 ? $0 / total : 0 }
    }
}
