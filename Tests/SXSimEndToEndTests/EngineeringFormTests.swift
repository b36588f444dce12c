import Foundation
import Testing
import SXReport

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
}
