import SXNumerics

/// A cascade compiled into flat arrays: volumetric flows of both phases at every stage,
/// the streams entering each stage, feed fluxes and the concentrations of the species that
/// only mix (the aqueous anion, the organic's extractant). Stages are 0-based here.
public struct CascadeNetwork: Sendable {
    /// A stream from one stage into another, in one phase: `flow` L/h leaving stage `from`.
    public struct Link: Sendable, Equatable {
        public var from: Int
        public var flow: Double
    }

    /// A named stream leaving the cascade.
    public struct Outlet: Sendable, Equatable {
        public var name: String
        public var phase: Phase
        /// 0-based stage it leaves.
        public var stage: Int
        /// Volumetric flow, L/h.
        public var flow: Double
    }

    public let cascade: Cascade
    public let stageCount: Int
    public let elementCount: Int
    /// What every stage solves besides the element balances (shared by every section).
    public let stageChemistry: StageChemistry
    /// True when the stages exchange acid (mass action): they then carry [(HA)₂] and [H⁺].
    public var exchangesAcid: Bool { stageChemistry.exchangesAcid }
    /// True when an acid-exchange cascade is fed a saponifying cation (one more unknown per stage).
    public let hasCation: Bool
    /// Unknowns per stage: elements, then ln[(HA)₂], then ln[C⁺] (when present), then ln[H⁺]
    /// (acid exchange).
    public let blockSize: Int
    /// Index of ln [H⁺] within a stage block (acid exchange only): after the extractant and,
    /// when present, the cation, so that their indices stay ne and ne + 1.
    public var acidityIndex: Int { elementCount + (hasCation ? 2 : 1) }

    /// Total aqueous / organic volumetric flow leaving each stage (= entering it), L/h.
    public let aqueousFlow: [Double]
    public let organicFlow: [Double]
    /// Streams entering each stage from other stages, CSR layout: the sources of stage i are
    /// `aqueousSources[aqueousSourceStart[i] ..< aqueousSourceStart[i + 1]]`.
    public let aqueousSourceStart: [Int]
    public let aqueousSources: [Link]
    public let organicSourceStart: [Int]
    public let organicSources: [Link]
    /// Rare earth fed into each stage by feeds of both phases, mol/h, flat [stage · elementCount + j].
    public let feedFlux: [Double]
    /// The aqueous feeds' part of `feedFlux`, mol/h (it enters the Murphree inlet mixture).
    public let aqueousFeedFlux: [Double]
    /// Saponifying cation fed into each stage (aqueous C⁺ plus organic CA), mol/h.
    public let cationFeedFlux: [Double]
    /// Free acid fed directly into each stage, mol/h.
    public let acidFeedFlux: [Double]
    /// Acid capacity Q of the aqueous at each stage, mol/L (conservative, from mixing; the
    /// chloride of a chloride liquor; `AqueousChargeBalance`). The steady mixing value; a
    /// dynamic simulation carries it in time instead (`DynamicCascadeSystem`).
    public internal(set) var anionConcentration: [Double]
    /// Total sulfate [HSO₄⁻] + [SO₄²⁻] of the aqueous at each stage, mol/L (from mixing).
    public internal(set) var sulfateConcentration: [Double]
    /// What the aqueous feeds bring into each stage of the mixed species, mol/h: acid capacity
    /// Q and total sulfate.
    public let anionFeedFlux: [Double]
    public let sulfateFeedFlux: [Double]
    /// Extractant (monomer basis) the organic feeds bring into each stage, mol/h.
    public let extractantFeedFlux: [Double]
    /// Charge z_j of each element's aqueous ion (`Element.charge`).
    public let charges: [Double]
    /// C_HA of the organic at each stage, mol/L monomer basis (conservative, from mixing).
    public internal(set) var extractantConcentration: [Double]
    /// [C⁺] each stage's aqueous would have if every saponifying cation fed stayed aqueous,
    /// mol/L (a start estimate for the mass-action solve).
    public let cationAllAqueous: [Double]
    /// Section index of each stage.
    public let sectionOfStage: [Int]
    /// Murphree efficiency of each stage.
    public let efficiency: [Double]
    /// Organic RE loading Y of each stage for the separation-factor model (0 elsewhere), mol/L.
    public let fullLoading: [Double]
    /// Streams leaving the cascade.
    public let outlets: [Outlet]
    /// Index in `organicSources` of the closed organic circuit's return (last stage → entry
    /// stage; `Cascade.organicCircuit`), nil without a circuit. The return carries the
    /// stripped organic's rare earth round; its saponifying cation is replaced at the
    /// saponification step (the entry feed brings s·C·Q), so the cation balances skip it.
    public let circuitReturnSource: Int?
    /// Volumetric flow of the circuit's return, L/h (0 without a circuit).
    public var circuitReturnFlow: Double { circuitReturnSource.map { organicSources[$0].flow } ?? 0 }
    /// Jacobian bandwidths in stages (how far below/above its own stage a stage's equations reach).
    public let stagesBelow: Int
    public let stagesAbove: Int

    /// Compiles and validates `cascade`. Throws every problem found at once.
    ///
    /// With `allowingStoppedFlows` (a period of a dynamic simulation after an event stopped a
    /// stream, docs/dynamic.md §4) a phase may stop in some or all stages: no organic or no
    /// aqueous feed and stages without flow are accepted, as long as those stages are ideal
    /// (Murphree efficiency 1) and, under Xu's model, fed no acid. The mixed concentrations of
    /// a stage without flow are then 0 here; in time they are the held ones
    /// (`DynamicCascadeSystem.takeMixedConcentrations`).
    /// `cationUnknowns` overrides whether the stages carry the saponifying cation (otherwise:
    /// when any is fed), so that a period whose saponified organic is stopped keeps the
    /// unknowns of the periods around it.
    public init(_ cascade: Cascade, allowingStoppedFlows: Bool = false, cationUnknowns: Bool? = nil) throws(CascadeSpecificationError) {
        var problems: [CascadeSpecificationError.Problem] = []
        let n = cascade.stageCount
        let ne = cascade.elements.count
        self.cascade = cascade
        self.stageCount = n
        self.elementCount = ne

        if cascade.sections.isEmpty { problems.append(.init(.sections, "the cascade has no sections")) }
        if ne == 0 { problems.append(.init(.sections, "the cascade has no elements")) }
        if Set(cascade.elements).count != ne { problems.append(.init(.sections, "an element is listed twice")) }
        var stagesBefore = 0
        for s in cascade.sections {
            // (Not `sectionStageRanges`: a section of 0 or fewer stages has no range.)
            let firstStage = s.stageCount > 0 && stagesBefore >= 0 ? stagesBefore + 1 : nil
            stagesBefore += max(s.stageCount, 0)
            if s.stageCount <= 0 { problems.append(.init(.sections, "section '\(s.name)' has \(s.stageCount) stages; it needs at least 1")) }
            if !(s.murphreeEfficiency > 0 && s.murphreeEfficiency <= 1) {
                problems.append(.init(.sectionValue, "section '\(s.name)': Murphree efficiency \(EngineeringFormat.string(s.murphreeEfficiency, digits: 6)) is outside (0, 1]", stage: firstStage))
            }
            if s.equilibrium.elementCount != ne {
                problems.append(.init(.sections, "section '\(s.name)': equilibrium parameters for \(s.equilibrium.elementCount) elements, the cascade has \(ne)"))
            }
            problems += s.equilibrium.parameterProblems(section: s.name).map { .init(.sectionValue, $0, stage: firstStage) }
        }
        let chemistry = cascade.stageChemistry
        if let other = cascade.sections.first(where: { $0.equilibrium.stageChemistry != chemistry }) {
            problems.append(.init(.sections, "section '\(other.name)' uses the \(other.equilibrium.modelName) model, which cannot share a cascade with the \(cascade.sections[0].equilibrium.modelName) model of section '\(cascade.sections[0].name)': an acid-exchange model adds extractant and acid unknowns to every stage"))
        }
        let stageText = n > 0 ? "stages are numbered 1 to \(n)" : "the cascade has no stages"
        for f in cascade.aqueousFeeds {
            if !(1...max(n, 1)).contains(f.stage) || n == 0 { problems.append(.init(.feedStage, "aqueous feed '\(f.name)' enters stage \(f.stage); \(stageText)", stream: f.name, stage: f.stage)) }
            if !(f.flow > 0) || !f.flow.isFinite { problems.append(.init(.feedValue, "aqueous feed '\(f.name)': flow must be positive, got \(EngineeringFormat.string(f.flow)) L/h", stream: f.name)) }
            if f.concentrations.count != ne { problems.append(.init(.feedValue, "aqueous feed '\(f.name)': \(f.concentrations.count) concentrations for \(ne) elements", stream: f.name)) }
            if f.concentrations.contains(where: { !($0 >= 0) || !$0.isFinite }) { problems.append(.init(.feedValue, "aqueous feed '\(f.name)': concentrations must be ≥ 0", stream: f.name)) }
            if !(f.acidity >= 0) || !(f.cation >= 0) || !(f.bisulfate >= 0) || !(f.sulfate >= 0) {
                problems.append(.init(.feedValue, "aqueous feed '\(f.name)': acidity, cation, bisulfate and sulfate must be ≥ 0", stream: f.name))
            }
        }
        for f in cascade.organicFeeds {
            if !(1...max(n, 1)).contains(f.stage) || n == 0 { problems.append(.init(.feedStage, "organic feed '\(f.name)' enters stage \(f.stage); \(stageText)", stream: f.name, stage: f.stage)) }
            if !(f.flow > 0) || !f.flow.isFinite { problems.append(.init(.feedValue, "organic feed '\(f.name)': flow must be positive, got \(EngineeringFormat.string(f.flow)) L/h", stream: f.name)) }
            if f.concentrations.count != ne { problems.append(.init(.feedValue, "organic feed '\(f.name)': \(f.concentrations.count) concentrations for \(ne) elements", stream: f.name)) }
            if f.concentrations.contains(where: { !($0 >= 0) || !$0.isFinite }) { problems.append(.init(.feedValue, "organic feed '\(f.name)': loadings must be ≥ 0", stream: f.name)) }
            if !(f.saponification >= 0 && f.saponification < 1) { problems.append(.init(.feedValue, "organic feed '\(f.name)': saponification \(EngineeringFormat.string(f.saponification, digits: 6)) is outside [0, 1)", stream: f.name)) }
            if chemistry.exchangesAcid && !(f.extractant > 0) { problems.append(.init(.feedValue, "organic feed '\(f.name)': the \(cascade.sections[0].equilibrium.modelName) model needs an extractant concentration > 0", stream: f.name)) }
        }
        var splitTotal: [String: Double] = [:]
        for s in cascade.splits {
            if !(1...max(n, 1)).contains(s.stage) || n == 0 { problems.append(.init(.split, "a split of the \(s.phase.rawValue) outlet names stage \(s.stage); \(stageText)", stage: s.stage)) }
            if !(s.fraction > 0 && s.fraction <= 1) { problems.append(.init(.split, "a split of stage \(s.stage)'s \(s.phase.rawValue) outlet has fraction \(EngineeringFormat.string(s.fraction, digits: 6)), outside (0, 1]", stage: s.stage)) }
            if case .stage(let t) = s.destination, !(1...max(n, 1)).contains(t) {
                problems.append(.init(.split, "a split of stage \(s.stage)'s \(s.phase.rawValue) outlet is routed to stage \(t); \(stageText)", stage: s.stage))
            }
            splitTotal["\(s.stage)-\(s.phase.rawValue)", default: 0] += s.fraction
        }
        for (key, total) in splitTotal.sorted(by: { $0.key < $1.key }) where total > 1 + 1e-12 {
            problems.append(.init(.split, "the splits of outlet \(key) add up to \(EngineeringFormat.string(total, digits: 6)), more than 1"))
        }
        if let circuit = cascade.organicCircuit {
            if let entry = cascade.organicFeeds.first(where: { $0.name == circuit.feedName }) {
                if entry.concentrations.contains(where: { $0 > 0 }) {
                    problems.append(.init(.organicCircuit, "organic feed '\(entry.name)' receives the returning stripped organic, whose loading is solved for; give it no loading of its own", stream: circuit.feedName))
                }
            } else {
                problems.append(.init(.organicCircuit, "the organic circuit returns into organic feed '\(circuit.feedName)', which does not feed this cascade", stream: circuit.feedName))
            }
            if !(circuit.bleedFraction >= 0 && circuit.bleedFraction < 1) {
                problems.append(.init(.organicCircuit, "the organic circuit's bleed fraction \(EngineeringFormat.string(circuit.bleedFraction, digits: 6)) is outside [0, 1)", stream: circuit.feedName))
            }
        }
        if cascade.organicFeeds.isEmpty && !allowingStoppedFlows { problems.append(.init(.noOrganicFeed, "no organic feed: the organic never enters the cascade")) }
        if cascade.aqueousFeeds.isEmpty && !allowingStoppedFlows { problems.append(.init(.noAqueousFeed, "no aqueous feed: the aqueous never enters the cascade")) }
        if !problems.isEmpty { throw CascadeSpecificationError(problems) }

        // Section of each stage, efficiencies.
        var sectionOfStage = [Int](repeating: 0, count: n)
        var efficiency = [Double](repeating: 1, count: n)
        var stage = 0
        for (k, s) in cascade.sections.enumerated() {
            for _ in 0..<s.stageCount {
                sectionOfStage[stage] = k
                efficiency[stage] = s.murphreeEfficiency
                stage += 1
            }
        }
        self.sectionOfStage = sectionOfStage
        self.efficiency = efficiency

        // Outlet routing: fraction of each stage's outlet per destination.
        var aqueousOut: [[(to: Int?, fraction: Double, product: String?)]] = Array(repeating: [], count: n)
        var organicOut: [[(to: Int?, fraction: Double, product: String?)]] = Array(repeating: [], count: n)
        for s in cascade.splits {
            let entry: (to: Int?, fraction: Double, product: String?)
            switch s.destination {
            case .product(let name): entry = (nil, s.fraction, name)
            case .stage(let t): entry = (t - 1, s.fraction, nil)
            }
            if s.phase == .aqueous { aqueousOut[s.stage - 1].append(entry) } else { organicOut[s.stage - 1].append(entry) }
        }
        for i in 0..<n {
            let aqRemainder = 1 - aqueousOut[i].reduce(0) { $0 + $1.fraction }
            if aqRemainder > 1e-15 {
                aqueousOut[i].append(i == 0 ? (nil, aqRemainder, cascade.raffinateName) : (i - 1, aqRemainder, nil))
            }
            let orgRemainder = 1 - organicOut[i].reduce(0) { $0 + $1.fraction }
            if orgRemainder > 1e-15 {
                organicOut[i].append(i == n - 1 ? (nil, orgRemainder, cascade.organicOutletName) : (i + 1, orgRemainder, nil))
            }
        }

        // Volumetric flows: F_i = feed_i + Σ_k F_k · fraction(k → i), a banded linear system.
        func mixing(_ routes: [[(to: Int?, fraction: Double, product: String?)]],
                    _ rhsList: [[Double]]) throws(CascadeSpecificationError) -> [[Double]] {
            var below = 0, above = 0
            for (k, outs) in routes.enumerated() { for o in outs { if let t = o.to { below = max(below, t - k); above = max(above, k - t) } } }
            var matrix = BandMatrix(order: n, lowerBandwidth: max(below, 1), upperBandwidth: max(above, 1))
            for i in 0..<n { matrix[i, i] = 1 }
            for (k, outs) in routes.enumerated() { for o in outs { if let t = o.to { matrix.add(-o.fraction, row: t, column: k) } } }
            var lu = BandLUWorkspace(order: n)
            do { try lu.factorize(&matrix) } catch {
                throw CascadeSpecificationError([.init(.circulation, "a phase circulates between stages without ever leaving the cascade")])
            }
            var results: [[Double]] = []
            for rhs in rhsList {
                var b = rhs
                do { try lu.solve(matrix, &b) } catch { throw CascadeSpecificationError(problems: ["internal error solving the flow network: \(error)"]) }
                results.append(b)
            }
            return results
        }
        var aqFeedVolume = [Double](repeating: 0, count: n)
        var aqAnionFlux = [Double](repeating: 0, count: n)
        var aqSulfateFlux = [Double](repeating: 0, count: n)
        let charges = cascade.elements.map { Double($0.charge) }
        var orgFeedVolume = [Double](repeating: 0, count: n)
        var orgExtractantFlux = [Double](repeating: 0, count: n)
        var feedFlux = [Double](repeating: 0, count: n * ne)
        var aqueousFeedFlux = [Double](repeating: 0, count: n * ne)
        var cationFeedFlux = [Double](repeating: 0, count: n)
        var acidFeedFlux = [Double](repeating: 0, count: n)
        for f in cascade.aqueousFeeds {
            let i = f.stage - 1
            aqFeedVolume[i] += f.flow
            aqAnionFlux[i] += f.flow * f.acidCapacity(charges: charges)
            aqSulfateFlux[i] += f.flow * f.totalSulfate
            acidFeedFlux[i] += f.flow * f.acidity
            cationFeedFlux[i] += f.flow * f.cation
            for j in 0..<ne {
                feedFlux[i * ne + j] += f.flow * f.concentrations[j]
                aqueousFeedFlux[i * ne + j] += f.flow * f.concentrations[j]
            }
        }
        for f in cascade.organicFeeds {
            let i = f.stage - 1
            orgFeedVolume[i] += f.flow
            orgExtractantFlux[i] += f.flow * f.extractant
            cationFeedFlux[i] += f.flow * f.extractant * f.saponification
            for j in 0..<ne { feedFlux[i * ne + j] += f.flow * f.concentrations[j] }
        }
        let aq = try mixing(aqueousOut, [aqFeedVolume, aqAnionFlux, cationFeedFlux, aqSulfateFlux])
        let org = try mixing(organicOut, [orgFeedVolume, orgExtractantFlux])
        var aqueousFlow = aq[0], organicFlow = org[0]
        var late: [CascadeSpecificationError.Problem] = []
        let largestAqueous = aqueousFlow.max() ?? 1, largestOrganic = organicFlow.max() ?? 1
        var aqueousFlowing = [Bool](repeating: true, count: n), organicFlowing = aqueousFlowing
        for i in 0..<n {
            aqueousFlowing[i] = aqueousFlow[i] > 1e-12 * largestAqueous
            organicFlowing[i] = organicFlow[i] > 1e-12 * largestOrganic
            if allowingStoppedFlows {
                if !(aqueousFlowing[i] && organicFlowing[i]) && efficiency[i] < 1 {
                    late.append(.init(.stageWithoutFlow, "stage \(i + 1) has a stopped phase and a Murphree efficiency below 1: with no flow the efficiency has no inlet to refer to", stage: i + 1))
                }
                continue
            }
            if !aqueousFlowing[i] { late.append(.init(.stageWithoutFlow, "stage \(i + 1) receives no aqueous flow: check the feeds and splits upstream of it", stage: i + 1)) }
            if !organicFlowing[i] { late.append(.init(.stageWithoutFlow, "stage \(i + 1) receives no organic flow: check the organic feeds and splits upstream of it", stage: i + 1)) }
        }
        if !late.isEmpty { throw CascadeSpecificationError(late) }
        // A stopped phase carries exactly nothing (not round-off of the mixing solve).
        for i in 0..<n where !aqueousFlowing[i] { aqueousFlow[i] = 0 }
        for i in 0..<n where !organicFlowing[i] { organicFlow[i] = 0 }
        func perFlow(_ flux: Double, _ flow: Double) -> Double { flow > 0 ? flux / flow : 0 }
        self.aqueousFlow = aqueousFlow
        self.organicFlow = organicFlow
        self.anionConcentration = (0..<n).map { perFlow(aq[1][$0], aqueousFlow[$0]) }
        self.sulfateConcentration = (0..<n).map { perFlow(aq[3][$0], aqueousFlow[$0]) }
        self.charges = charges
        self.extractantConcentration = (0..<n).map { perFlow(org[1][$0], organicFlow[$0]) }
        self.cationAllAqueous = (0..<n).map { perFlow(aq[2][$0], aqueousFlow[$0]) }
        self.anionFeedFlux = aqAnionFlux
        self.sulfateFeedFlux = aqSulfateFlux
        self.extractantFeedFlux = orgExtractantFlux
        self.feedFlux = feedFlux
        self.aqueousFeedFlux = aqueousFeedFlux
        self.cationFeedFlux = cationFeedFlux
        self.acidFeedFlux = acidFeedFlux

        // Links into each stage, and outlets.
        var aqIn: [[Link]] = Array(repeating: [], count: n)
        var orgIn: [[Link]] = Array(repeating: [], count: n)
        var outlets: [Outlet] = []
        for k in 0..<n {
            for o in aqueousOut[k] {
                if let t = o.to { aqIn[t].append(Link(from: k, flow: aqueousFlow[k] * o.fraction)) }
                else { outlets.append(Outlet(name: o.product!, phase: .aqueous, stage: k, flow: aqueousFlow[k] * o.fraction)) }
            }
            for o in organicOut[k] {
                if let t = o.to { orgIn[t].append(Link(from: k, flow: organicFlow[k] * o.fraction)) }
                else { outlets.append(Outlet(name: o.product!, phase: .organic, stage: k, flow: organicFlow[k] * o.fraction)) }
            }
        }
        // A closed organic circuit: the stripped organic returns into its entry feed's stage,
        // all but the bled fraction; make-up tops the entering flow up to the feed's.
        var circuitEntry: (stage: Int, position: Int)? = nil
        if let circuit = cascade.organicCircuit, let entry = cascade.organicFeeds.first(where: { $0.name == circuit.feedName }),
           let k = outlets.firstIndex(where: { $0.phase == .organic && $0.name == cascade.organicOutletName }) {
            let stripped = outlets[k]
            let returning = (1 - circuit.bleedFraction) * stripped.flow
            if returning > entry.flow * (1 + 1e-12) {
                throw CascadeSpecificationError([.init(.organicCircuit, "the stripped organic returning to stage \(entry.stage) (\(EngineeringFormat.string(returning)) L/h) is more than the circulating flow of '\(entry.name)' (\(EngineeringFormat.string(entry.flow)) L/h): another organic feed joins the circuit; bleed more or circulate more", stream: entry.name)])
            }
            circuitEntry = (entry.stage - 1, orgIn[entry.stage - 1].count)
            orgIn[entry.stage - 1].append(Link(from: stripped.stage, flow: returning))
            if circuit.bleedFraction > 0 { outlets[k].flow = circuit.bleedFraction * stripped.flow } else { outlets.remove(at: k) }
        }
        self.outlets = outlets
        var start = [0]; var flat: [Link] = []
        for i in 0..<n { flat += aqIn[i]; start.append(flat.count) }
        self.aqueousSourceStart = start; self.aqueousSources = flat
        start = [0]; flat = []
        for i in 0..<n { flat += orgIn[i]; start.append(flat.count) }
        self.organicSourceStart = start; self.organicSources = flat
        self.circuitReturnSource = circuitEntry.map { start[$0.stage] + $0.position }

        // Separation-factor loading per stage (acid fed into a stage is consumed by exchange).
        var fullLoading = [Double](repeating: 0, count: n)
        var loadingProblems: [CascadeSpecificationError.Problem] = []
        for i in 0..<n {
            if let loading = cascade.sections[sectionOfStage[i]].equilibrium.fixedOrganicLoading {
                if organicFlow[i] == 0 {
                    // A standing organic (only with `allowingStoppedFlows`): no flow to spread
                    // the acid's exchange over; the dynamic simulation refuses stopped phases
                    // in loaded stages (`DynamicSimulation.stoppedLoadedStages`).
                    fullLoading[i] = loading
                    continue
                }
                fullLoading[i] = loading - acidFeedFlux[i] / (AqueousChargeBalance.rareEarthCharge * organicFlow[i])
                if !(fullLoading[i] > 0) {
                    loadingProblems.append(.init(.acidExceedsLoading, "stage \(i + 1): the acid fed there (\(EngineeringFormat.string(acidFeedFlux[i])) mol/h H⁺) would strip more rare earth than the fully loaded organic carries (\(EngineeringFormat.string(loading * organicFlow[i])) mol/h)", stage: i + 1))
                }
            }
        }
        if !loadingProblems.isEmpty { throw CascadeSpecificationError(loadingProblems) }
        self.fullLoading = fullLoading

        // Unknown layout and Jacobian reach.
        self.stageChemistry = chemistry
        let exchangesAcid = chemistry.exchangesAcid
        let hasCation = exchangesAcid && (cationUnknowns ?? cationFeedFlux.contains { $0 > 0 })
        self.hasCation = hasCation
        self.blockSize = ne + (exchangesAcid ? 2 : 0) + (hasCation ? 1 : 0)
        var below = 0, above = 0
        func reach(_ row: Int, _ column: Int) { below = max(below, row - column); above = max(above, column - row) }
        for i in 0..<n {
            for l in aqIn[i] { reach(i, l.from); if efficiency[i] < 1 { reach(i, l.from) } }
            for l in orgIn[i] {
                reach(i, l.from)
                // Through the Murphree inlet, or the acid routed into a loaded stage.
                if efficiency[l.from] < 1 || fullLoading[l.from] > 0 { for q in aqIn[l.from] { reach(i, q.from) } }
            }
        }
        self.stagesBelow = below
        self.stagesAbove = above
        // A closed circuit's return link (last stage → entry stage) makes the band as wide as the
        // cascade: its LU storage grows with the square of the unknowns. Refused before allocating.
        if cascade.organicCircuit != nil {
            let unknowns = Double(n * blockSize)
            let entries = unknowns * Double(2 * lowerBandwidth + upperBandwidth + 1)
            if entries > Self.maximumCircuitJacobianEntries {
                let megabytes = (Self.maximumCircuitJacobianEntries * 8 / 1e6).rounded()
                let stages = Int((Self.maximumCircuitJacobianEntries / 3).squareRoot() / Double(blockSize))
                throw CascadeSpecificationError([.init(.organicCircuit, "a closed organic circuit links the last stage back to the first, so its Jacobian is dense: \(n) stages of \(blockSize) unknowns would need \(EngineeringFormat.string(entries * 8 / 1e6)) MB, more than the \(EngineeringFormat.string(megabytes)) MB allowed (about \(stages) stages at this model and element count); solve the open cascade with the returning organic as a feed of measured loading", stream: cascade.organicCircuit?.feedName)])
            }
        }
    }

    /// Largest Jacobian band storage (doubles) a closed organic circuit may need: 25 million
    /// entries, 200 MB (the dense band of about 2,900 unknowns, e.g. 1,400 stages of 2 elements).
    public static let maximumCircuitJacobianEntries = 25_000_000.0

    /// Rare-earth feed of element j summed over all feeds, mol/h.
    public func totalFeed(element j: Int) -> Double {
        var s = 0.0
        for i in 0..<stageCount { s += feedFlux[i * elementCount + j] }
        return s
    }

    /// Jacobian bandwidths in unknowns.
    public var lowerBandwidth: Int { stagesBelow * blockSize + blockSize - 1 }
    public var upperBandwidth: Int { stagesAbove * blockSize + blockSize - 1 }

    /// Σ_j z_j x_j at stage i for aqueous concentrations `x` (flat [i·ne + j], mol/L).
    @inline(__always)
    func metalCharge(stage i: Int, concentrations x: [Double]) -> Double {
        var m = 0.0
        for j in 0..<elementCount { m += charges[j] * x[i * elementCount + j] }
        return m
    }

    /// Free [H⁺] (mol/L) of stage i's aqueous at cation [C⁺] and metal charge Σ z x (mol/L):
    /// the proton balance with bisulfate buffering (`AqueousChargeBalance`). Not positive
    /// outside the physical domain.
    @inline(__always)
    func freeAcid(stage i: Int, cation: Double, metalCharge: Double) -> Double {
        AqueousChargeBalance.freeAcid(protons: AqueousChargeBalance.protons(capacity: anionConcentration[i], cation: cation,
                                                                            metalCharge: metalCharge),
                                      sulfate: sulfateConcentration[i])
    }
}
