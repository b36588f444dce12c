import Foundation

/// Electroneutrality of the aqueous phase, written once for the whole engine:
///
///     [anion⁻] = [H⁺] + [C⁺] + z · Σ_j x_j          (mol/L)
///
/// [anion⁻] counts Cl⁻, or ½ SO₄²⁻, as monovalent equivalents; [C⁺] is the saponifying cation
/// (Na⁺ or NH₄⁺); x_j are the rare-earth concentrations, each of charge z = 3. The anion is
/// conservative (it only mixes), so given the anion, the cation and the rare earths the
/// balance fixes the free acid [H⁺]. Together with the element and cation balances this
/// conserves hydrogen: z H⁺ are released per rare earth extracted and consumed per rare
/// earth stripped.
public enum AqueousChargeBalance {
    /// Charge of a rare-earth ion, RE³⁺.
    public static let rareEarthCharge = 3.0

    /// [anion⁻] of an aqueous with free acid `acidity`, cation `cation` and total rare earth
    /// `rareEarth`, all mol/L.
    @inlinable
    public static func anion(acidity: Double, cation: Double, rareEarth: Double) -> Double {
        acidity + cation + rareEarthCharge * rareEarth
    }

    /// [H⁺] (mol/L) that electroneutrality leaves for an aqueous with anion `anion`, cation
    /// `cation` and total rare earth `rareEarth` (mol/L). Not positive when the cations
    /// exceed the anion: such an aqueous is outside the physical domain.
    @inlinable
    public static func acidity(anion: Double, cation: Double, rareEarth: Double) -> Double {
        anion - cation - rareEarthCharge * rareEarth
    }

    /// ∂ln[H⁺]/∂ln x_j = −z x_j / [H⁺] (x_j, h in mol/L).
    @inlinable
    public static func logAcidityDerivative(rareEarth x: Double, acidity h: Double) -> Double {
        -rareEarthCharge * x / h
    }

    /// ∂ln[H⁺]/∂ln[C⁺] = −[C⁺] / [H⁺].
    @inlinable
    public static func logAcidityDerivative(cation c: Double, acidity h: Double) -> Double {
        -c / h
    }

    /// Free acid that adding `rareEarth` mol/L of RE³⁺ (or removing it, when negative) to an
    /// aqueous of fixed anion takes away: z · `rareEarth` mol/L H⁺.
    @inlinable
    public static func acidExchanged(rareEarth: Double) -> Double { rareEarthCharge * rareEarth }
}
