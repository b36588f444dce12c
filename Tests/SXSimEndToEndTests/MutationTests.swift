import Foundation
import Testing
import SXFlowsheet
import SXModel
import SXReport
import SXTestSupport

/// Hundreds of randomly mutated and truncated example files, each taken through the same
/// code path as `sxsim check` and (for the small examples) `sxsim run`: every one must end
/// in diagnostics or a result. A crash would end the test process; the seed makes any such
/// failure repeatable (set SXSIM_MUTATION_VERBOSE=1 to print each mutant's index first).
struct MutationTests {
    static let seed: UInt64 = 0x5853_5349_4D33   // "SXSIM3"
    static let mutantsPerExample = 50
    /// Examples small enough to solve hundreds of times in a test (all stages ≤ 60).
    static let solvable: Set<String> = ["kremser", "fractional-extraction", "xu-model", "ndsm-split"]

    static let fragments = [":", "-", "{", "}", "[", "]", "#", "\t", " ", "\n", "'", "\"", "&", "*", "!", "%", "|", ">",
                            "0", "9", ".", "e", "~", "ü", "\u{0}"]
    static let replacements = ["0", "-1", "1e308", "1e-308", "nan", ".inf", "-.inf", "999999", "1e400", "0 L/h", "~", "[]", "{}",
                               "\"\"", "1 mol/L", "100 %", "-5 %", "extraction.last", "stage.0", "K", "&a", "*a"]

    static func mutate(_ text: String, using rng: inout SplitMix64) -> String {
        var s = Array(text.unicodeScalars)
        let operations = Int.random(in: 1...3, using: &rng)
        for _ in 0..<operations {
            guard !s.isEmpty else { break }
            switch Int.random(in: 0..<8, using: &rng) {
            case 0:  // truncate
                s = Array(s.prefix(Int.random(in: 0..<s.count, using: &rng)))
            case 1:  // delete a span
                let a = Int.random(in: 0..<s.count, using: &rng)
                s.removeSubrange(a..<min(s.count, a + Int.random(in: 1...20, using: &rng)))
            case 2:  // replace a character with a YAML-significant one
                let a = Int.random(in: 0..<s.count, using: &rng)
                s.replaceSubrange(a...a, with: fragments.randomElement(using: &rng)!.unicodeScalars)
            case 3, 4, 5:  // line operations: duplicate, delete, swap
                var lines = String(String.UnicodeScalarView(s)).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let a = Int.random(in: 0..<lines.count, using: &rng), b = Int.random(in: 0..<lines.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: lines.insert(lines[a], at: b)
                case 1: lines.remove(at: a)
                default: lines.swapAt(a, b)
                }
                s = Array(lines.joined(separator: "\n").unicodeScalars)
            default:  // replace a number with an extreme or odd value
                let str = String(String.UnicodeScalarView(s))
                let regex = try! NSRegularExpression(pattern: #"-?\d+(\.\d+)?([eE][-+]?\d+)?( ?(L/h|mol/L|%|m3/h|g/L REO))?"#)
                let matches = regex.matches(in: str, range: NSRange(location: 0, length: (str as NSString).length))
                guard let m = matches.randomElement(using: &rng) else { break }
                let replaced = (str as NSString).replacingCharacters(in: m.range, with: replacements.randomElement(using: &rng)!)
                s = Array(replaced.unicodeScalars)
            }
        }
        return String(String.UnicodeScalarView(s))
    }

    @Test func mutatedExamplesEndInDiagnosticsOrResults() throws {
        var rng = SplitMix64(seed: Self.seed)
        let verbose = ProcessInfo.processInfo.environment["SXSIM_MUTATION_VERBOSE"] == "1"
        var diagnosed = 0, solved = 0, checked = 0, index = 0
        let start = Date()
        for name in Repository.examples {
            let original = try Repository.text("Flowsheets/\(name).yaml")
            for _ in 0..<Self.mutantsPerExample {
                index += 1
                let text = Self.mutate(original, using: &rng)
                if verbose { print("mutant \(index) of \(name)") }
                let check = Pipeline.check(text: text, fileName: "mutant.yaml")
                checked += 1
                if check.status == .inputError {
                    // Diagnostics, every one located inside the text with a stable id.
                    #expect(!check.diagnostics.filter { $0.severity == .error }.isEmpty || check.standardError.contains("error"),
                            "mutant \(index) of \(name) failed without a diagnostic")
                    diagnosed += 1
                    continue
                }
                guard Self.solvable.contains(name),
                      let f = FlowsheetParser.parse(text: text, fileName: "mutant.yaml").flowsheet,
                      f.train.cascades.reduce(0, { $0 + $1.stageCount }) <= 200 else { continue }
                let run = Pipeline.run(text: text, fileName: "mutant.yaml", measureTime: false)
                #expect(run.report != nil || run.status == .inputError, "mutant \(index) of \(name): neither a report nor diagnostics")
                solved += 1
            }
        }
        #expect(checked >= 300)
        #expect(diagnosed > 0 && solved > 0, "diagnosed \(diagnosed), solved \(solved)")
        print("mutation test: \(checked) mutants, \(diagnosed) diagnosed, \(solved) solved, \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }
}
