import Foundation
import SXNumerics

/// A train of cascades linked by streams (an outlet of one cascade feeding another, recycles
/// included) as one `InventorySystem`: every cascade's `DynamicCascadeSystem` side by side in
/// one state vector, advanced by the same `BDFIntegrator` step, the links coupling them
/// implicitly (docs/dynamic.md §8).
///
/// **Unknowns and inventories**: the cascades' own, concatenated in `train.cascades` order
/// (unknowns u = (u₀, u₁, …), inventories likewise).
///
/// **Links**: a linked feed of cascade r at stage t, from the outlet of cascade s at stage k
/// with flow F (L/h), brings F·c_kj(u_s) of each element j (mol/h; c = x for an aqueous
/// outlet, y for an organic one) into stage t's balance at the *same* time as the source
/// cascade's state, i.e. at the end of the step being solved. Its Jacobian block
/// ∂R_tj/∂u_s = Δt·F·c_kj/RHS_tj · ∂ln c_kj/∂u_s sits off the cascades' diagonal blocks, so
/// the band is widened to hold it (`lowerBandwidth`, `upperBandwidth`). The mixed species
/// (acid capacity Q, sulfate, extractant) follow the links the same way, F·Q_k into stage t,
/// solved with the step (`setImplicitStep`), over the recycles by repeating the cascades in
/// solve order until no linked flux changes (a linear fixed point).
///
/// **Conservation**: the flux leaving cascade s through the outlet (its out term F·c_kj) and
/// the flux entering cascade r are the same number at the same state, so summing every step
/// equation over the train cancels them like the flux between two stages of one cascade: the
/// train's total inventory changes by the multistep quadrature of the fresh feeds less the
/// products, to the Newton tolerance.
public struct DynamicTrainSystem: InventorySystem {
    /// A linked feed, resolved to stages (0-based) and a flow.
    public struct Link: Sendable {
        /// Receiving cascade (index into `parts`), its stage and the phase the stream enters.
        public var receiver: Int
        public var stage: Int
        public var phase: Phase
        /// Source cascade and the stage its outlet leaves.
        public var source: Int
        public var sourceStage: Int
        /// Volumetric flow, L/h.
        public var flow: Double
        /// True when the stream's free acid strips a fully loaded receiving stage
        /// (separation factors; `CascadeSystem.linkedAcidFlux`): an aqueous stream from a
        /// cascade that states its acid, into a loaded stage.
        public var stripsLoadedStage = false
    }

    public internal(set) var parts: [DynamicCascadeSystem]
    public let links: [Link]
    /// Cascades in an order that puts every source before its receivers where the links allow
    /// (`CascadeTrain.solveOrder`); `hasRecycles` when some link goes against it.
    let order: [Int]
    let hasRecycles: Bool
    /// First unknown and first inventory of each cascade (one more entry: the totals).
    public let unknownOffset: [Int]
    public let inventoryOffset: [Int]
    public let lowerBandwidth: Int
    public let upperBandwidth: Int
    public let inventoryScale: [Double]
    public var unknownCount: Int { unknownOffset.last! }
    public var inventoryCount: Int { inventoryOffset.last! }
    /// ln of each cascade's feed fluxes without the linked ones (what the links add to).
    let freshLogFeedFlux: [[Double]]
    let freshLogAqueousFeedFlux: [[Double]]
    let freshLogCationFeedFlux: [[Double]]
    var step: ImplicitStep?
    var localUnknowns: [[Double]]
    var localResidual: [[Double]]
    var localJacobian: [BandMatrix]

    /// Most passes over a recycle for the mixed species of one step, and the relative change
    /// of the linked fluxes at which they have settled.
    static let maximumMixingPasses = 200
    static let mixingTolerance = 1e-15

    /// `systems` in `train.cascades` order, each built on a network whose linked feeds carry
    /// their flow and no rare earth (`DynamicTrainSimulation.linkedCascades`).
    public init(systems: [DynamicCascadeSystem], links: [Link], order: [Int], hasRecycles: Bool) {
        precondition(!systems.isEmpty && order.count == systems.count)
        parts = systems
        self.links = links
        self.order = order
        self.hasRecycles = hasRecycles
        var u = [0], inv = [0]
        for s in systems { u.append(u.last! + s.unknownCount); inv.append(inv.last! + s.inventoryCount) }
        unknownOffset = u
        inventoryOffset = inv
        inventoryScale = systems.flatMap(\.inventoryScale)
        var below = systems.map(\.lowerBandwidth).max()!, above = systems.map(\.upperBandwidth).max()!
        for l in links {
            let r = systems[l.receiver].network, s = systems[l.source].network
            // The rows the link's flux enters; with acid into a loaded stage, every row that reads
            // that stage's organic (its own, and those its organic flows into).
            let firstRow = u[l.receiver] + (l.stripsLoadedStage ? max(0, l.stage - r.stagesAbove) : l.stage) * r.blockSize
            let lastRow = u[l.receiver] + ((l.stripsLoadedStage ? min(r.stageCount - 1, l.stage + r.stagesBelow) : l.stage) + 1) * r.blockSize - 1
            // An aqueous outlet's ln x are unknowns of its stage; an organic one's ln y reach as
            // far as the source cascade's own equations do.
            let firstStage = l.phase == .aqueous ? l.sourceStage : max(0, l.sourceStage - s.stagesBelow)
            let lastStage = l.phase == .aqueous ? l.sourceStage : min(s.stageCount - 1, l.sourceStage + s.stagesAbove)
            let firstColumn = u[l.source] + firstStage * s.blockSize, lastColumn = u[l.source] + (lastStage + 1) * s.blockSize - 1
            below = max(below, lastRow - firstColumn)
            above = max(above, lastColumn - firstRow)
        }
        lowerBandwidth = below
        upperBandwidth = above
        freshLogFeedFlux = systems.map(\.steady.logFeedFlux)
        freshLogAqueousFeedFlux = systems.map(\.steady.logAqueousFeedFlux)
        freshLogCationFeedFlux = systems.map(\.steady.logCationFeedFlux)
        localUnknowns = systems.map { Array(repeating: 0, count: $0.unknownCount) }
        localResidual = localUnknowns
        localJacobian = systems.map { BandMatrix(order: $0.unknownCount, lowerBandwidth: $0.lowerBandwidth, upperBandwidth: $0.upperBandwidth) }
        for l in links where l.stripsLoadedStage { parts[l.receiver].steady.receivesLinkedAcid[l.stage] = true }
    }

    /// Free acid of the aqueous leaving the link's source stage at `unknowns` (mol/L; 0 when the
    /// metals there take all its acid capacity), and d(free acid)/dT (T the protons,
    /// `AqueousChargeBalance`); read from the unknowns (ln x) and the mixed species, so that it
    /// needs no evaluation order.
    func linkedAcid(_ l: Link, _ unknowns: [Double]) -> (acidity: Double, slope: Double) {
        let s = parts[l.source].network, k = l.sourceStage, o = unknownOffset[l.source] + k * s.blockSize
        var metal = 0.0
        for j in 0..<s.elementCount { metal += s.charges[j] * exp(unknowns[o + j]) }
        let protons = AqueousChargeBalance.protons(capacity: s.anionConcentration[k], cation: s.cationAllAqueous[k], metalCharge: metal)
        guard protons > 0 else { return (0, 0) }
        let acidity = AqueousChargeBalance.freeAcid(protons: protons, sulfate: s.sulfateConcentration[k])
        return (acidity, AqueousChargeBalance.freeAcidSlope(acidity: acidity, sulfate: s.sulfateConcentration[k]))
    }

    // MARK: - Mixed species

    /// Sets each receiver's linked mixed-species feed from its sources' current concentrations;
    /// returns the largest relative change.
    mutating func fillLinkedMixedFeeds() -> Double {
        var fresh = parts.map { p in
            (anion: [Double](repeating: 0, count: p.network.stageCount), sulfate: [Double](repeating: 0, count: p.network.stageCount),
             extractant: [Double](repeating: 0, count: p.network.stageCount))
        }
        for l in links {
            let s = parts[l.source].network
            if l.phase == .aqueous {
                fresh[l.receiver].anion[l.stage] += l.flow * s.anionConcentration[l.sourceStage]
                fresh[l.receiver].sulfate[l.stage] += l.flow * s.sulfateConcentration[l.sourceStage]
            } else {
                fresh[l.receiver].extractant[l.stage] += l.flow * s.extractantConcentration[l.sourceStage]
            }
        }
        var change = 0.0
        for (c, f) in fresh.enumerated() {
            let old = parts[c].linkedMixedFeedFlux
            for (a, b) in zip([old.anion, old.sulfate, old.extractant], [f.anion, f.sulfate, f.extractant]) {
                for (x, y) in zip(a, b) where x != y { change = max(change, abs(x - y) / max(abs(x), abs(y))) }
            }
            parts[c].linkedMixedFeedFlux = f
        }
        return change
    }

    /// Solves every cascade's mixed species over `newStep` (nil: their steady mixing) with the
    /// linked fluxes at the same time: in solve order, repeated over recycles until settled.
    mutating func solveMixedSpecies(_ newStep: ImplicitStep?) {
        var pass = 0
        while true {
            for c in order {
                _ = fillLinkedMixedFeeds()
                parts[c].solveMixedSpecies(newStep.map { slice($0, cascade: c) })
            }
            pass += 1
            if !hasRecycles || fillLinkedMixedFeeds() <= Self.mixingTolerance || pass >= Self.maximumMixingPasses { break }
        }
    }

    /// Sets the mixed species to their steady mixing with the links (the start of a run).
    public mutating func setSteadyMixing() { solveMixedSpecies(nil) }

    /// The step restricted to cascade c's inventories.
    func slice(_ step: ImplicitStep, cascade c: Int) -> ImplicitStep {
        let range = inventoryOffset[c]..<inventoryOffset[c + 1]
        return ImplicitStep(timeStep: step.timeStep, newCoefficient: step.newCoefficient,
                            history: step.history.map { ($0.coefficient, Array($0.logInventory[range])) })
    }

    public mutating func setImplicitStep(_ newStep: ImplicitStep?) {
        step = newStep
        guard let newStep else {
            for c in parts.indices { parts[c].setImplicitStep(nil) }
            return
        }
        solveMixedSpecies(newStep)
        for c in parts.indices {
            let s = slice(newStep, cascade: c)
            parts[c].step = s
            parts[c].setStepCoefficients(s)
        }
    }

    // MARK: - Evaluation

    public mutating func logInventory(at unknowns: [Double], into logInventory: inout [Double]) throws(DomainViolation) {
        // A loaded stage's organic, hence its inventory, depends on the acid linked into it.
        setLinkedAcid(unknowns)
        for c in parts.indices {
            var local = [Double](repeating: 0, count: parts[c].inventoryCount)
            try evaluate(c, unknowns) { (p: inout DynamicCascadeSystem, u: [Double]) throws(DomainViolation) in try p.logInventory(at: u, into: &local) }
            for (k, v) in local.enumerated() { logInventory[inventoryOffset[c] + k] = v }
        }
    }

    /// Runs `body` on cascade c with its slice of `unknowns`; a domain violation's index is
    /// moved to the train's numbering.
    mutating func evaluate(_ c: Int, _ unknowns: [Double],
                           _ body: (inout DynamicCascadeSystem, [Double]) throws(DomainViolation) -> Void) throws(DomainViolation) {
        let o = unknownOffset[c]
        for k in localUnknowns[c].indices { localUnknowns[c][k] = unknowns[o + k] }
        do { try body(&parts[c], localUnknowns[c]) } catch {
            throw DomainViolation(index: error.index.map { $0 + o }, reason: "cascade '\(parts[c].network.cascade.name)', \(error.reason)")
        }
    }

    /// ln of the flux of element j a link carries, mol/h, at the sources' evaluated states.
    func logLinkFlux(_ l: Link, element j: Int) -> Double {
        let s = parts[l.source].steady, ne = s.network.elementCount
        return log(l.flow) + (l.phase == .aqueous ? s.lx[l.sourceStage * ne + j] : s.ly[l.sourceStage * ne + j])
    }

    /// ln of the saponifying cation a link carries, mol/h (F·[C⁺] of an aqueous outlet, F·[CA]
    /// of an organic one, as `TrainSolver.fill` passes them on); −∞ when the source has none or
    /// the receiver has no cation balance.
    func logLinkCationFlux(_ l: Link) -> Double {
        let s = parts[l.source].steady
        guard s.network.hasCation, parts[l.receiver].network.hasCation else { return -.infinity }
        return log(l.flow) + (l.phase == .aqueous ? s.logCation[l.sourceStage] : s.logOrganicCation[l.sourceStage])
    }

    /// Evaluates every cascade's state, then adds the links' fluxes to their receiving stages'
    /// feeds and inflows (which read the sources' states just evaluated).
    /// Sets the acid the links bring into loaded stages (`CascadeSystem.linkedAcidFlux`, mol/h)
    /// from the sources' states at `unknowns`.
    mutating func setLinkedAcid(_ unknowns: [Double]) {
        for l in links where l.stripsLoadedStage { parts[l.receiver].steady.linkedAcidFlux[l.stage] = 0 }
        for l in links where l.stripsLoadedStage {
            parts[l.receiver].steady.linkedAcidFlux[l.stage] += l.flow * linkedAcid(l, unknowns).acidity
        }
    }

    mutating func evaluateStates(_ unknowns: [Double], derivatives: Bool) throws(DomainViolation) {
        setLinkedAcid(unknowns)
        for c in order {
            try evaluate(c, unknowns) { (p: inout DynamicCascadeSystem, u: [Double]) throws(DomainViolation) in
                try p.steady.evaluateState(u, derivatives: derivatives)
            }
        }
        for c in parts.indices {
            parts[c].steady.logFeedFlux = freshLogFeedFlux[c]
            parts[c].steady.logAqueousFeedFlux = freshLogAqueousFeedFlux[c]
            parts[c].steady.logCationFeedFlux = freshLogCationFeedFlux[c]
        }
        var touched = Set<[Int]>()
        for l in links {
            let ne = parts[l.receiver].network.elementCount
            for j in 0..<ne {
                let k = l.stage * ne + j, flux = logLinkFlux(l, element: j)
                var all = LogSumExp(), aqueous = LogSumExp()
                all.add(parts[l.receiver].steady.logFeedFlux[k]); all.add(flux)
                parts[l.receiver].steady.logFeedFlux[k] = all.value
                if l.phase == .aqueous {
                    aqueous.add(parts[l.receiver].steady.logAqueousFeedFlux[k]); aqueous.add(flux)
                    parts[l.receiver].steady.logAqueousFeedFlux[k] = aqueous.value
                }
            }
            touched.insert([l.receiver, l.stage])
            // The saponifying cation (mass action): its balance reads the feed flux directly.
            let cation = logLinkCationFlux(l)
            if cation > -.infinity {
                var all = LogSumExp()
                all.add(parts[l.receiver].steady.logCationFeedFlux[l.stage]); all.add(cation)
                parts[l.receiver].steady.logCationFeedFlux[l.stage] = all.value
            }
        }
        for t in touched {
            let ne = parts[t[0]].network.elementCount
            for j in 0..<ne {
                parts[t[0]].steady.logInflow[t[1] * ne + j] = parts[t[0]].steady.logElementInflow(stage: t[1], element: j)
            }
        }
    }

    public mutating func residual(at unknowns: [Double], into residual: inout [Double]) throws(DomainViolation) {
        try evaluateStates(unknowns, derivatives: false)
        fillResiduals(&residual)
    }

    mutating func fillResiduals(_ residual: inout [Double]) {
        for c in parts.indices {
            if step != nil {
                parts[c].evaluateSides()
                parts[c].fillStepResiduals(&localResidual[c])
            } else {
                parts[c].steady.fillResiduals(&localResidual[c])
            }
            for (k, v) in localResidual[c].enumerated() { residual[unknownOffset[c] + k] = v }
        }
    }

    public mutating func residualAndJacobian(at unknowns: [Double], residual: inout [Double],
                                             jacobian: inout BandMatrix) throws(DomainViolation) {
        try evaluateStates(unknowns, derivatives: true)
        fillResiduals(&residual)
        for c in parts.indices {
            localJacobian[c].setZero()
            if step != nil {
                parts[c].fillStepJacobian(&localJacobian[c])
            } else {
                parts[c].steady.fillJacobian(&localJacobian[c])
            }
            let o = unknownOffset[c], m = localJacobian[c]
            for column in 0..<m.order {
                for row in max(0, column - m.upperBandwidth)...min(m.order - 1, column + m.lowerBandwidth) {
                    let v = m[row, column]
                    if v != 0 { jacobian[o + row, o + column] = v }
                }
            }
        }
        // The links: ∂R_tj/∂ln c_kj = weight of the linked flux in the row's inflow side.
        for l in links {
            let r = parts[l.receiver], s = parts[l.source]
            let ne = r.network.elementCount, rb = r.network.blockSize, sb = s.network.blockSize
            for j in 0..<ne {
                let k = l.stage * ne + j
                let logIn = step != nil ? r.scaling.logElementIn[k] : r.steady.logInflow[k]
                let w = exp((step != nil ? r.scaling.logFluxFactor : 0) + logLinkFlux(l, element: j) - logIn)
                let row = unknownOffset[l.receiver] + l.stage * rb + j
                if l.phase == .aqueous {
                    if w != 0 { jacobian.add(w, row: row, column: unknownOffset[l.source] + l.sourceStage * sb + j) }
                } else {
                    s.steady.addLogYDerivative(&jacobian, row: row, stage: l.sourceStage, component: j, scale: w,
                                               columnOffset: unknownOffset[l.source])
                }
            }
            if l.stripsLoadedStage { addLinkedAcidJacobian(l, unknowns, &jacobian) }
            addLinkedCationJacobian(l, &jacobian)
        }
    }

    /// Adds ∂R/∂u of the cation a link brings into its receiving stage's cation row: the
    /// linked flux's weight in the row's inflow side times ∂ln [C⁺] (an aqueous outlet: the
    /// source stage's unknown) or ∂ln [CA] (an organic one: the model's derivative).
    func addLinkedCationJacobian(_ l: Link, _ jacobian: inout BandMatrix) {
        let flux = logLinkCationFlux(l)
        guard flux > -.infinity else { return }
        let r = parts[l.receiver], s = parts[l.source], rn = r.network, sn = s.network
        let logIn = step != nil ? r.scaling.logCationIn[l.stage] : r.steady.logCationInflow(stage: l.stage)
        let w = exp((step != nil ? r.scaling.logFluxFactor : 0) + flux - logIn)
        let row = unknownOffset[l.receiver] + l.stage * rn.blockSize + r.steady.cationIndex
        if l.phase == .aqueous {
            if w != 0 { jacobian.add(w, row: row, column: unknownOffset[l.source] + l.sourceStage * sn.blockSize + s.steady.cationIndex) }
        } else {
            s.steady.addLogYDerivative(&jacobian, row: row, stage: l.sourceStage, component: sn.elementCount, scale: w,
                                       columnOffset: unknownOffset[l.source])
        }
    }

    /// Adds the Jacobian of the acid a link brings into a fully loaded stage t: it lowers the
    /// loading Y_t = Y − (acid fed)/(3·O_t), and ln y_tj = ln Y_t + (terms free of Y) under
    /// separation factors, so ∂R/∂ln x_src,l = (Σ_j ∂R/∂ln y_tj)·F·h′·z_l·x_l/(3·O_t·Y_t)
    /// (h′ = d(free acid)/dT), the rows being stage t's balances (its organic outflow and, in a
    /// step, its organic inventory) and those of the stages its organic flows into.
    func addLinkedAcidJacobian(_ l: Link, _ unknowns: [Double], _ jacobian: inout BandMatrix) {
        let (acidity, slope) = linkedAcid(l, unknowns)
        guard acidity > 0 else { return }
        let r = parts[l.receiver], sys = r.steady, net = r.network, ne = net.elementCount, b = net.blockSize, t = l.stage
        let s = parts[l.source].network, sourceColumn = unknownOffset[l.source] + l.sourceStage * s.blockSize
        let o = unknownOffset[l.receiver]
        let perLogY = l.flow * slope / (AqueousChargeBalance.rareEarthCharge * net.organicFlow[t] * sys.loading[t])
        let lf = step != nil ? r.scaling.logFluxFactor : 0
        func add(_ coefficient: Double, row: Int) {
            for m in 0..<s.elementCount {
                let v = coefficient * perLogY * s.charges[m] * exp(unknowns[sourceColumn + m])
                if v != 0 { jacobian.add(v, row: o + row, column: sourceColumn + m) }
            }
        }
        for j in 0..<ne {
            let k = t * ne + j
            let out = step != nil ? r.scaling.logElementOut[k] : sys.logOutflow[k]
            var own = -exp(lf + sys.logOrganicFlow[t] + sys.ly[k] - out)
            if step != nil { own -= exp(r.logNewCoefficient + r.logOrganicHoldup[t] + sys.ly[k] - out) }
            add(own, row: t * b + j)
            for i in 0..<net.stageCount {
                for q in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] where net.organicSources[q].from == t {
                    let into = step != nil ? r.scaling.logElementIn[i * ne + j] : sys.logInflow[i * ne + j]
                    add(exp(lf + sys.logOrganicLinkFlow[q] + sys.ly[k] - into), row: i * b + j)
                }
            }
        }
    }

    // MARK: - Conserving quadrature

    /// Each cascade's rows' tolerances of the error-weighted Newton test
    /// (`DynamicCascadeSystem.residualTolerances`), in the train's numbering.
    public func residualTolerances(inventoryTolerances: [Double], relativeTolerance: Double, floor: Double, ceiling: Double,
                                   into tolerances: inout [Double]) {
        for c in parts.indices {
            var local = [Double](repeating: 0, count: parts[c].unknownCount)
            parts[c].residualTolerances(inventoryTolerances: Array(inventoryTolerances[inventoryOffset[c]..<inventoryOffset[c + 1]]),
                                        relativeTolerance: relativeTolerance, floor: floor, ceiling: ceiling, into: &local)
            for (k, v) in local.enumerated() { tolerances[unknownOffset[c] + k] = v }
        }
    }

    /// The inventories at `unknowns`, each cascade's element inventories scaled to its step
    /// formula's quadrature as a single cascade's are (`DynamicCascadeSystem.steppedLogInventory`),
    /// its boundary being its fresh feeds and linked inflows in, every outlet (products and the
    /// linked ones) out. A link's flux is the same number on both sides at the step's end, so the
    /// sum over the cascades telescopes to the train's fresh feeds less its products, however
    /// loosely each row was solved; each cascade conserves on its own too, and an unlinked
    /// cascade is advanced exactly as alone.
    public mutating func steppedLogInventory(at unknowns: [Double], into logInventory: inout [Double]) throws(DomainViolation) {
        try self.logInventory(at: unknowns, into: &logInventory)
        guard step != nil else { return }
        for c in parts.indices {
            var (fed, out) = parts[c].boundaryFluxes()
            for l in links where l.receiver == c {
                for j in fed.indices { fed[j] += exp(logLinkFlux(l, element: j)) }
            }
            let range = inventoryOffset[c]..<inventoryOffset[c + 1]
            var local = Array(logInventory[range])
            do { try parts[c].scaleToStepQuadrature(&local, fed: fed, out: out) } catch {
                throw DomainViolation(index: error.index.map { $0 + unknownOffset[c] }, reason: "cascade '\(parts[c].network.cascade.name)', \(error.reason)")
            }
            for (k, v) in local.enumerated() { logInventory[range.lowerBound + k] = v }
        }
    }

    public func stepLimits(uniform: Double, into limits: inout [Double]) -> Bool {
        for c in parts.indices {
            var local = [Double](repeating: uniform, count: parts[c].unknownCount)
            if !parts[c].stepLimits(uniform: uniform, into: &local) { for k in local.indices { local[k] = uniform } }
            for (k, v) in local.enumerated() { limits[unknownOffset[c] + k] = v }
        }
        return true
    }

    public func negligibleUnknowns(limits: [Double], uniform: Double, into negligible: inout [Bool]) {
        for c in parts.indices {
            let range = unknownOffset[c]..<unknownOffset[c + 1]
            var local = [Bool](repeating: false, count: range.count)
            parts[c].negligibleUnknowns(limits: Array(limits[range]), uniform: uniform, into: &local)
            for (k, v) in local.enumerated() { negligible[range.lowerBound + k] = v }
        }
    }
}
