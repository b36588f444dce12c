import Foundation

/// Continuation in the number of stages (grid sequencing, as Cantera's 1-D flame solver refines
/// a coarse solution): a long cascade is solved first with every section's stage count divided
/// by `StageContinuationOptions.coarseningFactor` (recursively, down to
/// `StageContinuationOptions.minimumStages`), and the coarse steady state is stretched into a
/// start for the long one.
///
/// Why it works: a section with more stages than its separation needs has a pinch (a plateau)
/// where the major species hardly change from stage to stage and each trace species changes by a
/// constant factor per stage (its distribution ratio and the flows are constant there). Adding
/// stages to a section lengthens that plateau and leaves the fronts near the feeds and the
/// section ends as they were (measured on the benchmark's mass-action 15-element cascade: the
/// 200-stage profile is the 50-stage one with the La plateau of the extraction section and the
/// scrub's plateau lengthened; docs/engine.md §5). A cold start instead has to find where fronts
/// several hundred stages long settle, which damped Newton and the pseudo-transient phase do at
/// the speed the front moves.
enum StageContinuation {
    /// The cascade with the stage count of each long section divided by `factor` (rounded up);
    /// nil when no section gets shorter, or when a feed, split or routing refers to a stage that
    /// is not the first or last of its section (such a stage has no image). A section is long
    /// when it has at least `longSectionFraction` of the longest section's stages; the others,
    /// and a section that dividing would leave with fewer than `minimumSectionStages` stages
    /// (too short to hold the fronts of its feed end and its far end apart), keep their stage
    /// count.
    ///
    /// Only a section with more stages than its separation needs has a plateau to shorten;
    /// a short one cut further changes its steady state instead (a 5-stage extraction section
    /// no longer separates, and its scrub pinches at the feed composition). With every section
    /// halved, `Flowsheets/prnd-mass-action.yaml` with a 500-stage scrub (40 + 500 + 12) went to
    /// 20 + 250 + 6 and no further (the strip would have had 3 stages), and that 276-stage
    /// cascade is as hard for a cold start as the real one; with only the sections that fell
    /// short of halving kept, it went on to 5 + 16 + 6, whose pinched scrub stretched into no
    /// start for 5 + 63 + 6 (Newton stalled at ‖R‖∞ = 0.12; docs/engine.md §5).
    static func coarser(_ cascade: Cascade, factor: Int, minimumSectionStages: Int = 1,
                        longSectionFraction: Double = 0) -> Cascade? {
        guard factor > 1 else { return nil }
        let ranges = cascade.sectionStageRanges
        let longest = cascade.sections.map(\.stageCount).max() ?? 0
        var coarse = cascade
        for k in coarse.sections.indices {
            let count = cascade.sections[k].stageCount
            let divided = (count + factor - 1) / factor
            if Double(count) >= longSectionFraction * Double(longest) && divided >= max(minimumSectionStages, 1) {
                coarse.sections[k].stageCount = divided
            }
        }
        guard coarse.stageCount < cascade.stageCount else { return nil }
        let coarseRanges = coarse.sectionStageRanges
        /// The coarse stage of fine `stage`: a section end maps to the same end.
        func image(_ stage: Int) -> Int? {
            guard let k = ranges.firstIndex(where: { $0.contains(stage) }) else { return nil }
            if stage == ranges[k].lowerBound { return coarseRanges[k].lowerBound }
            if stage == ranges[k].upperBound { return coarseRanges[k].upperBound }
            return nil
        }
        for f in coarse.aqueousFeeds.indices {
            guard let s = image(coarse.aqueousFeeds[f].stage) else { return nil }
            coarse.aqueousFeeds[f].stage = s
        }
        for f in coarse.organicFeeds.indices {
            guard let s = image(coarse.organicFeeds[f].stage) else { return nil }
            coarse.organicFeeds[f].stage = s
        }
        for k in coarse.splits.indices {
            guard let s = image(coarse.splits[k].stage) else { return nil }
            coarse.splits[k].stage = s
            if case .stage(let target) = coarse.splits[k].destination {
                guard let t = image(target) else { return nil }
                coarse.splits[k].destination = .stage(t)
            }
        }
        coarse.name = cascade.name
        return coarse
    }

    /// A start for `fine` from the steady state `coarse` of its coarser cascade (unknowns laid
    /// out as `network`'s, stage blocks of `network.blockSize`), both with the same sections.
    ///
    /// In each section the missing stages are inserted at the coarse section's flattest step
    /// (the smallest relative change of the aqueous metals and cation plus the change of the
    /// logarithmic unknowns that are not concentrations, [(HA)₂] and [H⁺]). There, a species
    /// (metal or cation) below `tailFraction` of the stage's aqueous metals and cation, or whose
    /// logarithm changes by more than `tailStep` per stage, is a geometric tail: its logarithm continues its step d across the e inserted stages, and the
    /// stages beyond move by e·d, counted away from the segment where the species is largest,
    /// which keeps its values (a trace species' far end falls by its per-stage factor for each
    /// stage added). Any other unknown (a major species, [H⁺], [(HA)₂]) is copied into the
    /// inserted stages and keeps its values on both sides: a section's ends are fixed by its
    /// feeds, not by its length. Values are kept at or below the unknown's largest coarse value.
    static func refine(_ coarse: [Double], coarseCascade: Cascade, fine: Cascade, network: CascadeNetwork,
                       tailFraction: Double, tailStep: Double) -> [Double] {
        let b = network.blockSize, ne = network.elementCount
        let coarseRanges = coarseCascade.sectionStageRanges, fineRanges = fine.sectionStageRanges
        let sectionCount = coarseRanges.count
        precondition(sectionCount == fineRanges.count && coarse.count == coarseCascade.stageCount * b)
        // Concentration unknowns (compared by their values) and logarithmic ones (by their logs).
        let concentration = (0..<b).map { c in c < ne || (network.hasCation && c == ne + 1) }
        // Insertion point of each section: after coarse stage p (0-based), inserting e stages.
        var insertAfter = [Int](repeating: 0, count: sectionCount)
        var inserted = [Int](repeating: 0, count: sectionCount)
        for k in 0..<sectionCount {
            let a = coarseRanges[k].lowerBound - 1, z = coarseRanges[k].upperBound - 1
            inserted[k] = fineRanges[k].count - coarseRanges[k].count
            var best = (change: Double.infinity, after: z)
            for p in a..<z {
                var total = 0.0, difference = 0.0, logChange = 0.0
                for c in 0..<b {
                    let u = coarse[p * b + c], v = coarse[(p + 1) * b + c]
                    if concentration[c] {
                        total += exp(u); difference += abs(exp(v) - exp(u))
                    } else {
                        logChange += abs(v - u)
                    }
                }
                let change = difference / max(total, .leastNormalMagnitude) + logChange
                if change < best.change { best = (change, p) }
            }
            insertAfter[k] = best.after
        }
        // Segment s holds the coarse stages between insertions s − 1 and s.
        func segment(ofStage i: Int) -> Int { insertAfter.firstIndex { i <= $0 } ?? sectionCount }
        var fineUnknowns = [Double](repeating: 0, count: fine.stageCount * b)
        var shift = [Double](repeating: 0, count: sectionCount + 1)
        var step = [Double](repeating: 0, count: sectionCount)
        for c in 0..<b {
            var largest = (value: -Double.infinity, stage: 0)
            for i in 0..<coarseCascade.stageCount where coarse[i * b + c] > largest.value { largest = (coarse[i * b + c], i) }
            for k in 0..<sectionCount {
                let p = insertAfter[k]
                // A one-stage section is copied (its step would cross into the next section).
                var stageTotal = 0.0
                for l in 0..<b where concentration[l] { stageTotal += exp(coarse[p * b + l]) }
                let d = coarseRanges[k].count > 1 ? coarse[(p + 1) * b + c] - coarse[p * b + c] : 0
                let tail = concentration[c] && (exp(coarse[p * b + c]) < tailFraction * stageTotal || abs(d) > tailStep)
                step[k] = tail ? d : 0
            }
            let anchor = segment(ofStage: largest.stage)
            shift[anchor] = 0
            if anchor < sectionCount {
                for s in (anchor + 1)...sectionCount { shift[s] = shift[s - 1] + Double(inserted[s - 1]) * step[s - 1] }
            }
            if anchor > 0 {
                for s in stride(from: anchor - 1, through: 0, by: -1) { shift[s] = shift[s + 1] - Double(inserted[s]) * step[s] }
            }
            func keep(_ v: Double) -> Double { min(largest.value, v) }
            var f = 0
            for i in 0..<coarseCascade.stageCount {
                let s = segment(ofStage: i)
                fineUnknowns[f * b + c] = keep(coarse[i * b + c] + shift[s]); f += 1
                if s < sectionCount && i == insertAfter[s] && inserted[s] > 0 {
                    for m in 1...inserted[s] {
                        fineUnknowns[f * b + c] = keep(coarse[i * b + c] + shift[s] + Double(m) * step[s]); f += 1
                    }
                }
            }
            precondition(f == fine.stageCount)
        }
        return fineUnknowns
    }
}
