import Foundation

/// A cascade's state at one time: what `sxsim dynamic --save-state` writes and `--start-from`
/// reads back (docs/dynamic.md §4). Everything a simulation needs to go on from this time: the
/// stage unknowns (`CascadeNetwork.blockSize` per stage: ln x_j of every fed element, then
/// ln [(HA)₂], ln [C⁺] and ln [H⁺] where the model carries them; ln of mol/L) and the species that
/// only mix (acid capacity, sulfate, extractant, mol/L), which a steady state leaves to the
/// network's own mixing.
///
/// The unknowns are kept as the logarithms the solver uses, not as concentrations: a trace
/// concentration can lie below the smallest double (the saponifying cation of a strip stage,
/// down to e^−978 mol/L in prnd-mass-action), where exp(u) is 0 and the state would be lost. The state file writes both
/// (`concentrations` for the reader).
public struct DynamicState: Sendable, Equatable {
    /// Layout the values belong to.
    public struct Layout: Sendable, Equatable {
        /// The elements that have unknowns (the fed ones), in the cascade's order.
        public var elements: [Element]
        public var stageCount: Int
        /// True when the stages exchange acid (mass action, empirical): [(HA)₂] and [H⁺] per stage.
        public var exchangesAcid: Bool
        /// True when an acid-exchange cascade carries a saponifying cation [C⁺] per stage.
        public var hasCation: Bool

        public init(elements: [Element], stageCount: Int, exchangesAcid: Bool, hasCation: Bool) {
            self.elements = elements
            self.stageCount = stageCount
            self.exchangesAcid = exchangesAcid
            self.hasCation = hasCation
        }

        /// The layout of `network`'s unknowns.
        public init(_ network: CascadeNetwork) {
            self.init(elements: network.cascade.elements, stageCount: network.stageCount,
                      exchangesAcid: network.exchangesAcid, hasCation: network.hasCation)
        }

        public var blockSize: Int { elements.count + (exchangesAcid ? 2 : 0) + (hasCation ? 1 : 0) }

        /// What each unknown of a stage is the logarithm of, in block order: "x(Pr)" for each
        /// element's aqueous concentration, "[(HA)2]" the free extractant dimer, "[C+]" the
        /// aqueous saponifying cation, "[H+]" the aqueous free acid.
        public var unknownNames: [String] {
            elements.map { "x(\($0.symbol))" } + (exchangesAcid ? ["[(HA)2]"] : []) + (hasCation ? ["[C+]"] : []) + (exchangesAcid ? ["[H+]"] : [])
        }
    }

    /// The concentrations that only mix, per stage, mol/L: aqueous acid capacity Q (the
    /// chloride, `AqueousChargeBalance`), aqueous total sulfate, organic extractant C_HA.
    public struct Mixed: Sendable, Equatable {
        public var acidCapacity: [Double]
        public var sulfate: [Double]
        public var extractant: [Double]

        public init(acidCapacity: [Double], sulfate: [Double], extractant: [Double]) {
            self.acidCapacity = acidCapacity
            self.sulfate = sulfate
            self.extractant = extractant
        }
    }

    /// Simulated time of the state, h.
    public var time: Double
    public var layout: Layout
    /// The stage unknowns, flat [stage·blockSize + k] in `layout` (ln mol/L).
    public var unknowns: [Double]
    /// Organic concentration y of every stage and element, mol/L: for the reader only (the
    /// model computes it from the unknowns; a state is read back without it).
    public var organic: [[Double]]?
    /// The mixed species; nil for a steady state (`sxsim run`'s), whose mixing the network
    /// solves itself.
    public var mixed: Mixed?

    public init(time: Double, layout: Layout, unknowns: [Double], mixed: Mixed?) {
        precondition(unknowns.count == layout.stageCount * layout.blockSize)
        self.time = time
        self.layout = layout
        self.unknowns = unknowns
        self.organic = nil
        self.mixed = mixed
    }

    /// The state of `network`'s stages at `unknowns` (its layout), with `mixed` species.
    public init(time: Double, network: CascadeNetwork, unknowns: [Double], mixed: Mixed?) {
        self.init(time: time, layout: Layout(network), unknowns: unknowns, mixed: mixed)
    }

    /// The concentrations the unknowns stand for (exp u, mol/L; 0 below the smallest double),
    /// per stage in `Layout.unknownNames` order.
    public func concentrations(stage i: Int) -> [Double] {
        let b = layout.blockSize
        return (0..<b).map { exp(unknowns[i * b + $0]) }
    }

    /// What keeps these values from being a state of `network`, in words (empty when they fit):
    /// the layout, and every concentration positive and finite (the unknowns are logarithms).
    public func problems(for network: CascadeNetwork) -> [String] {
        var found: [String] = []
        let other = Layout(network)
        if layout.stageCount != other.stageCount { found.append("the state has \(layout.stageCount) stages, the cascade \(other.stageCount)") }
        if layout.elements != other.elements {
            found.append("the state has unknowns for \(layout.elements.map(\.symbol).joined(separator: ", ")), the cascade for the elements it is fed, \(other.elements.map(\.symbol).joined(separator: ", "))")
        }
        if layout.exchangesAcid != other.exchangesAcid {
            found.append(other.exchangesAcid ? "the cascade exchanges acid (free extractant and acidity per stage), the state has no such unknowns"
                                             : "the state carries free extractant and acidity per stage (acid exchange), the cascade's model has none")
        }
        if layout.hasCation != other.hasCation {
            found.append(other.hasCation ? "the cascade is fed a saponifying cation, the state has no cation per stage" : "the state carries a saponifying cation per stage, the cascade is fed none")
        }
        return found
    }
}

extension CascadeResult {
    /// The solver's unknowns at the returned state (ln mol/L, flat per stage) and their layout,
    /// as a state at t = 0 without mixed species; nil when the solve never reached a Newton phase.
    public var stageUnknowns: DynamicState? {
        solverState.map { s in
            DynamicState(time: 0, layout: DynamicState.Layout(elements: s.elements, stageCount: s.stageCount, exchangesAcid: s.exchangesAcid,
                                                              hasCation: s.hasCation),
                         unknowns: s.unknowns, mixed: nil)
        }
    }
}
