import Foundation
import SXFlowsheet
import SXModel

/// Output formats of a run report.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, json, csv
    /// One self-contained HTML page with the plots (HTML/HTMLReport.swift).
    case html
    /// One plot, chosen by `ReportOptions.plot` (HTML/SinglePlot.swift).
    case svg
}

/// What to include beyond the product summary.
public struct ReportOptions: Sendable {
    /// Stage-by-stage tables (aqueous and organic concentrations, D, pH, loading).
    public var profiles = false
    /// Show the numbers of the last iterate when the solve did not reach a steady state
    /// (marked as such); without it such a report withholds them ("n/a", null, empty cells).
    public var lastIterate = false
    /// The plot of `--format svg`, and the cascade it shows (nil: the first).
    public var plot: PlotKind = .profiles
    public var cascade: String?
    /// CSV only: the table of target limits (one row per limit, with value, margin and verdict)
    /// instead of the products.
    public var targets = false
    /// Add the local sensitivities (`SensitivityTable`): a section of the text, a
    /// "sensitivities" member of the JSON, and, in CSV, their table instead of the products.
    public var sensitivities = false
    public init(profiles: Bool = false, lastIterate: Bool = false, plot: PlotKind = .profiles, cascade: String? = nil, targets: Bool = false,
                sensitivities: Bool = false) {
        self.targets = targets
        self.sensitivities = sensitivities
        self.profiles = profiles
        self.lastIterate = lastIterate
        self.plot = plot
        self.cascade = cascade
    }
}

extension RunReport {
    /// True when the writers print the solution's numbers: a steady state, or the last
    /// iterate on explicit request.
    func showsNumbers(_ options: ReportOptions) -> Bool { isSteadyState || options.lastIterate }

    /// Writes the report in `format` to `stream`.
    public func write<Target: TextOutputStream>(_ format: ReportFormat, options: ReportOptions = ReportOptions(), to stream: inout Target) {
        switch format {
        case .text: writeText(options: options, to: &stream)
        case .json: stream.write(json(options: options).rendered() + "\n")
        case .csv: writeCSV(options: options, to: &stream)
        case .html: stream.write(html())
        case .svg: stream.write(svg(options: options))
        }
    }

    /// The report as a string.
    public func rendered(_ format: ReportFormat, options: ReportOptions = ReportOptions()) -> String {
        var s = ""
        write(format, options: options, to: &s)
        return s
    }
}

/// Number formatting shared by the writers (fixed, documented precision: golden files
/// compare numbers at this precision).
enum Fmt {
    /// Significant digits in engineering form (plain digits from 0.001 to 1e9, "40000 L/h", not "4e+04").
    static func g(_ x: Double, _ digits: Int = 4) -> String { eng(x, digits) }
    /// Engineering form (`SXFlowsheet.EngineeringFormat`): "0.2885", "40000", "15.3e-9".
    static func eng(_ x: Double, _ digits: Int = 4) -> String { EngineeringFormat.string(x, digits: digits) }

    static func f(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : "inf" }
        let s = String(format: "%.\(decimals)f", x)
        return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
    }
    static func e(_ x: Double, _ digits: Int = 2) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : "inf" }
        return String(format: "%.\(digits)e", x)
    }
    /// Percent with 4 decimals (or `decimals`); tiny values in scientific notation so impurities stay visible.
    static func pct(_ fraction: Double, decimals: Int = 4) -> String {
        let p = fraction * 100
        if p != 0 && abs(p) < 0.001 { return eng(p, 3) }
        return f(p, decimals)
    }

    /// A limit in percent as written: 4 decimals when they hold it ("99.5000"), else as many as
    /// it has ("99.99999", which 4 decimals would show as 100.0000).
    static func limit(_ fraction: Double) -> String {
        let p = fraction * 100
        let fixed = f(p, 4)
        if let v = Double(fixed), abs(v - p) <= 1e-9 * max(1, abs(p)) { return fixed }
        return String(format: "%.10g", p)
    }

    /// Decimals of a limit as `limit` prints it (at least 4): values compared with it use as many.
    static func decimals(ofLimit fraction: Double) -> Int {
        let text = limit(fraction)
        return max(4, text.split(separator: ".").dropFirst().first?.count ?? 0)
    }
    /// One limit as the text report prints it, without the verdict:
    /// "Nd2O3 purity 99.9880 % (min 99.5000 %, margin +0.4880 pp)",
    /// "Sm2O3 3.2 ppm (max 10 ppm, margin 6.8 ppm)", "free acid 0.1200 mol/L (max 0.5 mol/L, margin 0.38 mol/L)".
    /// `show` false withholds the value and margin (n/a).
    static func limitCheck(_ l: RunReport.LimitCheck, show: Bool) -> String {
        let oxides = l.elements.map(\.oxideFormula).joined(separator: "+")
        let symbols = l.elements.map(\.symbol).joined(separator: "+")
        let value = show ? l.value : nil
        func signed(_ s: String) -> String { s.hasPrefix("-") ? s : "+" + s }
        switch l.kind {
        case .minPurity, .minRecovery:
            let d = decimals(ofLimit: l.limit)
            let what = l.kind == .minPurity ? "\(oxides) purity" : "\(symbols) recovery"
            guard let v = value, let m = l.margin else { return "\(what) \(notAvailable) (min \(limit(l.limit)) %)" }
            return "\(what) \(pct(v, decimals: d)) % (min \(limit(l.limit)) %, margin \(signed(f(m * 100, d))) pp)"
        case .maxImpurity:
            // Limits below 0.1 % read in ppm, larger ones in %.
            let ppm = l.limit < 1e-3
            func amount(_ x: Double) -> String { ppm ? "\(g(x * 1e6, 4)) ppm" : "\(pct(x)) %" }
            func bound(_ x: Double) -> String { ppm ? "\(g(x * 1e6, 6)) ppm" : "\(limit(x)) %" }
            guard let v = value, let m = l.margin else { return "\(oxides) \(notAvailable) (max \(bound(l.limit)))" }
            return "\(oxides) \(amount(v)) (max \(bound(l.limit)), margin \(signed(amount(m))))"
        case .maxAcidity, .maxOxide:
            let what = l.kind == .maxAcidity ? "free acid" : "total"
            let unit = l.kind == .maxAcidity ? "mol/L" : "g/L REO"
            guard let v = value, let m = l.margin else { return "\(what) \(notAvailable) (max \(g(l.limit, 6)) \(unit))" }
            return "\(what) \(g(v, 4)) \(unit) (max \(g(l.limit, 6)) \(unit), margin \(signed(g(m, 4))) \(unit))"
        }
    }

    /// What a withheld number prints as in text.
    static let notAvailable = "n/a"

    /// The worst |closure| over elements, at the solver summary's precision.
    static func closure(_ values: [Double]) -> String {
        let worst = values.map(abs).max() ?? 0
        return worst < 1e-12 ? "< 1e-12" : eng(worst, 2)
    }

    static func pad(_ s: String, _ width: Int, right: Bool = true) -> String {
        let n = s.count
        if n >= width { return s }
        return right ? String(repeating: " ", count: width - n) + s : s + String(repeating: " ", count: width - n)
    }
}
