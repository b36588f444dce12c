import Foundation
import SXNumerics

/// The steady-state equations of a cascade as a `NewtonSystem`, evaluated in logarithms.
///
/// **Unknowns** (per stage, stage by stage so the Jacobian is banded): u = ln x_j for every
/// element (x_j aqueous outlet concentration, mol/L); for acid exchange also ln [(HA)₂] (free
/// dimer in the organic outlet, mol/L), when a saponifying cation is present ln [C⁺]
/// (aqueous outlet, mol/L), and ln [H⁺] (aqueous outlet, mol/L).
///
/// **Residuals**, each a logarithm of inflow over outflow, hence a relative error:
/// - element j at stage i: ln(in_ij) − ln(out_ij), in_ij = Σ aqueous links F·x + Σ organic
///   links F·y + feeds (mol/h), out_ij = A_i·x_ij + O_i·y_ij (mol/h);
/// - extractant (mass action): ln(2[(HA)₂] + 6Σ_j y_j + [CA]) − ln(C_HA,i);
/// - cation (mass action with saponification): ln(C⁺ in) − ln(C⁺ out), both in mol/h;
/// - electroneutrality (acid exchange): ln(h + [HSO₄⁻] + [C⁺] + Σ_j z_j x_j) − ln(Q + K_w/h),
///   both sides sums of positive terms (`AqueousChargeBalance`), so [H⁺] is never formed as
///   the difference Q − [C⁺] − Σ z x, which cancels near neutral pH.
///
/// Every flux is carried as its logarithm and sums are formed as log-sum-exp, so a
/// concentration of 1e-400 mol/L (below the range of `Double`) is still exact to relative
/// round-off, and each Jacobian entry is a weight in [0, 1] times a logarithmic derivative:
/// nothing underflows or overflows however long the cascade. The Jacobian is analytic.
///
/// The organic outlet follows from the section's `EquilibriumModel` evaluated at
/// x*_ij = x_ij / E − x_in,ij (1 − E) / E (aqueous Murphree efficiency E, x_in,ij the mixed
/// aqueous inlet); under acid exchange [H⁺] is an unknown, otherwise (an acid-dependent
/// model) it follows from `AqueousChargeBalance`. The model
/// returns derivatives with respect to its own variables (ln x*, ln [H⁺], ln [(HA)₂],
/// ln [C⁺]); this type composes them with the Murphree and charge-balance derivatives.
public struct CascadeSystem: NewtonSystem {
    public internal(set) var network: CascadeNetwork
    public let unknownCount: Int
    public let lowerBandwidth: Int
    public let upperBandwidth: Int

    /// The equilibrium model of each section (stage i uses `models[network.sectionOfStage[i]]`).
    let models: [any EquilibriumModel]
    let logAqueousFlow: [Double]
    let logOrganicFlow: [Double]
    /// ln of the rare earth fed into each stage (all feeds; aqueous feeds), flat [i·ne + j].
    /// Variable only for a train's linked feeds, whose flux the time simulation of the train
    /// sets from the source cascade's state (`DynamicTrainSystem`).
    var logFeedFlux: [Double]
    var logAqueousFeedFlux: [Double]
    /// ln of the saponifying cation fed into each stage (mol/h); variable for a train's linked
    /// feeds like `logFeedFlux` (`DynamicTrainSystem`).
    var logCationFeedFlux: [Double]
    let logAqueousLinkFlow: [Double]
    let logOrganicLinkFlow: [Double]

    // State at the last evaluation, flat per stage.
    var x: [Double]
    var lx: [Double]
    var lxStar: [Double]
    /// ∂ln x*_ij/∂ln x_ij = 1/(1 − r), r = (1 − E) x_in / x.
    var murphreeGain: [Double]
    var ly: [Double]
    var acidity: [Double]
    /// d[H⁺]/dT of each stage (1 without sulfate; `AqueousChargeBalance.freeAcidSlope`).
    var acidSlope: [Double]
    /// Protons T = Q − [C⁺] − Σ z x of each stage's aqueous outlet (mol/L) under models
    /// without acid exchange, [C⁺] every saponifying cation fed (`CascadeNetwork.cationAllAqueous`);
    /// negative where the aqueous holds more metal than its acid capacity balances.
    var protons: [Double]
    /// Organic total RE Y_i leaving each fully loaded stage after the acid reaching it has
    /// stripped its share (mol/L; 0 at other stages): `network.fullLoading` less the H⁺ routed
    /// in from stages outside the loaded sections over 3·O_i.
    var loading: [Double]
    /// True for the stages of fully loaded sections (`EquilibriumModel.fixedOrganicLoading`).
    let loadedStage: [Bool]
    /// True for the stages of a concentration-only model that reads the acidity
    /// (`EquilibriumModel.dependsOnAcidity`): their free acid must stay positive.
    let acidDependent: [Bool]
    /// True when a loaded stage receives aqueous from a stage outside the loaded sections (its
    /// loading then depends on that stage's acid).
    let receivesRoutedAcid: [Bool]
    /// Free acid (mol/h H⁺) a train's linked streams bring into each stage, set by
    /// `DynamicTrainSystem` from the source cascades' states; it strips a fully loaded stage's
    /// organic like acid fed there (`CascadeNetwork.fullLoading`). Zeros for a cascade alone.
    var linkedAcidFlux: [Double]
    /// True for the loaded stages whose loading `linkedAcidFlux` changes.
    var receivesLinkedAcid: [Bool]
    var dimer: [Double]
    var cation: [Double]
    var organicCation: [Double]
    var logCation: [Double]
    var logOrganicCation: [Double]
    var logInflow: [Double]
    var logOutflow: [Double]
    /// ∂ln y_ij/∂ln x*_il, flat [(i·ne + j)·ne + l].
    var dLogYdLogXStar: [Double]
    /// ∂(ln y_i0 … ln y_i,ne−1, ln CA_i)/∂(stage i unknowns), flat [(i·(ne+1) + row)·b + column].
    var dLogYdLocal: [Double]
    /// The model's inputs and outputs for one stage, reused for every stage.
    var work: StageEquilibrium
    /// The extractant stoichiometry of an acid-exchange cascade (zeros otherwise).
    let stoichiometry: AcidExchangeStoichiometry
    /// `network.exchangesAcid`, held as a flag: the network's is read from an enum with a
    /// payload, which the per-stage loops would otherwise copy (reference counting).
    let exchangesAcid: Bool
    /// Scratch for the start's extractant root (`StartingPoint.freeExtractant`): the distinct
    /// exponents of the organic species in [(HA)₂] and the HA they bind, one per element at most.
    var rootExponents: [Double]
    var rootAmounts: [Double]
    /// The unknowns of the last `residual(at:into:)`, while the state is still theirs (emptied
    /// by any other evaluation): `jacobianAfterResidual` reuses that state.
    var residualUnknowns: [Double] = []

    public init(network: CascadeNetwork) {
        self.network = network
        let n = network.stageCount, ne = network.elementCount, b = network.blockSize
        unknownCount = n * b
        models = network.cascade.sections.map(\.equilibrium)
        // With linear models everywhere an element's balances involve only that element, so the
        // stage blocks are diagonal and the band is b per neighbouring stage, not 2b − 1
        // (half the storage, about a quarter of the factorisation work at 15 elements).
        if models.allSatisfy(\.isLinear) {
            lowerBandwidth = network.stagesBelow * b
            upperBandwidth = network.stagesAbove * b
        } else {
            lowerBandwidth = network.lowerBandwidth
            upperBandwidth = network.upperBandwidth
        }
        func safeLog(_ v: [Double]) -> [Double] { v.map { $0 > 0 ? log($0) : -Double.infinity } }
        logAqueousFlow = safeLog(network.aqueousFlow)
        logOrganicFlow = safeLog(network.organicFlow)
        logFeedFlux = safeLog(network.feedFlux)
        logAqueousFeedFlux = safeLog(network.aqueousFeedFlux)
        logCationFeedFlux = safeLog(network.cationFeedFlux)
        logAqueousLinkFlow = safeLog(network.aqueousSources.map(\.flow))
        logOrganicLinkFlow = safeLog(network.organicSources.map(\.flow))
        x = Array(repeating: 0, count: n * ne)
        lx = x
        lxStar = x
        murphreeGain = Array(repeating: 1, count: n * ne)
        ly = x
        logInflow = x
        logOutflow = x
        acidity = Array(repeating: 0, count: n)
        acidSlope = Array(repeating: 1, count: n)
        protons = Array(repeating: 0, count: n)
        loading = network.fullLoading
        let loadedStage = (0..<n).map { network.fullLoading[$0] > 0 }
        let acidDependentSection = network.cascade.sections.map { !network.exchangesAcid && $0.equilibrium.dependsOnAcidity }
        acidDependent = (0..<n).map { acidDependentSection[network.sectionOfStage[$0]] }
        self.loadedStage = loadedStage
        receivesRoutedAcid = (0..<n).map { i in
            loadedStage[i] && network.aqueousSources[network.aqueousSourceStart[i]..<network.aqueousSourceStart[i + 1]].contains { !loadedStage[$0.from] }
        }
        linkedAcidFlux = Array(repeating: 0, count: n)
        receivesLinkedAcid = Array(repeating: false, count: n)
        dimer = acidity
        cation = acidity
        organicCation = acidity
        logCation = Array(repeating: -.infinity, count: n)
        logOrganicCation = logCation
        dLogYdLogXStar = Array(repeating: 0, count: n * ne * ne)
        dLogYdLocal = Array(repeating: 0, count: n * (ne + 1) * b)
        work = StageEquilibrium(elementCount: ne)
        rootExponents = Array(repeating: 0, count: ne)
        rootAmounts = Array(repeating: 0, count: ne)
        exchangesAcid = network.exchangesAcid
        stoichiometry = network.stageChemistry.stoichiometry
            ?? AcidExchangeStoichiometry(perFreeExtractant: 0, perMetal: Array(repeating: 0, count: ne), perCation: 0)
    }

    public mutating func residual(at unknowns: [Double], into residual: inout [Double]) throws(DomainViolation) {
        try evaluateState(unknowns, derivatives: false)
        fillResiduals(&residual)
        residualUnknowns.append(contentsOf: unknowns)
    }

    public mutating func residualAndJacobian(at unknowns: [Double], residual: inout [Double],
                                             jacobian: inout BandMatrix) throws(DomainViolation) {
        try evaluateState(unknowns, derivatives: true)
        fillResiduals(&residual)
        fillJacobian(&jacobian)
    }

    /// After `residual(at: unknowns)` the state (concentrations, organic outlets, fluxes) is
    /// already evaluated there: only the models' derivatives are added, stage by stage. This
    /// saves the exponentials, Murphree terms and flux sums of a second state evaluation, about
    /// a third of a Jacobian (`sxbench kernels mass-action/500x6/band`). Should the last
    /// evaluation have been elsewhere, everything is evaluated again.
    public mutating func jacobianAfterResidual(at unknowns: [Double], residual: inout [Double],
                                               jacobian: inout BandMatrix) throws(DomainViolation) {
        guard residualUnknowns.elementsEqual(unknowns, by: { $0.bitPattern == $1.bitPattern }) else {
            try residualAndJacobian(at: unknowns, residual: &residual, jacobian: &jacobian)
            return
        }
        var model = models[network.sectionOfStage[0]], section = network.sectionOfStage[0]
        for i in 0..<network.stageCount {
            if network.sectionOfStage[i] != section { section = network.sectionOfStage[i]; model = models[section] }
            equilibrium(stage: i, model: model, derivatives: true)
        }
        fillResiduals(&residual)
        fillJacobian(&jacobian)
    }

    /// Index of the extractant unknown within a block.
    var dimerIndex: Int { network.elementCount }
    /// Index of the cation unknown within a block.
    var cationIndex: Int { network.elementCount + 1 }
    /// Index of the ln [H⁺] unknown within a block (acid exchange).
    var acidityIndex: Int { network.acidityIndex }

    @inline(__always)
    func logElementInflow(stage i: Int, element j: Int) -> Double {
        var s = LogSumExp()
        addElementInflowTerms(&s, stage: i, element: j, logFactor: 0)
        return s.value
    }

    /// Adds ln(factor·flux) of every inflow of element j into stage i (feeds, aqueous and
    /// organic links; mol/h times the factor, e.g. Δt) to `s`: `logFactor` + ln flux each.
    @inline(__always)
    func addElementInflowTerms(_ s: inout LogSumExp, stage i: Int, element j: Int, logFactor: Double) {
        let ne = network.elementCount
        s.add(logFactor + logFeedFlux[i * ne + j])
        let aqueousStart = network.aqueousSourceStart, aqueousSources = network.aqueousSources
        for k in aqueousStart[i]..<aqueousStart[i + 1] { s.add(logFactor + logAqueousLinkFlow[k] + lx[aqueousSources[k].from * ne + j]) }
        let organicStart = network.organicSourceStart, organicSources = network.organicSources
        for k in organicStart[i]..<organicStart[i + 1] { s.add(logFactor + logOrganicLinkFlow[k] + ly[organicSources[k].from * ne + j]) }
    }

    /// ln of the aqueous flux of element j entering stage i (feeds and aqueous links, mol/h):
    /// the mixed inlet x_in·A_i of the Murphree relation.
    @inline(__always)
    func logAqueousInflow(stage i: Int, element j: Int) -> Double {
        var s = LogSumExp()
        s.add(logAqueousFeedFlux[i * network.elementCount + j])
        addAqueousLinkFluxes(&s, stage: i, element: j)
        return s.value
    }

    /// Adds ln(F·x) of every aqueous link into stage i for element j.
    @inline(__always)
    func addAqueousLinkFluxes(_ s: inout LogSumExp, stage i: Int, element j: Int) {
        let ne = network.elementCount
        let start = network.aqueousSourceStart, sources = network.aqueousSources
        for k in start[i]..<start[i + 1] {
            s.add(logAqueousLinkFlow[k] + lx[sources[k].from * ne + j])
        }
    }

    // MARK: - State

    /// Evaluates every stage at the unknowns `u`: concentrations, the models' organic outlets
    /// (with their derivatives when `derivatives`) and, when `fluxes`, the logarithms of each
    /// element's inflow and outflow (`logInflow`, `logOutflow`; the time integrator's step
    /// equations sum their flux terms with the inventories instead,
    /// `DynamicCascadeSystem.evaluateSides`).
    mutating func evaluateState(_ u: [Double], derivatives: Bool, fluxes: Bool = true) throws(DomainViolation) {
        residualUnknowns.removeAll(keepingCapacity: true)
        let net = network
        let n = net.stageCount, ne = net.elementCount, b = net.blockSize
        for i in 0..<n {
            for j in 0..<ne {
                let v = u[i * b + j]
                if !(v < 700) {
                    throw DomainViolation(index: i * b + j, reason: "stage \(i + 1): concentration of \(net.cascade.elements[j].symbol) overflows")
                }
                lx[i * ne + j] = v
                x[i * ne + j] = exp(v)
            }
            if net.exchangesAcid {
                let ld = u[i * b + dimerIndex]
                let lc = net.hasCation ? u[i * b + cationIndex] : -Double.infinity
                let lh = u[i * b + acidityIndex]
                if !(ld < 700 && lc < 700) { throw DomainViolation(index: i * b + dimerIndex, reason: "stage \(i + 1): extractant or cation concentration overflows") }
                if !(abs(lh) < 700) { throw DomainViolation(index: i * b + acidityIndex, reason: "stage \(i + 1): [H⁺] overflows or underflows") }
                dimer[i] = exp(ld)
                cation[i] = net.hasCation ? exp(lc) : 0
                logCation[i] = lc
                acidity[i] = exp(lh)
            } else {
                let t = AqueousChargeBalance.protons(capacity: net.anionConcentration[i], cation: net.cationAllAqueous[i],
                                                     metalCharge: net.metalCharge(stage: i, concentrations: x))
                protons[i] = t
                acidity[i] = t > 0 ? AqueousChargeBalance.freeAcid(protons: t, sulfate: net.sulfateConcentration[i]) : t
                if acidDependent[i] {
                    if !(t > 1e-14 * net.anionConcentration[i]) {
                        throw DomainViolation(index: i * b, reason: "stage \(i + 1): the aqueous would hold more rare earth than its acid balances (an acid-dependent strip needs free acid)")
                    }
                    acidSlope[i] = AqueousChargeBalance.freeAcidSlope(acidity: acidity[i], sulfate: net.sulfateConcentration[i])
                }
            }
        }
        // Acid routed into a fully loaded stage from outside the loaded sections (e.g. refluxed
        // strip liquor, or a train's linked stream) strips rare earth there: 3 H⁺ per RE³⁺.
        for i in 0..<n where receivesRoutedAcid[i] || receivesLinkedAcid[i] {
            var routed = linkedAcidFlux[i]
            for k in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] where !loadedStage[net.aqueousSources[k].from] {
                routed += net.aqueousSources[k].flow * max(protons[net.aqueousSources[k].from], 0)
            }
            loading[i] = net.fullLoading[i] - routed / (AqueousChargeBalance.rareEarthCharge * net.organicFlow[i])
            if !(loading[i] > 0) {
                throw DomainViolation(index: i * b, reason: "stage \(i + 1): the acid routed in would strip more rare earth than the fully loaded organic carries")
            }
        }
        var model = models[net.sectionOfStage[0]], section = net.sectionOfStage[0]
        for i in 0..<n {
            if net.sectionOfStage[i] != section { section = net.sectionOfStage[i]; model = models[section] }
            let e = net.efficiency[i]
            if e < 1 {
                for j in 0..<ne {
                    let r = (1 - e) * exp(logAqueousInflow(stage: i, element: j) - logAqueousFlow[i] - lx[i * ne + j])
                    if !(r < 1) {
                        throw DomainViolation(index: i * b + j, reason: "stage \(i + 1): the Murphree equilibrium concentration of \(net.cascade.elements[j].symbol) would be negative")
                    }
                    lxStar[i * ne + j] = lx[i * ne + j] - log(e) + log1p(-r)
                    murphreeGain[i * ne + j] = 1 / (1 - r)
                }
            } else {
                for j in 0..<ne { lxStar[i * ne + j] = lx[i * ne + j]; murphreeGain[i * ne + j] = 1 }
            }
            equilibrium(stage: i, model: model, derivatives: derivatives)
        }
        guard fluxes else { return }
        let aqueousStart = net.aqueousSourceStart, aqueousSources = net.aqueousSources
        let organicStart = net.organicSourceStart, organicSources = net.organicSources
        for i in 0..<n {
            for j in 0..<ne {
                // `logElementInflow(stage:element:)`, with the network's arrays taken once.
                var s = LogSumExp()
                s.add(logFeedFlux[i * ne + j])
                for k in aqueousStart[i]..<aqueousStart[i + 1] { s.add(logAqueousLinkFlow[k] + lx[aqueousSources[k].from * ne + j]) }
                for k in organicStart[i]..<organicStart[i + 1] { s.add(logOrganicLinkFlow[k] + ly[organicSources[k].from * ne + j]) }
                logInflow[i * ne + j] = s.value
                var out = LogSumExp()
                out.add(logAqueousFlow[i] + lx[i * ne + j])
                out.add(logOrganicFlow[i] + ly[i * ne + j])
                logOutflow[i * ne + j] = out.value
            }
        }
    }

    /// ln y of stage i from ln x*, by the section's model, and its logarithmic derivatives
    /// with respect to the stage's own unknowns.
    mutating func equilibrium(stage i: Int, derivatives: Bool) {
        equilibrium(stage: i, model: models[network.sectionOfStage[i]], derivatives: derivatives)
    }

    /// `equilibrium(stage:derivatives:)` with the stage's model already taken from `models`: the
    /// stage loops take each section's model once, not once per stage (copying the existential
    /// costs reference counting; 3 % of the 500 × 6 mass-action solve).
    mutating func equilibrium(stage i: Int, model: any EquilibriumModel, derivatives: Bool) {
        let ne = network.elementCount, b = network.blockSize
        let exchangesAcid = self.exchangesAcid, hasCation = network.hasCation
        let base = i * ne
        let rowBase = i * (ne + 1)
        work.stage = i + 1
        work.wantsDerivatives = derivatives
        for j in 0..<ne { work.logEquilibriumAqueous[j] = lxStar[base + j] }
        work.organicLoading = loading[i]
        if exchangesAcid {
            work.logAcidity = log(acidity[i])   // = the unknown ln [H⁺] (|ln h| < 700, exact)
            work.logFreeExtractant = log(dimer[i])
            work.logCation = logCation[i]
        } else if acidDependent[i] {
            work.logAcidity = log(acidity[i])
        }
        if derivatives { work.clearDerivatives() } else { work.logOrganicCation = -.infinity }
        model.evaluate(&work)
        for j in 0..<ne { ly[base + j] = work.logOrganic[j] }
        if hasCation {
            logOrganicCation[i] = work.logOrganicCation
            organicCation[i] = exp(logOrganicCation[i])
        }
        guard derivatives else { return }
        for k in 0..<(ne * ne) { dLogYdLogXStar[base * ne + k] = work.logOrganicByLogEquilibriumAqueous[k] }
        for k in 0..<((ne + 1) * b) { dLogYdLocal[rowBase * b + k] = 0 }
        // Own-stage aqueous enters through x*: ∂ln x*_l/∂u_l = murphreeGain_l.
        for j in 0..<ne {
            let row = (rowBase + j) * b
            for l in 0..<ne {
                dLogYdLocal[row + l] += dLogYdLogXStar[(base + j) * ne + l] * murphreeGain[base + l]
            }
        }
        if exchangesAcid {
            // ln [H⁺], ln [(HA)₂] and ln [C⁺] are unknowns of the stage: the model's derivatives
            // are the Jacobian's (the charge balance is a residual of its own).
            for j in 0..<ne {
                let row = (rowBase + j) * b
                dLogYdLocal[row + acidityIndex] = work.logOrganicByLogAcidity[j]
                dLogYdLocal[row + dimerIndex] = work.logOrganicByLogFreeExtractant[j]
            }
            if hasCation {
                let row = (rowBase + ne) * b
                dLogYdLocal[row + acidityIndex] = work.logOrganicCationByLogAcidity
                dLogYdLocal[row + dimerIndex] = work.logOrganicCationByLogFreeExtractant
                dLogYdLocal[row + cationIndex] = work.logOrganicCationByLogCation
            }
            return
        }
        guard acidDependent[i] else { return }
        // [H⁺] from the proton balance: ∂ln h/∂u_l = −z_l x_l h′/h, ∂ln h/∂ln C⁺ = −C⁺ h′/h,
        // h′ = dh/dT (1 without sulfate).
        let slopeOverH = acidSlope[i] / acidity[i]
        for j in 0..<ne {
            let row = (rowBase + j) * b
            let byAcidity = work.logOrganicByLogAcidity[j]
            for l in 0..<ne {
                dLogYdLocal[row + l] -= byAcidity * network.charges[l] * x[base + l] * slopeOverH
            }
        }
    }

    // MARK: - Residuals

    func fillResiduals(_ r: inout [Double]) {
        let net = network
        let n = net.stageCount, ne = net.elementCount, b = net.blockSize
        for i in 0..<n {
            for j in 0..<ne {
                r[i * b + j] = logInflow[i * ne + j] - logOutflow[i * ne + j]
            }
            if exchangesAcid && net.hasCation {
                r[i * b + cationIndex] = logCationInflow(stage: i) - logCationOutflow(stage: i)
            }
        }
        fillAlgebraicResiduals(&r)
    }

    /// The rows without an inventory: the extractant balance and electroneutrality of every
    /// stage (acid exchange; nothing otherwise).
    func fillAlgebraicResiduals(_ r: inout [Double]) {
        guard exchangesAcid else { return }
        let net = network
        let n = net.stageCount, b = net.blockSize
        for i in 0..<n {
            r[i * b + dimerIndex] = log(extractantTotal(stage: i)) - log(net.extractantConcentration[i])
            let sides = chargeSides(stage: i)
            r[i * b + acidityIndex] = log(sides.positive) - log(sides.negative)
        }
    }

    /// ν_free e + Σ_j ν_j y_j + ν_C [CA] of stage i (mol/L, monomer basis).
    @inline(__always)
    func extractantTotal(stage i: Int) -> Double {
        let ne = network.elementCount
        var bound = 0.0
        for j in 0..<ne { bound += stoichiometry.perMetal[j] * exp(ly[i * ne + j]) }
        return stoichiometry.perFreeExtractant * dimer[i] + bound + stoichiometry.perCation * organicCation[i]
    }



    /// The two sides of stage i's aqueous electroneutrality (mol/L of charge), each a sum of
    /// positive terms: h + [HSO₄⁻] + [C⁺] + Σ_j z_j x_j and Q + [OH⁻] (`AqueousChargeBalance`;
    /// Q the conserved acid capacity, the chloride of a chloride liquor).
    @inline(__always)
    func chargeSides(stage i: Int) -> (positive: Double, negative: Double) {
        let h = acidity[i]
        let positive = h + AqueousChargeBalance.bisulfate(acidity: h, sulfate: network.sulfateConcentration[i]) + cation[i]
            + network.metalCharge(stage: i, concentrations: x)
        return (positive, network.anionConcentration[i] + AqueousChargeBalance.hydroxide(acidity: h))
    }

    @inline(__always)
    func logCationInflow(stage i: Int) -> Double {
        var s = LogSumExp()
        addCationInflowTerms(&s, stage: i, logFactor: 0)
        return s.value
    }

    /// Adds `logFactor` + ln of every inflow of the saponifying cation into stage i (mol/h) to `s`.
    @inline(__always)
    func addCationInflowTerms(_ s: inout LogSumExp, stage i: Int, logFactor: Double) {
        s.add(logFactor + logCationFeedFlux[i])
        let aqueousStart = network.aqueousSourceStart, aqueousSources = network.aqueousSources
        for k in aqueousStart[i]..<aqueousStart[i + 1] {
            s.add(logFactor + logAqueousLinkFlow[k] + logCation[aqueousSources[k].from])
        }
        let organicStart = network.organicSourceStart, organicSources = network.organicSources
        let circuitReturn = network.circuitReturnSource
        for k in organicStart[i]..<organicStart[i + 1] where k != circuitReturn {
            s.add(logFactor + logOrganicLinkFlow[k] + logOrganicCation[organicSources[k].from])
        }
    }

    @inline(__always)
    func logCationOutflow(stage i: Int) -> Double {
        var s = LogSumExp()
        s.add(logAqueousFlow[i] + logCation[i])
        s.add(logOrganicFlow[i] + logOrganicCation[i])
        return s.value
    }

    // MARK: - Jacobian

    /// Adds `scale` · ∂ln y_kj/∂(unknowns) into row `row` (j = ne: ln CA_k), including the
    /// dependence of y_k on stage k's aqueous inlet through x* when its efficiency is below 1.
    @inline(__always)
    func addLogYDerivative(_ jac: inout BandMatrix, row: Int, stage k: Int, component j: Int, scale: Double, columnOffset o: Int = 0) {
        if scale == 0 { return }
        let net = network, ne = net.elementCount, b = net.blockSize
        let local = (k * (ne + 1) + j) * b
        for l in 0..<b {
            let d = dLogYdLocal[local + l]
            if d != 0 { jac.add(scale * d, row: row, column: o + k * b + l) }
        }
        if j < ne && receivesRoutedAcid[k] {
            // y_k ∝ Y_k = Y − Σ_q F_qk·T_q/(3·O_k) over links q → k from outside the loaded
            // sections with T_q > 0, T_q = Q_q − C_q − Σ_l z_l x_ql: ∂ln y_kj/∂ln x_ql = F_qk z_l x_ql/(3 O_k Y_k).
            let perFlow = scale / (AqueousChargeBalance.rareEarthCharge * net.organicFlow[k] * loading[k])
            for s in net.aqueousSourceStart[k]..<net.aqueousSourceStart[k + 1] {
                let from = net.aqueousSources[s].from
                guard !loadedStage[from], protons[from] > 0 else { continue }
                let w = perFlow * net.aqueousSources[s].flow
                for l in 0..<ne { jac.add(w * net.charges[l] * x[from * ne + l], row: row, column: o + from * b + l) }
            }
        }
        let e = net.efficiency[k]
        if e < 1 && j < ne {
            // ∂ln x*_kl/∂u_ql = −(1 − E) · F_q→k x_ql / (A_k x_kl) · gain_kl for each aqueous link q → k.
            for s in net.aqueousSourceStart[k]..<net.aqueousSourceStart[k + 1] {
                let from = net.aqueousSources[s].from
                for l in 0..<ne {
                    let d = dLogYdLogXStar[(k * ne + j) * ne + l]
                    if d == 0 { continue }
                    let share = exp(logAqueousLinkFlow[s] + lx[from * ne + l] - logAqueousFlow[k] - lx[k * ne + l])
                    jac.add(-scale * d * (1 - e) * share * murphreeGain[k * ne + l], row: row, column: o + from * b + l)
                }
            }
        }
    }

    func fillJacobian(_ jac: inout BandMatrix) {
        fillJacobian(&jac, balanceScaling: nil)
    }

    /// The Jacobian of the balance rows ln(in) − ln(out) (and of the extractant rows). With
    /// `balanceScaling` (the time integrator's step equations, `DynamicCascadeSystem`), the
    /// element and cation rows are instead ln(RHS) − ln(LHS) with LHS ∋ Δt·out and RHS ∋ Δt·in:
    /// the flux terms are then weighted by Δt/LHS and Δt/RHS; the inventory terms are added by
    /// the caller. Without it every expression is the steady one, bit for bit.
    func fillJacobian(_ jac: inout BandMatrix, balanceScaling scaling: BalanceScaling?) {
        let net = network
        let n = net.stageCount, ne = net.elementCount, b = net.blockSize
        let lf = scaling?.logFluxFactor ?? 0
        for i in 0..<n {
            for j in 0..<ne {
                let row = i * b + j
                let lin = scaling?.logElementIn[i * ne + j] ?? logInflow[i * ne + j]
                let lout = scaling?.logElementOut[i * ne + j] ?? logOutflow[i * ne + j]
                // Outflow A·x + O·y, weights of its two terms.
                jac.add(-exp(lf + logAqueousFlow[i] + lx[i * ne + j] - lout), row: row, column: row)
                addLogYDerivative(&jac, row: row, stage: i, component: j, scale: -exp(lf + logOrganicFlow[i] + ly[i * ne + j] - lout))
                // Inflow: aqueous and organic links (feeds are constant).
                for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                    let from = net.aqueousSources[s].from
                    let w = exp(lf + logAqueousLinkFlow[s] + lx[from * ne + j] - lin)
                    if w != 0 { jac.add(w, row: row, column: from * b + j) }
                }
                for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
                    let from = net.organicSources[s].from
                    addLogYDerivative(&jac, row: row, stage: from, component: j, scale: exp(lf + logOrganicLinkFlow[s] + ly[from * ne + j] - lin))
                }
            }
            if net.exchangesAcid {
                let row = i * b + dimerIndex
                let invTotal = 1 / extractantTotal(stage: i)
                let nu = stoichiometry
                jac.add(invTotal * nu.perFreeExtractant * dimer[i], row: row, column: i * b + dimerIndex)
                for j in 0..<ne { addLogYDerivative(&jac, row: row, stage: i, component: j, scale: nu.perMetal[j] * exp(ly[i * ne + j]) * invTotal) }
                if net.hasCation {
                    addLogYDerivative(&jac, row: row, stage: i, component: ne, scale: nu.perCation * organicCation[i] * invTotal)
                    let crow = i * b + cationIndex
                    let lin = scaling?.logCationIn[i] ?? logCationInflow(stage: i)
                    let lout = scaling?.logCationOut[i] ?? logCationOutflow(stage: i)
                    jac.add(-exp(lf + logAqueousFlow[i] + logCation[i] - lout), row: crow, column: crow)
                    addLogYDerivative(&jac, row: crow, stage: i, component: ne, scale: -exp(lf + logOrganicFlow[i] + logOrganicCation[i] - lout))
                    for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                        let from = net.aqueousSources[s].from
                        let w = exp(lf + logAqueousLinkFlow[s] + logCation[from] - lin)
                        if w != 0 { jac.add(w, row: crow, column: from * b + cationIndex) }
                    }
                    for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] where s != net.circuitReturnSource {
                        let from = net.organicSources[s].from
                        addLogYDerivative(&jac, row: crow, stage: from, component: ne, scale: exp(lf + logOrganicLinkFlow[s] + logOrganicCation[from] - lin))
                    }
                }
                // Electroneutrality ln P − ln N: ∂/∂ln x_l = z_l x_l/P, ∂/∂ln C⁺ = C⁺/P,
                // ∂/∂ln h = (h + h·∂[HSO₄⁻]/∂h)/P + (K_w/h)/N, ∂[HSO₄⁻]/∂h = S·K_a2/(h + K_a2)².
                let hrow = i * b + acidityIndex
                let (positive, negative) = chargeSides(stage: i)
                let h = acidity[i], s = net.sulfateConcentration[i], k = AqueousChargeBalance.bisulfateDissociationConstant
                for l in 0..<ne { jac.add(net.charges[l] * x[i * ne + l] / positive, row: hrow, column: i * b + l) }
                if net.hasCation { jac.add(cation[i] / positive, row: hrow, column: i * b + cationIndex) }
                let bisulfateSlope = s > 0 ? s * k / ((h + k) * (h + k)) : 0
                jac.add(h * (1 + bisulfateSlope) / positive + AqueousChargeBalance.hydroxide(acidity: h) / negative,
                        row: hrow, column: hrow)
            }
        }
    }

    // MARK: - Step limits

    /// Largest change of ln [H⁺] in one Newton step (acid exchange) at stages where free acid
    /// is at least `freeAcidShareForLongSteps` of the cations (an acidic aqueous, e.g. the
    /// strip). There electroneutrality alone fixes [H⁺]: it is monotone and convex in ln [H⁺]
    /// (ln(h + A) − ln(Q + K_w/h)), so its Newton step from below overshoots at most once and
    /// then converges from above; clipped at the uniform 2, [H⁺] could not follow the metals
    /// and the clipped step turned away from the Newton direction. Where the organic has taken
    /// most of the acid (h ≪ A) the row hardly depends on h, which the coupled equations fix
    /// instead; a long step there throws D (∝ h⁻³) by orders of magnitude, so the uniform limit
    /// stays. Measured (release, `sxbench peak mass-action/50x15`, Newton iterations of all
    /// phases): 1,192 with 27 continuation steps at the uniform limit everywhere, 44 with 50
    /// everywhere, which broke `Flowsheets/prnd-mass-action.yaml` at feed acidity ≤ 0.003 mol/L.
    static let acidityLogStepLimit = 50.0
    static let freeAcidShareForLongSteps = 0.01

    /// Unknowns whose concentration is below 1e-9 of their stage's scale (the anion for
    /// mass action, the total RE otherwise) affect no other equation; they may move by up to
    /// 50 in ln per step instead of `uniform`, so a trace profile far from its solution does
    /// not shrink the step of the main unknowns; ln [H⁺] may move by `acidityLogStepLimit`.
    public func stepLimits(uniform: Double, into limits: inout [Double]) -> Bool {
        let net = network, n = net.stageCount, ne = net.elementCount, b = net.blockSize
        for k in 0..<limits.count { limits[k] = uniform }
        for i in 0..<n {
            var scale = 0.0
            if net.exchangesAcid { scale = net.anionConcentration[i] } else { for j in 0..<ne { scale += x[i * ne + j] } }
            let threshold = 1e-9 * scale
            for j in 0..<ne where x[i * ne + j] < threshold && exp(ly[i * ne + j]) < threshold { limits[i * b + j] = 50 }
            if net.hasCation && cation[i] < threshold && organicCation[i] < threshold { limits[i * b + cationIndex] = 50 }
            if net.exchangesAcid && acidity[i] >= Self.freeAcidShareForLongSteps * chargeSides(stage: i).positive {
                limits[i * b + acidityIndex] = Self.acidityLogStepLimit
            }
        }
        return true
    }

    /// The trace species allowed long steps by `stepLimits` are negligible; ln [H⁺] is not,
    /// although it may take long steps too: its electroneutrality row is a main equation,
    /// and discounting it (as the uniform rule did once ln [H⁺] became an unknown) let the
    /// pseudo-transient controller grow Δt while the charge balance was still far off.
    public func negligibleUnknowns(limits: [Double], uniform: Double, into negligible: inout [Bool]) {
        for k in 0..<negligible.count { negligible[k] = limits[k] > uniform }
        guard network.exchangesAcid else { return }
        for i in 0..<network.stageCount { negligible[i * network.blockSize + acidityIndex] = false }
    }

    /// When true (acid exchange), electroneutrality is kept algebraic in the pseudo-transient
    /// phase at the stages where free acid is at least `freeAcidShareForLongSteps` of the
    /// cations (where it alone fixes [H⁺]): their rows get no pseudo-transient term, so [H⁺]
    /// follows the metals at once instead of relaxing at the rate 1/Δt. The solver tries the
    /// pseudo-transient phase without this first and with it second (`CascadeSolver`,
    /// `SolveOptions.algebraicElectroneutralityFirst`): measured (release, Newton iterations
    /// of all phases, 2026-11-30) mass action 50 × 15 converges with it in 43, and in 284 when
    /// the attempt without it goes first and is given up as diverging, while
    /// `Flowsheets/prnd-mass-action.yaml` converges without it (101) and not with it (the
    /// pseudo-transient norm climbs to 96 and stalls; 212 when tried first).
    public var algebraicElectroneutrality = false

    public func pseudoTransientWeights(into weights: inout [Double]) -> Bool {
        let net = network
        guard net.exchangesAcid, algebraicElectroneutrality else { return false }
        for k in 0..<weights.count { weights[k] = 1 }
        for i in 0..<net.stageCount where acidity[i] >= Self.freeAcidShareForLongSteps * chargeSides(stage: i).positive {
            weights[i * net.blockSize + acidityIndex] = 0
        }
        return true
    }

    // MARK: - Read-out

    /// Aqueous outlet concentrations at the last evaluated state, flat [i·ne + j], mol/L.
    public var aqueousConcentrations: [Double] { x }
    /// ln of the aqueous outlet concentrations (exact even where x underflows).
    public var logAqueousConcentrations: [Double] { lx }
    /// Organic outlet concentrations, flat [i·ne + j], mol/L.
    public var organicConcentrations: [Double] { ly.map { exp($0) } }
    /// ln of the organic outlet concentrations.
    public var logOrganicConcentrations: [Double] { ly }
    /// Equilibrium aqueous concentrations x* (equal to x for ideal stages), mol/L.
    public var equilibriumAqueousConcentrations: [Double] { lxStar.map { exp($0) } }
    /// [H⁺] per stage, mol/L: from the charge balance under acid exchange; otherwise the
    /// protons T = Q − [C⁺] − Σ z x left by the mixing of the acid capacity (negative where the
    /// aqueous holds more metal than its acid balances, e.g. a constant-D strip without acid).
    public var acidityProfile: [Double] { acidity }
    /// Organic total RE of each fully loaded stage after routed acid (mol/L; 0 elsewhere).
    public var loadingProfile: [Double] { loading }
    /// Free [(HA)₂] per stage (acid exchange), mol/L.
    public var freeDimerProfile: [Double] { dimer }
    /// Aqueous [C⁺] per stage, mol/L.
    public var cationProfile: [Double] { cation }
    /// Organic [CA] per stage, mol/L.
    public var organicCationProfile: [Double] { organicCation }
}
