import Foundation
import Testing
import SXNumerics
@testable import SXModel

/// Builders for the textbook cascades the reference cases describe.
enum Build {
    /// Countercurrent extraction of one solute: N stages, constant D, solute-free organic
    /// (flow O) at stage 1, aqueous feed (flow A, 1 mol/L) at stage N.
    static func kremser(extractionFactor: Double, stages: Int) -> Cascade {
        Cascade(elements: [.Nd],
                sections: [Section(name: "extraction", stageCount: stages,
                                   equilibrium: .constantDistribution(distributionRatios: [extractionFactor]))],
                aqueousFeeds: [AqueousFeed(name: "feed", stage: stages, flow: 1, concentrations: [1])],
                organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: 1, concentrations: [0])])
    }

    /// Fractional extraction with constant D: organic O at stage 1, feed F at stage n,
    /// scrub W at stage n+m (no strip section).
    static func fractional(d: [Double], elements: [Element], organic: Double, feed: Double, scrub: Double,
                           n: Int, m: Int, feedConcentrations: [Double]) -> Cascade {
        let eq = ConstantDistributionModel(distributionRatios: d)
        let zeros = [Double](repeating: 0, count: d.count)
        return Cascade(elements: elements,
                       sections: [Section(name: "extraction", stageCount: n, equilibrium: eq),
                                  Section(name: "scrub", stageCount: m, equilibrium: eq)],
                       aqueousFeeds: [AqueousFeed(name: "feed", stage: n, flow: feed, concentrations: feedConcentrations),
                                      AqueousFeed(name: "scrub", stage: n + m, flow: scrub, concentrations: zeros)],
                       organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: organic, concentrations: zeros)])
    }

    /// Xu's normalised model (aqueous feed): feed RE flux 1 (1 L/h at 1 mol/L), organic RE
    /// flux S (S L/h loaded to 1 mol/L), scrub acid carrying 3W mol/h H⁺ (W RE stripped).
    static func xu(beta: [Double], elements: [Element], feedFractions: [Double], s: Double, w: Double, n: Int, m: Int) -> Cascade {
        let eq = SeparationFactorModel(separationFactors: beta, organicLoading: 1)
        let zeros = [Double](repeating: 0, count: beta.count)
        return Cascade(elements: elements,
                       sections: [Section(name: "extraction", stageCount: n, equilibrium: eq),
                                  Section(name: "scrub", stageCount: m, equilibrium: eq)],
                       aqueousFeeds: [AqueousFeed(name: "feed", stage: n, flow: 1, concentrations: feedFractions),
                                      AqueousFeed(name: "scrub", stage: n + m, flow: 1, concentrations: zeros, acidity: 3 * w)],
                       organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: s, concentrations: zeros)])
    }

    /// One batch contact (a one-stage cascade), O/A = 1 L/L, mass action.
    static func batch(k: [Double], metal: [Double], acid: Double, dimer: Double) -> Cascade {
        let elements = Array(Element.allCases.prefix(k.count))
        return Cascade(elements: elements,
                       sections: [Section(name: "contact", stageCount: 1,
                                          equilibrium: .massAction(extractionConstants: k))],
                       aqueousFeeds: [AqueousFeed(name: "aqueous", stage: 1, flow: 1, concentrations: metal, acidity: acid)],
                       organicFeeds: [OrganicFeed(name: "organic", stage: 1, flow: 1, extractant: 2 * dimer,
                                                  concentrations: [Double](repeating: 0, count: k.count))])
    }

    /// The same cascade with its mass-action sections' soap written NaA·HA.
    static func withSolvatedSoap(_ cascade: Cascade) -> Cascade {
        var c = cascade
        for k in c.sections.indices {
            if var m = c.sections[k].equilibrium as? MassActionModel { m.soap = .solvated; c.sections[k].equilibrium = m }
        }
        return c
    }

    /// A fractional-extraction + scrub + strip cascade (SXModel's `StandardCascades`, shared
    /// with the benchmarks); the strip liquor leaves stage n+m+1, `reflux` of it continuing
    /// into the scrub section.
    static func fractionalWithStrip(model: String, elements count: Int, n: Int, m: Int, k: Int,
                                    reflux: Double = 0, efficiency: Double = 1) -> Cascade {
        StandardCascades.fractionalWithStrip(model: StandardCascades.Model(rawValue: model)!, elementCount: count,
                                             extraction: n, scrub: m, strip: k, reflux: reflux, efficiency: efficiency)
    }
}

/// Identity checks every solved case must pass, computed here independently of the engine.
enum Check {
    /// Smallest flow or concentration whose relative balance is checked: 1e-290 stays clear of
    /// the subnormal range (below 2.2e-308), where a double keeps fewer significant digits
    /// than the tolerances ask (a 1000-stage cascade's far-end trace concentrations get there).
    static let representable = 1e-290

    /// Conservation of every element over the whole cascade, within `tolerance` of its feed,
    /// and each stage's balance within `tolerance` relative.
    static func conservation(_ r: CascadeResult, tolerance: Double = 1e-12, sourceLocation: SourceLocation = #_sourceLocation) {
        for (j, c) in r.massBalanceClosure.enumerated() {
            #expect(abs(c) <= tolerance, "closure of \(r.cascade.elements[j].symbol): \(c)", sourceLocation: sourceLocation)
        }
        guard let net = try? CascadeNetwork(r.cascade) else { Issue.record("network", sourceLocation: sourceLocation); return }
        let ne = r.cascade.elements.count
        var worst = 0.0
        for i in 0..<r.stageCount {
            for j in 0..<ne where r.feedFlow(element: j) > 0 {
                var inflow = net.feedFlux[i * ne + j]
                for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                    inflow += net.aqueousSources[s].flow * r.aqueous[net.aqueousSources[s].from][j]
                }
                for s in net.organicSourceStart[i]..<net.organicSourceStart[i + 1] {
                    inflow += net.organicSources[s].flow * r.organic[net.organicSources[s].from][j]
                }
                let outflow = net.aqueousFlow[i] * r.aqueous[i][j] + net.organicFlow[i] * r.organic[i][j]
                // The engine's log unknowns are exact below this, but the read-out in plain
                // doubles is subnormal there and has no relative accuracy left to check.
                guard max(inflow, outflow) >= representable else { continue }
                worst = max(worst, abs(inflow - outflow) / max(inflow, outflow))
            }
        }
        #expect(worst <= tolerance, "worst stage balance \(worst)", sourceLocation: sourceLocation)
    }

    /// Equilibrium at every stage: the organic outlet recomputed from the model's formula
    /// and the aqueous (via the Murphree definition) agrees with the engine's within `tolerance`.
    static func equilibrium(_ r: CascadeResult, tolerance: Double = 1e-10, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let net = try? CascadeNetwork(r.cascade) else { Issue.record("network", sourceLocation: sourceLocation); return }
        let ne = r.cascade.elements.count
        var worst = 0.0
        for i in 0..<r.stageCount {
            let section = r.cascade.sections[net.sectionOfStage[i]]
            let e = section.murphreeEfficiency
            // x* from the Murphree definition with the mixed aqueous inlet.
            var xStar = [Double](repeating: 0, count: ne)
            for j in 0..<ne {
                var inflow = 0.0
                for f in r.cascade.aqueousFeeds where f.stage == i + 1 { inflow += f.flow * f.concentrations[j] }
                for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                    inflow += net.aqueousSources[s].flow * r.aqueous[net.aqueousSources[s].from][j]
                }
                let xin = inflow / net.aqueousFlow[i]
                xStar[j] = e == 1 ? r.aqueous[i][j] : xin - (xin - r.aqueous[i][j]) / e
            }
            var expected = [Double](repeating: 0, count: ne)
            // The models' formulas written out again here (not through `evaluate`), so that the
            // check is independent of the engine's implementation.
            switch section.equilibrium {
            case let model as ConstantDistributionModel:
                let d = model.distributionRatios
                for j in 0..<ne { expected[j] = d[j] * xStar[j] }
            case let model as AcidDependentDistributionModel:
                // D = D_ref (h_ref/h)^n, h the stage's free acid from the proton balance (chloride:
                // Q − C − Σ z x, C every saponifying cation fed).
                let charges = r.cascade.elements.map { Double($0.charge) }
                let h = net.anionConcentration[i] - net.cationAllAqueous[i] - zip(charges, r.aqueous[i]).reduce(0) { $0 + $1.0 * $1.1 }
                for j in 0..<ne {
                    expected[j] = model.referenceDistributionRatios[j] * pow(model.referenceAcidity / h, model.acidExponent) * xStar[j]
                }
            case let model as SeparationFactorModel:
                let beta = model.separationFactors, loading = model.organicLoading
                var acid = 0.0
                for f in r.cascade.aqueousFeeds where f.stage == i + 1 { acid += f.flow * f.acidity }
                // Acid routed in from stages outside the loaded sections (refluxed strip liquor):
                // its protons T = Q − C − Σ z x, where positive, are consumed here too.
                for s in net.aqueousSourceStart[i]..<net.aqueousSourceStart[i + 1] {
                    let k = net.aqueousSources[s].from
                    guard r.cascade.sections[net.sectionOfStage[k]].equilibrium.fixedOrganicLoading == nil else { continue }
                    let charges = r.cascade.elements.map { Double($0.charge) }
                    let protons = net.anionConcentration[k] - net.cationAllAqueous[k] - zip(charges, r.aqueous[k]).reduce(0) { $0 + $1.0 * $1.1 }
                    acid += net.aqueousSources[s].flow * max(protons, 0)
                }
                let total = loading - acid / (3 * net.organicFlow[i])
                let sum = zip(beta, xStar).reduce(0) { $0 + $1.0 * $1.1 }
                for j in 0..<ne { expected[j] = total * beta[j] * xStar[j] / sum }
            case let p as MassActionModel:
                let h = r.acidity![i], free = r.freeDimer![i]
                // Proton balance (electroneutrality in chloride; with bisulfate buffering in
                // sulfate and water: T = h + S·h/(h + Ka2) − Kw/h) and extractant balance,
                // checked separately.
                let cation = r.aqueousCation?[i] ?? 0
                let charges = r.cascade.elements.map { Double($0.charge) }
                let protons = net.anionConcentration[i] - cation - zip(charges, r.aqueous[i]).reduce(0) { $0 + $1.0 * $1.1 }
                let s = net.sulfateConcentration[i], ka2 = pow(10, -1.99)   // Ka2 of HSO4⁻ (domain.md §7)
                let kw = pow(10, -13.995)   // pKw at 25 °C (CRC Handbook, from Bandura & Lvov 2006)
                worst = max(worst, abs(protons - h - s * h / (h + ka2) + kw / h) / net.anionConcentration[i])
                let organicCation = r.organicCation?[i] ?? 0
                let soapHA = p.soap == .monomer ? 1.0 : 2.0   // NaA or NaA·HA
                let extractant = 2 * free + 6 * r.organic[i].reduce(0, +) + soapHA * organicCation
                worst = max(worst, abs(extractant - net.extractantConcentration[i]) / net.extractantConcentration[i])
                if r.aqueousCation != nil {
                    let expectedCA = p.cationExchangeConstant * cation * (p.soap == .monomer ? free.squareRoot() : free) / h
                    worst = max(worst, abs(expectedCA - organicCation) / max(organicCation, 1e-300))
                }
                for j in 0..<ne { expected[j] = p.extractionConstants[j] * xStar[j] * pow(free / h, 3) }
            case let model as EmpiricalModel:
                // log10 D = (m0 + m1·d)·pH + B0 + B1·log10 d, d = 100·e·M/ρ (vol %), pH of the
                // stage's free [H⁺]; the extractant balance C = e + Σ z_j y_j.
                let h = r.acidity![i], free = r.freeDimer![i]
                let pH = -log10(h), d = 100 * free * model.extractantMolarMass / model.extractantDensity
                let cation = r.aqueousCation?[i] ?? 0
                let charges = r.cascade.elements.map { Double($0.charge) }
                let protons = net.anionConcentration[i] - cation - zip(charges, r.aqueous[i]).reduce(0) { $0 + $1.0 * $1.1 }
                let s = net.sulfateConcentration[i], ka2 = pow(10, -1.99)   // Ka2 of HSO4⁻ (domain.md §7)
                let kw = pow(10, -13.995)   // pKw at 25 °C (CRC Handbook, from Bandura & Lvov 2006)
                worst = max(worst, abs(protons - h - s * h / (h + ka2) + kw / h) / net.anionConcentration[i])
                let bound = zip(charges, r.organic[i]).reduce(0) { $0 + $1.0 * $1.1 }
                worst = max(worst, abs(free + bound - net.extractantConcentration[i]) / net.extractantConcentration[i])
                for j in 0..<ne {
                    switch model.distributions[j] {
                    case .constant(let k): expected[j] = k * xStar[j]
                    case .correlation(let m0, let m1, let b0, let b1):
                        expected[j] = pow(10, (m0 + m1 * d) * pH + b0 + b1 * log10(d)) * xStar[j]
                    }
                }
            default:
                Issue.record("no independent equilibrium check for model \(section.equilibrium.modelName)", sourceLocation: sourceLocation)
            }
            for j in 0..<ne where expected[j] >= representable && xStar[j] >= representable {
                worst = max(worst, abs(expected[j] - r.organic[i][j]) / expected[j])
            }
        }
        #expect(worst <= tolerance, "worst equilibrium deviation \(worst)", sourceLocation: sourceLocation)
    }

    /// A dynamic run's worst |Δinventory − (fed − out)| over every sample and element,
    /// relative to the largest of the amounts (mol): conservation at every time, not only at
    /// the end (`DynamicResult.conservationError`).
    static func worstConservationOverSamples(_ result: DynamicResult) -> Double {
        let first = result.samples[0]
        var worst = 0.0
        for s in result.samples {
            for j in s.inventory.indices {
                let change = s.inventory[j] - first.inventory[j]
                let scale = max(s.inventory[j], s.cumulativeFed[j], first.inventory[j])
                if scale > 0 { worst = max(worst, abs(change - (s.cumulativeFed[j] - s.cumulativeOut[j])) / scale) }
            }
        }
        return worst
    }

    static func solved(_ r: CascadeResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.outcome == .converged, "outcome: \(r.outcome.explanation)", sourceLocation: sourceLocation)
        conservation(r, sourceLocation: sourceLocation)
        equilibrium(r, sourceLocation: sourceLocation)
    }
}

extension Check {
    /// The largest |analytic − FD| / max(1, |FD|) over the Jacobian of `system` at `u`, with
    /// central differences of step 1e-6; records an issue for any entry outside the declared
    /// band above 1e-8.
    static func jacobianDeviation<System: NewtonSystem>(_ system: inout System, at u: [Double],
                                                        sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        var r = [Double](repeating: 0, count: u.count)
        var jac = BandMatrix(order: u.count, lowerBandwidth: system.lowerBandwidth, upperBandwidth: system.upperBandwidth)
        try system.residualAndJacobian(at: u, residual: &r, jacobian: &jac)
        var worst = 0.0
        let h = 1e-6
        for col in u.indices {
            var up = u, down = u
            up[col] += h; down[col] -= h
            var rUp = r, rDown = r
            try system.residual(at: up, into: &rUp)
            try system.residual(at: down, into: &rDown)
            for row in u.indices {
                let fd = (rUp[row] - rDown[row]) / (2 * h)
                if !jac.isInBand(row: row, column: col) {
                    #expect(abs(fd) < 1e-8, "non-zero outside the declared band at (\(row), \(col)): \(fd)", sourceLocation: sourceLocation)
                    continue
                }
                worst = max(worst, abs(fd - jac[row, col]) / max(1, abs(fd)))
            }
        }
        return worst
    }
}
