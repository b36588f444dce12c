import Foundation
/// Analytic ∂R/∂ln p for the parameters that act on a stage only through the equilibrium
/// model's input ln x* (docs/uncertainty.md §1).
///
/// For constant D, separation factors and mass action, a per-element factor θ_l (D_l, β_l,
/// K_l) enters the model only as ln θ_l + ln x*_l (y_l = D_l x*_l; y_j = Y β_j x*_j/Σ β_k x*_k;
/// y_l = K_l x*_l [(HA)₂]³/[H⁺]³), so ∂ln y_j/∂ln θ_l = ∂ln y_j/∂ln x*_l, the model's own
/// derivative. A Murphree efficiency E moves ln x* = ln x − ln E + ln(1 − (1 − E)q), q = x_in/x,
/// by ∂ln x*/∂ln E = −1 + E·q/(1 − (1 − E)q). Either way the parameter is a shift δ of ln x*
/// at fixed unknowns, and ∂R/∂ln p follows from the same flux weights as the Jacobian.
extension CascadeSystem {
    /// ∂R/∂ln p at the last evaluated state (evaluated with derivatives) for a parameter that
    /// shifts ln x*_il by `shift[i · ne + l]` (i stage, l element of the network).
    func residualDerivative(logEquilibriumAqueousShift shift: [Double]) -> [Double] {
        let net = network, n = net.stageCount, ne = net.elementCount, b = net.blockSize
        // δ ln y_ij = Σ_l ∂ln y_ij/∂ln x*_il · δ_il.
        var dly = [Double](repeating: 0, count: n * ne)
        for i in 0..<n {
            for j in 0..<ne {
                var s = 0.0
                for l in 0..<ne where shift[i * ne + l] != 0 { s += dLogYdLogXStar[(i * ne + j) * ne + l] * shift[i * ne + l] }
                dly[i * ne + j] = s
            }
        }
        var out = [Double](repeating: 0, count: unknownCount)
        for i in 0..<n {
            for j in 0..<ne {
                let lin = logInflow[i * ne + j], lout = logOutflow[i * ne + j]
                // Outflow O·y of the stage itself; inflow from the organic links into it.
                var d = -exp(logOrganicFlow[i] + ly[i * ne + j] - lout) * dly[i * ne + j]
                for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
                    let from = net.organicSources[s].from
                    d += exp(logOrganicLinkFlow[s] + ly[from * ne + j] - lin) * dly[from * ne + j]
                }
                out[i * b + j] = d
            }
            if net.exchangesAcid {
                // Extractant balance: ln(ν_free e + Σ ν_j y_j + ν_C [CA]) − ln C_HA ([CA] does not depend on x*).
                let invTotal = 1 / extractantTotal(stage: i)
                var d = 0.0
                for j in 0..<ne { d += stoichiometry.perMetal[j] * exp(ly[i * ne + j]) * invTotal * dly[i * ne + j] }
                out[i * b + dimerIndex] = d
            }
        }
        return out
    }

    /// ∂ln x*_il/∂ln E_i for every stage of the sections at `sections` (0 elsewhere), at the
    /// last evaluated state: −1 + E·q·gain, q = x_in/x the mixed aqueous inlet over the outlet.
    func logEquilibriumAqueousByLogEfficiency(sections: Set<Int>) -> [Double] {
        let net = network, n = net.stageCount, ne = net.elementCount
        var shift = [Double](repeating: 0, count: n * ne)
        for i in 0..<n where sections.contains(net.sectionOfStage[i]) {
            let e = net.efficiency[i]
            for j in 0..<ne {
                let q = exp(logAqueousInflow(stage: i, element: j) - logAqueousFlow[i] - lx[i * ne + j])
                shift[i * ne + j] = -1 + e * q * murphreeGain[i * ne + j]
            }
        }
        return shift
    }
}

/// A parameter whose ∂R/∂ln p `CascadeLinearization.analyticTangent` forms by hand.
public enum AnalyticParameter: Sendable, Equatable {
    /// A per-element factor of the equilibrium model of the sections at `sections` (indices
    /// into `Cascade.sections`): D of constant D, β of separation factors, K of mass action;
    /// `element` indexes the cascade's elements.
    case elementFactor(element: Int, sections: [Int])
    /// The Murphree efficiency of the section at `section`.
    case murphreeEfficiency(section: Int)
}

extension CascadeLinearization {
    /// ∂u/∂ln p with ∂R/∂ln p formed analytically (`CascadeSystem.residualDerivative`); nil
    /// when a section's model is not one whose factor enters as ln θ + ln x* (empirical, or
    /// another model), so the caller uses the stencil.
    public func analyticTangent(_ parameter: AnalyticParameter) throws(SensitivityError) -> [Double]? {
        var system = try self.system(for: nominal.cascade)
        do { try system.evaluateState(unknowns, derivatives: true) } catch {
            throw SensitivityError("cascade '\(nominal.cascade.name)': \(error.reason)")
        }
        let net = system.network, n = net.stageCount, ne = net.elementCount
        var shift = [Double](repeating: 0, count: n * ne)
        switch parameter {
        case .elementFactor(let element, let sections):
            for s in sections {
                let model = nominal.cascade.sections[s].equilibrium
                guard model is ConstantDistributionModel || model is SeparationFactorModel || model is MassActionModel else { return nil }
            }
            guard let l = fedElements.firstIndex(of: element) else { return [Double](repeating: 0, count: unknowns.count) }
            for i in 0..<n where sections.contains(net.sectionOfStage[i]) { shift[i * ne + l] = 1 }
        case .murphreeEfficiency(let section):
            shift = system.logEquilibriumAqueousByLogEfficiency(sections: [section])
        }
        var rhs = system.residualDerivative(logEquilibriumAqueousShift: shift)
        for i in rhs.indices { rhs[i] = -rhs[i] }
        do { try workspace.solve(factors, &rhs) } catch {
            throw SensitivityError("cascade '\(nominal.cascade.name)': \(error.description)")
        }
        return rhs
    }
}
