import SXModel

/// A flowsheet as a generator states it, in model units (L/h, mol/L, fractions 0…1), for
/// `FlowsheetWriter` to turn into version-1 text that `FlowsheetParser` reads back into the
/// same model. It names things the way the format does (equilibrium sets, streams, outlets),
/// which a solved `Flowsheet` no longer does, so a generator (e.g. `sxsim design`) builds this
/// instead of concatenating YAML.
public struct FlowsheetDocument: Sendable, Equatable {
    /// Comment lines written before `version` (without the leading "# ").
    public var headerComments: [String]
    public var name: String
    public var description: String?
    public var elements: [Element]
    public var equilibria: [EquilibriumEntry]
    public var streams: [StreamEntry]
    public var cascades: [CascadeEntry]
    /// Product targets (their `location` is not written).
    public var targets: [ProductTarget]
    /// Comment lines written after the targets.
    public var trailingComments: [String]

    public init(headerComments: [String] = [], name: String, description: String? = nil, elements: [Element],
                equilibria: [EquilibriumEntry], streams: [StreamEntry], cascades: [CascadeEntry],
                targets: [ProductTarget] = [], trailingComments: [String] = []) {
        self.headerComments = headerComments
        self.name = name
        self.description = description
        self.elements = elements
        self.equilibria = equilibria
        self.streams = streams
        self.cascades = cascades
        self.targets = targets
        self.trailingComments = trailingComments
    }

    /// A named equilibrium parameter set.
    public struct EquilibriumEntry: Sendable, Equatable {
        /// The models a generator writes (per-element arrays in `elements` order).
        public enum Parameters: Sendable, Equatable {
            /// Constant D, (mol/L org)/(mol/L aq).
            case constantDistribution([Double])
            /// Xu's separation factors (relative) and the fully loaded organic, mol/L RE.
            case separationFactors([Double], organicLoading: Double)
            /// Mass-action extraction constants (conditional, mol/L scale), default cation and soap.
            case massAction([Double])
        }
        public var name: String
        public var parameters: Parameters
        public var provenance: Provenance
        public init(name: String, parameters: Parameters, provenance: Provenance) {
            self.name = name
            self.parameters = parameters
            self.provenance = provenance
        }
    }

    /// A named stream.
    public struct StreamEntry: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// Flow L/h, concentrations mol/L per element, free acid mol/L.
            case aqueous(flow: Double, concentrations: [Double], acidity: Double)
            /// Flow L/h, extractant mol/L (monomer basis), saponified fraction, loading mol/L per element.
            case organic(flow: Double, extractant: Double, saponification: Double, loading: [Double])
            /// Another cascade's outlet.
            case linked(outlet: String)
        }
        public var name: String
        public var kind: Kind
        public init(name: String, kind: Kind) {
            self.name = name
            self.kind = kind
        }
    }

    /// A cascade: sections in stage order, feeds by stream name, named outlets.
    public struct CascadeEntry: Sendable, Equatable {
        public struct SectionEntry: Sendable, Equatable {
            public var name: String
            public var stages: Int
            public var equilibrium: String
            /// Murphree efficiency, (0, 1]; 1 is not written.
            public var efficiency: Double
            public init(name: String, stages: Int, equilibrium: String, efficiency: Double = 1) {
                self.name = name
                self.stages = stages
                self.equilibrium = equilibrium
                self.efficiency = efficiency
            }
        }
        /// A side draw: `fraction` of `stage`'s outlet in `phase` leaves as the product `name`.
        public struct DrawEntry: Sendable, Equatable {
            public var name: String
            /// A stage reference: "3", "strip.first", "scrub.last", "extraction.2".
            public var stage: String
            public var phase: Phase
            public var fraction: Double
            public init(name: String, stage: String, phase: Phase, fraction: Double) {
                self.name = name
                self.stage = stage
                self.phase = phase
                self.fraction = fraction
            }
        }
        public var name: String
        public var sections: [SectionEntry]
        /// (stream name, stage reference) in order.
        public var feeds: [(stream: String, stage: String)]
        public var raffinate: String?
        public var organicOutlet: String?
        public var draws: [DrawEntry]
        /// `organic-circuit`: the stream the stripped organic returns into, and the bleed.
        public var organicCircuit: OrganicCircuit?

        public init(name: String, sections: [SectionEntry], feeds: [(stream: String, stage: String)], raffinate: String? = nil,
                    organicOutlet: String? = nil, draws: [DrawEntry] = [], organicCircuit: OrganicCircuit? = nil) {
            self.name = name
            self.sections = sections
            self.feeds = feeds
            self.raffinate = raffinate
            self.organicOutlet = organicOutlet
            self.draws = draws
            self.organicCircuit = organicCircuit
        }

        public static func == (a: CascadeEntry, b: CascadeEntry) -> Bool {
            a.name == b.name && a.sections == b.sections && a.feeds.map(\.stream) == b.feeds.map(\.stream)
                && a.feeds.map(\.stage) == b.feeds.map(\.stage) && a.raffinate == b.raffinate && a.organicOutlet == b.organicOutlet
                && a.draws == b.draws && a.organicCircuit == b.organicCircuit
        }
    }
}
