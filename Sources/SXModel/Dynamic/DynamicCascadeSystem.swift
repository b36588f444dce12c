import Foundation
import SXNumerics

/// Row offsets that turn the steady balance rows ln(in) − ln(out) into the time integrator's
/// step equations ln(RHS) − ln(LHS) (`CascadeSystem.fillJacobian(_:balanceScaling:)`).
struct BalanceScaling {
    /// ln RHS and ln LHS of each element row, flat [i·ne + j] (ln mol).
    var logElementIn: [Double]
    var logElementOut: [Double]
    /// ln RHS and ln LHS of each stage's cation row (ln mol).
    var logCationIn: [Double]
    var logCationOut: [Double]
    /// ln Δt (ln h): the fluxes (mol/h) enter the step equations times Δt.
    var logFluxFactor: Double
}

/// The cascade's balances in time, as an `InventorySystem` for `BDFIntegrator`.
///
/// For every stage i and element j (and the saponifying cation, when present) the inventory is
///
///     N_ij = V_aq,i · x_ij + V_org,i · y_ij          (mol; V in L, x and y in mol/L)
///
/// and dN_ij/dt = in_ij − out_ij (mol/h), the same fluxes as the steady `CascadeSystem`; the
/// extractant balance and the electroneutrality of mass action stay algebraic (the organic's extractant moves with the
/// organic, and y follows x at every instant). A step of the integrator,
/// a₀·N(u) + Σ a_m N_m = Δt·(in − out), is written with the positive terms on each side,
///
///     R_ij = ln(Σ_{a_m<0} |a_m| N_m,ij + Δt·in_ij) − ln(a₀ N_ij + Σ_{a_m>0} a_m N_m,ij + Δt·out_ij),
///
/// a relative error like the steady residual (to which it reduces as Δt → ∞), summed by
/// log-sum-exp so that trace elements keep their relative accuracy. The Jacobian is the steady
/// one's flux part reweighted (`BalanceScaling`) plus a₀·∂N/∂u / LHS, where ∂N/∂u uses the
/// same ∂ln y/∂u (models, Murphree, charge balance) as the steady Jacobian.
public struct DynamicCascadeSystem: InventorySystem {
    public internal(set) var steady: CascadeSystem
    public let holdups: StageHoldups
    let logAqueousHoldup: [Double]
    let logOrganicHoldup: [Double]
    public let inventoryScale: [Double]
    var step: ImplicitStep?
    var logNewCoefficient = 0.0
    /// ln of the history terms on each side, per unknown row.
    var logHistoryLeft: [Double]
    var logHistoryRight: [Double]
    /// ln(a₀·V_aq,i + Δt·A_i) and ln(a₀·V_org,i + Δt·O_i) of the current step (ln L, ln(L/h·h)):
    /// the weights of x and y on the outflow side, a₀·N + Δt·out = (a₀V_aq + ΔtA)·x +
    /// (a₀V_org + ΔtO)·y, formed once per step instead of per row and evaluation.
    var logAqueousStepWeight: [Double]
    var logOrganicStepWeight: [Double]
    /// The same weights (L) and history sums (mol) as plain numbers, for `evaluateSides`'s
    /// direct sums.
    var aqueousStepWeight: [Double]
    var organicStepWeight: [Double]
    var historyLeft: [Double]
    var historyRight: [Double]
    /// y = exp(ln y) of every stage and element at the last evaluation (mol/L), scratch of
    /// `evaluateSides`.
    var organic: [Double]
    /// Δt of the current step (h).
    var stepLength = 0.0
    /// Off: every side summed as log-sum-exp, as before the plain sums (for the test that
    /// compares the two, `DynamicTests.plainSumsMatchLogSumExp`).
    var plainSums = true
    var scaling: BalanceScaling

    /// Unknown rows, then the passive mixed species per stage: aqueous acid capacity Q,
    /// aqueous total sulfate, organic extractant C_HA (each as V·c, mol).
    public var inventoryCount: Int { steady.unknownCount + 3 * steady.network.stageCount }
    public var unknownCount: Int { steady.unknownCount }
    public var lowerBandwidth: Int { steady.lowerBandwidth }
    public var upperBandwidth: Int { steady.upperBandwidth }
    public var network: CascadeNetwork { steady.network }

    public init(network: CascadeNetwork, holdups: StageHoldups) {
        precondition(holdups.aqueous.count == network.stageCount)
        precondition(holdups.aqueous.allSatisfy { $0 > 0 } && holdups.organic.allSatisfy { $0 > 0 })
        steady = CascadeSystem(network: network)
        self.holdups = holdups
        logAqueousHoldup = holdups.aqueous.map { log($0) }
        logOrganicHoldup = holdups.organic.map { log($0) }
        let n = network.stageCount, ne = network.elementCount, b = network.blockSize
        var scale = [Double](repeating: 0, count: n * b)
        for i in 0..<n {
            for j in 0..<ne { scale[i * b + j] = holdups.aqueous[i] + holdups.organic[i] }
            if network.hasCation { scale[i * b + ne + 1] = holdups.aqueous[i] + holdups.organic[i] }
        }
        // The mixed species follow the flows alone, smoothly, and are solved exactly per step:
        // they take the steps the rare earth needs and are left out of the error control.
        scale += Array(repeating: 0, count: 3 * n)
        inventoryScale = scale
        logHistoryLeft = Array(repeating: -.infinity, count: n * b)
        logHistoryRight = logHistoryLeft
        logAqueousStepWeight = Array(repeating: -.infinity, count: n)
        logOrganicStepWeight = logAqueousStepWeight
        aqueousStepWeight = Array(repeating: 0, count: n)
        organicStepWeight = aqueousStepWeight
        historyLeft = Array(repeating: 0, count: n * b)
        historyRight = historyLeft
        organic = Array(repeating: 0, count: n * ne)
        linkedMixedFeedFlux = (Array(repeating: 0, count: n), Array(repeating: 0, count: n), Array(repeating: 0, count: n))
        scaling = BalanceScaling(logElementIn: Array(repeating: 0, count: n * ne), logElementOut: Array(repeating: 0, count: n * ne),
                                 logCationIn: Array(repeating: 0, count: n), logCationOut: Array(repeating: 0, count: n),
                                 logFluxFactor: 0)
    }

    /// The concentrations that only mix (aqueous acid capacity Q and total sulfate, organic
    /// extractant C_HA; mol/L per stage), which the stage equations read from the network.
    public var mixedConcentrations: (anion: [Double], sulfate: [Double], extractant: [Double]) {
        (steady.network.anionConcentration, steady.network.sulfateConcentration, steady.network.extractantConcentration)
    }

    public mutating func setMixedConcentrations(anion: [Double], sulfate: [Double], extractant: [Double]) {
        steady.network.anionConcentration = anion
        steady.network.sulfateConcentration = sulfate
        steady.network.extractantConcentration = extractant
    }

    /// The mixed concentrations held in the passive rows of an inventory vector (ln V·c).
    public mutating func takeMixedConcentrations(fromLogInventory logInventory: [Double]) {
        let n = steady.network.stageCount, p = steady.unknownCount
        setMixedConcentrations(anion: (0..<n).map { exp(logInventory[p + $0]) / holdups.aqueous[$0] },
                               sulfate: (0..<n).map { exp(logInventory[p + n + $0]) / holdups.aqueous[$0] },
                               extractant: (0..<n).map { exp(logInventory[p + 2 * n + $0]) / holdups.organic[$0] })
    }

    /// Solves one phase's mixing balance for a species that stays in that phase, over a step
    /// a₀·V·c + Σ a_m·N_m = Δt·(Σ_links F·c_from + feed − F_out·c) (or, with `history` nil, the
    /// steady mixing F_out·c = Σ F·c_from + feed), c in mol/L; negative round-off is clipped to 0.
    func mixed(phase: Phase, feed: [Double], history: [(coefficient: Double, logInventory: [Double])]?, offset: Int,
               timeStep: Double, newCoefficient: Double) -> [Double] {
        let net = steady.network, n = net.stageCount
        let start = phase == .aqueous ? net.aqueousSourceStart : net.organicSourceStart
        let sources = phase == .aqueous ? net.aqueousSources : net.organicSources
        let outflow = phase == .aqueous ? net.aqueousFlow : net.organicFlow
        let volume = phase == .aqueous ? holdups.aqueous : holdups.organic
        // A closed organic circuit's return brings no extractant of its own: the saponification
        // step and make-up restore the entry feed's, which the feed's flux carries (as in the
        // network's steady mixing, `CascadeNetwork.extractantConcentration`).
        let skipped = phase == .organic ? net.circuitReturnSource : nil
        var below = 1, above = 1
        for i in 0..<n { for k in start[i]..<start[i + 1] { below = max(below, i - sources[k].from); above = max(above, sources[k].from - i) } }
        var matrix = BandMatrix(order: n, lowerBandwidth: below, upperBandwidth: above)
        var rhs = [Double](repeating: 0, count: n)
        let h = history == nil ? 1 : timeStep
        for i in 0..<n {
            matrix[i, i] = (history == nil ? 0 : newCoefficient * volume[i]) + h * outflow[i]
            for k in start[i]..<start[i + 1] where k != skipped { matrix.add(-h * sources[k].flow, row: i, column: sources[k].from) }
            rhs[i] = h * feed[i]
            for m in history ?? [] { rhs[i] -= m.coefficient * exp(m.logInventory[offset + i]) }
        }
        var lu = BandLUWorkspace(order: n)
        // An M-matrix with positive diagonal (every stage has an outflow): never singular.
        do { try lu.factorize(&matrix); try lu.solve(matrix, &rhs) } catch { preconditionFailure("mixing balance: \(error)") }
        return rhs.map { max(0, $0) }
    }

    /// What a train's linked streams bring into each stage of the mixed species, mol/h (acid
    /// capacity Q, total sulfate, extractant), set by `DynamicTrainSystem` from the source
    /// cascades' outlets; zeros for a cascade simulated alone.
    var linkedMixedFeedFlux: (anion: [Double], sulfate: [Double], extractant: [Double])

    /// Solves the mixed species of the step (`mixed`), or with `newStep` nil their steady
    /// mixing, from the feeds and `linkedMixedFeedFlux`.
    mutating func solveMixedSpecies(_ newStep: ImplicitStep?) {
        let net = steady.network, n = net.stageCount, p = steady.unknownCount
        let linked = linkedMixedFeedFlux
        func plus(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 + $1 } }
        let h = newStep?.timeStep ?? 1, a0 = newStep?.newCoefficient ?? 0
        setMixedConcentrations(
            anion: mixed(phase: .aqueous, feed: plus(net.anionFeedFlux, linked.anion), history: newStep?.history, offset: p,
                         timeStep: h, newCoefficient: a0),
            sulfate: mixed(phase: .aqueous, feed: plus(net.sulfateFeedFlux, linked.sulfate), history: newStep?.history, offset: p + n,
                           timeStep: h, newCoefficient: a0),
            extractant: mixed(phase: .organic, feed: plus(net.extractantFeedFlux, linked.extractant), history: newStep?.history,
                              offset: p + 2 * n, timeStep: h, newCoefficient: a0))
    }

    public mutating func setImplicitStep(_ newStep: ImplicitStep?) {
        step = newStep
        guard let newStep else { return }
        solveMixedSpecies(newStep)
        setStepCoefficients(newStep)
    }

    /// The step's coefficients and history sums (everything of `setImplicitStep` but the mixed species).
    mutating func setStepCoefficients(_ newStep: ImplicitStep) {
        logNewCoefficient = log(newStep.newCoefficient)
        scaling.logFluxFactor = log(newStep.timeStep)
        stepLength = newStep.timeStep
        let net = steady.network
        for i in 0..<net.stageCount {
            aqueousStepWeight[i] = newStep.newCoefficient * holdups.aqueous[i] + newStep.timeStep * net.aqueousFlow[i]
            organicStepWeight[i] = newStep.newCoefficient * holdups.organic[i] + newStep.timeStep * net.organicFlow[i]
            logAqueousStepWeight[i] = log(aqueousStepWeight[i])
            logOrganicStepWeight[i] = log(organicStepWeight[i])
        }
        // History term by history term over the rows (the same sums in the same order as row by
        // row over the terms, without taking each term's inventory array again per row).
        let rows = logHistoryLeft.count
        var left = [LogSumExp](repeating: LogSumExp(), count: rows), right = left
        for h in newStep.history where h.coefficient != 0 {
            let logCoefficient = log(abs(h.coefficient)), inventory = h.logInventory
            if h.coefficient > 0 {
                for k in 0..<rows { left[k].add(logCoefficient + inventory[k]) }
            } else {
                for k in 0..<rows { right[k].add(logCoefficient + inventory[k]) }
            }
        }
        for k in 0..<rows {
            logHistoryLeft[k] = left[k].value
            logHistoryRight[k] = right[k].value
            historyLeft[k] = Self.plain(logHistoryLeft[k])
            historyRight[k] = Self.plain(logHistoryRight[k])
        }
    }

    /// Logarithms inside this range (or −∞) are summed as plain numbers by `evaluateSides`:
    /// their exponentials and any sum of a few of them times the step's weights are normal
    /// doubles, so the sum is as accurate as the log-sum-exp (a few ulps) and its logarithm
    /// costs one `log` and no `exp` per term. Outside it (a trace species below about 1e-300
    /// mol/L) a row is summed as log-sum-exp.
    static let plainSumLogRange = -690.0...600.0

    /// `plain(ln x)` of the aqueous concentration at flat index e (stage·elements + element),
    /// mol/L, taken from the state's x = exp(ln x).
    @inline(__always)
    func aqueous(_ e: Int) -> Double {
        Self.plainSumLogRange.contains(steady.lx[e]) ? steady.x[e] : .nan
    }

    /// exp(l) where l is in `plainSumLogRange`, 0 for l = −∞, NaN elsewhere (which marks a row
    /// for the log-sum-exp).
    @inline(__always)
    static func plain(_ l: Double) -> Double {
        if l == -.infinity { return 0 }
        return plainSumLogRange.contains(l) ? exp(l) : .nan
    }

    @inline(__always)
    func logElementInventory(stage i: Int, element j: Int) -> Double {
        let ne = steady.network.elementCount
        var s = LogSumExp()
        s.add(logAqueousHoldup[i] + steady.lx[i * ne + j])
        s.add(logOrganicHoldup[i] + steady.ly[i * ne + j])
        return s.value
    }

    @inline(__always)
    func logCationInventory(stage i: Int) -> Double {
        var s = LogSumExp()
        s.add(logAqueousHoldup[i] + steady.logCation[i])
        s.add(logOrganicHoldup[i] + steady.logOrganicCation[i])
        return s.value
    }

    public mutating func logInventory(at unknowns: [Double], into logInventory: inout [Double]) throws(DomainViolation) {
        try steady.evaluateState(unknowns, derivatives: false, fluxes: false)
        let net = steady.network, n = net.stageCount, ne = net.elementCount, b = net.blockSize
        for i in 0..<n {
            for j in 0..<ne { logInventory[i * b + j] = logElementInventory(stage: i, element: j) }
            if net.exchangesAcid { logInventory[i * b + ne] = -.infinity; logInventory[i * b + net.acidityIndex] = -.infinity }
            if net.hasCation { logInventory[i * b + ne + 1] = logCationInventory(stage: i) }
            logInventory[n * b + i] = log(holdups.aqueous[i] * net.anionConcentration[i])
            logInventory[n * b + n + i] = log(holdups.aqueous[i] * net.sulfateConcentration[i])
            logInventory[n * b + 2 * n + i] = log(holdups.organic[i] * net.extractantConcentration[i])
        }
    }

    /// The step equations' two sides at the last evaluated state, into `scaling`: LHS =
    /// (a₀V_aq + ΔtA)·x + (a₀V_org + ΔtO)·y + Σ_{a_m>0} a_m·N_m (`logAqueousStepWeight`), RHS =
    /// Δt·in + Σ_{a_m<0} |a_m|·N_m. Each side of an element row is summed as plain numbers
    /// when every term is a normal double (`plainSumLogRange`: one `log` per side, the
    /// exponentials of x and y taken once per evaluation), else as a log-sum-exp of its terms
    /// (a trace species below the range of `Double`); the cation rows always as log-sum-exp.
    /// The state's `logInflow` and `logOutflow` are not needed
    /// (`CascadeSystem.evaluateState(_:derivatives:fluxes:)`). Before, each row took a
    /// log-sum-exp of the inventory, the outflow and the inflow (about 8 `exp` and 5 `log` per
    /// row against 2 of each now).
    mutating func evaluateSides() {
        let n = steady.network.stageCount, ne = steady.network.elementCount, b = steady.network.blockSize
        let hasCation = steady.network.hasCation
        let lf = scaling.logFluxFactor
        let aqueousStart = steady.network.aqueousSourceStart, aqueousSources = steady.network.aqueousSources
        let organicStart = steady.network.organicSourceStart, organicSources = steady.network.organicSources
        for e in 0..<(n * ne) { organic[e] = Self.plain(steady.ly[e]) }
        for i in 0..<n {
            let wAqueous = logAqueousStepWeight[i], wOrganic = logOrganicStepWeight[i]
            for j in 0..<ne {
                let k = i * b + j, e = i * ne + j
                // Plain sums where every term is a normal number (NaN marks one that is not).
                let lhs = aqueousStepWeight[i] * aqueous(e) + organicStepWeight[i] * organic[e] + historyLeft[k]
                var inflow = Self.plain(steady.logFeedFlux[e])
                for s in aqueousStart[i]..<aqueousStart[i + 1] { inflow += aqueousSources[s].flow * aqueous(aqueousSources[s].from * ne + j) }
                for s in organicStart[i]..<organicStart[i + 1] { inflow += organicSources[s].flow * organic[organicSources[s].from * ne + j] }
                let rhs = historyRight[k] + stepLength * inflow
                if plainSums && lhs > 0 && rhs > 0 && lhs.isFinite && rhs.isFinite {
                    scaling.logElementOut[e] = log(lhs)
                    scaling.logElementIn[e] = log(rhs)
                    continue
                }
                var left = LogSumExp(), right = LogSumExp()
                left.add(wAqueous + steady.lx[e])
                left.add(wOrganic + steady.ly[e])
                left.add(logHistoryLeft[k])
                right.add(logHistoryRight[k])
                steady.addElementInflowTerms(&right, stage: i, element: j, logFactor: lf)
                scaling.logElementOut[e] = left.value
                scaling.logElementIn[e] = right.value
            }
            if hasCation {
                let k = i * b + ne + 1
                var left = LogSumExp(), right = LogSumExp()
                left.add(wAqueous + steady.logCation[i])
                left.add(wOrganic + steady.logOrganicCation[i])
                left.add(logHistoryLeft[k])
                right.add(logHistoryRight[k])
                steady.addCationInflowTerms(&right, stage: i, logFactor: lf)
                scaling.logCationOut[i] = left.value
                scaling.logCationIn[i] = right.value
            }
        }
    }

    func fillStepResiduals(_ r: inout [Double]) {
        let net = steady.network, n = net.stageCount, ne = net.elementCount, b = net.blockSize
        steady.fillAlgebraicResiduals(&r)   // extractant and charge rows as in the steady system
        for i in 0..<n {
            for j in 0..<ne { r[i * b + j] = scaling.logElementIn[i * ne + j] - scaling.logElementOut[i * ne + j] }
            if net.hasCation { r[i * b + ne + 1] = scaling.logCationIn[i] - scaling.logCationOut[i] }
        }
    }

    public mutating func residual(at unknowns: [Double], into residual: inout [Double]) throws(DomainViolation) {
        guard step != nil else { return try steady.residual(at: unknowns, into: &residual) }
        try steady.evaluateState(unknowns, derivatives: false, fluxes: false)
        evaluateSides()
        fillStepResiduals(&residual)
    }

    public mutating func residualAndJacobian(at unknowns: [Double], residual: inout [Double],
                                             jacobian: inout BandMatrix) throws(DomainViolation) {
        guard step != nil else { return try steady.residualAndJacobian(at: unknowns, residual: &residual, jacobian: &jacobian) }
        try steady.evaluateState(unknowns, derivatives: true, fluxes: false)
        evaluateSides()
        fillStepResiduals(&residual)
        fillStepJacobian(&jacobian)
    }

    /// The step equations' Jacobian at the last evaluated state and sides (`evaluateSides`).
    func fillStepJacobian(_ jacobian: inout BandMatrix) {
        steady.fillJacobian(&jacobian, balanceScaling: scaling)
        // Inventory terms: −a₀·∂N/∂u / LHS.
        let net = steady.network, n = net.stageCount, ne = net.elementCount, b = net.blockSize
        for i in 0..<n {
            for j in 0..<ne {
                let row = i * b + j, left = scaling.logElementOut[i * ne + j]
                jacobian.add(-exp(logNewCoefficient + logAqueousHoldup[i] + steady.lx[i * ne + j] - left), row: row, column: row)
                steady.addLogYDerivative(&jacobian, row: row, stage: i, component: j,
                                         scale: -exp(logNewCoefficient + logOrganicHoldup[i] + steady.ly[i * ne + j] - left))
            }
            if net.hasCation {
                let row = i * b + ne + 1, left = scaling.logCationOut[i]
                jacobian.add(-exp(logNewCoefficient + logAqueousHoldup[i] + steady.logCation[i] - left), row: row, column: row)
                steady.addLogYDerivative(&jacobian, row: row, stage: i, component: ne,
                                         scale: -exp(logNewCoefficient + logOrganicHoldup[i] + steady.logOrganicCation[i] - left))
            }
        }
    }

    /// Each balance row's residual tolerance: a residual R of the row ln RHS − ln LHS moves
    /// its inventory by about R·LHS/a₀ (mol), so R ≤ a₀·tolerance/LHS; the algebraic rows
    /// (extractant balance, electroneutrality) take `relativeTolerance`.
    public func residualTolerances(inventoryTolerances: [Double], relativeTolerance: Double, floor: Double, ceiling: Double,
                                   into tolerances: inout [Double]) {
        let net = steady.network, n = net.stageCount, ne = net.elementCount, b = net.blockSize
        let algebraic = min(max(relativeTolerance, floor), ceiling)
        for i in 0..<n {
            for c in 0..<b { tolerances[i * b + c] = algebraic }
            for j in 0..<ne {
                let k = i * b + j
                tolerances[k] = min(max(inventoryTolerances[k] * exp(logNewCoefficient - scaling.logElementOut[i * ne + j]), floor), ceiling)
            }
            if net.hasCation {
                let k = i * b + ne + 1
                tolerances[k] = min(max(inventoryTolerances[k] * exp(logNewCoefficient - scaling.logCationOut[i]), floor), ceiling)
            }
        }
    }

    /// Feed and outlet flux of each element at the last evaluated state, mol/h.
    func boundaryFluxes() -> (fed: [Double], out: [Double]) {
        let net = steady.network, ne = net.elementCount
        var fed = [Double](repeating: 0, count: ne), out = fed
        for j in 0..<ne { fed[j] = net.totalFeed(element: j) }
        for o in net.outlets {
            for j in 0..<ne {
                let l = o.phase == .aqueous ? steady.lx[o.stage * ne + j] : steady.ly[o.stage * ne + j]
                out[j] += o.flow * exp(l)
            }
        }
        return (fed, out)
    }

    /// The inventories at `unknowns`, each element's stages scaled together so that their sum
    /// is what the step formula gives for it, T = (Δt·(feed − outlets) − Σ a_m·T_m)/a₀ (the
    /// internal fluxes cancel in the sum over stages): the sum then telescopes exactly, as the
    /// reported cumulative feed and outlet amounts do (`DynamicSimulation`), however loosely
    /// each stage's row was solved. The scale factor differs from 1 by the rows' residuals
    /// (within the error-weighted Newton test).
    public mutating func steppedLogInventory(at unknowns: [Double], into logInventory: inout [Double]) throws(DomainViolation) {
        try self.logInventory(at: unknowns, into: &logInventory)
        guard step != nil else { return }
        let (fed, out) = boundaryFluxes()
        try scaleToStepQuadrature(&logInventory, fed: fed, out: out)
    }

    /// Scales each element's stage inventories (ln mol, this cascade's inventory layout)
    /// together so that their sum is the step formula's T = (Δt·(fed − out) − Σ a_m·T_m)/a₀,
    /// `fed` and `out` the element's boundary fluxes at the step's end (mol/h); a train passes
    /// its linked inflows in `fed` and its linked outflows in `out` (`DynamicTrainSystem`).
    func scaleToStepQuadrature(_ logInventory: inout [Double], fed: [Double], out: [Double]) throws(DomainViolation) {
        guard let step else { return }
        let net = steady.network, n = net.stageCount, ne = net.elementCount, b = net.blockSize
        for j in 0..<ne {
            var total = step.timeStep * (fed[j] - out[j]), held = 0.0
            for m in step.history {
                var past = 0.0
                for i in 0..<n { past += exp(m.logInventory[i * b + j]) }
                total -= m.coefficient * past
            }
            total /= step.newCoefficient
            for i in 0..<n { held += exp(logInventory[i * b + j]) }
            guard total > 0, held > 0 else {
                throw DomainViolation(index: j, reason: "the step leaves element \(j + 1) no positive inventory")
            }
            let shift = log(total) - log(held)
            for i in 0..<n { logInventory[i * b + j] += shift }
        }
    }

    public func stepLimits(uniform: Double, into limits: inout [Double]) -> Bool {
        steady.stepLimits(uniform: uniform, into: &limits)
    }

    public func negligibleUnknowns(limits: [Double], uniform: Double, into negligible: inout [Bool]) {
        steady.negligibleUnknowns(limits: limits, uniform: uniform, into: &negligible)
    }
}
