import Foundation
import SXFlowsheet
import SXModel

/// Everything a run report shows, computed once from a flowsheet and its solution; the
/// text, JSON and CSV writers only format it. Units: flows L/h, concentrations mol/L and
/// g/L REO, purities and recoveries as fractions (writers print %), masses kg and t.
public struct RunReport: Sendable {
    public struct Product: Sendable {
        public var name: String
        public var cascade: String
        public var phase: Phase
        public var stage: Int
        /// L/h.
        public var flow: Double
        /// mol/L per element (flowsheet order).
        public var concentrations: [Double]
        /// g/L of each element's oxide.
        public var oxideConcentrations: [Double]
        /// Oxide-basis purity per element, fraction (`OxideBasis.purity`: rare earths over TREO,
        /// other metals over all metal oxides).
        public var purity: [Double]
        /// Each element's oxide over all metal oxides, fraction (equal to `purity` when every
        /// element is a rare earth).
        public var purityAmongAllMetals: [Double]
        /// Recovery of each element from the fresh feeds, fraction.
        public var recovery: [Double]
        /// Total REO, g/L (rare earths only).
        public var totalOxide: Double
        /// True when the stream's elements include metals that are not rare earths.
        public var hasOtherMetals: Bool
        /// REO throughput, t/y at the flowsheet's operating hours.
        public var oxideTonnesPerYear: Double
        /// Free acid, mol/L (mass-action aqueous products).
        public var acidity: Double?
    }

    /// One limit of a target, evaluated: the number a plant specification compares, its
    /// verdict and its margin. Every target check of the report (text, JSON, CSV, the sweep's
    /// columns, `compare`) reads these; nothing else decides PASS or FAIL.
    public struct LimitCheck: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            /// Oxide-basis purity of an element or group, fraction.
            case minPurity = "min-purity"
            /// Recovery of an element or group from the fresh feeds, fraction.
            case minRecovery = "min-recovery"
            /// Oxide-basis fraction of one impurity, fraction.
            case maxImpurity = "max-impurity"
            /// Free acid of an aqueous outlet, mol/L.
            case maxAcidity = "max-acidity"
            /// Total rare earth of an outlet, g/L REO.
            case maxOxide = "max-reo"
        }
        public var product: String
        public var kind: Kind
        /// The element or group (purity, recovery), the impurity (max-impurity), none (effluent limits).
        public var elements: [Element]
        /// The limit, in `unit`.
        public var limit: Double
        /// The outlet's value in `unit`; nil when it was not evaluated (the outlet's cascade was
        /// not solved, or the model computes no acidity).
        public var value: Double?
        /// True only when the run is a steady state and the value meets the limit.
        public var passed: Bool
        public var isMinimum: Bool { kind == .minPurity || kind == .minRecovery }
        /// "fraction", "mol/L" or "g/L REO".
        public var unit: String {
            switch kind {
            case .minPurity, .minRecovery, .maxImpurity: "fraction"
            case .maxAcidity: "mol/L"
            case .maxOxide: "g/L REO"
            }
        }
        /// Distance from the limit in `unit`, positive on the safe side: value − limit for a
        /// minimum, limit − value for a maximum (nil without a value).
        public var margin: Double? { value.map { isMinimum ? $0 - limit : limit - $0 } }
        /// Whether `value` meets the limit (the verdict before the steady-state condition).
        public static func meets(_ value: Double, _ limit: Double, kind: Kind) -> Bool {
            kind == .minPurity || kind == .minRecovery ? value >= limit : value <= limit
        }
        /// A stable name: "nd-product.min-purity.Nd", "prnd.min-purity.Pr+Nd",
        /// "nd-product.max-impurity.Sm", "raffinate.max-acidity" (sweep columns, compare).
        public var key: String { LimitCheck.key(product: product, kind: kind, elements: elements) }
        public static func key(product: String, kind: Kind, elements: [Element]) -> String {
            ([product, kind.rawValue] + (elements.isEmpty ? [] : [elements.map(\.symbol).joined(separator: "+")])).joined(separator: ".")
        }
        /// The keys of a flowsheet's limits in the order `RunReport.limits` lists them, known
        /// before solving (a sweep's columns).
        public static func keys(of sheet: Flowsheet) -> [String] {
            var keys: [String] = []
            for t in sheet.targets {
                if t.minimumPurity != nil { keys.append(key(product: t.product, kind: .minPurity, elements: t.elements)) }
                if t.minimumRecovery != nil { keys.append(key(product: t.product, kind: .minRecovery, elements: t.elements)) }
                keys += t.maximumImpurities.map { key(product: t.product, kind: .maxImpurity, elements: [$0.element]) }
            }
            for e in sheet.effluentTargets {
                if e.maximumAcidity != nil { keys.append(key(product: e.product, kind: .maxAcidity, elements: [])) }
                if e.maximumOxide != nil { keys.append(key(product: e.product, kind: .maxOxide, elements: [])) }
            }
            return keys
        }
    }

    public struct TargetCheck: Sendable {
        public var target: ProductTarget
        /// Oxide-basis purity and recovery of the target's element (or group, summed) in its
        /// outlet (nil when the outlet's cascade was not solved: a cascade before it failed).
        public var purity: Double?
        public var recovery: Double?
        /// True when the outlet is not a product but feeds another cascade (evaluated all the same).
        public var intermediate: Bool
        /// Every limit of the target: min-purity, min-recovery, then each impurity maximum.
        public var limits: [LimitCheck]
        public var purityMet: Bool { limits.first { $0.kind == .minPurity }?.passed ?? true }
        public var recoveryMet: Bool { limits.first { $0.kind == .minRecovery }?.passed ?? true }
        /// Stages around the product's stage whose outlet in the product's phase meets the
        /// purity limit (nil without a purity target or when the product stage misses it):
        /// where the key impurity crosses its limit, and so how many stages of margin remain.
        public var stagesMeetingPurity: ClosedRange<Int>?
        public var phase: Phase
        public var passed: Bool { limits.allSatisfy(\.passed) }
    }

    /// An effluent target evaluated: free acid and rare earth left in an outlet.
    public struct EffluentCheck: Sendable {
        public var target: EffluentTarget
        public var intermediate: Bool
        public var limits: [LimitCheck]
        public var passed: Bool { limits.allSatisfy(\.passed) }
    }

    public struct CascadeSummary: Sendable {
        public var name: String
        public var sections: [(name: String, stages: Int, model: String, efficiency: Double)]
        public var stageCount: Int
        public var outcome: SolveOutcome
        public var iterations: Int
        public var continuationSteps: Int
        public var residualNorm: Double
        /// (fed − out)/fed per element of the cascade (flowsheet order; 0 when not fed).
        public var closure: [Double]
        /// The closed organic circuit, when the cascade has one.
        public var circuit: CircuitSummary? = nil
    }

    /// What circulates in a closed organic circuit (`SXModel.OrganicCircuit`).
    public struct CircuitSummary: Sendable {
        /// Stage the stripped organic returns into (1-based).
        public var entryStage: Int
        /// Stripped organic returning, L/h; clean make-up organic, L/h.
        public var returnFlow: Double
        public var makeUpFlow: Double
        /// Residual loading the returning organic carries, mol/L per element (flowsheet order).
        public var returningLoading: [Double]
        /// The same as total rare-earth oxide, g/L REO.
        public var returningOxide: Double
    }

    public struct Reagents: Sendable {
        /// Fresh free acid fed, mol/h H⁺ (as HCl).
        public var acid: Double
        /// Saponifying base fed, mol/h, and its cation ("Na" → NaOH, "NH4" → NH3).
        public var base: Double
        public var baseCation: String
        /// Fresh rare-earth feed, kg/h REO.
        public var oxideFed: Double
        /// Extractant fed with the fresh organic streams, mol/h.
        public var extractant: Double
        public var baseFormula: String { baseCation == "NH4" ? "NH3" : "NaOH" }
        /// g/mol of HCl and of the base (IUPAC atomic weights: H 1.008, Cl 35.45, Na 22.990, O 15.999, N 14.007).
        public static let hclMolarMass = 36.458
        public var baseMolarMass: Double { baseCation == "NH4" ? 17.031 : 39.997 }
        public var acidKgPerHour: Double { acid * Reagents.hclMolarMass / 1000 }
        public var baseKgPerHour: Double { base * baseMolarMass / 1000 }
        /// kg of reagent per tonne of REO fed (nil when no REO is fed).
        public var acidKgPerTonne: Double? { oxideFed > 0 ? acidKgPerHour / (oxideFed / 1000) : nil }
        public var baseKgPerTonne: Double? { oxideFed > 0 ? baseKgPerHour / (oxideFed / 1000) : nil }
    }

    public var flowsheetName: String
    public var fileName: String
    public var elements: [Element]
    public var outcome: TrainOutcome
    public var passes: Int
    public var recycleChange: Double
    /// Newton iterations over all cascades and recycle passes.
    public var totalIterations: Int
    public var cascades: [CascadeSummary]
    public var products: [Product]
    public var targets: [TargetCheck]
    public var effluents: [EffluentCheck]
    public var reagents: Reagents
    public var equilibria: [EquilibriumSet]
    public var operatingHours: Double
    /// Wall-clock seconds of the solve, when measured (omitted from golden files).
    public var seconds: Double?
    /// The solution itself, for the stage profiles.
    public var results: [CascadeResult]
    public var warnings: [Diagnostic]
    /// The train's closure per element: (fresh feeds in − products out)/fresh, see
    /// `TrainResult.trainClosure`; and the largest value accepted as conservation.
    public var trainClosure: [Double]
    public var imbalanceTolerance: Double
    /// The solver's convergence tolerance on ‖F‖∞ (`solver.tolerance`, default 1e-12), drawn
    /// in the convergence history plots.
    public var solverTolerance: Double
    /// The cascades and their links (for the train diagram of the HTML report).
    public var train: CascadeTrain

    /// True when every target passes; nil without targets or when the solution is not a
    /// steady state (the targets were then not evaluated).
    public var targetsMet: Bool? { limits.isEmpty || !isSteadyState ? nil : limits.allSatisfy(\.passed) }

    /// Every limit of every target, in file order of the product targets, then the effluent ones.
    public var limits: [LimitCheck] { targets.flatMap(\.limits) + effluents.flatMap(\.limits) }

    /// The solve this report reads (a warm start for re-solves, e.g. a train's sensitivities).
    public var trainResult: TrainResult

    public init(flowsheet: Flowsheet, fileName: String, result: TrainResult, seconds: Double? = nil) {
        let elements = flowsheet.elements
        self.trainResult = result
        self.flowsheetName = flowsheet.name
        self.fileName = fileName
        self.elements = elements
        self.outcome = result.outcome
        self.passes = result.passes
        self.recycleChange = result.recycleChange
        self.totalIterations = result.totalIterations
        self.equilibria = flowsheet.equilibria
        self.operatingHours = flowsheet.operatingHours
        self.seconds = seconds
        self.results = result.results
        self.warnings = flowsheet.warnings + Self.validityWarnings(result, flowsheet: flowsheet, fileName: fileName)
            + Self.precipitationWarnings(result, flowsheet: flowsheet, fileName: fileName)
            + Self.negativeAcidWarnings(result, flowsheet: flowsheet, fileName: fileName)
        self.train = result.train
        self.solverTolerance = flowsheet.solveOptions.newton.residualTolerance
        let fresh = elements.indices.map { result.freshFeed(element: $0, elements: elements) }
        cascades = result.results.map { r in
            let closure = r.massBalanceClosure
            return CascadeSummary(
                name: r.cascade.name,
                sections: r.cascade.sections.map { ($0.name, $0.stageCount, $0.equilibrium.modelName, $0.murphreeEfficiency) },
                stageCount: r.cascade.stageCount, outcome: r.outcome, iterations: r.iterations,
                continuationSteps: r.continuationSteps, residualNorm: r.residualNorm,
                closure: elements.map { e in r.cascade.elements.firstIndex(of: e).map { closure[$0] } ?? 0 },
                circuit: Self.circuitSummary(r, elements: elements))
        }
        let hours = flowsheet.operatingHours
        func product(_ c: Int, _ o: OutletStream) -> Product {
            let cascade = result.results[c].cascade
            let conc = elements.map { e in cascade.elements.firstIndex(of: e).map { o.concentrations[$0] } ?? 0 }
            let oxide = OxideBasis.oxideConcentrations(elements: elements, concentrations: conc)
            let total = OxideBasis.totalRareEarthOxide(elements: elements, concentrations: conc)
            return Product(name: o.name, cascade: cascade.name, phase: o.phase, stage: o.stage, flow: o.flow,
                           concentrations: conc, oxideConcentrations: oxide,
                           purity: OxideBasis.purity(elements: elements, concentrations: conc),
                           purityAmongAllMetals: OxideBasis.amongAllMetals(elements: elements, concentrations: conc),
                           recovery: elements.indices.map { OxideBasis.groupRecovery([$0], flow: o.flow, concentrations: conc, fed: fresh) },
                           totalOxide: total, hasOtherMetals: elements.contains { !$0.isRareEarth },
                           oxideTonnesPerYear: total * o.flow * hours / 1e6, acidity: o.acidity)
        }
        products = result.products.map(product)
        trainClosure = result.trainClosure(elements: elements)
        imbalanceTolerance = result.imbalanceTolerance
        let products = self.products
        let results = result.results
        // A target is met only by a steady state (`passed` is false otherwise, as before).
        let converged = result.outcome.isConverged
        // A target names any outlet: a product, or an intermediate stream that feeds another
        // cascade (evaluated the same way; its recovery is still from the fresh feeds).
        func outlet(_ name: String) -> (product: Product, intermediate: Bool)? {
            if let p = products.first(where: { $0.name == name }) { return (p, false) }
            for (k, r) in results.enumerated() { if let o = r.outlet(named: name) { return (product(k, o), true) } }
            return nil
        }
        func check(_ product: String, _ kind: LimitCheck.Kind, _ elements: [Element], _ limit: Double, _ value: Double?) -> LimitCheck {
            LimitCheck(product: product, kind: kind, elements: elements, limit: limit, value: value,
                       passed: converged && (value.map { LimitCheck.meets($0, limit, kind: kind) } ?? false))
        }
        targets = flowsheet.targets.map { t in
            let found = outlet(t.product)
            let group = t.elements.compactMap { elements.firstIndex(of: $0) }
            let known = found != nil && group.count == t.elements.count
            var purity: Double?, recovery: Double?
            if let p = found?.product, known {
                // A group's purity adds its oxide fractions; its recovery is its moles out over its moles fed.
                purity = OxideBasis.groupPurity(group, elements: elements, concentrations: p.concentrations)
                recovery = OxideBasis.groupRecovery(group, flow: p.flow, concentrations: p.concentrations, fed: fresh)
            }
            var limits: [LimitCheck] = []
            if let m = t.minimumPurity { limits.append(check(t.product, .minPurity, t.elements, m, purity)) }
            if let m = t.minimumRecovery { limits.append(check(t.product, .minRecovery, t.elements, m, recovery)) }
            for m in t.maximumImpurities {
                let value = known ? elements.firstIndex(of: m.element).flatMap { j in found.map { $0.product.purity[j] } } : nil
                limits.append(check(t.product, .maxImpurity, [m.element], m.maximum, value))
            }
            var range: ClosedRange<Int>?
            if let limit = t.minimumPurity, let p = found?.product, let r = results.first(where: { $0.cascade.name == p.cascade }) {
                range = RunReport.stagesMeeting(limit, elements: t.elements, phase: p.phase, around: p.stage, in: r)
            }
            return TargetCheck(target: t, purity: purity, recovery: recovery, intermediate: found?.intermediate ?? false, limits: limits,
                               stagesMeetingPurity: range, phase: found?.product.phase ?? .aqueous)
        }
        effluents = flowsheet.effluentTargets.map { t in
            let found = outlet(t.product)
            var limits: [LimitCheck] = []
            if let m = t.maximumAcidity { limits.append(check(t.product, .maxAcidity, [], m, found?.product.acidity)) }
            if let m = t.maximumOxide { limits.append(check(t.product, .maxOxide, [], m, found?.product.totalOxide)) }
            return EffluentCheck(target: t, intermediate: found?.intermediate ?? false, limits: limits)
        }
        var acid = 0.0, base = 0.0, extractant = 0.0
        var cation = "Na"
        for s in flowsheet.reagentStreams {
            acid += s.acid
            base += s.base
            extractant += s.extractant
            if s.base > 0 { cation = s.baseCation }
        }
        let oxideFed = OxideBasis.totalRareEarthOxide(elements: elements, concentrations: fresh) / 1000
        reagents = Reagents(acid: acid, base: base, baseCation: cation, oxideFed: oxideFed, extractant: extractant)
        // Every number the report derives must be finite before it is called a result.
        if outcome.isConverged, let what = firstNonFiniteNumber() {
            outcome = .nonFiniteResult(what: what)
            for k in targets.indices { for l in targets[k].limits.indices { targets[k].limits[l].passed = false } }
            for k in effluents.indices { for l in effluents[k].limits.indices { effluents[k].limits[l].passed = false } }
        }
    }

    /// The first number of the report that is not finite, named (nil when all are).
    func firstNonFiniteNumber() -> String? {
        for p in products {
            let numbers = [p.flow, p.oxideTonnesPerYear, p.totalOxide] + p.concentrations + p.oxideConcentrations + p.purity + p.recovery
            if numbers.contains(where: { !$0.isFinite }) { return "a figure of product '\(p.name)'" }
        }
        for t in targets where [t.purity, t.recovery].contains(where: { !($0?.isFinite ?? true) }) {
            return "the purity or recovery of target '\(t.target.product)'"
        }
        for l in limits where !(l.value?.isFinite ?? true) { return "the \(l.kind.rawValue) value of target '\(l.product)'" }
        let r = reagents
        let numbers = [r.acid, r.base, r.oxideFed, r.extractant, r.acidKgPerHour, r.baseKgPerHour, r.acidKgPerTonne ?? 0, r.baseKgPerTonne ?? 0]
        if numbers.contains(where: { !$0.isFinite }) { return "a reagent figure" }
        return nil
    }

    /// True when the report's numbers describe a steady state: the solve converged. Otherwise
    /// the writers print no result-like numbers unless asked for the last iterate.
    public var isSteadyState: Bool { outcome.isConverged }

    /// The contiguous run of stages containing `stage` whose `phase` outlet has an oxide-basis
    /// purity of `elements` (summed) of at least `limit`.
    static func stagesMeeting(_ limit: Double, elements: [Element], phase: Phase, around stage: Int, in r: CascadeResult) -> ClosedRange<Int>? {
        let group = elements.compactMap { r.cascade.elements.firstIndex(of: $0) }
        guard !group.isEmpty else { return nil }
        let profile = phase == .aqueous ? r.aqueous : r.organic
        func meets(_ i: Int) -> Bool {
            let masses = zip(r.cascade.elements, profile[i - 1]).map { $0.oxideMassPerMole * $1 }
            let total = masses.reduce(0, +)
            return total > 0 && group.reduce(0) { $0 + masses[$1] } / total >= limit
        }
        guard stage >= 1, stage <= r.stageCount, meets(stage) else { return nil }
        var lo = stage, hi = stage
        while lo > 1 && meets(lo - 1) { lo -= 1 }
        while hi < r.stageCount && meets(hi + 1) { hi += 1 }
        return lo...hi
    }

    /// Stages of a converged cascade whose pH or dosage lies outside an empirical fit's
    /// validity window: one warning (SX905) per section, at the section's `equilibrium:`.
    static func validityWarnings(_ result: TrainResult, flowsheet: Flowsheet, fileName: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for r in result.results where r.outcome.isConverged {
            guard let pH = r.pH, let free = r.freeDimer else { continue }
            for (k, range) in r.cascade.sectionStageRanges.enumerated() {
                guard let model = r.cascade.sections[k].equilibrium as? EmpiricalModel else { continue }
                let problems = model.validityProblems(stages: range, pH: pH, freeExtractant: free)
                guard !problems.isEmpty else { continue }
                let section = r.cascade.sections[k].name
                let location = flowsheet.sectionEquilibriumLocations["\(r.cascade.name)/\(section)"]
                    ?? flowsheet.cascadeLocations[r.cascade.name] ?? TextLocation(file: fileName, line: 1, column: 1)
                let shown = problems.prefix(5).map { "stage \($0.stage): \($0.what)" }.joined(separator: "; ")
                out.append(Diagnostic(.outsideValidity,
                                      "section '\(section)' of cascade '\(r.cascade.name)': \(problems.count) stage\(problems.count == 1 ? "" : "s") outside the fit's validity window (\(shown)\(problems.count > 5 ? "; …" : ""))",
                                      at: location, help: "the correlation is extrapolated there; check the results against data at these conditions"))
            }
        }
        return out
    }

    /// Aqueous outlets of a converged cascade whose model does not depend on acid (constant D,
    /// Xu's model) and whose acid is tracked (a stream states an acidity) but which hold more
    /// metal than their acid capacity balances: a strip that took off rare earth without the
    /// 3 H⁺ per RE³⁺ it needs. One warning (SX908) per cascade, at it, with the shortfall of
    /// each such outlet in mol/h H⁺ (flow × −free acid).
    static func negativeAcidWarnings(_ result: TrainResult, flowsheet: Flowsheet, fileName: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for r in result.results where r.outcome.isConverged && !r.cascade.stageChemistry.exchangesAcid {
            guard let acidity = r.acidity else { continue }
            let scale = r.cascade.aqueousFeeds.map(\.acidity).max() ?? 0
            let stages = acidity.indices.filter { acidity[$0] < -1e-9 * max(scale, 1) }
            guard !stages.isEmpty else { continue }
            let short = r.outlets.filter { $0.phase == .aqueous && ($0.acidity ?? 0) < -1e-9 * max(scale, 1) }
            let total = short.reduce(0.0) { $0 + $1.flow * -($1.acidity ?? 0) }
            let worst = stages.min { acidity[$0] < acidity[$1] }!
            let outlets = short.map { String(format: "'%@' %.4g mol/h (free acid %.4g mol/L)", $0.name, $0.flow * -($0.acidity ?? 0), $0.acidity ?? 0) }
            let location = flowsheet.cascadeLocations[r.cascade.name] ?? TextLocation(file: fileName, line: 1, column: 1)
            out.append(Diagnostic(.negativeFreeAcid,
                                  String(format: "cascade '%@': %d stage%@ more rare earth than %@ acid balances (stage %d: free acid %.4g mol/L): the model strips without the 3 H⁺ per RE³⁺ it needs", r.cascade.name, stages.count, stages.count == 1 ? " holds" : "s hold", stages.count == 1 ? "its" : "their", worst + 1, acidity[worst])
                                    + (outlets.isEmpty ? "" : String(format: "; acid shortfall %.4g mol/h H⁺: ", total) + outlets.joined(separator: ", ")),
                                  at: location, help: "feed the strip at least 3 H⁺ per RE³⁺ it takes off, plus the residual acidity its liquor should keep (typically 0.3–0.6 mol/L)"))
        }
        return out
    }

    /// Stages of a converged acid-exchange cascade whose pH exceeds an element's hydroxide
    /// precipitation pH (`HydroxideSolubility`): one warning (SX906) per cascade, at it.
    static func precipitationWarnings(_ result: TrainResult, flowsheet: Flowsheet, fileName: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for r in result.results where r.outcome.isConverged {
            let stages = HydroxideSolubility.precipitatingStages(r, logStarK: flowsheet.hydroxideSolubility)
            guard !stages.isEmpty else { continue }
            let location = flowsheet.cascadeLocations[r.cascade.name] ?? TextLocation(file: fileName, line: 1, column: 1)
            let numbers = Array(Set(stages.map(\.stage))).sorted()
            let shown = stages.prefix(4).map { String(format: "stage %d: pH %.2f above %@(OH)3's %.2f", $0.stage, $0.pH, $0.element.symbol, $0.limit) }
            out.append(Diagnostic(.hydroxidePrecipitation,
                                  "cascade '\(r.cascade.name)': \(numbers.count) stage\(numbers.count == 1 ? "" : "s") above a rare-earth hydroxide's precipitation pH (\(shown.joined(separator: "; "))\(stages.count > 4 ? "; …" : "")); the model has no solid phase, so these stages are not physical",
                                  at: location, help: "lower the saponification or feed more acid; precipitation pH from log *K (docs/references.md)"))
        }
        return out
    }
}

extension RunReport {
    /// The circuit of a solved cascade: the return's flow from its network, the returning
    /// loading from the last stage's organic outlet.
    static func circuitSummary(_ r: CascadeResult, elements: [Element]) -> CircuitSummary? {
        guard let circuit = r.cascade.organicCircuit, let entry = r.cascade.organicFeeds.first(where: { $0.name == circuit.feedName }),
              let network = try? CascadeNetwork(r.cascade), let last = r.organic.last else { return nil }
        let loading = elements.map { e in r.cascade.elements.firstIndex(of: e).map { last[$0] } ?? 0 }
        return CircuitSummary(entryStage: entry.stage, returnFlow: network.circuitReturnFlow, makeUpFlow: entry.flow - network.circuitReturnFlow,
                              returningLoading: loading, returningOxide: OxideBasis.totalRareEarthOxide(elements: elements, concentrations: loading))
    }
}
