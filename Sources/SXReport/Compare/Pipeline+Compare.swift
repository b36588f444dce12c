import SXFlowsheet

/// What `sxsim compare` prints and exits with (docs/cli.md, "sxsim compare").
public struct CompareOutput: Sendable {
    /// 0 no difference beyond the tolerance, 1 differences, 2 an input is not a valid
    /// flowsheet or not an sxsim run report.
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
    public var comparison: ReportComparison?
}

extension Pipeline {
    /// Reads one side of a comparison: a saved run report (JSON of format "sxsim-run") or a
    /// flowsheet, which is solved. Text that starts with "{" and parses as JSON is a report
    /// (a flowsheet in YAML flow style does not parse as JSON: keys are unquoted).
    public static func comparedReport(text: String, fileName: String) -> (report: ComparedReport?, standardError: String) {
        if text.drop(while: { $0.isWhitespace }).first == "{", let json = try? JSONValue.parse(text) {
            do throws(ComparedReport.FormatError) {
                return (try ComparedReport(json: json, source: fileName, kind: "saved report"), "")
            } catch {
                return (nil, "sxsim compare: \(error.message)\n")
            }
        }
        let out = run(text: text, fileName: fileName, measureTime: false)
        guard let report = out.report else { return (nil, out.standardError) }
        return (ComparedReport(report: report, source: fileName), out.standardError)
    }

    /// `sxsim compare A B`: both sides read (flowsheets solved), then compared.
    public static func compare(_ a: (text: String, fileName: String), _ b: (text: String, fileName: String),
                               tolerance: Double = 1e-9, json: Bool = false) -> CompareOutput {
        let x = comparedReport(text: a.text, fileName: a.fileName)
        let y = comparedReport(text: b.text, fileName: b.fileName)
        let stderr = x.standardError + y.standardError
        guard let ra = x.report, let rb = y.report else {
            return CompareOutput(status: RunStatus.inputError.exitCode, standardOutput: "", standardError: stderr, comparison: nil)
        }
        let c = ReportComparison(ra, rb, tolerance: tolerance)
        return CompareOutput(status: c.differs ? 1 : 0, standardOutput: json ? c.json().rendered() + "\n" : c.text(),
                             standardError: stderr, comparison: c)
    }
}
