import SXModel

/// Molar masses used for reagent figures, g/mol (IUPAC standard atomic weights).
public enum ReagentMolarMass {
    public static let hydrogenChloride = 36.458
}

/// The operating flows of a design in engineering units, for a feed of F L/h at c mol/L RE
/// (feed RE flux F_RE = F·c mol/h) and the normalised fluxes S and W (per unit F_RE).
///
/// - organic flow O = S·F_RE / Y, Y the organic loading (mol/L);
/// - scrub acid carries 3·W·F_RE mol/h H⁺ (3 H⁺ strip one RE³⁺): flow 3·W·F_RE / c_scrub;
/// - strip acid carries 3·(S − W)·F_RE·(1 + excess) mol/h H⁺: flow that / c_strip, raised to
///   D_strip·O/0.75 when smaller (a strip needs D·O/A < 1 to strip at all);
/// - saponification base: s·C_HA·O mol/h (NaOH or NH₃), i.e. 3 per RE extracted at full
///   loading when Y = s·C_HA/3.
public struct OperatingFlows: Sendable, Equatable {
    public var feedFlow: Double                // L/h
    public var feedRareEarth: Double           // mol/h
    public var feedOxide: Double               // kg/h REO
    public var organicFlow: Double             // L/h
    public var organicLoading: Double          // mol/L
    public var extractant: Double              // mol/L HA
    public var saponification: Double          // fraction
    public var scrubAcidFlow: Double           // L/h
    public var scrubAcid: Double               // mol/L
    public var stripAcidFlow: Double           // L/h
    /// Strip acid for 3 H⁺ per RE stripped plus the excess, L/h; `stripAcidFlow` is larger when
    /// the strip's D needs more aqueous (D·O/A ≤ `DesignSpecification.maximumStrippingFactor`).
    public var stoichiometricStripAcidFlow: Double
    public var stripAcid: Double               // mol/L
    public var stripLiquorRareEarth: Double    // mol/L in the strip liquor
    public var base: Base
    public var baseFlow: Double                // mol/h
    /// H⁺ released into the raffinate by unsaponified extraction, mol/h (0 when saponified).
    public var acidReleased: Double
    public var organicToAqueousExtraction: Double   // O/A in the extraction section, L/L
    public var organicToAqueousScrub: Double        // O/A in the scrub section, L/L
    /// Organic product (stripped) rare-earth oxide, kg/h (from the rigorous solution when given).
    public var productOxide: Double

    /// HCl, kg/h (scrub + strip).
    public var hydrochloricAcid: Double { (scrubAcidFlow * scrubAcid + stripAcidFlow * stripAcid) * ReagentMolarMass.hydrogenChloride / 1000 }
    /// Base, kg/h.
    public var baseMass: Double { baseFlow * base.molarMass / 1000 }
    /// kg of HCl per tonne of REO fed.
    public var acidPerTonneFeedOxide: Double { hydrochloricAcid / feedOxide * 1000 }
    /// kg of base per tonne of REO fed.
    public var basePerTonneFeedOxide: Double { baseMass / feedOxide * 1000 }
    /// kg of HCl per tonne of organic-product REO.
    public var acidPerTonneProduct: Double { productOxide > 0 ? hydrochloricAcid / productOxide * 1000 : .infinity }
    /// kg of base per tonne of organic-product REO.
    public var basePerTonneProduct: Double { productOxide > 0 ? baseMass / productOxide * 1000 : .infinity }

    /// True when every flow and reagent figure is a finite number (inputs whose products
    /// overflow give infinities here, NaN in the ratios). Includes a year of REO fed, t/y.
    public var isFinite: Bool {
        let figures = [feedFlow, feedRareEarth, feedOxide, organicFlow, organicLoading, scrubAcidFlow, stripAcidFlow,
                       stripLiquorRareEarth, baseFlow, acidReleased, organicToAqueousExtraction, organicToAqueousScrub,
                       hydrochloricAcid, baseMass, acidPerTonneFeedOxide, basePerTonneFeedOxide, feedOxide * 8784 / 1000]
        return figures.allSatisfy(\.isFinite)
    }

    init(spec: DesignSpecification, s: Double, w: Double, productOxide: Double?) {
        feedFlow = spec.feedFlow
        let c = spec.feedConcentrations.reduce(0, +)
        feedRareEarth = spec.feedFlow * c
        feedOxide = zip(spec.elements, spec.feedConcentrations).reduce(0) { $0 + $1.0.oxideMassPerMole * $1.1 } * spec.feedFlow / 1000
        organicLoading = spec.effectiveLoading
        organicFlow = s * feedRareEarth / organicLoading
        extractant = spec.extractant
        saponification = spec.saponification
        scrubAcid = spec.scrubAcid
        scrubAcidFlow = 3 * w * feedRareEarth / spec.scrubAcid
        stripAcid = spec.stripAcid
        let stripped = (s - w) * feedRareEarth
        stoichiometricStripAcidFlow = 3 * stripped * (1 + spec.stripAcidExcess) / spec.stripAcid
        // A strip strips only while D·O/A < 1; below `maximumStrippingFactor` a few tens of
        // stages leave less than 1e-6 on the organic. More acid than the stoichiometry asks
        // is then the price of the strip's D (a more dilute strip liquor).
        stripAcidFlow = max(stoichiometricStripAcidFlow,
                            spec.stripDistributionRatio * organicFlow / DesignSpecification.maximumStrippingFactor)
        stripLiquorRareEarth = stripped / stripAcidFlow
        base = spec.base
        baseFlow = spec.saponification * spec.extractant * organicFlow
        acidReleased = max(0, 3 * s * feedRareEarth - baseFlow)
        organicToAqueousExtraction = organicFlow / (feedFlow + scrubAcidFlow)
        organicToAqueousScrub = organicFlow / scrubAcidFlow
        self.productOxide = productOxide ?? 0
    }
}
