import Foundation
import SXNumerics

/// The steady-state equations of a cascade as a `NewtonSystem`.
///
/// **Unknowns** (per stage, stage by stage so the Jacobian is banded): u = ln x_j for every
/// element (x_j aqueous outlet concentration, mol/L); for mass action also ln [(HA)₂] (free
/// dimer in the organic outlet, mol/L) and, when a saponifying cation is present, ln [C⁺]
/// (aqueous outlet, mol/L). Logarithms keep a 1e-12 impurity at full relative accuracy and
/// make every concentration positive by construction.
///
/// **Residuals**, each a logarithm of inflow over outflow, hence a relative error:
/// - element j at stage i: ln(in_ij) − ln(out_ij), in_ij = Σ aqueous links F·x + Σ organic
///   links F·y + feeds (mol/h), out_ij = A_i·x_ij + O_i·y_ij (mol/h);
/// - extractant (mass action): ln(2[(HA)₂] + 6Σ_j y_j + [CA]) − ln(C_HA,i);
/// - cation (mass action with saponification): ln(C⁺ in) − ln(C⁺ out), both in mol/h.
///
/// The organic outlet y_ij follows from the equilibrium model evaluated at x*_ij =
/// x_ij / E − x_in,ij (1 − E) / E (aqueous Murphree efficiency E, x_in,ij the mixed aqueous
/// inlet); [H⁺] = [anion⁻] − [C⁺] − 3 Σ_j x_j. The Jacobian is analytic.
public struct CascadeSystem: NewtonSystem {
    public let network: CascadeNetwork
    public let unknownCount: Int
    public let lowerBandwidth: Int
    public let upperBandwidth: Int

    /// Per-stage model parameters, flattened.
    @usableFromInline enum StageModel: Sendable { case constantD, separationFactors, massAction }
    let stageModel: [StageModel]
    /// D_ij (constant-D), β_ij (separation factors) or K_ij (mass action), flat [i·ne + j].
    let coefficient: [Double]
    /// K_C of each stage (mass action).
    let cationConstant: [Double]

    // Scratch, flat per stage.
    var x: [Double]
    var xStar: [Double]
    var y: [Double]
    var acidity: [Double]
    var dimer: [Double]
    var cation: [Double]
    var organicCation: [Double]
    /// ∂y_ij/∂x*_il, flat [(i·ne + j)·ne + l].
    var dYdXStar: [Double]
    /// ∂(y_i0 … y_i,ne−1, CA_i)/∂(stage i unknowns), flat [(i·(ne+1) + row)·b + column].
    var dYdLocal: [Double]

    public init(network: CascadeNetwork) {
        self.network = network
        let n = network.stageCount, ne = network.elementCount, b = network.blockSize
        unknownCount = n * b
        lowerBandwidth = network.lowerBandwidth
        upperBandwidth = network.upperBandwidth
        var models: [StageModel] = []
        var coefficient = [Double](repeating: 0, count: n * ne)
        var cationConstant = [Double](repeating: 0, count: n)
        for i in 0..<n {
            switch network.cascade.sections[network.sectionOfStage[i]].equilibrium {
            case .constantDistribution(let d):
                models.append(.constantD)
                for j in 0..<ne { coefficient[i * ne + j] = d[j] }
            case .separationFactors(let beta, _):
                models.append(.separationFactors)
                for j in 0..<ne { coefficient[i * ne + j] = beta[j] }
            case .massAction(let p):
                models.append(.massAction)
                for j in 0..<ne { coefficient[i * ne + j] = p.extractionConstants[j] }
                cationConstant[i] = p.cationExchangeConstant
            }
        }
        stageModel = models
        self.coefficient = coefficient
        self.cationConstant = cationConstant
        x = Array(repeating: 0, count: n * ne)
        xStar = x
        y = x
        acidity = Array(repeating: 0, count: n)
        dimer = acidity
        cation = acidity
        organicCation = acidity
        dYdXStar = Array(repeating: 0, count: n * ne * ne)
        dYdLocal = Array(repeating: 0, count: n * (ne + 1) * b)
    }

    public mutating func residual(at unknowns: [Double], into residual: inout [Double]) throws(DomainViolation) {
        try evaluateState(unknowns, derivatives: false)
        fillResiduals(&residual)
    }

    public mutating func residualAndJacobian(at unknowns: [Double], residual: inout [Double],
                                             jacobian: inout BandMatrix) throws(DomainViolation) {
        try evaluateState(unknowns, derivatives: true)
        fillResiduals(&residual)
        fillJacobian(&jacobian)
    }

    // MARK: - State

    /// Index of the extractant unknown within a block.
    var dimerIndex: Int { network.elementCount }
    /// Index of the cation unknown within a block.
    var cationIndex: Int { network.elementCount + 1 }

    mutating func evaluateState(_ u: [Double], derivatives: Bool) throws(DomainViolation) {
        let net = network
        let n = net.stageCount, ne = net.elementCount, b = net.blockSize
        for i in 0..<n {
            for j in 0..<ne {
                let v = u[i * b + j]
                if !(v < 700) { throw DomainViolation(index: i * b + j, reason: "stage \(i + 1): concentration of \(net.cascade.elements[j].symbol) overflows") }
                x[i * ne + j] = exp(v)
            }
            if net.isMassAction {
                dimer[i] = exp(u[i * b + dimerIndex])
                cation[i] = net.hasCation ? exp(u[i * b + cationIndex]) : 0
                var sum = 0.0
                for j in 0..<ne { sum += x[i * ne + j] }
                let h = net.anionConcentration[i] - cation[i] - 3 * sum
                if !(h > 1e-15 * net.anionConcentration[i]) {
                    throw DomainViolation(index: i * b, reason: "stage \(i + 1): the aqueous would need a negative acidity (more cations than anions)")
                }
                acidity[i] = h
            }
        }
        // Equilibrium aqueous x* (Murphree), organic outlet y and their derivatives.
        for i in 0..<n {
            let e = net.efficiency[i]
            if e < 1 {
                let inv = 1 / net.aqueousFlow[i]
                for j in 0..<ne {
                    var inflow = net.feedFluxAqueousOnly(stage: i, element: j)
                    for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                        let link = net.aqueousSources[s]
                        inflow += link.flow * x[link.from * ne + j]
                    }
                    let xin = inflow * inv
                    let xs = x[i * ne + j] / e - xin * (1 - e) / e
                    if !(xs > 0) {
                        throw DomainViolation(index: i * b + j, reason: "stage \(i + 1): the Murphree equilibrium concentration of \(net.cascade.elements[j].symbol) would be negative")
                    }
                    xStar[i * ne + j] = xs
                }
            } else {
                for j in 0..<ne { xStar[i * ne + j] = x[i * ne + j] }
            }
            equilibrium(stage: i, derivatives: derivatives)
        }
    }

    /// y of stage i from x*, and ∂y/∂x*, ∂y/∂(local unknowns).
    mutating func equilibrium(stage i: Int, derivatives: Bool) {
        let ne = network.elementCount, b = network.blockSize
        let base = i * ne
        let e = network.efficiency[i]
        let rowBase = i * (ne + 1)
        if derivatives {
            for k in 0..<(ne * ne) { dYdXStar[base * ne + k] = 0 }
            for k in 0..<((ne + 1) * b) { dYdLocal[rowBase * b + k] = 0 }
        }
        switch stageModel[i] {
        case .constantD:
            for j in 0..<ne {
                let d = coefficient[base + j]
                y[base + j] = d * xStar[base + j]
                if derivatives { dYdXStar[(base + j) * ne + j] = d }
            }
        case .separationFactors:
            var sum = 0.0
            for j in 0..<ne { sum += coefficient[base + j] * xStar[base + j] }
            let loading = network.fullLoading[i]
            for j in 0..<ne {
                y[base + j] = loading * coefficient[base + j] * xStar[base + j] / sum
            }
            if derivatives {
                for j in 0..<ne {
                    for l in 0..<ne {
                        var d = -y[base + j] * coefficient[base + l] / sum
                        if j == l { d += loading * coefficient[base + j] / sum }
                        dYdXStar[(base + j) * ne + l] = d
                    }
                }
            }
        case .massAction:
            let h = acidity[i], free = dimer[i]
            let ratio = free / h
            let g = ratio * ratio * ratio
            for j in 0..<ne {
                y[base + j] = coefficient[base + j] * xStar[base + j] * g
                if derivatives { dYdXStar[(base + j) * ne + j] = coefficient[base + j] * g }
            }
            let ca = network.hasCation ? cationConstant[i] * cation[i] * free.squareRoot() / h : 0
            organicCation[i] = ca
            if derivatives {
                // Through [H⁺] = anion − C⁺ − 3Σx: ∂h/∂u_l = −3 x_l, ∂h/∂u_C = −C⁺.
                for j in 0..<ne {
                    let row = (rowBase + j) * b
                    for l in 0..<ne { dYdLocal[row + l] += 9 * y[base + j] * x[base + l] / h }
                    dYdLocal[row + dimerIndex] = 3 * y[base + j]
                    if network.hasCation { dYdLocal[row + cationIndex] = 3 * y[base + j] * cation[i] / h }
                }
                if network.hasCation {
                    let row = (rowBase + ne) * b
                    for l in 0..<ne { dYdLocal[row + l] = 3 * ca * x[base + l] / h }
                    dYdLocal[row + dimerIndex] = 0.5 * ca
                    dYdLocal[row + cationIndex] = ca + ca * cation[i] / h
                }
            }
        }
        if derivatives {
            // Own-stage aqueous enters through x*: ∂x*_l/∂u_l = x_l / E.
            for j in 0..<ne {
                let row = (rowBase + j) * b
                for l in 0..<ne {
                    dYdLocal[row + l] += dYdXStar[(base + j) * ne + l] * x[base + l] / e
                }
            }
        }
    }

    // MARK: - Residuals

    func fillResiduals(_ r: inout [Double]) {
        let net = network
        let n = net.stageCount, ne = net.elementCount, b = net.blockSize
        for i in 0..<n {
            let a = net.aqueousFlow[i], o = net.organicFlow[i]
            for j in 0..<ne {
                let inflow = elementInflow(stage: i, element: j)
                let outflow = a * x[i * ne + j] + o * y[i * ne + j]
                r[i * b + j] = log(inflow) - log(outflow)
            }
            if net.isMassAction {
                var sumY = 0.0
                for j in 0..<ne { sumY += y[i * ne + j] }
                let total = 2 * dimer[i] + 6 * sumY + organicCation[i]
                r[i * b + dimerIndex] = log(total) - log(net.extractantConcentration[i])
                if net.hasCation {
                    let outflow = a * cation[i] + o * organicCation[i]
                    r[i * b + cationIndex] = log(cationInflow(stage: i)) - log(outflow)
                }
            }
        }
    }

    @inline(__always)
    func elementInflow(stage i: Int, element j: Int) -> Double {
        let net = network, ne = net.elementCount
        var inflow = net.feedFlux[i * ne + j]
        for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
            let link = net.aqueousSources[s]
            inflow += link.flow * x[link.from * ne + j]
        }
        for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
            let link = net.organicSources[s]
            inflow += link.flow * y[link.from * ne + j]
        }
        return inflow
    }

    @inline(__always)
    func cationInflow(stage i: Int) -> Double {
        let net = network
        var inflow = net.cationFeedFlux[i]
        for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
            let link = net.aqueousSources[s]
            inflow += link.flow * cation[link.from]
        }
        for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
            let link = net.organicSources[s]
            inflow += link.flow * organicCation[link.from]
        }
        return inflow
    }

    // MARK: - Jacobian

    /// Adds `scale` · ∂y_kj/∂(unknowns) (and, for j == ne, ∂CA_k) into row `row`, including the
    /// dependence of y_k on stage k's aqueous inlet through x* when its efficiency is below 1.
    @inline(__always)
    func addOrganicDerivative(_ jac: inout BandMatrix, row: Int, stage k: Int, component j: Int, scale: Double) {
        let net = network, ne = net.elementCount, b = net.blockSize
        let local = (k * (ne + 1) + j) * b
        for l in 0..<b {
            let d = dYdLocal[local + l]
            if d != 0 { jac.add(scale * d, row: row, column: k * b + l) }
        }
        let e = net.efficiency[k]
        if e < 1 && j < ne {
            // ∂x*_kl/∂u_ql = −(1 − E)/E · F_q→k · x_ql / A_k for each aqueous link q → k.
            let factor = -(1 - e) / e / net.aqueousFlow[k]
            for s in net.aqueousSourceStart[k]..<net.aqueousSourceStart[k + 1] {
                let link = net.aqueousSources[s]
                for l in 0..<ne {
                    let d = dYdXStar[(k * ne + j) * ne + l]
                    if d != 0 {
                        jac.add(scale * d * factor * link.flow * x[link.from * ne + l], row: row, column: link.from * b + l)
                    }
                }
            }
        }
    }

    func fillJacobian(_ jac: inout BandMatrix) {
        let net = network
        let n = net.stageCount, ne = net.elementCount, b = net.blockSize
        for i in 0..<n {
            let a = net.aqueousFlow[i], o = net.organicFlow[i]
            for j in 0..<ne {
                let row = i * b + j
                let invIn = 1 / elementInflow(stage: i, element: j)
                let invOut = 1 / (a * x[i * ne + j] + o * y[i * ne + j])
                // Outflow: A·x_ij + O·y_ij.
                jac.add(-invOut * a * x[i * ne + j], row: row, column: row)
                addOrganicDerivative(&jac, row: row, stage: i, component: j, scale: -invOut * o)
                // Inflow: aqueous and organic links.
                for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                    let link = net.aqueousSources[s]
                    jac.add(invIn * link.flow * x[link.from * ne + j], row: row, column: link.from * b + j)
                }
                for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
                    let link = net.organicSources[s]
                    addOrganicDerivative(&jac, row: row, stage: link.from, component: j, scale: invIn * link.flow)
                }
            }
            if net.isMassAction {
                var sumY = 0.0
                for j in 0..<ne { sumY += y[i * ne + j] }
                let row = i * b + dimerIndex
                let invTotal = 1 / (2 * dimer[i] + 6 * sumY + organicCation[i])
                jac.add(invTotal * 2 * dimer[i], row: row, column: i * b + dimerIndex)
                for j in 0..<ne { addOrganicDerivative(&jac, row: row, stage: i, component: j, scale: 6 * invTotal) }
                if net.hasCation {
                    addOrganicDerivative(&jac, row: row, stage: i, component: ne, scale: invTotal)
                    let crow = i * b + cationIndex
                    let invIn = 1 / cationInflow(stage: i)
                    let invOut = 1 / (a * cation[i] + o * organicCation[i])
                    jac.add(-invOut * a * cation[i], row: crow, column: crow)
                    addOrganicDerivative(&jac, row: crow, stage: i, component: ne, scale: -invOut * o)
                    for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                        let link = net.aqueousSources[s]
                        jac.add(invIn * link.flow * cation[link.from], row: crow, column: link.from * b + cationIndex)
                    }
                    for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
                        let link = net.organicSources[s]
                        addOrganicDerivative(&jac, row: crow, stage: link.from, component: ne, scale: invIn * link.flow)
                    }
                }
            }
        }
    }

    // MARK: - Read-out

    /// Aqueous outlet concentrations at the last evaluated state, flat [i·ne + j], mol/L.
    public var aqueousConcentrations: [Double] { x }
    /// Organic outlet concentrations at the last evaluated state, flat [i·ne + j], mol/L.
    public var organicConcentrations: [Double] { y }
    /// Equilibrium aqueous concentrations x* (equal to x for ideal stages), mol/L.
    public var equilibriumAqueousConcentrations: [Double] { xStar }
    /// [H⁺] per stage (mass action), mol/L.
    public var acidityProfile: [Double] { acidity }
    /// Free [(HA)₂] per stage (mass action), mol/L.
    public var freeDimerProfile: [Double] { dimer }
    /// Aqueous [C⁺] per stage, mol/L.
    public var cationProfile: [Double] { cation }
    /// Organic [CA] per stage, mol/L.
    public var organicCationProfile: [Double] { organicCation }
}

extension CascadeNetwork {
    /// Rare earth fed into stage i by aqueous feeds only, mol/h (the part of x_in that is not a link).
    @inline(__always)
    func feedFluxAqueousOnly(stage i: Int, element j: Int) -> Double {
        aqueousFeedFlux[i * elementCount + j]
    }
}
