/// A Monte Carlo study of a flowsheet (`sxsim uncertainty`, docs/uncertainty.md): the
/// uncertain values, the number of samples and the seed of their Latin-hypercube design.
///
/// Sample i (1-based) sets every parameter k to its distribution's quantile at u_ik of the
/// design, written as the text the flowsheet reads ("1.5173 L/h"). Samples are items of the
/// sweep machinery (`SweepCase`: number and assignments), so they run, shard and merge exactly
/// as a sweep's cases do (`SweepRunner`, `SweepShard`, `SweepCSV.merge(indexColumn: "sample")`).
public struct UncertaintyStudy: Sendable {
    /// Most samples in one study (rows are held in memory, as for a sweep).
    public static let maximumSamples = SweepGrid.maximumCases
    /// The first column of the study's CSV.
    public static let indexColumn = "sample"

    public let parameters: [UncertainParameter]
    public let sampleCount: Int
    public let seed: UInt64
    let design: LatinHypercube

    public init(parameters: [UncertainParameter], samples: Int, seed: UInt64) throws(SweepError) {
        if parameters.isEmpty { throw SweepError("nothing to vary: give at least one --vary KEY=DISTRIBUTION(...)") }
        var seen = Set<String>()
        for p in parameters where !seen.insert(p.key).inserted {
            throw SweepError("the key '\(p.key)' is varied twice; give it one distribution")
        }
        guard (1...Self.maximumSamples).contains(samples) else {
            throw SweepError("--samples \(samples): give 1 to \(Self.maximumSamples) samples")
        }
        self.parameters = parameters
        sampleCount = samples
        self.seed = seed
        design = LatinHypercube(samples: samples, dimensions: parameters.count, seed: seed)
    }

    /// Sample `number` (1-based): every parameter's value text.
    public func sample(_ number: Int) -> SweepCase {
        let u = design.point(number)
        return SweepCase(number: number, assignments: parameters.enumerated().map { k, p in
            (key: p.key, value: p.value(atQuantile: u[u.startIndex + k]))
        })
    }

    /// The sample numbers to run: all, or a shard's contiguous block (nil when it is empty).
    public func samples(shard: SweepShard?) -> ClosedRange<Int>? {
        guard let shard else { return 1...sampleCount }
        return shard.cases(of: sampleCount)
    }

    /// The CSV header: `sample,<keys…>,<result columns…>`.
    public func header(resultColumns: [String]) -> String {
        SweepCSV.line([Self.indexColumn] + parameters.map(\.key) + resultColumns)
    }

    /// The CSV: header and one row per sample in sample order.
    public func document(resultColumns: [String], rows: [(SweepCase, [String])]) -> String {
        ([header(resultColumns: resultColumns)] + rows.map { SweepCSV.row($0.0, $0.1) }).map { $0 + "\n" }.joined()
    }
}
