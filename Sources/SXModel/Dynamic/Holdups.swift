import Foundation

/// The liquid a section's stages hold, L per stage: a mixer (both phases, shared in the ratio
/// of their volumetric flows, i.e. at the same residence time) and each phase's settler volume.
///
/// The default holdup model makes each stage one well-mixed volume per phase,
/// V_aq = V_mixer·A/(A + O) + V_settler,aq and V_org = V_mixer·O/(A + O) + V_settler,org, with
/// the phases at (Murphree) equilibrium at every instant. The settler is thus lumped with the
/// mixer: it adds holdup (delay and inventory) but no separate dynamics (docs/dynamic.md).
public struct SectionHoldup: Sendable, Equatable {
    /// Mixer volume per stage, L (≥ 0).
    public var mixer: Double
    /// Aqueous and organic settler volume per stage, L (≥ 0).
    public var aqueousSettler: Double
    public var organicSettler: Double

    public init(mixer: Double = 0, aqueousSettler: Double = 0, organicSettler: Double = 0) {
        self.mixer = mixer
        self.aqueousSettler = aqueousSettler
        self.organicSettler = organicSettler
    }

    /// (V_aq, V_org), L, of a stage with these aqueous and organic flows (L/h).
    public func phaseVolumes(aqueousFlow a: Double, organicFlow o: Double) -> (aqueous: Double, organic: Double) {
        (mixer * a / (a + o) + aqueousSettler, mixer * o / (a + o) + organicSettler)
    }
}

/// The phase volumes held in each stage, L (the default holdup model: one well-mixed volume
/// per phase per stage, the phases at Murphree equilibrium at every instant).
public struct StageHoldups: Sendable, Equatable {
    /// Aqueous volume of each stage (index 0 = stage 1), L (> 0).
    public var aqueous: [Double]
    /// Organic volume of each stage, L (> 0).
    public var organic: [Double]

    public init(aqueous: [Double], organic: [Double]) {
        precondition(aqueous.count == organic.count)
        self.aqueous = aqueous
        self.organic = organic
    }
}

extension StageHoldups {
    /// Phase volumes of every stage of `network` from its sections' holdups (one per section,
    /// in order), with the mixer shared in the ratio of the stage's flows (L/h).
    public init(sections: [SectionHoldup], network: CascadeNetwork) {
        precondition(sections.count == network.cascade.sections.count)
        var aqueous = [Double](repeating: 0, count: network.stageCount), organic = aqueous
        for i in 0..<network.stageCount {
            (aqueous[i], organic[i]) = sections[network.sectionOfStage[i]].phaseVolumes(aqueousFlow: network.aqueousFlow[i],
                                                                                       organicFlow: network.organicFlow[i])
        }
        self.init(aqueous: aqueous, organic: organic)
    }
}
