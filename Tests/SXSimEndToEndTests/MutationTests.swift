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

    /// True when the diagnostic has an id SXnnn and points into the mutant: its file, a line of
    /// the text (or just past its end, where libyaml reports an unexpected end), a column
    /// within that line (or just past it). The mutants carry no overrides.
    static func isLocated(_ d: Diagnostic, in text: String) -> Bool {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard d.id.code.count == 5, d.id.code.hasPrefix("SX"), d.location.file == "mutant.yaml",
              d.location.line >= 1, d.location.line <= lines.count + 1, d.location.column >= 1 else { return false }
        let line = d.location.line <= lines.count ? lines[d.location.line - 1] : ""
        return d.location.column <= line.utf8.count + 2
    }

    /// The location check itself can fail: positions outside the text, another file, are rejected.
    @Test func locationCheckRejectsPositionsOutsideTheText() {
        let text = "version: 1\nelements: [Pr]\n"
        func at(_ file: String, _ line: Int, _ column: Int) -> Diagnostic {
            Diagnostic(.unknownKey, "x", at: TextLocation(file: file, line: line, column: column))
        }
        #expect(Self.isLocated(at("mutant.yaml", 2, 3), in: text))
        #expect(!Self.isLocated(at("mutant.yaml", 9, 1), in: text))
        #expect(!Self.isLocated(at("mutant.yaml", 1, 40), in: text))
        #expect(!Self.isLocated(at("other.yaml", 1, 1), in: text))
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
                    // Diagnostics: at least one error, every one located inside the text with a stable id.
                    #expect(check.diagnostics.contains { $0.severity == .error }, "mutant \(index) of \(name) failed without an error diagnostic")
                    for d in check.diagnostics where !Self.isLocated(d, in: text) {
                        Issue.record("mutant \(index) of \(name): \(d.id.code) at \(d.location) is not inside the text:\n\(d)")
                    }
                    diagnosed += 1
                    continue
                }
                guard Self.solvable.contains(name),
                      let f = FlowsheetParser.parse(text: text, fileName: "mutant.yaml").flowsheet,
                      f.train.cascades.reduce(0, { $0 + $1.stageCount }) <= 200 else { continue }
                let run = Pipeline.run(text: text, fileName: "mutant.yaml", measureTime: false)
                #expect(run.report != nil || run.status == .inputError, "mutant \(index) of \(name): neither a report nor diagnostics")
                if run.status == .inputError {
                    #expect(run.diagnostics.contains { $0.severity == .error && Self.isLocated($0, in: text) },
                            "mutant \(index) of \(name): run refused it without a located diagnostic:\n\(run.standardError)")
                }
                solved += 1
            }
        }
        #expect(checked >= 300)
        #expect(diagnosed > 0 && solved > 0, "diagnosed \(diagnosed), solved \(solved)")
        print("mutation test: \(checked) mutants, \(diagnosed) diagnosed, \(solved) solved, \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }
}
