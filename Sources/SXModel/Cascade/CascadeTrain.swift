import Foundation

/// Several cascades linked by their outlets: the raffinate, strip liquor or organic of one
/// cascade feeding another (or an earlier one, a recycle).
///
/// Solution method: the cascades are solved one at a time in an order that puts every
/// source before its receivers where the links allow it (Kahn's topological order, ties
/// and cycles broken by position in `cascades`). A link whose source has not been solved
/// when its receiver is (a *tear* stream, present only with recycles) starts as a
/// rare-earth-free stream of negligible flow; the whole train is then re-solved by
/// successive substitution until no linked stream changes by more than
/// `recycleTolerance` (relative, on its flow and on each element's molar flow) between
/// two passes.
public struct CascadeTrain: Sendable, Equatable {
    /// A feed whose flow and composition are those of another cascade's outlet.
    public struct Link: Sendable, Equatable {
        /// Index in `cascades` of the cascade that receives the stream.
        public var cascade: Int
        /// Phase of the receiving feed (`aqueousFeeds` or `organicFeeds`) and its index there.
        public var phase: Phase
        public var feedIndex: Int
        /// Index of the cascade whose outlet supplies the stream, and that outlet's name.
        public var sourceCascade: Int
        public var sourceOutlet: String
        /// Free acid of the linked aqueous stream after an adjustment, mol/L; nil keeps the
        /// outlet's own acidity (mass-action cascades; 0 for the other models).
        public var acidity: Double?

        public init(cascade: Int, phase: Phase, feedIndex: Int, sourceCascade: Int, sourceOutlet: String, acidity: Double? = nil) {
            self.cascade = cascade
            self.phase = phase
            self.feedIndex = feedIndex
            self.sourceCascade = sourceCascade
            self.sourceOutlet = sourceOutlet
            self.acidity = acidity
        }
    }

    /// The cascades; feeds named by a link hold placeholders that the solver overwrites.
    public var cascades: [Cascade]
    public var links: [Link]
    /// Largest relative change of any linked stream between two passes at convergence.
    public var recycleTolerance: Double
    /// Most passes over the train when it has recycles.
    public var maximumRecycleIterations: Int

    public init(cascades: [Cascade], links: [Link] = [], recycleTolerance: Double = 1e-8, maximumRecycleIterations: Int = 200) {
        self.cascades = cascades
        self.links = links
        self.recycleTolerance = recycleTolerance
        self.maximumRecycleIterations = maximumRecycleIterations
    }

    /// True when the feed is supplied by a link.
    public func isLinked(cascade c: Int, phase: Phase, feedIndex: Int) -> Bool {
        links.contains { $0.cascade == c && $0.phase == phase && $0.feedIndex == feedIndex }
    }

    /// Outlets of cascade `c` that no link consumes: the train's products.
    public func productOutletNames(cascade c: Int) -> [String] {
        let consumed = Set(links.filter { $0.sourceCascade == c }.map(\.sourceOutlet))
        var names: [String] = []
        guard let network = try? CascadeNetwork(cascades[c]) else { return [] }
        for o in network.outlets where !consumed.contains(o.name) && !names.contains(o.name) { names.append(o.name) }
        return names
    }

    /// The order cascades are solved in (see the type's documentation).
    public var solveOrder: [Int] {
        var remaining = Array(cascades.indices)
        var done = Set<Int>()
        var order: [Int] = []
        while !remaining.isEmpty {
            let ready = remaining.first { c in
                links.filter { $0.cascade == c && $0.sourceCascade != c }.allSatisfy { done.contains($0.sourceCascade) }
            } ?? remaining[0]
            order.append(ready)
            done.insert(ready)
            remaining.removeAll { $0 == ready }
        }
        return order
    }

    /// True when some link's source is solved after (or is) its receiver.
    public var hasRecycles: Bool {
        let position = Dictionary(uniqueKeysWithValues: solveOrder.enumerated().map { ($1, $0) })
        return links.contains { position[$0.sourceCascade]! >= position[$0.cascade]! }
    }
}

/// Why a train solve stopped.
public enum TrainOutcome: Sendable, Equatable {
    case converged
    /// A cascade did not converge; its own outcome explains why.
    case cascadeFailed(cascade: String, outcome: SolveOutcome)
    /// Successive substitution over the recycles did not settle.
    case recycleNotConverged(passes: Int, change: Double)
    /// Every cascade converged but a number derived from the solution (an outlet's flow,
    /// concentration, oxide mass or an element's flow) is NaN or infinite: the inputs are
    /// beyond double precision's range. `what` names the first such number.
    case nonFiniteResult(what: String)
    /// Every cascade converged but the train as a whole does not conserve an element: the
    /// fresh feeds in and the products out differ by more than `TrainResult.imbalanceTolerance`
    /// (relative). `closure` is (fresh − products)/fresh of the worst element.
    case imbalance(element: String, closure: Double)

    public var isConverged: Bool { self == .converged }

    /// True when a solver (a cascade's or the recycle iteration) stopped short; false for a
    /// converged train and for a converged train whose numbers failed a check.
    public var isSolverFailure: Bool {
        switch self {
        case .cascadeFailed, .recycleNotConverged: true
        case .converged, .nonFiniteResult, .imbalance: false
        }
    }

    public var code: String {
        switch self {
        case .converged: "converged"
        case .cascadeFailed(_, let o): o.code
        case .recycleNotConverged: "recycle-not-converged"
        case .nonFiniteResult: "non-finite"
        case .imbalance: "train-imbalance"
        }
    }

    public var explanation: String {
        switch self {
        case .converged: "converged"
        case .cascadeFailed(let name, let o): "cascade '\(name)': \(o.explanation)"
        case .recycleNotConverged(let k, let change):
            "the recycles did not settle in \(k) passes (last relative change \(change)); raise the pass limit or check that the recycle loop has an outlet for every element"
        case .nonFiniteResult(let what):
            "\(what) is not a finite number: the flowsheet's values overflow double precision; check the magnitudes of its flows and concentrations"
        case .imbalance(let element, let closure):
            "the train does not conserve \(element): (fresh feeds in − products out)/fresh = \(closure); an internal error or an outlet counted twice, please report it"
        }
    }
}

/// Progress of a train solve, for a caller that shows it.
public struct TrainProgress: Sendable {
    public var pass: Int
    public var cascade: String
    public var position: Int
    public var count: Int
}

/// The solution of a train: one result per cascade (in `train.cascades` order), or, when a
/// cascade failed, the results up to and including it (`cascadeIndices` says which).
public struct TrainResult: Sendable {
    public let train: CascadeTrain
    public let results: [CascadeResult]
    /// Index in `train.cascades` of each entry of `results`.
    public let cascadeIndices: [Int]
    public let outcome: TrainOutcome
    /// Passes over the train (1 without recycles).
    public let passes: Int
    /// Largest relative change of a linked stream in the last pass (0 without recycles).
    public let recycleChange: Double
    /// The cascades as finally solved (linked feeds filled in).
    public var solvedCascades: [Cascade] { results.map(\.cascade) }

    /// Newton iterations over all cascades and passes.
    public let totalIterations: Int

    /// Rare earth of element j fed to the train from outside (linked feeds excluded), mol/h.
    public func freshFeed(element j: Int, elements: [Element]) -> Double {
        var total = 0.0
        for (k, r) in results.enumerated() {
            let c = cascadeIndices[k]
            guard let k = r.cascade.elements.firstIndex(of: elements[j]) else { continue }
            for (i, f) in r.cascade.aqueousFeeds.enumerated() where !train.isLinked(cascade: c, phase: .aqueous, feedIndex: i) {
                total += f.flow * f.concentrations[k]
            }
            for (i, f) in r.cascade.organicFeeds.enumerated() where !train.isLinked(cascade: c, phase: .organic, feedIndex: i) {
                total += f.flow * f.concentrations[k]
            }
        }
        return total
    }

    /// The train's mass-balance closure per element (in `elements` order):
    /// (fresh feed in − products out) / fresh feed in, mol/h over mol/h. An element fed by no
    /// fresh stream is measured against the total rare earth fed instead, so a product that
    /// carries an element nobody fed shows as a negative closure. Independent of the
    /// per-cascade closures: it is what catches mass created or lost between cascades.
    public func trainClosure(elements: [Element]) -> [Double] {
        let fresh = elements.indices.map { freshFeed(element: $0, elements: elements) }
        let total = fresh.reduce(0, +)
        var out = [Double](repeating: 0, count: elements.count)
        for (k, o) in products {
            let cascadeElements = results[k].cascade.elements
            for (j, e) in elements.enumerated() {
                if let i = cascadeElements.firstIndex(of: e) { out[j] += o.flow * o.concentrations[i] }
            }
        }
        return elements.indices.map { j in
            let scale = fresh[j] > 0 ? fresh[j] : total
            return scale > 0 ? (fresh[j] - out[j]) / scale : 0
        }
    }

    /// Largest |train closure| accepted as conservation: 1e-9 without recycles (each
    /// cascade closes to about 1e-12), else 100 × the recycle tolerance, since a recycle
    /// stream is only known to that tolerance.
    public var imbalanceTolerance: Double {
        train.hasRecycles ? max(1e-9, 100 * train.recycleTolerance) : 1e-9
    }

    /// The first number derived from the products that is not finite, named; nil when all are.
    func firstNonFiniteNumber() -> String? {
        for (k, o) in products {
            let elements = results[k].cascade.elements
            if !o.flow.isFinite { return "the flow of '\(o.name)'" }
            for (j, e) in elements.enumerated() where !o.concentrations[j].isFinite || !(o.flow * o.concentrations[j]).isFinite {
                return "the \(e.symbol) flow of '\(o.name)'"
            }
            if !o.oxideConcentration(elements: elements).isFinite { return "the oxide concentration of '\(o.name)'" }
        }
        return nil
    }

    /// The result of the cascade at `index` in `train.cascades`, when it was solved.
    public func result(forCascade index: Int) -> CascadeResult? {
        cascadeIndices.firstIndex(of: index).map { results[$0] }
    }

    /// True when every cascade's solve converged from the previous result's state
    /// (`TrainSolver.solve(_:options:startingFrom:)`).
    public var startedWarm: Bool { !results.isEmpty && results.allSatisfy(\.startedWarm) }

    /// The same result with another outcome.
    func with(outcome: TrainOutcome) -> TrainResult {
        TrainResult(train: train, results: results, cascadeIndices: cascadeIndices, outcome: outcome,
                    passes: passes, recycleChange: recycleChange, totalIterations: totalIterations)
    }

    /// The same result counting `extra` more Newton iterations (e.g. those of the
    /// continuation steps that led to it).
    public func counting(extraIterations extra: Int) -> TrainResult {
        TrainResult(train: train, results: results, cascadeIndices: cascadeIndices, outcome: outcome,
                    passes: passes, recycleChange: recycleChange, totalIterations: totalIterations + extra)
    }

    /// A secant seed for the next point of a continuation: every cascade's state moved
    /// `factor` times the step from `earlier` (`CascadeResult.extrapolated(awayFrom:by:)`);
    /// nil unless both results hold every cascade with a state of the same layout.
    public func extrapolated(awayFrom earlier: TrainResult, by factor: Double) -> TrainResult? {
        guard cascadeIndices == earlier.cascadeIndices else { return nil }
        var moved: [CascadeResult] = []
        for (r, e) in zip(results, earlier.results) {
            guard let m = r.extrapolated(awayFrom: e, by: factor) else { return nil }
            moved.append(m)
        }
        return TrainResult(train: train, results: moved, cascadeIndices: cascadeIndices, outcome: outcome,
                           passes: passes, recycleChange: recycleChange, totalIterations: totalIterations)
    }

    /// The train's products: every outlet no link consumes, with the index in `results` of
    /// the cascade that produces it.
    public var products: [(cascade: Int, outlet: OutletStream)] {
        var out: [(Int, OutletStream)] = []
        // The result's outlets are its network's (`CascadeTrain.productOutletNames` without
        // building the network again).
        for (k, r) in results.enumerated() {
            let consumed = Set(train.links.filter { $0.sourceCascade == cascadeIndices[k] }.map(\.sourceOutlet))
            var seen = Set<String>()
            for o in r.outlets where !consumed.contains(o.name) && seen.insert(o.name).inserted { out.append((k, o)) }
        }
        return out
    }
}

/// A cascade of a train whose specification is invalid once its linked feeds carry their
/// real values (e.g. acid in a linked stream that would strip more than the organic carries).
public struct TrainSpecificationError: Error, Sendable, Equatable {
    /// The cascade's name, and the problems its model found.
    public var cascade: String
    public var error: CascadeSpecificationError
    public init(cascade: String, error: CascadeSpecificationError) {
        self.cascade = cascade
        self.error = error
    }
    /// The problems' messages.
    public var problems: [String] { error.problems }
}

/// Solves a `CascadeTrain` (see its documentation for the method).
public enum TrainSolver {
    /// `startingFrom`, when given, is a previous result of a train with the same cascades (e.g.
    /// a sweep's neighbouring case): each cascade's first solve warm-starts from that result's
    /// solve of the same cascade (`CascadeSolver.solve(_:options:startingFrom:)`, which falls
    /// back to the cold start when the structure differs or the warm attempt fails).
    public static func solve(_ train: CascadeTrain, options: SolveOptions = SolveOptions(),
                             startingFrom previous: TrainResult? = nil,
                             progress: (@Sendable (TrainProgress) -> Void)? = nil,
                             observer: SolveObserver? = nil) throws(TrainSpecificationError) -> TrainResult {
        var cascades = train.cascades
        let order = train.solveOrder
        // Tear streams start free of rare earth with a negligible flow.
        for link in train.links {
            let c = link.cascade
            switch link.phase {
            case .aqueous:
                cascades[c].aqueousFeeds[link.feedIndex].flow = 1e-9
                cascades[c].aqueousFeeds[link.feedIndex].concentrations = cascades[c].elements.map { _ in 0 }
            case .organic:
                cascades[c].organicFeeds[link.feedIndex].flow = 1e-9
                cascades[c].organicFeeds[link.feedIndex].concentrations = cascades[c].elements.map { _ in 0 }
            }
        }
        var results: [CascadeResult?] = Array(repeating: nil, count: cascades.count)
        var passes = 0
        var change = 0.0
        var iterations = 0
        let recycles = train.hasRecycles
        repeat {
            passes += 1
            change = 0
            for (position, c) in order.enumerated() {
                // Fill the linked feeds of c from their sources' latest results.
                for link in train.links where link.cascade == c {
                    guard let source = results[link.sourceCascade], let outlet = source.outlet(named: link.sourceOutlet) else { continue }
                    change = max(change, fill(&cascades[c], link: link, from: outlet, of: source))
                }
                progress?(TrainProgress(pass: passes, cascade: cascades[c].name, position: position + 1, count: order.count))
                let r: CascadeResult
                // Only the first pass starts from the previous train's state: later passes of a
                // recycle are solved exactly as without it.
                let seed = passes == 1 ? previous?.result(forCascade: c) : nil
                do { r = try CascadeSolver.solve(cascades[c], options: options, startingFrom: seed, observer: observer) } catch {
                    throw TrainSpecificationError(cascade: cascades[c].name, error: error)
                }
                iterations += r.iterations
                results[c] = r
                if !r.outcome.isConverged {
                    let solved = results.indices.filter { results[$0] != nil }
                    return TrainResult(train: train, results: solved.map { results[$0]! }, cascadeIndices: solved,
                                       outcome: .cascadeFailed(cascade: cascades[c].name, outcome: r.outcome),
                                       passes: passes, recycleChange: change, totalIterations: iterations)
                }
            }
            if !recycles { change = 0; break }
            // A pass that changed nothing linked is a fixed point.
            if passes > 1 && change <= train.recycleTolerance { break }
        } while passes < train.maximumRecycleIterations
        let outcome: TrainOutcome = change <= train.recycleTolerance || !recycles ? .converged : .recycleNotConverged(passes: passes, change: change)
        let result = TrainResult(train: train, results: results.map { $0! }, cascadeIndices: Array(cascades.indices), outcome: outcome,
                                 passes: passes, recycleChange: change, totalIterations: iterations)
        return checked(result)
    }

    /// A converged result whose numbers are not finite, or whose train does not conserve
    /// every element, is not reported as converged.
    static func checked(_ result: TrainResult) -> TrainResult {
        guard result.outcome.isConverged else { return result }
        if let what = result.firstNonFiniteNumber() { return result.with(outcome: .nonFiniteResult(what: what)) }
        var elements: [Element] = []
        for c in result.train.cascades { for e in c.elements where !elements.contains(e) { elements.append(e) } }
        let closure = result.trainClosure(elements: elements)
        if let j = closure.indices.max(by: { abs(closure[$0]) < abs(closure[$1]) }),
           !(abs(closure[j]) <= result.imbalanceTolerance) {
            return result.with(outcome: .imbalance(element: elements[j].symbol, closure: closure[j]))
        }
        return result
    }

    /// Largest relative change of a stream: of its flow, and of each element's molar flow
    /// relative to the stream's total rare-earth flow.
    static func streamChange(flow: Double, concentrations: [Double], newFlow: Double, newConcentrations: [Double]) -> Double {
        let old = concentrations.map { $0 * flow }, new = newConcentrations.map { $0 * newFlow }
        let scale = max(max(old.reduce(0, +), new.reduce(0, +)), 1e-300)
        var change = abs(flow - newFlow) / max(max(flow, newFlow), 1e-300)
        for (a, b) in zip(old, new) { change = max(change, abs(a - b) / scale) }
        return change
    }

    /// Writes the outlet into the linked feed; returns the relative change.
    static func fill(_ cascade: inout Cascade, link: CascadeTrain.Link, from outlet: OutletStream, of source: CascadeResult) -> Double {
        // Map the source's elements onto the receiver's.
        let concentrations = cascade.elements.map { e in
            source.cascade.elements.firstIndex(of: e).map { outlet.concentrations[$0] } ?? 0
        }
        var change = 0.0
        switch link.phase {
        case .aqueous:
            var f = cascade.aqueousFeeds[link.feedIndex]
            change = streamChange(flow: f.flow, concentrations: f.concentrations, newFlow: outlet.flow, newConcentrations: concentrations)
            f.flow = outlet.flow
            f.concentrations = concentrations
            f.acidity = link.acidity ?? max(outlet.acidity ?? 0, 0)
            f.bisulfate = outlet.bisulfate
            f.sulfate = outlet.sulfate
            let stage = outlet.stage - 1
            f.cation = source.aqueousCation.map { $0[stage] } ?? 0
            cascade.aqueousFeeds[link.feedIndex] = f
        case .organic:
            var f = cascade.organicFeeds[link.feedIndex]
            change = streamChange(flow: f.flow, concentrations: f.concentrations, newFlow: outlet.flow, newConcentrations: concentrations)
            f.flow = outlet.flow
            f.concentrations = concentrations
            if let network = try? CascadeNetwork(source.cascade) {
                let stage = outlet.stage - 1
                let extractant = network.extractantConcentration[stage]
                f.extractant = extractant
                let ca = source.organicCation.map { $0[stage] } ?? 0
                f.saponification = extractant > 0 ? min(max(ca / extractant, 0), 0.999) : 0
            }
            cascade.organicFeeds[link.feedIndex] = f
        }
        return change
    }
}
