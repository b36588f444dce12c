import SXModel

/// One of the two products of a split.
public enum DesignProduct: String, Sendable, Equatable, CaseIterable {
    /// The organic product (loaded organic leaving the scrub section, later stripped): the
    /// more extractable side of the split.
    case organic
    /// The aqueous raffinate: the less extractable side of the split.
    case raffinate
}

/// A design target: the purity of a product (its own side's share of it) or the recovery of
/// its own side into it.
public enum DesignTarget: Sendable, Equatable {
    /// Purity of the product as a fraction (0.995 for 99.5 %), on the design's `PurityBasis`.
    /// For the organic product it is the share of the elements on the extractable side of the
    /// split; for the raffinate, of the elements on the other side.
    case purity(DesignProduct, Double)
    /// Recovery into the product of its side's elements (moles in the product / moles fed).
    case recovery(DesignProduct, Double)

    public var product: DesignProduct {
        switch self { case .purity(let p, _), .recovery(let p, _): p }
    }
    public var value: Double {
        switch self { case .purity(_, let v), .recovery(_, let v): v }
    }
}

/// How purities are counted.
public enum PurityBasis: String, Sendable, Equatable, CaseIterable {
    /// Mole fractions of the rare earth (Xu's convention; the closed forms use it).
    case mole
    /// Oxide mass fractions of the total rare-earth oxide (commercial convention, e.g. % Nd2O3/TREO).
    case oxide
}

/// How the operating fluxes are chosen.
public enum OperatingChoice: Sendable, Equatable {
    /// Xu's optimum extraction ratios (E'_M = √β or E_M = 1/√β, see `XuTheory.optimumOperatingPoint`).
    case xuOptimum
    /// S = factor · S_min, W = S − f'_A (factor > 1).
    case multipleOfMinimum(Double)
    /// Explicit normalised fluxes (per unit feed RE flux).
    case fluxes(s: Double, w: Double)
}

/// The saponifying base.
public enum Base: String, Sendable, Equatable, CaseIterable {
    case NaOH, NH3
    /// Molar mass, g/mol.
    public var molarMass: Double {
        switch self { case .NaOH: 39.997; case .NH3: 17.031 }
    }
    /// Cation name used by the mass-action model.
    public var cationName: String { self == .NaOH ? "Na" : "NH4" }
}

/// Everything `Designer` needs: the feed, the split, the targets, the equilibrium system and the
/// reagents. Units are stated on each field; defaults marked *typical* are industry figures,
/// not checked against a primary source (docs/references.md [TYP]).
public struct DesignSpecification: Sendable, Equatable {
    /// Elements of the feed, in any order.
    public var elements: [Element]
    /// Feed concentration of each element, mol/L (≥ 0, some > 0).
    public var feedConcentrations: [Double]
    /// Feed flow, L/h (> 0).
    public var feedFlow: Double
    /// Separation factor β of each element relative to any common reference (only ratios matter).
    /// From mass-action constants: β_j = K_j (docs/references.md [LOAD], fully loaded limit).
    public var separationFactors: [Double]
    /// The less extractable key element (last of the raffinate side), e.g. Pr in a Pr|Nd split.
    public var lighterKey: Element
    /// The more extractable key element (first of the organic side), e.g. Nd.
    public var heavierKey: Element
    /// Exactly two targets (two purities; a purity and a recovery; or two recoveries).
    public var targets: [DesignTarget]
    public var purityBasis: PurityBasis = .mole
    public var operating: OperatingChoice = .xuOptimum
    /// Extractant concentration C_HA, mol/L on a monomer basis (P507 1.0–1.5 *typical*).
    public var extractant: Double = 1.5
    /// Saponified fraction s of the extractant's acid groups (0.30–0.40 *typical*).
    public var saponification: Double = 0.36
    public var base: Base = .NaOH
    /// Organic RE loading, mol/L. nil: s·C_HA/3 when saponified, else C_HA/6 (docs/references.md [LOAD]).
    public var organicLoading: Double? = nil
    /// Scrub acid strength, mol/L HCl.
    public var scrubAcid: Double = 3.0
    /// Strip acid strength, mol/L HCl (3–6 *typical*).
    public var stripAcid: Double = 5.0
    /// Strip acid above the stoichiometric 3 H⁺ per RE, as a fraction (0.1 = 10 % excess).
    public var stripAcidExcess: Double = 0.1
    /// Largest n + m the exact search tries (2…`stageLimit`).
    public var maximumStages: Int = 1000
    /// Murphree efficiency (aqueous) of every extraction and scrub stage, in (0, 1]: the exact
    /// search and the written flowsheet use it, so the stage counts are real stages.
    public var efficiency: Double = 1
    /// Stages added to each of the extraction and scrub sections beyond the minimum the search
    /// found, as a fraction of that section's stages (rounded up; 0.1 = 10 % more).
    public var stageMargin: Double = 0
    /// Strip stages; nil: the fewest (at most `stripStageLimit`) that leave at most
    /// `unstrippedTarget` of the loaded rare earth on the stripped organic (Kremser).
    public var stripStages: Int? = nil
    /// Distribution ratio D = y/x of every element in the strip (strong HCl on a loaded
    /// organophosphorus extractant). *Illustrative*: no verified source; give the plant's value.
    public var stripDistributionRatio: Double = DesignSpecification.illustrativeStripDistributionRatio
    /// The default strip D (*illustrative*, as in `Flowsheets/prnd-split.yaml`).
    public static let illustrativeStripDistributionRatio = 0.02
    /// Largest stripping factor D·O/A the design's strip acid flow allows (`OperatingFlows`).
    public static let maximumStrippingFactor = 0.75
    /// Fraction of the loaded rare earth the automatic strip stage count may leave on the organic.
    public static let unstrippedTarget = 1e-6
    /// Most strip stages chosen automatically.
    public static let stripStageLimit = 50
    /// Smallest 1 − target accepted: the solver's relative accuracy (its default Newton tolerance).
    public static let closestToOne = 1e-12
    /// Largest `maximumStages` accepted (the flowsheet format's limit of stages per section).
    public static let stageLimit = 100_000
    /// Largest extractant concentration accepted, mol/L monomer: neat P507
    /// (C16H35O3P, 306.4 g/mol, density about 0.95 g/mL) is about 3.1 mol/L and neat D2EHPA
    /// (322.4 g/mol, about 0.97 g/mL) about 3.0 mol/L; no diluted organic holds more.
    public static let extractantLimit = 4.0

    public init(elements: [Element], feedConcentrations: [Double], feedFlow: Double, separationFactors: [Double],
                lighterKey: Element, heavierKey: Element, targets: [DesignTarget]) {
        self.elements = elements
        self.feedConcentrations = feedConcentrations
        self.feedFlow = feedFlow
        self.separationFactors = separationFactors
        self.lighterKey = lighterKey
        self.heavierKey = heavierKey
        self.targets = targets
    }

    /// The organic RE loading used, mol/L.
    public var effectiveLoading: Double {
        if let organicLoading { return organicLoading }
        return saponification > 0 ? saponification * extractant / 3 : extractant / 6
    }
}

/// A design specification that cannot be designed, with every reason found.
public struct DesignSpecificationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "\n") }
}
