import Foundation
import Testing
import SXReport
import SXFlowsheet
import SXDesign

/// Issue 13, item 15: the text reports of every example, with stage profiles, print numbers in
/// engineering form: no "4e+04", no "1.5e-05" (exponents are multiples of 3, without sign padding).
struct EngineeringFormTests {
    @Test(arguments: Repository.examples)
    func textReportsUseEngineeringForm(_ name: String) throws {
        let text = Pipeline.run(text: try Repository.text("Flowsheets/\(name).yaml"), fileName: name, options: ReportOptions(profiles: true),
                                measureTime: false).standardOutput
        let exponent = try NSRegularExpression(pattern: #"\d[eE]([+-]?)(\d+)"#)
        let ns = text as NSString
        let hits = exponent.matches(in: text, range: NSRange(location: 0, length: ns.length)).filter { m in
            let sign = ns.substring(with: m.range(at: 1)), digits = ns.substring(with: m.range(at: 2))
            return sign == "+" || digits.hasPrefix("0") || (Int(digits) ?? 1) % 3 != 0
        }.map { ns.substring(with: $0.range) }
        #expect(hits.isEmpty, "\(hits.prefix(5))")
    }

    /// Diagnostics and design messages too (before: "runs at 1e+300 °C", "holds at 25.0 °C",
    /// Fenske's "9.9e+06 stages").
    @Test func messagesUseEngineeringForm() throws {
        let path = "Flowsheets/prnd-split.yaml"
        let out = Pipeline.check(text: try Repository.text(path), fileName: path, overrides: [Override(keyPath: "temperature", value: "1e300 K")])
        let warning = try #require(out.diagnostics.first { $0.id == .temperatureMismatch })
        #expect(warning.message.contains("holds at 25 °C but the flowsheet runs at 1e300 °C"), "\(warning.message)")
        let spec = try DesignFile.parse(text: "", options: [("elements", "Pr,Nd"), ("feed-concentrations", "0.25,0.75"),
                                                          ("separation-factors", "1,1.000001"), ("split", "Pr|Nd"),
                                                          ("organic-purity", "0.995"), ("raffinate-purity", "0.99")])
        let error = #expect(throws: DesignSpecificationError.self) { try Designer.design(spec) }
        let message = error?.problems.joined() ?? ""
        #expect(message.contains("stages even at total reflux") && !message.contains("e+"), "\(message)")
    }
}
