import Foundation

/// The proton balance of the aqueous phase, written once for the whole engine.
///
/// A stage's aqueous carries a conservative *acid capacity* Q (mol/L): the protons it holds
/// (free H⁺ and, in sulfate liquors, HSO₄⁻) plus the charge of its metal cations and of the
/// saponifying cation,
///
///     Q = [H⁺] + [HSO₄⁻] + [C⁺] + Σ_j z_j x_j                     (mol/L)
///
/// z_j the charge of metal j (`Element.charge`: 3 for RE³⁺, 2 for Ca²⁺). Q only mixes: an
/// acidic extractant releases z_j H⁺ for every ion it takes (and consumes them when it strips
/// it), and a saponified one releases C⁺ in place of H⁺. In a chloride liquor Q is the
/// chloride (electroneutrality: [Cl⁻] = [H⁺] + [C⁺] + Σ z x), so the free acid follows
/// directly. In a sulfate liquor the total sulfate S = [HSO₄⁻] + [SO₄²⁻] also only mixes, and
/// HSO₄⁻ ⇌ H⁺ + SO₄²⁻ (K_a2) holds in every stage, so the protons T = Q − [C⁺] − Σ z x split
/// into free H⁺ h and HSO₄⁻ = S·h/(h + K_a2):
///
///     h + S·h/(h + K_a2) = T    ⇔    h² + (K_a2 + S − T)·h − K_a2·T = 0
///
/// whose positive root is taken in the cancellation-free form 2K_a2·T/(b + √(b² + 4K_a2·T)),
/// b = K_a2 + S − T (for S = 0 it is h = T exactly). This explicit form is what models
/// without acid exchange use (`AcidDependentDistributionModel`); there the aqueous is
/// outside the physical domain when T ≤ 0.
///
/// Under acid exchange the cascade carries ln h as an unknown and closes electroneutrality
/// with water's hydroxide, [OH⁻] = K_w/h, as a residual whose two sides are sums of positive
/// terms (`CascadeSystem.chargeSides`):
///
///     h + [HSO₄⁻] + [C⁺] + Σ z x = Q + K_w/h,
///
/// so that h is never the difference T of nearly equal terms (near neutral pH) and a solution
/// exists at any pH (docs/engine.md §3).
public enum AqueousChargeBalance {
    /// Charge of a rare-earth ion, RE³⁺ (Xu's model counts 3 H⁺ per RE stripped).
    public static let rareEarthCharge = 3.0

    /// Second dissociation constant of sulfuric acid, HSO₄⁻ ⇌ H⁺ + SO₄²⁻, on the mol/L
    /// concentration scale at 25 °C: 10^−1.99 mol/L (docs/references.md [PROMMIS]: the value PrOMMiS
    /// uses in its sulfate leach-solution property packages).
    public static let bisulfateDissociationConstant = pow(10, -1.99)

    /// Ionic product of water, K_w = [H⁺][OH⁻] on the mol/L scale at 25 °C: 10^−13.995 (mol/L)²
    /// (pK_w = 13.995 at 25 °C and 0.1 MPa, Bandura and Lvov, J. Phys. Chem. Ref. Data 35
    /// (2006) 15, as tabulated in the CRC Handbook; docs/references.md [KW]). Molality and
    /// molarity are not distinguished (dilute-water approximation, like the other constants).
    public static let waterIonProduct = pow(10, -13.995)

    /// [OH⁻] (mol/L) at free acid h (mol/L): K_w / h.
    @inlinable
    public static func hydroxide(acidity h: Double) -> Double { waterIonProduct / h }

    /// Free [H⁺] (mol/L) of an aqueous whose protons T = Q − [C⁺] − Σ z x (mol/L, any sign)
    /// are balanced by free acid, bisulfate and hydroxide, h + [HSO₄⁻] − K_w/h = T: positive for
    /// every T (a negative T is an alkaline aqueous, [OH⁻] ≈ −T). Without sulfate it is exact,
    /// h = (T + √(T² + 4K_w))/2 in a cancellation-free form; with sulfate the larger of the
    /// bisulfate root (`freeAcid`) and the water root, which differ from the exact root only
    /// where both buffers matter at once (within a factor 2 there). For starting points and
    /// guesses: the solver carries ln [H⁺] as an unknown and closes the balance as a residual.
    public static func freeAcidWithWater(protons t: Double, sulfate s: Double) -> Double {
        let root = (t * t + 4 * waterIonProduct).squareRoot()
        let water = t >= 0 ? (t + root) / 2 : 2 * waterIonProduct / (root - t)
        guard s > 0, t > 0 else { return water }
        return max(freeAcid(protons: t, sulfate: s), water)
    }

    /// Q of an aqueous stream with free acid `acidity`, HSO₄⁻ `bisulfate`, cation `cation`
    /// and metal charge Σ z x = `metalCharge`, all mol/L.
    @inlinable
    public static func acidCapacity(acidity: Double, bisulfate: Double = 0, cation: Double, metalCharge: Double) -> Double {
        acidity + bisulfate + cation + metalCharge
    }

    /// Q of a chloride stream whose rare earths total `rareEarth` mol/L (all RE³⁺).
    @inlinable
    public static func anion(acidity: Double, cation: Double, rareEarth: Double) -> Double {
        acidity + cation + rareEarthCharge * rareEarth
    }

    /// Protons T = Q − [C⁺] − Σ z x (mol/L) left to free acid and HSO₄⁻.
    @inlinable
    public static func protons(capacity q: Double, cation: Double, metalCharge: Double) -> Double {
        q - cation - metalCharge
    }

    /// Free [H⁺] (mol/L) holding `protons` T (mol/L) in an aqueous of total sulfate S (mol/L);
    /// T itself when S = 0. Not positive when T is not.
    @inlinable
    public static func freeAcid(protons t: Double, sulfate s: Double) -> Double {
        guard s > 0, t > 0 else { return t }
        let k = bisulfateDissociationConstant
        let b = k + s - t
        return 2 * k * t / (b + (b * b + 4 * k * t).squareRoot())
    }

    /// dh/dT at free acid h in an aqueous of total sulfate S: 1/(1 + S·K_a2/(h + K_a2)²); 1 for S = 0.
    @inlinable
    public static func freeAcidSlope(acidity h: Double, sulfate s: Double) -> Double {
        guard s > 0 else { return 1 }
        let k = bisulfateDissociationConstant
        return 1 / (1 + s * k / ((h + k) * (h + k)))
    }

    /// [HSO₄⁻] (mol/L) at free acid h (mol/L) and total sulfate S (mol/L).
    @inlinable
    public static func bisulfate(acidity h: Double, sulfate s: Double) -> Double {
        s > 0 ? s * h / (h + bisulfateDissociationConstant) : 0
    }

    /// [H⁺] (mol/L) of a chloride aqueous: anion − cation − 3·rareEarth.
    @inlinable
    public static func acidity(anion: Double, cation: Double, rareEarth: Double) -> Double {
        anion - cation - rareEarthCharge * rareEarth
    }

    /// Free acid that adding `rareEarth` mol/L of RE³⁺ (or removing it, when negative) to an
    /// aqueous of fixed anion takes away: 3 · `rareEarth` mol/L H⁺.
    @inlinable
    public static func acidExchanged(rareEarth: Double) -> Double { rareEarthCharge * rareEarth }
}

/// Molar masses of the acid species a stream may be given in mg/L, g/mol, from IUPAC
/// standard atomic weights (H 1.008, S 32.06, O 15.999).
public enum AcidSpecies {
    public static let hydrogenMolarMass = 1.008
    public static let bisulfateMolarMass = 1.008 + 32.06 + 4 * 15.999
    public static let sulfateMolarMass = 32.06 + 4 * 15.999
    /// Cl (IUPAC conventional 35.45).
    public static let chlorideMolarMass = 35.45
}
